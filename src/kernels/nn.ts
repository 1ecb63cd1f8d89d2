// The TypeScript facade of the nn kernels (assembly/nn/): bias add/gradient, ReLU, GELU (tanh
// approximation, as PyTorch's approximate='tanh'), softmax cross-entropy, LayerNorm. Checks sizes,
// pointer ranges and aliasing (naming the argument), labels in range, then calls WASM.
// Legend (feature-major): Yt/dYt [N,B] with bias/db [N]; elementwise x, y, dx, dy [n] (any layout);
// logits/dlogits [C,B], labels i32 [B]; LayerNorm x, y, dx, dy [F,B], gamma/beta/dgamma/dbeta [F],
// mean/rstd [B]. Pointers are byte offsets into the Wasm instance's memory.
import { ValidationError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { checkDisjoint, checkPtr, finite, size, type Range } from './check.js';

/** The nn exports of the WASM module (assembly/nn/index.ts). */
export interface NnExports {
  biasAddSimd(y: number, bias: number, N: number, B: number): void;
  biasGradSimd(db: number, dy: number, N: number, B: number, accumulate: number): void;
  reluFwdSimd(y: number, x: number, n: number): void;
  reluBwdSimd(dx: number, dy: number, x: number, n: number): void;
  geluFwdSimd(y: number, x: number, n: number): void;
  geluBwdSimd(dx: number, dy: number, x: number, n: number): void;
  softmaxXentSimd(dlogits: number, logits: number, labels: number, C: number, B: number): number;
  layerNormFwdSimd(y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, F: number, B: number, eps: number): void;
  layerNormBwdSimd(
    dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number,
    F: number, B: number, accumulate: number,
  ): void;
}

function ex(w: Wasm): NnExports {
  return w.exports as unknown as NnExports;
}

/** Kernels that keep two floats per sample in the instance's scratch (softmax CE, LayerNorm backward). */
function checkScratch(w: Wasm, f: string, B: number): void {
  if (B * 8 > w.scratchBytes) {
    throw new RangeError(`${f}.B: ${B} samples need ${B * 8} bytes of the instance's scratch, it has ${w.scratchBytes} (WasmOptions.scratchBytes)`);
  }
}

/** Elementwise outputs may be their input exactly (in place) but must not partly overlap it. */
function sameOrDisjoint(out: Range, inputs: Range[]): void {
  checkDisjoint(out, inputs.filter(([, p]) => p !== out[1]));
}

/** Yt[n,b] += bias[n], in place. */
export function biasAdd(w: Wasm, y: number, bias: number, N: number, B: number): void {
  const f = 'biasAdd';
  size(`${f}.N`, N);
  size(`${f}.B`, B);
  checkPtr(w, `${f}.y`, y, N * B * 4);
  checkPtr(w, `${f}.bias`, bias, N * 4);
  checkDisjoint([`${f}.y`, y, N * B * 4], [[`${f}.bias`, bias, N * 4]]);
  ex(w).biasAddSimd(y, bias, N, B);
}

/** db[n] (+)= Σ_b dYt[n,b]. */
export function biasGrad(w: Wasm, db: number, dy: number, N: number, B: number, accumulate = false): void {
  const f = 'biasGrad';
  size(`${f}.N`, N);
  size(`${f}.B`, B);
  checkPtr(w, `${f}.db`, db, N * 4);
  checkPtr(w, `${f}.dy`, dy, N * B * 4);
  checkDisjoint([`${f}.db`, db, N * 4], [[`${f}.dy`, dy, N * B * 4]]);
  ex(w).biasGradSimd(db, dy, N, B, accumulate ? 1 : 0);
}

function unary(w: Wasm, f: string, y: number, x: number, n: number): void {
  size(`${f}.n`, n);
  checkPtr(w, `${f}.y`, y, n * 4);
  checkPtr(w, `${f}.x`, x, n * 4);
  sameOrDisjoint([`${f}.y`, y, n * 4], [[`${f}.x`, x, n * 4]]);
}

function backward(w: Wasm, f: string, dx: number, dy: number, x: number, n: number): void {
  size(`${f}.n`, n);
  checkPtr(w, `${f}.dx`, dx, n * 4);
  checkPtr(w, `${f}.dy`, dy, n * 4);
  checkPtr(w, `${f}.x`, x, n * 4);
  sameOrDisjoint([`${f}.dx`, dx, n * 4], [[`${f}.dy`, dy, n * 4], [`${f}.x`, x, n * 4]]);
}

/** y = max(x, 0) (y may be x). */
export function relu(w: Wasm, y: number, x: number, n: number): void {
  unary(w, 'relu', y, x, n);
  ex(w).reluFwdSimd(y, x, n);
}

/** dx = dy·[x > 0] (x = the forward's input; dx may be dy). */
export function reluBackward(w: Wasm, dx: number, dy: number, x: number, n: number): void {
  backward(w, 'reluBackward', dx, dy, x, n);
  ex(w).reluBwdSimd(dx, dy, x, n);
}

/** y = GELU_tanh(x) (y may be x). */
export function gelu(w: Wasm, y: number, x: number, n: number): void {
  unary(w, 'gelu', y, x, n);
  ex(w).geluFwdSimd(y, x, n);
}

/** dx = dy·GELU_tanh'(x) (dx may be dy). */
export function geluBackward(w: Wasm, dx: number, dy: number, x: number, n: number): void {
  backward(w, 'geluBackward', dx, dy, x, n);
  ex(w).geluBwdSimd(dx, dy, x, n);
}

/**
 * Mean softmax cross-entropy over the batch of logits [C,B] with labels i32 [B] in [0,C); writes
 * dlogits [C,B] = (softmax - onehot)/B unless dlogits is 0. Returns the loss. Needs 8·B bytes of scratch.
 */
export function softmaxCrossEntropy(w: Wasm, dlogits: number, logits: number, labels: number, C: number, B: number): number {
  const f = 'softmaxCrossEntropy';
  size(`${f}.C`, C);
  size(`${f}.B`, B);
  checkScratch(w, f, B);
  checkPtr(w, `${f}.logits`, logits, C * B * 4);
  checkPtr(w, `${f}.labels`, labels, B * 4);
  if (dlogits !== 0) {
    checkPtr(w, `${f}.dlogits`, dlogits, C * B * 4);
    checkDisjoint([`${f}.dlogits`, dlogits, C * B * 4], [[`${f}.logits`, logits, C * B * 4], [`${f}.labels`, labels, B * 4]]);
  }
  const lab = w.i32(labels, B);
  for (let b = 0; b < B; b++) {
    if (!(lab[b] >= 0 && lab[b] < C)) throw new ValidationError(`${f}.labels[${b}]`, lab[b], `expected a class in [0, ${C - 1}]`);
  }
  return ex(w).softmaxXentSimd(dlogits, logits, labels, C, B);
}

/** LayerNorm forward over the F features of each of B samples; saves mean, rstd [B]. */
export function layerNorm(
  w: Wasm, y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, F: number, B: number, eps = 1e-5,
): void {
  const f = 'layerNorm';
  size(`${f}.F`, F);
  size(`${f}.B`, B);
  if (!(eps > 0)) throw new ValidationError(`${f}.eps`, eps, 'expected a positive number');
  finite(`${f}.eps`, eps);
  const fb = F * B * 4;
  checkPtr(w, `${f}.y`, y, fb);
  checkPtr(w, `${f}.mean`, mean, B * 4);
  checkPtr(w, `${f}.rstd`, rstd, B * 4);
  checkPtr(w, `${f}.x`, x, fb);
  checkPtr(w, `${f}.gamma`, gamma, F * 4);
  checkPtr(w, `${f}.beta`, beta, F * 4);
  const inputs: Range[] = [[`${f}.x`, x, fb], [`${f}.gamma`, gamma, F * 4], [`${f}.beta`, beta, F * 4]];
  checkDisjoint([`${f}.y`, y, fb], inputs);
  checkDisjoint([`${f}.mean`, mean, B * 4], [...inputs, [`${f}.y`, y, fb], [`${f}.rstd`, rstd, B * 4]]);
  checkDisjoint([`${f}.rstd`, rstd, B * 4], [...inputs, [`${f}.y`, y, fb]]);
  ex(w).layerNormFwdSimd(y, mean, rstd, x, gamma, beta, F, B, eps);
}

/** LayerNorm backward: dx [F,B]; dgamma, dbeta [F] overwritten (or added to with accumulate). */
export function layerNormBackward(
  w: Wasm, dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number,
  F: number, B: number, accumulate = false,
): void {
  const f = 'layerNormBackward';
  size(`${f}.F`, F);
  size(`${f}.B`, B);
  checkScratch(w, f, B);
  const fb = F * B * 4;
  checkPtr(w, `${f}.dx`, dx, fb);
  checkPtr(w, `${f}.dgamma`, dgamma, F * 4);
  checkPtr(w, `${f}.dbeta`, dbeta, F * 4);
  checkPtr(w, `${f}.dy`, dy, fb);
  checkPtr(w, `${f}.x`, x, fb);
  checkPtr(w, `${f}.mean`, mean, B * 4);
  checkPtr(w, `${f}.rstd`, rstd, B * 4);
  checkPtr(w, `${f}.gamma`, gamma, F * 4);
  const inputs: Range[] = [
    [`${f}.dy`, dy, fb], [`${f}.x`, x, fb], [`${f}.mean`, mean, B * 4], [`${f}.rstd`, rstd, B * 4], [`${f}.gamma`, gamma, F * 4],
  ];
  checkDisjoint([`${f}.dx`, dx, fb], inputs);
  checkDisjoint([`${f}.dgamma`, dgamma, F * 4], [...inputs, [`${f}.dx`, dx, fb], [`${f}.dbeta`, dbeta, F * 4]]);
  checkDisjoint([`${f}.dbeta`, dbeta, F * 4], [...inputs, [`${f}.dx`, dx, fb]]);
  ex(w).layerNormBwdSimd(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, F, B, accumulate ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------
// Named tolerances (maxRelError against the f64 reference, relative to the reference's largest |value|).

/** Bias add, ReLU: exact or one f32 rounding of the result (≤ u relative); 2u allows for the f32 inputs. */
export const ELEMENTWISE_REL_TOL = 2 * 2 ** -24;
/** Bias gradient: an f32 sum of B terms, random-walk round-off ~u·√B; sized for B ≤ 4096 as GEMM is. */
export const BIAS_GRAD_REL_TOL = 8 * 2 ** -24 * Math.sqrt(4096);
/**
 * GELU forward/backward: the polynomial exp is good to ~2 ulp; the kernel forms 0.5·(1 + tanh u) as the
 * sigmoid 1/(1 + e^{-2u}) (no cancellation), so each output carries ~10 round-offs at most (the error of
 * u, scaled by the argument of exp, dominates). 32u = 1.9e-6 of the largest value.
 */
export const GELU_REL_TOL = 32 * 2 ** -24;
/**
 * Softmax cross-entropy: loss and dlogits. Each exp ~2 ulp, an f32 sum of C terms (~u·√C), a division:
 * sized for C ≤ 4096 like the other sums. Applied to both the loss and dlogits.
 */
export const SOFTMAX_XENT_REL_TOL = 8 * 2 ** -24 * Math.sqrt(4096);
/**
 * LayerNorm: f32 sums over F features (mean, variance, the backward's two per-sample sums) ~u·√F, then
 * products with rstd that can reach 1/√eps for near-constant samples. Sized for F ≤ 4096 and inputs with
 * spread (var ≫ eps): 16u·√4096 = 6.1e-5.
 */
export const LAYERNORM_REL_TOL = 16 * 2 ** -24 * Math.sqrt(4096);
