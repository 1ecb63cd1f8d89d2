// LayerNorm forward, SIMD across samples, feature-major: for each sample b, normalise its F features.
//   mean[b] = (1/F)·Σ_f x[f,b];  var[b] = (1/F)·Σ_f (x[f,b] - mean[b])² (biased, as PyTorch);
//   rstd[b] = 1/√(var[b] + eps);  y[f,b] = (x[f,b] - mean[b])·rstd[b]·gamma[f] + beta[f]
// Legend: F = features (rows), B = batch (contiguous columns); x, y [F, B]; gamma, beta [F];
// mean, rstd [B] are saved for the backward pass (and used as the running sums here). Three passes
// over the rows (sum, squared deviations, output), each one streaming contiguous rows.

export function layerNormFwdSimd(y: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize, F: i32, B: i32, eps: f32): void {
  assert(F > 0 && B > 0, "layerNorm: sizes must be positive");
  const ld = <usize>B * 4;
  const b4 = B & ~3;
  const invF: f32 = <f32>1 / <f32>F;
  memory.fill(mean, 0, ld);
  memory.fill(rstd, 0, ld);
  for (let f = 0; f < F; f++) {
    const row = x + <usize>f * ld;
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      v128.store(mean + o, f32x4.add(v128.load(mean + o), v128.load(row + o)));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      store<f32>(mean + o, load<f32>(mean + o) + load<f32>(row + o));
    }
  }
  const vinvF = f32x4.splat(invF);
  let b = 0;
  for (; b < b4; b += 4) v128.store(mean + <usize>b * 4, f32x4.mul(v128.load(mean + <usize>b * 4), vinvF));
  for (; b < B; b++) store<f32>(mean + <usize>b * 4, load<f32>(mean + <usize>b * 4) * invF);
  for (let f = 0; f < F; f++) {
    const row = x + <usize>f * ld;
    b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      const d = f32x4.sub(v128.load(row + o), v128.load(mean + o));
      v128.store(rstd + o, f32x4.add(v128.load(rstd + o), f32x4.mul(d, d)));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      const d = load<f32>(row + o) - load<f32>(mean + o);
      store<f32>(rstd + o, load<f32>(rstd + o) + d * d);
    }
  }
  const veps = f32x4.splat(eps), one = f32x4.splat(1);
  b = 0;
  for (; b < b4; b += 4) {
    const o = <usize>b * 4;
    v128.store(rstd + o, f32x4.div(one, f32x4.sqrt(f32x4.add(f32x4.mul(v128.load(rstd + o), vinvF), veps))));
  }
  for (; b < B; b++) {
    const o = <usize>b * 4;
    store<f32>(rstd + o, <f32>1 / Mathf.sqrt(load<f32>(rstd + o) * invF + eps));
  }
  for (let f = 0; f < F; f++) {
    const row = x + <usize>f * ld;
    const out = y + <usize>f * ld;
    const g = load<f32>(gamma + <usize>f * 4), be = load<f32>(beta + <usize>f * 4);
    const vg = f32x4.splat(g), vb = f32x4.splat(be);
    b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      const xh = f32x4.mul(f32x4.sub(v128.load(row + o), v128.load(mean + o)), v128.load(rstd + o));
      v128.store(out + o, f32x4.add(f32x4.mul(xh, vg), vb));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      const xh = (load<f32>(row + o) - load<f32>(mean + o)) * load<f32>(rstd + o);
      store<f32>(out + o, xh * g + be);
    }
  }
}
