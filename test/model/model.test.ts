// The model description: validation names the path and the value; compilation gives PyTorch state-dict
// names, streamed layers, masks and master/wire layouts; init follows PyTorch's defaults.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { rootPath } from '../../src/paths.js';
import { compileModel, initParams, loadModelFile, packWire, PRESETS, resolveModel, setFromTorch, toTorch, validateModel, withSparsity, zeroParams } from '../../src/model/index.js';
import { encodeStream, maskZeros, transposeStream } from '../../src/sparse/stream.js';

const mlp = (layers: unknown[]) => ({ input: 4, layers });

describe('validation: every fault names its path and value', () => {
  const cases: [string, unknown, string][] = [
    ['unknown layer type', mlp([{ type: 'linear', out: 3 }, { type: 'conv' }]), 'layers[1].type: expected one of linear, relu, gelu, layernorm, residual, embedding, attention, lm_head, got "conv"'],
    ['zero width', mlp([{ type: 'linear', out: 0 }]), 'layers[0].out: expected an integer in [1, 1048576], got 0'],
    ['negative width', mlp([{ type: 'relu' }, { type: 'linear', out: 3 }, { type: 'linear', out: -1 }]), 'layers[2].out: expected an integer in [1, 1048576], got -1'],
    ['fractional width', mlp([{ type: 'linear', out: 2.5 }]), 'layers[0].out: expected an integer'],
    ['sparsity 1', mlp([{ type: 'linear', out: 3, sparsity: 1 }]), 'layers[0].sparsity: expected a finite number >= 0, < 1, got 1'],
    ['negative sparsity', mlp([{ type: 'linear', out: 3, sparsity: -0.1 }]), 'layers[0].sparsity: expected a finite number >= 0, < 1, got -0.1'],
    ['sparsity and mask', mlp([{ type: 'linear', out: 2, sparsity: 0.5, mask: [1, 1, 1, 1, 1, 1, 1, 1] }]), 'layers[0].mask: expected either sparsity or mask, not both'],
    ['mask of the wrong length', mlp([{ type: 'linear', out: 2, mask: [1, 0, 1] }]), 'layers[0].mask.length: expected out·in = 2·4 = 8 entries ([out, in] row-major), got 3'],
    ['mask value not 0/1', mlp([{ type: 'linear', out: 2, mask: [1, 0, 1, 2, 1, 1, 1, 1] }]), 'layers[0].mask[3]: expected 0 or 1, got 2'],
    ['all-zero mask', mlp([{ type: 'linear', out: 2, mask: [0, 0, 0, 0, 0, 0, 0, 0] }]), 'layers[0]: expected a mask that keeps at least one weight'],
    ['residual changes the width', mlp([{ type: 'residual', layers: [{ type: 'linear', out: 3 }] }, { type: 'linear', out: 2 }]), "layers[0].layers: expected the inner layers to output the block's input width 4"],
    ['nested path', mlp([{ type: 'linear', out: 4 }, { type: 'residual', layers: [{ type: 'relu' }, { type: 'linear', out: 0 }] }]), 'layers[1].layers[1].out: expected an integer'],
    ['empty residual', mlp([{ type: 'residual', layers: [] }]), 'layers[0].layers: expected at least one layer'],
    ['unknown field', mlp([{ type: 'linear', out: 3, outs: 4 }]), 'layers[0].outs: unknown field'],
    ['bias not boolean', mlp([{ type: 'linear', out: 3, bias: 'yes' }]), 'layers[0].bias: expected true or false, got "yes"'],
    ['layernorm eps 0', mlp([{ type: 'linear', out: 3 }, { type: 'layernorm', eps: 0 }]), 'layers[1].eps: expected a positive number, got 0'],
    ['missing input', { layers: [{ type: 'linear', out: 3 }] }, 'input: expected an integer in [1, 1048576], got undefined'],
    ['no layers', { input: 3, layers: [] }, 'layers: expected at least one layer'],
    ['no weights', mlp([{ type: 'relu' }]), 'layers: expected at least one layer with weights'],
    ['one class', mlp([{ type: 'linear', out: 1 }]), 'layers: expected the last layer to output >= 2 classes'],
    ['unknown loss', { ...mlp([{ type: 'linear', out: 3 }]), loss: 'mse' }, 'loss: expected one of softmax_cross_entropy, got "mse"'],
    ['not an object', 42, 'model: expected an object, got 42'],
  ];
  for (const [name, spec, msg] of cases) {
    test(name, () => {
      let err: unknown;
      try {
        compileModel(spec);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toContain(msg);
    });
  }

  test("docs/model.md quotes the validator's messages as it gives them", () => {
    const specs = [
      mlp([{ type: 'linear', out: 2 }, { type: 'conv' }]),
      mlp([{ type: 'linear', out: 8 }, { type: 'relu' }, { type: 'linear', out: -1 }]),
      mlp([{ type: 'linear', out: 2, sparsity: 1 }]),
      mlp([{ type: 'linear', out: 2, mask: [1, 0, 1] }]),
      mlp([{ type: 'residual', layers: [{ type: 'linear', out: 3 }] }, { type: 'linear', out: 2 }]),
      mlp([{ type: 'linear', outs: 2 }]),
    ];
    const messages = specs.map((spec) => {
      try {
        validateModel(spec);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    });
    const doc = readFileSync(rootPath('docs', 'model.md'), 'utf8');
    const block = /naming its path and value, e\.g\.\n\n```\n([\s\S]*?)```/.exec(doc);
    expect(block?.[1].trim().split('\n')).toEqual(messages);
  });

  test('defaults are filled in', () => {
    const m = validateModel(mlp([{ type: 'linear', out: 3 }, { type: 'layernorm' }]));
    expect(m.layers[0]).toEqual({ type: 'linear', out: 3, bias: true });
    expect(m.layers[1]).toEqual({ type: 'layernorm', eps: 1e-5 });
    expect(m.loss).toBe('softmax_cross_entropy');
  });
});

describe('compilation', () => {
  const res = {
    input: 6,
    layers: [
      { type: 'linear', out: 8 },
      { type: 'relu' },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 8, sparsity: 0.75 }, { type: 'gelu' }, { type: 'linear', out: 8, bias: false }] },
      { type: 'linear', out: 3 },
    ],
  };

  test('parameter names, shapes and order are those of the PyTorch state dict', () => {
    const plan = compileModel(res);
    expect(plan.params.map((p) => [p.name, p.torchShape])).toEqual([
      ['0.weight', [8, 6]],
      ['0.bias', [8]],
      ['2.inner.0.weight', [8]],
      ['2.inner.0.bias', [8]],
      ['2.inner.1.weight', [8, 8]],
      ['2.inner.1.bias', [8]],
      ['2.inner.3.weight', [8, 8]],
      ['3.weight', [3, 8]],
      ['3.bias', [3]],
    ]);
    expect(plan.classes).toBe(3);
    expect(plan.torchParams).toBe(8 * 6 + 8 + 8 + 8 + 64 + 8 + 64 + 24 + 3);
  });

  test('streamed layers: each op with weights plus the param-free ops after it', () => {
    const plan = compileModel(res);
    expect(plan.ops.map((o) => o.kind)).toEqual(['linear', 'relu', 'residual_begin', 'layernorm', 'linear', 'gelu', 'linear', 'residual_end', 'linear']);
    expect(plan.layers.map((l) => l.ops)).toEqual([[0, 1, 2], [3], [4, 5], [6, 7], [8]]);
    expect(plan.layers.map((l) => l.module)).toEqual(['0', '2.inner.0', '2.inner.1', '2.inner.3', '3']);
    const lead = compileModel({ input: 4, layers: [{ type: 'relu' }, { type: 'linear', out: 2 }] });
    expect(lead.layers.map((l) => l.ops)).toEqual([[0, 1]]);
  });

  test('master and wire layouts: dense = K·N, sparse = nnz values and a K + 2·nnz word stream', () => {
    const plan = compileModel(res);
    const sparseW = plan.params[4];
    expect(sparseW.sparse).not.toBeNull();
    expect(sparseW.size).toBe(64 - maskZeros(8, 8, 0.75));
    expect(sparseW.wireWords).toBe(8 + 2 * sparseW.size);
    const L = plan.layers[2];
    expect(L.paramFloats).toBe(sparseW.size + 8);
    expect(L.wireWords).toBe(sparseW.wireWords + 8);
    expect(plan.params[5].offset).toBe(sparseW.size);
    expect(plan.params[5].wireOffset).toBe(sparseW.wireWords);
  });

  test('seeded masks are reproducible and depend on the seed', () => {
    const a = compileModel({ input: 16, layers: [{ type: 'linear', out: 16, sparsity: 0.9, maskSeed: 1 }] });
    const b = compileModel({ input: 16, layers: [{ type: 'linear', out: 16, sparsity: 0.9, maskSeed: 1 }] });
    const c = compileModel({ input: 16, layers: [{ type: 'linear', out: 16, sparsity: 0.9, maskSeed: 2 }] });
    expect(a.params[0].sparse!.maskKN).toEqual(b.params[0].sparse!.maskKN);
    expect(a.params[0].sparse!.maskKN).not.toEqual(c.params[0].sparse!.maskKN);
    expect(a.params[0].size).toBe(256 - Math.round(0.9 * 256));
  });

  test('an explicit mask is in PyTorch layout [out, in]', () => {
    // out = 2, in = 3: keep weight[0][2] and weight[1][0]
    const plan = compileModel({ input: 3, layers: [{ type: 'linear', out: 2, mask: [0, 0, 1, 1, 0, 0] }] });
    const p = plan.params[0];
    expect(p.size).toBe(2);
    const t = toTorch(p, initParams(plan, 3)[0]);
    expect([...t].map((v) => v !== 0)).toEqual([false, false, true, true, false, false]);
  });
});

