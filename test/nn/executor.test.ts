// The shared layer executor: a batch split over S systems (each scaled by the global batch) sums to the
// one-system gradient and loss; a sparse layer gives the dense layer's gradient at its kept positions;
// the activation budget check; the call order is enforced.
import { describe, expect, test } from 'vitest';
import { CapacityError } from '../../src/errors.js';
import { compileModel, initParams, packWire, type Params, type Plan } from '../../src/model/index.js';
import { activationLayout, checkActivationBudget, createExecutor } from '../../src/nn/index.js';
import { Kernels } from '../../src/kernels/kernels.js';
import { Rng } from '../../src/ref/rng.js';
import { Wasm } from '../../src/wasm/module.js';

// Split-batch gradients are sums over different groupings of the same products: f32 round-off only.
const SPLIT_REL_TOL = 1e-5;
const SPARSE_VS_DENSE_REL_TOL = 1e-5;

const res = {
  input: 12,
  layers: [
    { type: 'linear', out: 16 },
    { type: 'gelu' },
    { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 16, sparsity: 0.7 }, { type: 'relu' }, { type: 'linear', out: 16 }] },
    { type: 'linear', out: 5 },
  ],
};

function batch(D: number, B: number, C: number, seed: number) {
  const r = new Rng(seed);
  const x = new Float32Array(D * B).map(() => r.normal());
  const y = new Int32Array(B).map(() => r.int(C));
  return { x, y };
}

/** Feature-major columns [from, from + n) of X [D, B]. */
function columns(x: Float32Array, D: number, B: number, from: number, n: number): Float32Array {
  const out = new Float32Array(D * n);
  for (let d = 0; d < D; d++) out.set(x.subarray(d * B + from, d * B + from + n), d * n);
  return out;
}

