// The GPT block's kernels beyond the registry's reference comparisons: the references' backward passes
// against finite differences of their forward passes (an independent check of the formulas), masked
// entries exactly 0, causality and per-sequence independence (properties), the fixed order of the
// embedding scatter-add, and the facades' errors on bad input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { Rng, randomF32 } from '../../src/ref/rng.js';
import { attentionBackwardRef, attentionForwardRef } from '../../src/ref/attention.js';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/ref/embedding.js';
import * as attn from '../../src/kernels/attention.js';
import * as emb from '../../src/kernels/embedding.js';
import { createBackend } from '../../src/nn/backend.js';
import { compareArrays } from '../../src/kernels/compare.js';

const w = new Wasm();

function scoped<T>(f: () => T): T {
  const mark = w.arena.mark();
  try {
    return f();
  } finally {
    w.arena.release(mark);
  }
}

/** Runs the WASM forward on qkv [3C, nSeq·T]; returns copies of out and att. */
function forward(QKV: Float32Array, nSeq: number, T: number, C: number, H: number, variant: attn.AttentionVariant = '4q'): { out: Float32Array; att: Float32Array } {
  return scoped(() => {
    const n = nSeq * T;
    const [qkv, out, att] = [w.allocF32(3 * C * n, QKV), w.allocF32(C * n), w.allocF32(nSeq * H * T * T)];
    w.f32(att, nSeq * H * T * T).fill(NaN); // every entry must be written
    attn.attentionForward(w, out, att, qkv, nSeq, T, C, H, variant);
    return { out: w.f32(out, C * n).slice(), att: w.f32(att, nSeq * H * T * T).slice() };
  });
}

/** Runs the WASM backward; returns a copy of dqkv. dqkv starts as garbage (it must be overwritten). */
function backward(
  QKV: Float32Array, DOUT: Float32Array, ATT: Float32Array, nSeq: number, T: number, C: number, H: number, variant: attn.AttentionVariant = '4q',
): Float32Array {
  return scoped(() => {
    const n = nSeq * T;
    const [qkv, dout, att] = [w.allocF32(3 * C * n, QKV), w.allocF32(C * n, DOUT), w.allocF32(ATT.length, ATT)];
    const dqkv = w.allocF32(3 * C * n, randomF32(3 * C * n, 99, 1e3, 2e3));
    const scratch = w.allocF32(attn.attentionScratchFloats(T));
    attn.attentionBackward(w, dqkv, dout, qkv, att, scratch, nSeq, T, C, H, variant);
    return w.f32(dqkv, 3 * C * n).slice();
  });
}

/** Columns [s·T, (s+1)·T) of every row of a [R, nSeq·T] matrix: [R, T]. */
function sequence(a: Float32Array, R: number, nSeq: number, T: number, s: number): Float32Array {
  const out = new Float32Array(R * T);
  for (let r = 0; r < R; r++) out.set(a.subarray(r * nSeq * T + s * T, r * nSeq * T + (s + 1) * T), r * T);
  return out;
}

describe('attention and embedding references: backward = finite differences of forward (f64)', () => {
  it('attention dqkv is the gradient of Σ out·dout (nSeq 2, T 4, C 6, H 2: hd 3)', () => {
    const [nSeq, T, C, H] = [2, 4, 6, 2];
    const n = nSeq * T;
    const qkv = new Rng(1).fillUniform(new Float64Array(3 * C * n), -1.5, 1.5);
    const dout = new Rng(2).fillUniform(new Float64Array(C * n));
    const loss = (x: Float64Array): number => {
      const out = new Float64Array(C * n);
      attentionForwardRef(out, new Float64Array(nSeq * H * T * T), x, nSeq, T, C, H);
      return out.reduce((s, v, i) => s + v * dout[i], 0);
    };
    const att = new Float64Array(nSeq * H * T * T);
    attentionForwardRef(new Float64Array(C * n), att, qkv, nSeq, T, C, H);
    const d = new Float64Array(3 * C * n);
    attentionBackwardRef(d, dout, qkv, att, nSeq, T, C, H);
    const h = 1e-6;
    for (let i = 0; i < qkv.length; i++) {
      const x0 = qkv[i];
      qkv[i] = x0 + h;
      const up = loss(qkv);
      qkv[i] = x0 - h;
      const dn = loss(qkv);
      qkv[i] = x0;
      expect(d[i], `index ${i}`).toBeCloseTo((up - dn) / (2 * h), 7);
    }
  });

  it('embedding gradients are the sums of dout over the columns that read each row', () => {
    const [n, T, C] = [10, 4, 3];
    const ids = Int32Array.from([2, 0, 2, 1, 2, 2, 0, 1, 1, 2]);
    const wte = new Rng(3).fillUniform(new Float64Array(3 * C));
    const wpe = new Rng(4).fillUniform(new Float64Array(T * C));
    const dout = new Rng(5).fillUniform(new Float64Array(C * n));
    const [dwte, dwpe] = [new Float64Array(3 * C), new Float64Array(T * C)];
    embeddingBackwardRef(dwte, dwpe, dout, ids, n, T, C);
    const loss = (a: Float64Array, b: Float64Array): number => {
      const out = new Float64Array(C * n);
      embeddingForwardRef(out, ids, a, b, n, T, C);
      return out.reduce((s, v, i) => s + v * dout[i], 0);
    };
    const base = loss(wte, wpe);
    for (let i = 0; i < wte.length; i++) {
      const a = wte.slice();
      a[i] += 1; // the loss is linear in the weights: a unit step gives the gradient exactly
      expect(dwte[i]).toBeCloseTo(loss(a, wpe) - base, 10);
    }
    for (let i = 0; i < wpe.length; i++) {
      const b = wpe.slice();
      b[i] += 1;
      expect(dwpe[i]).toBeCloseTo(loss(wte, b) - base, 10);
    }
  });
});

