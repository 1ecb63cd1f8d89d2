// The nn kernels beyond the registry's reference comparisons: the references' backward passes against
// finite differences of their forward passes (an independent check of the formulas), accumulate flags,
// in-place use, PyTorch conventions, and the facade's errors on bad input.
import { describe, expect, it } from 'vitest';
import { Wasm } from '../../src/wasm/module.js';
import { Rng, randomF32 } from '../../src/ref/rng.js';
import * as ref from '../../src/ref/nn.js';
import * as nn from '../../src/kernels/nn.js';
import { compareArrays } from '../../src/kernels/compare.js';
import { ValidationError } from '../../src/errors.js';

const w = new Wasm();

function f64(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  return new Rng(seed).fillUniform(new Float64Array(n), lo, hi);
}

/** Central difference of a scalar function of x at index i. */
function fd(f: (x: Float64Array) => number, x: Float64Array, i: number, h = 1e-6): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const up = f(x);
  x[i] = x0 - h;
  const dn = f(x);
  x[i] = x0;
  return (up - dn) / (2 * h);
}

describe('reference backward passes equal finite differences of the forward passes (f64)', () => {
  it('GELU-tanh', () => {
    const n = 40;
    const x = f64(n, 1, -4, 4);
    const dy = f64(n, 2);
    const dx = new Float64Array(n);
    ref.geluBackwardRef(dx, dy, x, n);
    const loss = (v: Float64Array): number => {
      const y = new Float64Array(n);
      ref.geluRef(y, v, n);
      return y.reduce((s, yi, i) => s + yi * dy[i], 0);
    };
    for (let i = 0; i < n; i++) expect(dx[i]).toBeCloseTo(fd(loss, x, i), 7);
  });

  it('GELU-tanh matches PyTorch values (approximate="tanh") at known points', () => {
    // torch.nn.functional.gelu(torch.tensor([-3., -1., 0., 0.5, 2.]), approximate='tanh')
    const x = Float64Array.from([-3, -1, 0, 0.5, 2]);
    const y = new Float64Array(5);
    ref.geluRef(y, x, 5);
    const torch = [-0.00363739, -0.15880801, 0, 0.34571401, 1.95459769]; // printed with precision=8
    for (let i = 0; i < 5; i++) expect(y[i]).toBeCloseTo(torch[i], 6);
  });

  it('softmax cross-entropy: dlogits is the gradient of the mean loss', () => {
    const [C, B] = [7, 5];
    const logits = f64(C * B, 3, -3, 3);
    const labels = Int32Array.from([0, 6, 3, 3, 1]);
    const dl = new Float64Array(C * B);
    ref.softmaxCrossEntropyRef(dl, logits, labels, C, B);
    for (let i = 0; i < C * B; i++) {
      expect(dl[i]).toBeCloseTo(fd((v) => ref.softmaxCrossEntropyRef(null, v, labels, C, B), logits, i), 7);
    }
    // uniform logits: the loss is log C
    expect(ref.softmaxCrossEntropyRef(null, new Float64Array(C * B), labels, C, B)).toBeCloseTo(Math.log(C), 12);
  });

  it('LayerNorm: dx, dgamma, dbeta are the gradients of Σ y·dy', () => {
    const [F, B] = [6, 3];
    const x = f64(F * B, 4, -2, 2);
    const gamma = f64(F, 5, 0.5, 1.5);
    const beta = f64(F, 6);
    const dy = f64(F * B, 7);
    const eps = 1e-5;
    const fwd = (xv: Float64Array, g: Float64Array, b: Float64Array): number => {
      const y = new Float64Array(F * B);
      ref.layerNormRef(y, new Float64Array(B), new Float64Array(B), xv, g, b, F, B, eps);
      return y.reduce((s, yi, i) => s + yi * dy[i], 0);
    };
    const [mean, rstd] = [new Float64Array(B), new Float64Array(B)];
    ref.layerNormRef(new Float64Array(F * B), mean, rstd, x, gamma, beta, F, B, eps);
    const [dx, dg, db] = [new Float64Array(F * B), new Float64Array(F), new Float64Array(F)];
    ref.layerNormBackwardRef(dx, dg, db, dy, x, mean, rstd, gamma, F, B);
    for (let i = 0; i < F * B; i++) expect(dx[i]).toBeCloseTo(fd((v) => fwd(v, gamma, beta), x, i), 6);
    for (let f = 0; f < F; f++) {
      expect(dg[f]).toBeCloseTo(fd((v) => fwd(x, v, beta), gamma, f), 6);
      expect(db[f]).toBeCloseTo(fd((v) => fwd(x, gamma, v), beta, f), 6);
    }
  });
});

