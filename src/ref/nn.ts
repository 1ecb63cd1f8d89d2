// Plain-TS reference for the nn kernels (the living spec): simple loops in f64, results stored to f32.
// Feature-major layout: a tensor of F features for B samples is [F, B] (row f = feature f, batch contiguous).
// Legend: N = features of a bias, C = classes, F = features normalised by LayerNorm, B = batch, n = length.
// Arrays may be Float64Array too (finite-difference checks run the reference in f64 end to end).

export type Vec = Float32Array | Float64Array;

/** Yt[n,b] += bias[n]. */
export function biasAddRef(y: Vec, bias: Vec, N: number, B: number): void {
  for (let n = 0; n < N; n++) for (let b = 0; b < B; b++) y[n * B + b] += bias[n];
}

/** db[n] (+)= Σ_b dYt[n,b]. */
export function biasGradRef(db: Vec, dy: Vec, N: number, B: number, accumulate = false): void {
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += dy[n * B + b];
    db[n] = accumulate ? db[n] + s : s;
  }
}

/** y = max(x, 0). */
export function reluRef(y: Vec, x: Vec, n: number): void {
  for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

/** dx = dy where x > 0, else 0. */
export function reluBackwardRef(dx: Vec, dy: Vec, x: Vec, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
}

const S2PI = Math.sqrt(2 / Math.PI);
const C3 = 0.044715;

/** GELU, tanh approximation (PyTorch approximate='tanh'): 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluRef(y: Vec, x: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + Math.tanh(S2PI * (v + C3 * v * v * v)));
  }
}

/** d/dx of geluRef times dy. */
export function geluBackwardRef(dx: Vec, dy: Vec, x: Vec, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = Math.tanh(S2PI * (v + C3 * v * v * v));
    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * S2PI * (1 + 3 * C3 * v * v));
  }
}

/**
 * Softmax cross-entropy over classes for each sample, logits [C,B], labels [B] in [0,C).
 * Returns the mean loss over the batch; writes dlogits [C,B] = (softmax - onehot)/B when given.
 */
export function softmaxCrossEntropyRef(
  dlogits: Vec | null,
  logits: Vec,
  labels: Int32Array,
  C: number,
  B: number,
): number {
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[c * B + b]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[c * B + b] - m);
    loss += Math.log(s) + m - logits[labels[b] * B + b];
    if (dlogits) {
      for (let c = 0; c < C; c++) {
        dlogits[c * B + b] = (Math.exp(logits[c * B + b] - m) / s - (c === labels[b] ? 1 : 0)) / B;
      }
    }
  }
  return loss / B;
}

/** LayerNorm over the F features of each sample: y = (x - mean)/√(var + eps)·gamma + beta; saves mean, rstd [B]. */
export function layerNormRef(
  y: Vec, mean: Vec, rstd: Vec,
  x: Vec, gamma: Vec, beta: Vec, F: number, B: number, eps: number,
): void {
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let f = 0; f < F; f++) s += x[f * B + b];
    const mu = s / F;
    let v = 0;
    for (let f = 0; f < F; f++) v += (x[f * B + b] - mu) ** 2;
    const r = 1 / Math.sqrt(v / F + eps);
    mean[b] = mu;
    rstd[b] = r;
    for (let f = 0; f < F; f++) y[f * B + b] = (x[f * B + b] - mu) * r * gamma[f] + beta[f];
  }
}

/** LayerNorm backward: dx [F,B]; dgamma, dbeta [F] (overwritten, or added to with accumulate). */
export function layerNormBackwardRef(
  dx: Vec, dgamma: Vec, dbeta: Vec,
  dy: Vec, x: Vec, mean: Vec, rstd: Vec, gamma: Vec,
  F: number, B: number, accumulate = false,
): void {
  const dg = new Float64Array(F);
  const dbt = new Float64Array(F);
  for (let b = 0; b < B; b++) {
    const mu = mean[b];
    const r = rstd[b];
    let s1 = 0;
    let s2 = 0;
    for (let f = 0; f < F; f++) {
      const xh = (x[f * B + b] - mu) * r;
      const dxh = dy[f * B + b] * gamma[f];
      s1 += dxh;
      s2 += dxh * xh;
      dg[f] += dy[f * B + b] * xh;
      dbt[f] += dy[f * B + b];
    }
    for (let f = 0; f < F; f++) {
      const xh = (x[f * B + b] - mu) * r;
      dx[f * B + b] = r * (dy[f * B + b] * gamma[f] - s1 / F - xh * (s2 / F));
    }
  }
  for (let f = 0; f < F; f++) {
    dgamma[f] = accumulate ? dgamma[f] + dg[f] : dg[f];
    dbeta[f] = accumulate ? dbeta[f] + dbt[f] : dbt[f];
  }
}