for (const variant of attn.ATTENTION_VARIANTS) {
  describe(`attention kernels (${variant}): masking, causality, independence of sequences`, () => {
    it('masked entries of att (t2 > t1) are exactly 0 and each row of P sums to 1', () => {
      const [nSeq, T, C, H] = [3, 11, 10, 2];
      const { att } = forward(randomF32(3 * C * nSeq * T, 7, -3, 3), nSeq, T, C, H, variant);
      for (let r = 0; r < nSeq * H * T; r++) {
        const t1 = r % T;
        let sum = 0;
        for (let t2 = 0; t2 < T; t2++) {
          const p = att[r * T + t2];
          if (t2 > t1) expect(Object.is(p, 0), `row ${r} t2 ${t2}`).toBe(true);
          else {
            expect(p).toBeGreaterThanOrEqual(0);
            sum += p;
          }
        }
        expect(sum).toBeCloseTo(1, 6);
      }
    });

    it('T = 1: out equals v and P = 1 (one key attends to itself)', () => {
      const [nSeq, C, H] = [3, 6, 3];
      const QKV = randomF32(3 * C * nSeq, 8);
      const { out, att } = forward(QKV, nSeq, 1, C, H, variant);
      expect(Array.from(att)).toEqual(new Array(nSeq * H).fill(1));
      expect(Array.from(out)).toEqual(Array.from(QKV.subarray(2 * C * nSeq)));
    });

    it('property: a later token never changes an earlier output (causal), forward and dq', () => {
      fc.assert(
        fc.property(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.nat(1000), (T, H, hd, seed) => {
          const C = H * hd;
          const QKV = randomF32(3 * C * T, seed);
          const tc = new Rng(seed).int(T); // change every row at token tc
          const changed = QKV.slice();
          for (let r = 0; r < 3 * C; r++) changed[r * T + tc] += 1;
          const [a, b] = [forward(QKV, 1, T, C, H, variant).out, forward(changed, 1, T, C, H, variant).out];
          for (let c = 0; c < C; c++) for (let t = 0; t < tc; t++) if (a[c * T + t] !== b[c * T + t]) return false;
          return true;
        }),
        { numRuns: 40, seed: 11 },
      );
    });

    it('property: a sequence gives bit-identical results alone and inside a batch of nSeq (what N systems rely on)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.nat(1000),
          (T, nSeq, H, hd, seed) => {
            const C = H * hd;
            const n = nSeq * T;
            const QKV = randomF32(3 * C * n, seed);
            const DOUT = randomF32(C * n, seed + 1);
            const all = forward(QKV, nSeq, T, C, H, variant);
            const dAll = backward(QKV, DOUT, all.att, nSeq, T, C, H, variant);
            for (let s = 0; s < nSeq; s++) {
              const q1 = sequence(QKV, 3 * C, nSeq, T, s);
              const one = forward(q1, 1, T, C, H, variant);
              const d1 = backward(q1, sequence(DOUT, C, nSeq, T, s), one.att, 1, T, C, H, variant);
              const same = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
              if (!same(sequence(all.out, C, nSeq, T, s), one.out)) return false;
              if (!same(all.att.subarray(s * H * T * T, (s + 1) * H * T * T), one.att)) return false;
              if (!same(sequence(dAll, 3 * C, nSeq, T, s), d1)) return false;
            }
            return true;
          }),
        { numRuns: 30, seed: 12 },
      );
    });

    it('backward overwrites dqkv and runs twice to the same bits', () => {
      const [nSeq, T, C, H] = [2, 9, 8, 2];
      const QKV = randomF32(3 * C * nSeq * T, 13);
      const DOUT = randomF32(C * nSeq * T, 14);
      const { att } = forward(QKV, nSeq, T, C, H, variant);
      const a = backward(QKV, DOUT, att, nSeq, T, C, H, variant);
      expect(a.every(Number.isFinite)).toBe(true);
      expect(Math.max(...a.map(Math.abs))).toBeLessThan(100); // none of the 1e3..2e3 garbage survived
      expect(Array.from(backward(QKV, DOUT, att, nSeq, T, C, H, variant))).toEqual(Array.from(a));
    });
  });
}