describe('nn kernels: flags, in-place use, extremes', () => {
  it('biasGrad and layerNormBackward add to their parameter gradients when asked', () => {
    const [N, B] = [13, 9];
    const mark = w.arena.mark();
    const DY = randomF32(N * B, 1);
    const DB0 = randomF32(N, 2);
    const dy = w.allocF32(N * B, DY);
    const db = w.allocF32(N, DB0);
    nn.biasGrad(w, db, dy, N, B, true);
    const r = DB0.slice();
    ref.biasGradRef(r, DY, N, B, true);
    expect(compareArrays(w.f32(db, N), r).maxRelError).toBeLessThanOrEqual(nn.BIAS_GRAD_REL_TOL);

    const X = randomF32(N * B, 3);
    const G = randomF32(N, 4);
    const [M, R] = [new Float32Array(B), new Float32Array(B)];
    ref.layerNormRef(new Float32Array(N * B), M, R, X, G, new Float32Array(N), N, B, 1e-5);
    const [x, g, m, rs] = [w.allocF32(N * B, X), w.allocF32(N, G), w.allocF32(B, M), w.allocF32(B, R)];
    const DG0 = randomF32(N, 5);
    const DBe0 = randomF32(N, 6);
    const [dx, dg, dbe] = [w.allocF32(N * B), w.allocF32(N, DG0), w.allocF32(N, DBe0)];
    nn.layerNormBackward(w, dx, dg, dbe, dy, x, m, rs, g, N, B, true);
    const [dxr, dgr, dbr] = [new Float32Array(N * B), DG0.slice(), DBe0.slice()];
    ref.layerNormBackwardRef(dxr, dgr, dbr, DY, X, M, R, G, N, B, true);
    expect(compareArrays(w.f32(dg, N), dgr).maxRelError).toBeLessThanOrEqual(nn.LAYERNORM_REL_TOL);
    expect(compareArrays(w.f32(dbe, N), dbr).maxRelError).toBeLessThanOrEqual(nn.LAYERNORM_REL_TOL);
    expect(compareArrays(w.f32(dx, N * B), dxr).maxRelError).toBeLessThanOrEqual(nn.LAYERNORM_REL_TOL);
    w.arena.release(mark);
  });

  it('ReLU and GELU work in place', () => {
    const n = 37;
    const X = randomF32(n, 8, -4, 4);
    const mark = w.arena.mark();
    const p = w.allocF32(n, X);
    nn.gelu(w, p, p, n);
    const r = new Float32Array(n);
    ref.geluRef(r, X, n);
    expect(compareArrays(w.f32(p, n), r).maxRelError).toBeLessThanOrEqual(nn.GELU_REL_TOL);
    const g = w.f32(p, n).slice();
    nn.relu(w, p, p, n);
    expect(Array.from(w.f32(p, n))).toEqual(Array.from(g, (v) => (v > 0 ? v : 0)));
    w.arena.release(mark);
  });

  it('GELU saturates cleanly at large |x| (no NaN, y = x or 0)', () => {
    const X = Float32Array.from([-100, -30, -10, 10, 30, 100, 1e30, -1e30]);
    const mark = w.arena.mark();
    const x = w.allocF32(X.length, X);
    const y = w.allocF32(X.length);
    nn.gelu(w, y, x, X.length);
    const out = Array.from(w.f32(y, X.length));
    expect(out.slice(3, 7)).toEqual([10, 30, 100, 1e30].map(Math.fround));
    for (const v of [out[0], out[1], out[7]]) expect(Math.abs(v)).toBeLessThan(1e-30);
    expect(Math.abs(out[2])).toBeLessThan(1e-20);
    w.arena.release(mark);
  });

  it('softmax cross-entropy is stable for huge logits and can skip dlogits', () => {
    const [C, B] = [3, 5];
    const L = Float32Array.from({ length: C * B }, (_, i) => (i % 4 === 0 ? 1e4 : -1e4));
    const Lab = Int32Array.from([0, 1, 2, 0, 1]);
    const mark = w.arena.mark();
    const logits = w.allocF32(C * B, L);
    const labels = w.allocI32(B, Lab);
    const dl = w.allocF32(C * B);
    const loss = nn.softmaxCrossEntropy(w, dl, logits, labels, C, B);
    const r = new Float32Array(C * B);
    const lossRef = ref.softmaxCrossEntropyRef(r, L, Lab, C, B);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Math.abs(loss - lossRef) / Math.abs(lossRef)).toBeLessThanOrEqual(nn.SOFTMAX_XENT_REL_TOL);
    expect(compareArrays(w.f32(dl, C * B), r).maxAbsError).toBeLessThanOrEqual(1e-7);
    expect(nn.softmaxCrossEntropy(w, 0, logits, labels, C, B)).toBe(loss);
    w.arena.release(mark);
  });
});

