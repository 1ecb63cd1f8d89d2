// LayerNorm backward, SIMD across samples, feature-major (see layernorm-fwd-simd.ts for the forward):
//   xhat = (x - mean)·rstd;  dxhat = dy·gamma
//   dx[f,b]   = rstd[b]·(dxhat[f,b] - (1/F)·Σ_f dxhat[f,b] - xhat[f,b]·(1/F)·Σ_f dxhat[f,b]·xhat[f,b])
//   dgamma[f] (+)= Σ_b dy[f,b]·xhat[f,b];  dbeta[f] (+)= Σ_b dy[f,b]
// Legend: F = features (rows), B = batch (contiguous columns); dx, dy, x [F, B]; gamma, dgamma, dbeta [F];
// mean, rstd [B] from the forward. accumulate: 0 overwrites dgamma/dbeta, 1 adds (dx is always written).
// The two per-sample sums live in the instance's scratch: 2·B floats.
import { getScratchPtr, getScratchBytes } from "../common";

@inline
function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

export function layerNormBwdSimd(
  dx: usize, dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize, rstd: usize, gamma: usize, F: i32, B: i32, accumulate: i32,
): void {
  assert(F > 0 && B > 0, "layerNormBwd: sizes must be positive");
  const ld = <usize>B * 4;
  assert(ld * 2 <= getScratchBytes(), "layerNormBwd: scratch too small (needs 8·B bytes)");
  if (ld * 2 > getScratchBytes()) unreachable(); // release builds too: trap rather than write past the scratch
  const s1 = getScratchPtr(), s2 = s1 + ld;
  memory.fill(s1, 0, ld * 2);
  const b4 = B & ~3;
  const invF: f32 = <f32>1 / <f32>F;
  for (let f = 0; f < F; f++) {
    const xr = x + <usize>f * ld, dr = dy + <usize>f * ld;
    const g = load<f32>(gamma + <usize>f * 4);
    const vg = f32x4.splat(g);
    let sg = f32x4.splat(0), sb = f32x4.splat(0);
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      const d = v128.load(dr + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), v128.load(rstd + o));
      const dxh = f32x4.mul(d, vg);
      v128.store(s1 + o, f32x4.add(v128.load(s1 + o), dxh));
      v128.store(s2 + o, f32x4.add(v128.load(s2 + o), f32x4.mul(dxh, xh)));
      sg = f32x4.add(sg, f32x4.mul(d, xh));
      sb = f32x4.add(sb, d);
    }
    let tg = hsum(sg), tb = hsum(sb);
    for (; b < B; b++) {
      const o = <usize>b * 4;
      const d = load<f32>(dr + o);
      const xh = (load<f32>(xr + o) - load<f32>(mean + o)) * load<f32>(rstd + o);
      const dxh = d * g;
      store<f32>(s1 + o, load<f32>(s1 + o) + dxh);
      store<f32>(s2 + o, load<f32>(s2 + o) + dxh * xh);
      tg += d * xh;
      tb += d;
    }
    const pg = dgamma + <usize>f * 4, pb = dbeta + <usize>f * 4;
    store<f32>(pg, accumulate ? load<f32>(pg) + tg : tg);
    store<f32>(pb, accumulate ? load<f32>(pb) + tb : tb);
  }
  const vinvF = f32x4.splat(invF);
  for (let f = 0; f < F; f++) {
    const xr = x + <usize>f * ld, dr = dy + <usize>f * ld, out = dx + <usize>f * ld;
    const g = load<f32>(gamma + <usize>f * 4);
    const vg = f32x4.splat(g);
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      const r = v128.load(rstd + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(mean + o)), r);
      const dxh = f32x4.mul(v128.load(dr + o), vg);
      const t = f32x4.sub(f32x4.sub(dxh, f32x4.mul(v128.load(s1 + o), vinvF)), f32x4.mul(xh, f32x4.mul(v128.load(s2 + o), vinvF)));
      v128.store(out + o, f32x4.mul(r, t));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      const r = load<f32>(rstd + o);
      const xh = (load<f32>(xr + o) - load<f32>(mean + o)) * r;
      const dxh = load<f32>(dr + o) * g;
      store<f32>(out + o, r * ((dxh - load<f32>(s1 + o) * invF) - xh * (load<f32>(s2 + o) * invF)));
    }
  }
}