describe('attention variants', () => {
  it('4q and rows give bit-identical att (same scores, same softmax) and outputs within the tolerances', () => {
    for (const [nSeq, T, C, H] of [[2, 13, 12, 3], [1, 32, 64, 1], [3, 6, 10, 5]]) {
      const QKV = randomF32(3 * C * nSeq * T, T);
      const DOUT = randomF32(C * nSeq * T, T + 1);
      const [a, b] = [forward(QKV, nSeq, T, C, H, '4q'), forward(QKV, nSeq, T, C, H, 'rows')];
      expect(Array.from(a.att)).toEqual(Array.from(b.att));
      expect(compareArrays(a.out, b.out).maxRelError).toBeLessThanOrEqual(attn.ATTENTION_FWD_REL_TOL);
      const [da, db] = [backward(QKV, DOUT, a.att, nSeq, T, C, H, '4q'), backward(QKV, DOUT, a.att, nSeq, T, C, H, 'rows')];
      expect(compareArrays(da, db).maxRelError).toBeLessThanOrEqual(attn.ATTENTION_BWD_REL_TOL);
    }
  });
});

describe('embedding kernels: fixed order, accumulation, skipping dwpe', () => {
  it('backward adds to what is there, in ascending j, bit-identical to the f32 reference; dwpe = 0 is skipped', () => {
    const [n, T, C, V] = [37, 8, 11, 3]; // many repeats of each token, tails in n and C
    const rng = new Rng(15);
    const IDS = Int32Array.from({ length: n }, () => rng.int(V));
    const DOUT = randomF32(C * n, 16);
    const DWTE0 = randomF32(V * C, 17);
    const DWPE0 = randomF32(T * C, 18);
    scoped(() => {
      const [ids, dout] = [w.allocI32(n, IDS), w.allocF32(C * n, DOUT)];
      const [dwte, dwpe] = [w.allocF32(V * C, DWTE0), w.allocF32(T * C, DWPE0)];
      emb.embeddingBackward(w, dwte, dwpe, dout, ids, n, T, C, V);
      const [r1, r2] = [DWTE0.slice(), DWPE0.slice()];
      embeddingBackwardRef(r1, r2, DOUT, IDS, n, T, C); // f32 arrays: one rounding per add, j ascending
      expect(Array.from(w.f32(dwte, V * C))).toEqual(Array.from(r1));
      expect(Array.from(w.f32(dwpe, T * C))).toEqual(Array.from(r2));
      w.f32(dwte, V * C).set(DWTE0);
      w.f32(dwpe, T * C).set(DWPE0);
      emb.embeddingBackward(w, dwte, 0, dout, ids, n, T, C);
      expect(Array.from(w.f32(dwte, V * C))).toEqual(Array.from(r1));
      expect(Array.from(w.f32(dwpe, T * C))).toEqual(Array.from(DWPE0));
    });
  });

  it('forward is wte value + wpe value exactly (one f32 add), n < T included', () => {
    for (const [n, T, C, V] of [[5, 16, 6, 4], [16, 4, 8, 9], [1, 1, 1, 1]]) {
      const rng = new Rng(n);
      const IDS = Int32Array.from({ length: n }, () => rng.int(V));
      const [WTE, WPE] = [randomF32(V * C, 20), randomF32(Math.min(n, T) * C, 21)];
      scoped(() => {
        const [ids, wte, wpe, out] = [w.allocI32(n, IDS), w.allocF32(V * C, WTE), w.allocF32(WPE.length, WPE), w.allocF32(C * n)];
        emb.embeddingForward(w, out, ids, wte, wpe, n, T, C, V);
        const o = w.f32(out, C * n);
        for (let j = 0; j < n; j++) for (let c = 0; c < C; c++) expect(o[c * n + j]).toBe(Math.fround(WTE[IDS[j] * C + c] + WPE[(j % T) * C + c]));
      });
    }
  });
});