describe('nn facade: bad input names the argument', () => {
  const a = w.allocF32(64);
  const b = w.allocF32(64);
  const c = w.allocF32(64);
  const lab = w.allocI32(8, [0, 1, 2, 3, 0, 1, 2, 3]);
  const end = w.memory.buffer.byteLength;

  it('sizes, pointers, overlaps', () => {
    expect(() => nn.biasAdd(w, a, b, 0, 4)).toThrow(/^biasAdd\.N: expected an integer >= 1, got 0$/);
    expect(() => nn.biasGrad(w, a, b, 4, -2)).toThrow(/^biasGrad\.B:/);
    expect(() => nn.relu(w, a, end - 8, 4)).toThrow(/^relu\.x: range/);
    expect(() => nn.gelu(w, a + 4, a, 4)).toThrow(/^gelu\.y: output range .* overlaps gelu\.x/);
    expect(() => nn.geluBackward(w, a, b, c, 1.5)).toThrow(/^geluBackward\.n:/);
    expect(() => nn.layerNorm(w, c + 32, b, b + 16, c, a, a + 64, 4, 4)).toThrow(/^layerNorm\.y: output range .* overlaps layerNorm\.x/);
    expect(() => nn.layerNorm(w, a, b, b + 64, c, c, c, 4, 4, 0)).toThrow(/^layerNorm\.eps: expected a positive number, got 0$/);
  });

  it('labels outside [0, C) are named with their index', () => {
    w.i32(lab, 8)[5] = 4;
    expect(() => nn.softmaxCrossEntropy(w, a, b, lab, 4, 8)).toThrow(ValidationError);
    expect(() => nn.softmaxCrossEntropy(w, a, b, lab, 4, 8)).toThrow(/^softmaxCrossEntropy\.labels\[5\]: expected a class in \[0, 3\], got 4$/);
    w.i32(lab, 8)[5] = -1;
    expect(() => nn.softmaxCrossEntropy(w, a, b, lab, 4, 8)).toThrow(/labels\[5\].*got -1$/);
    w.i32(lab, 8)[5] = 1;
  });

  it('layerNormBackward and softmaxCrossEntropy need 8·B bytes of scratch', () => {
    const small = new Wasm({ scratchBytes: 64 });
    const p = small.allocF32(1024);
    expect(() => nn.layerNormBackward(small, p, p + 64, p + 128, p + 192, p + 256, p + 320, p + 384, p + 448, 1, 16)).toThrow(
      /^layerNormBackward\.B: 16 samples need 128 bytes of the instance's scratch, it has 64/,
    );
    expect(() => nn.softmaxCrossEntropy(small, p, p + 256, p + 512, 2, 16)).toThrow(/^softmaxCrossEntropy\.B: 16 samples need 128 bytes/);
  });
});
