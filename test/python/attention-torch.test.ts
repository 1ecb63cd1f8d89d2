// An outside reference for the GPT block's kernels: PyTorch float64 autograd in a /usr/bin/python3 child
// (test/python/check_attention.py). Causal multi-head attention (explicit masked softmax, or
// F.scaled_dot_product_attention with is_causal=True where torch ≥ 2.0 has it) forward and backward (dq, dk, dv), and nn.Embedding
// token + position forward and gradients, on the same seeded inputs, exchanged as raw files in a temp
// dir. The WASM results must agree within the kernels' named tolerances. Skipped (with a warning) when
// /usr/bin/python3 cannot import torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Wasm } from '../../src/wasm/module.js';
import { Rng, randomF32 } from '../../src/ref/rng.js';
import { rootPath } from '../../src/paths.js';
import * as attn from '../../src/kernels/attention.js';
import * as emb from '../../src/kernels/embedding.js';
import { compareArrays } from '../../src/kernels/compare.js';

const PY = '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
if (!hasTorch) console.warn(`attention-torch: SKIPPED: ${PY} cannot import torch (${probe.error?.message ?? probe.stderr.trim()}); install python3-torch`);

/** Attention cases: hd 4, hd 5 (not a multiple of 4), T = 1, H = 1, T not a multiple of 4, nSeq 1..3. */
const ATTN: Array<[nSeq: number, T: number, C: number, H: number]> = [[2, 7, 12, 3], [3, 9, 10, 2], [2, 1, 8, 2], [1, 33, 24, 1], [2, 16, 32, 4]];
/** Embedding cases: repeated tokens, n < T. */
const EMB: Array<[n: number, T: number, C: number, V: number]> = [[24, 8, 10, 7], [5, 16, 3, 2], [64, 16, 33, 50]];

describe.skipIf(!hasTorch)('attention and embedding kernels agree with PyTorch autograd (float64)', () => {
  const w = new Wasm();
  const dir = mkdtempSync(join(tmpdir(), 'ws-attn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (name: string, a: Float32Array | Int32Array): string => {
    writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return name;
  };
  const torch = (c: string, what: string): Float64Array => {
    const b = readFileSync(join(dir, `${c}.${what}.f64`));
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const cases: Record<string, unknown>[] = [];
  const wasm = new Map<string, Record<string, Float32Array>>();

  ATTN.forEach(([nSeq, T, C, H], i) => {
    const name = `attn${i}`;
    const n = nSeq * T;
    const QKV = randomF32(3 * C * n, 100 + i, -2, 2);
    const DOUT = randomF32(C * n, 200 + i);
    cases.push({ name, op: 'attention', nSeq, T, C, H, qkv: put(`${name}.qkv.f32`, QKV), dout: put(`${name}.dout.f32`, DOUT) });
    for (const variant of attn.ATTENTION_VARIANTS) {
      const mark = w.arena.mark();
      const [qkv, dout, out, att, dqkv] = [w.allocF32(QKV.length, QKV), w.allocF32(DOUT.length, DOUT), w.allocF32(C * n), w.allocF32(nSeq * H * T * T), w.allocF32(3 * C * n)];
      const scratch = w.allocF32(attn.attentionScratchFloats(T));
      attn.attentionForward(w, out, att, qkv, nSeq, T, C, H, variant);
      attn.attentionBackward(w, dqkv, dout, qkv, att, scratch, nSeq, T, C, H, variant);
      wasm.set(`${name}.${variant}`, { out: w.f32(out, C * n).slice(), att: w.f32(att, nSeq * H * T * T).slice(), dqkv: w.f32(dqkv, 3 * C * n).slice() });
      w.arena.release(mark);
    }
  });

  EMB.forEach(([n, T, C, V], i) => {
    const name = `emb${i}`;
    const rng = new Rng(300 + i);
    const IDS = Int32Array.from({ length: n }, () => rng.int(V));
    const P = Math.min(n, T);
    const [WTE, WPE, DOUT] = [randomF32(V * C, 400 + i), randomF32(P * C, 500 + i), randomF32(C * n, 600 + i)];
    cases.push({ name, op: 'embedding', n, T, C, V, ids: put(`${name}.ids.i32`, IDS), wte: put(`${name}.wte.f32`, WTE), wpe: put(`${name}.wpe.f32`, WPE), dout: put(`${name}.dout.f32`, DOUT) });
    const mark = w.arena.mark();
    const [ids, wte, wpe, dout, out, dwte, dwpe] = [
      w.allocI32(n, IDS), w.allocF32(WTE.length, WTE), w.allocF32(WPE.length, WPE), w.allocF32(DOUT.length, DOUT), w.allocF32(C * n),
      w.allocF32(V * C, new Float32Array(V * C)), w.allocF32(P * C, new Float32Array(P * C)), // zeroed: the backward adds
    ];
    emb.embeddingForward(w, out, ids, wte, wpe, n, T, C, V);
    emb.embeddingBackward(w, dwte, dwpe, dout, ids, n, T, C, V);
    wasm.set(name, { out: w.f32(out, C * n).slice(), dwte: w.f32(dwte, V * C).slice(), dwpe: w.f32(dwpe, P * C).slice() });
    w.arena.release(mark);
  });

  it('PyTorch runs on the same inputs', () => {
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ cases }));
    const r = spawnSync(PY, [rootPath('test', 'python', 'check_attention.py'), dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    expect(r.stderr, 'python stderr').not.toMatch(/Traceback/);
    expect(r.stdout.trim()).toBe('ok');
  });

  it('attention forward (out, att) and backward (dq, dk, dv) match torch, both variants', () => {
    ATTN.forEach(([nSeq, T, C], i) => attn.ATTENTION_VARIANTS.forEach((variant) => {
      const name = `attn${i}`;
      const mine = wasm.get(`${name}.${variant}`)!;
      const cn = C * nSeq * T;
      expect(compareArrays(mine.out, torch(name, 'out')).maxRelError, `${name} out`).toBeLessThanOrEqual(attn.ATTENTION_FWD_REL_TOL);
      expect(compareArrays(mine.att, torch(name, 'att')).maxRelError, `${name} att`).toBeLessThanOrEqual(attn.ATTENTION_FWD_REL_TOL);
      const d = torch(name, 'dqkv');
      ['dq', 'dk', 'dv'].forEach((what, p) => {
        const cmp = compareArrays(mine.dqkv.subarray(p * cn, (p + 1) * cn), d.subarray(p * cn, (p + 1) * cn));
        expect(cmp.maxRelError, `${name} ${variant} ${what}`).toBeLessThanOrEqual(attn.ATTENTION_BWD_REL_TOL);
      });
    }));
  });

  it('embedding forward and nn.Embedding gradients (token, position) match torch', () => {
    EMB.forEach((_, i) => {
      const name = `emb${i}`;
      const mine = wasm.get(name)!;
      expect(compareArrays(mine.out, torch(name, 'out')).maxRelError, `${name} out`).toBeLessThanOrEqual(emb.EMBEDDING_FWD_REL_TOL);
      expect(compareArrays(mine.dwte, torch(name, 'dwte')).maxRelError, `${name} dwte`).toBeLessThanOrEqual(emb.EMBEDDING_BWD_REL_TOL);
      expect(compareArrays(mine.dwpe, torch(name, 'dwpe')).maxRelError, `${name} dwpe`).toBeLessThanOrEqual(emb.EMBEDDING_BWD_REL_TOL);
    });
  });
});