describe('parameters', () => {
  const plan = compileModel({ input: 50, layers: [{ type: 'linear', out: 20 }, { type: 'layernorm' }, { type: 'linear', out: 5, sparsity: 0.5 }] });

  test('init: PyTorch default bounds 1/sqrt(in), LayerNorm 1 and 0, seeded', () => {
    const P = initParams(plan, 42);
    const w0 = toTorch(plan.params[0], P[0]);
    const b0 = toTorch(plan.params[1], P[0]);
    const bound = 1 / Math.sqrt(50);
    expect(Math.max(...w0.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w0.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...b0.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect([...toTorch(plan.params[2], P[1])]).toEqual(new Array(20).fill(1));
    expect([...toTorch(plan.params[3], P[1])]).toEqual(new Array(20).fill(0));
    expect(initParams(plan, 42)).toEqual(P);
    expect(initParams(plan, 43)[0]).not.toEqual(P[0]);
  });

  test('a mask does not move the other values: a sparse weight keeps the dense draws at its positions', () => {
    const dense = compileModel({ input: 50, layers: [{ type: 'linear', out: 20 }, { type: 'layernorm' }, { type: 'linear', out: 5 }] });
    const ts = toTorch(plan.params[4], initParams(plan, 7)[2]);
    const td = toTorch(dense.params[4], initParams(dense, 7)[2]);
    for (let i = 0; i < ts.length; i++) if (ts[i] !== 0) expect(ts[i]).toBe(td[i]);
  });

  test('toTorch / setFromTorch round trip, W[k, n] = weight[n, k]', () => {
    const P = initParams(plan, 1);
    const Q = zeroParams(plan);
    for (const p of plan.params) setFromTorch(p, Q[p.layer], toTorch(p, P[p.layer]));
    expect(Q).toEqual(P);
    const p0 = plan.params[0];
    const t = toTorch(p0, P[0]);
    expect(t[3 * 50 + 7]).toBe(P[0][7 * 20 + 3]); // weight[n=3, k=7] = W[k=7, n=3]
  });

  test('packWire writes the same stream as the sparse encoder (src/sparse/stream.ts)', () => {
    const P = initParams(plan, 5);
    const L = plan.layers[2];
    const wire = new Float32Array(L.wireWords);
    packWire(plan, 2, P[2], wire, 'backward');
    const p = plan.params[4];
    const [N, K] = p.torchShape;
    const t = toTorch(p, P[2]);
    const W = new Float32Array(K * N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) W[k * N + n] = t[n * K + k];
    const s = encodeStream(W, K, N, p.sparse!.maskKN);
    expect(new Uint32Array(wire.buffer, 0, p.wireWords)).toEqual(s.words);
    expect(wire.subarray(p.wireWords)).toEqual(P[2].subarray(p.size)); // the bias follows, as is
    // the forward wire: the column layout of the same weights (the row layout of Wᵀ), then the bias
    const fwd = new Float32Array(L.fwdWireWords);
    packWire(plan, 2, P[2], fwd, 'forward');
    expect(p.fwdWireWords).toBe(N + 2 * p.size);
    expect(L.fwdWireWords).toBe(p.fwdWireWords + N);
    expect(plan.params[5].fwdWireOffset).toBe(p.fwdWireWords);
    expect(new Uint32Array(fwd.buffer, 0, p.fwdWireWords)).toEqual(transposeStream(s).words);
    expect(fwd.subarray(p.fwdWireWords)).toEqual(P[2].subarray(p.size));
    expect(() => packWire(plan, 2, P[2], new Float32Array(L.fwdWireWords - 1), 'forward')).toThrow(/^packWire\.wire\.length: expected >= \d+/);
  });
});

describe('files and presets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-model-'));
  test('a JSON model file is validated; errors name the file and the path', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(mlp([{ type: 'linear', out: 3 }])));
    expect(loadModelFile(good).input).toBe(4);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(mlp([{ type: 'linear', out: 0 }])));
    expect(() => loadModelFile(bad)).toThrow(`${bad}: layers[0].out: expected an integer`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "input": 4, ');
    expect(() => loadModelFile(broken)).toThrow(/--model: expected valid JSON/);
    expect(() => loadModelFile(join(dir, 'none.json'))).toThrow(/--model: expected a readable JSON file \(ENOENT\)/);
  });

  test('presets are sized to the data and --sparsity applies to every linear', () => {
    for (const name of Object.keys(PRESETS)) {
      const plan = compileModel(resolveModel(name, 64, 10));
      expect(plan.input).toBe(64);
      expect(plan.classes).toBe(10);
    }
    expect(() => resolveModel('nope', 64, 10)).toThrow(/--model: expected a JSON file or a preset/);
    const s = compileModel(withSparsity(PRESETS.resmlp(64, 10), 0.9));
    for (const op of s.ops) if (op.kind === 'linear') expect(op.sparse).not.toBeNull();
    expect(() => withSparsity(PRESETS.mlp(64, 10), 1)).toThrow(/--sparsity: expected a finite number >= 0, < 1, got 1/);
  });
});