describe('attention and embedding facades: bad input names the argument', () => {
  const a = w.allocF32(4096);
  const b = w.allocF32(4096);
  const c = w.allocF32(4096);
  const ids = w.allocI32(8, [0, 1, 2, 3, 0, 1, 2, 3]);
  const end = w.memory.buffer.byteLength;

  it('attention: sizes, C % H, pointers, overlaps, scratch', () => {
    expect(() => attn.attentionForward(w, a, b, c, 1, 0, 4, 1)).toThrow(/^attentionForward\.T: expected an integer >= 1, got 0$/);
    expect(() => attn.attentionForward(w, a, b, c, 1, 4, 6, 4)).toThrow(/^attentionForward\.H: expected a divisor of C = 6, got 4$/);
    expect(() => attn.attentionForward(w, a, b, end - 64, 1, 4, 4, 1)).toThrow(/^attentionForward\.qkv: range/);
    expect(() => attn.attentionForward(w, c + 16, b, c, 1, 4, 4, 1)).toThrow(/^attentionForward\.out: output range .* overlaps attentionForward\.qkv/);
    expect(() => attn.attentionBackward(w, a, b, c, a + 64, b + 2048, 1, 4, 4, 2)).toThrow(/^attentionBackward\.dqkv: output range .* overlaps attentionBackward\.att/);
    expect(() => attn.attentionBackward(w, a, b, c, b + 2048, end - 8, 1, 4, 4, 2)).toThrow(/^attentionBackward\.scratch: range/);
    expect(() => attn.attentionBackward(w, a, b, c, b + 2048, 2, 1, 4, 4, 2)).toThrow(/^attentionBackward\.scratch: pointer 2 is not a 4-byte aligned/);
    expect(() => attn.attentionBackward(w, a, b, c, a + 2048, b + 2048, 0, 4, 4, 2)).toThrow(/^attentionBackward\.nSeq:/);
  });

  it('embedding: ids outside [0, V) are named with their index, pointers and overlaps', () => {
    expect(() => emb.embeddingForward(w, a, ids, b, c, 8, 4, 4, 3)).toThrow(/^embeddingForward\.ids\[3\]: expected a token in \[0, 2\], got 3$/);
    w.i32(ids, 8)[6] = -5;
    expect(() => emb.embeddingBackward(w, a, b, c, ids, 8, 4, 4)).toThrow(/^embeddingBackward\.ids\[6\]: expected a token id >= 0, got -5$/);
    w.i32(ids, 8)[6] = 2;
    expect(() => emb.embeddingForward(w, a, ids, end - 16, c, 8, 4, 4)).toThrow(/^embeddingForward\.wte: range/);
    expect(() => emb.embeddingForward(w, b + 16, ids, b, c, 8, 4, 4)).toThrow(/^embeddingForward\.out: output range .* overlaps embeddingForward\.wte/);
    expect(() => emb.embeddingBackward(w, a, a + 16, c, ids, 8, 4, 4)).toThrow(/^embeddingBackward\.dwpe: output range .* overlaps embeddingBackward\.dwte/);
    expect(() => emb.embeddingForward(w, a, ids, b, c, 8, 4, 0)).toThrow(/^embeddingForward\.C:/);
  });

  it('the NnBackend exposes them (same results as the facade)', () => {
    const be = createBackend(w);
    expect(be.attentionScratchFloats(17)).toBe(68);
    const [nSeq, T, C, H] = [2, 5, 6, 3];
    const QKV = randomF32(3 * C * nSeq * T, 30);
    const ref = forward(QKV, nSeq, T, C, H);
    scoped(() => {
      const [qkv, out, att] = [w.allocF32(QKV.length, QKV), w.allocF32(C * nSeq * T), w.allocF32(nSeq * H * T * T)];
      be.attentionForward(out, att, qkv, nSeq, T, C, H);
      expect(Array.from(w.f32(out, C * nSeq * T))).toEqual(Array.from(ref.out));
      expect(() => be.embeddingForward(out, ids, qkv, qkv, 8, 4, 4, 2)).toThrow(/^embeddingForward\.ids\[2\]/);
    });
  });
});