/** One step's loss and gradient blocks on `b` samples of a global batch `globalB`. */
function step(plan: Plan, params: Params, x: Float32Array, y: Int32Array, globalB: number): { loss: number; grads: Float32Array[] } {
  const k = new Kernels(new Wasm());
  const w = k.w;
  const ex = createExecutor(k, plan, y.length);
  ex.setBatch(x, y);
  const wireFor = (pass: 'forward' | 'backward') => plan.layers.map((l, i) => {
    const words = pass === 'forward' ? l.fwdWireWords : l.wireWords;
    const p = w.allocF32(words);
    packWire(plan, i, params[i], w.f32(p, words), pass);
    return p;
  });
  const fwire = wireFor('forward');
  const wire = wireFor('backward');
  const grad = plan.layers.map((l) => w.allocF32(l.paramFloats));
  plan.layers.forEach((_, i) => ex.forwardLayer(i, fwire[i]));
  const loss = ex.loss(globalB);
  for (let i = plan.layers.length - 1; i >= 0; i--) ex.backwardLayer(i, wire[i], grad[i]);
  return { loss, grads: plan.layers.map((l, i) => w.f32(grad[i], l.paramFloats).slice()) };
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

describe('executor', () => {
  const plan = compileModel(res);
  const params = initParams(plan, 3);
  const B = 24;
  const { x, y } = batch(plan.input, B, plan.classes, 1);

  test(`S systems' gradients and losses, each scaled by 1/B_global, sum to the one-system step (SPLIT_REL_TOL ${SPLIT_REL_TOL})`, () => {
    const one = step(plan, params, x, y, B);
    for (const shares of [[12, 12], [7, 9, 8], [1, 23]]) {
      let from = 0;
      const sum = plan.layers.map((l) => new Float32Array(l.paramFloats));
      let loss = 0;
      for (const n of shares) {
        const part = step(plan, params, columns(x, plan.input, B, from, n), y.slice(from, from + n), B);
        part.grads.forEach((g, i) => g.forEach((v, j) => (sum[i][j] += v)));
        loss += part.loss;
        from += n;
      }
      expect(Math.abs(loss - one.loss) / one.loss).toBeLessThan(SPLIT_REL_TOL);
      sum.forEach((g, i) => expect(relDiff(g, one.grads[i]), `layer ${i}`).toBeLessThan(SPLIT_REL_TOL));
    }
  });

  test('the same step twice is bit-identical', () => {
    const a = step(plan, params, x, y, B);
    const b = step(plan, params, x, y, B);
    expect(a.loss).toBe(b.loss);
    a.grads.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(b.grads[i].buffer))).toBe(true));
  });

  test(`a sparse layer's gradient equals the dense layer's at the kept positions (SPARSE_VS_DENSE_REL_TOL ${SPARSE_VS_DENSE_REL_TOL})`, () => {
    const sparse = compileModel({ input: 10, layers: [{ type: 'linear', out: 9 }, { type: 'relu' }, { type: 'linear', out: 7, sparsity: 0.8 }, { type: 'relu' }, { type: 'linear', out: 4 }] });
    const dense = compileModel({ input: 10, layers: [{ type: 'linear', out: 9 }, { type: 'relu' }, { type: 'linear', out: 7 }, { type: 'relu' }, { type: 'linear', out: 4 }] });
    const Ps = initParams(sparse, 5);
    const Pd = initParams(dense, 5);
    // zero the dense weight where the mask drops it: the two models compute the same function
    const sp = sparse.params[2].sparse!;
    for (let i = 0; i < sp.maskKN.length; i++) if (!sp.maskKN[i]) Pd[1][i] = 0;
    const { x: xb, y: yb } = batch(10, 16, 4, 2);
    const s = step(sparse, Ps, xb, yb, 16);
    const d = step(dense, Pd, xb, yb, 16);
    expect(Math.abs(s.loss - d.loss)).toBeLessThan(1e-6);
    const gd = new Float32Array(sp.nnz);
    for (let i = 0; i < sp.nnz; i++) gd[i] = d.grads[1][sp.rows[i] * 7 + sp.cols[i]];
    expect(relDiff(s.grads[1].subarray(0, sp.nnz), gd)).toBeLessThan(SPARSE_VS_DENSE_REL_TOL);
    expect(relDiff(s.grads[1].subarray(sp.nnz), d.grads[1].subarray(63))).toBeLessThan(SPARSE_VS_DENSE_REL_TOL); // bias
    expect(relDiff(s.grads[0], d.grads[0])).toBeLessThan(SPARSE_VS_DENSE_REL_TOL); // the delta through the sparse layer
  });

  test('layers must be called in order', () => {
    const w = new Wasm();
    const ex = createExecutor(w, plan, 4);
    const p = w.allocF32(plan.wireWords);
    expect(() => ex.forwardLayer(0, p)).toThrow(/forwardLayer\(0\) out of order/);
    ex.begin(4);
    expect(() => ex.forwardLayer(1, p)).toThrow('executor: forwardLayer(1) out of order (expected layer 0 in the forward phase)');
    expect(() => ex.loss()).toThrow(/loss\(\) before the forward pass of every layer/);
    expect(() => ex.begin(5)).toThrow('batch: expected an integer in [1, 4], got 5');
  });
});

describe('activation memory', () => {
  const plan = compileModel(res);
  test('the layout lists every kept buffer and scales with the batch', () => {
    const a = activationLayout(plan, 8);
    const b = activationLayout(plan, 16);
    // input 12; outputs of 8 ops (the residual begin aliases its input): 16·7 + 5; LayerNorm stats 2;
    // residual gradient 16; two gradient buffers 2·16; labels 1 — floats per sample
    const perSample = 4 * (12 + 16 * 7 + 5 + 2 + 16 + 32 + 1);
    expect(a.bytesPerSample).toBe(perSample);
    expect(b.bytes).toBe(2 * a.bytes);
    expect(a.perOp.reduce((s, v) => s + v, 0)).toBe(4 * 8 * (16 * 7 + 5 + 2 + 16));
  });

  test('over the budget: a CapacityError that says by how much and what to change', () => {
    const need = activationLayout(plan, 64).bytes;
    expect(checkActivationBudget(plan, 64, need).bytes).toBe(need);
    expect(() => checkActivationBudget(plan, 64, need - 100)).toThrow(CapacityError);
    expect(() => checkActivationBudget(plan, 64, need - 100)).toThrow('over by 100 bytes; use at most 63 samples per system');
    expect(() => createExecutor(new Wasm(), plan, 64, { budgetBytes: 1000 })).toThrow(/over by \d+ bytes; use at most 1 samples per system/);
    expect(() => checkActivationBudget(plan, 1, 100)).toThrow(/not even one sample fits: use a smaller model/);
  });
});
