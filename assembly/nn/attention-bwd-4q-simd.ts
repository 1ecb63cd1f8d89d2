// Causal multi-head self-attention backward, blocked by four queries: the formulas of
// attention-bwd-simd.ts (the spec and legend are there) computed with register tiles (attention-tiles.ts).
// For each block of queries t1b..t1b+3 (t1b a multiple of 4, ascending) and keys 0..t1b+3:
//   dP tile = doutᵀ·v over d (4 x 8 in registers) into scratch; dS = scale·P ⊙ (dP − P·dP) row by row
//   (0 past each query's last key, as P is); dq[:, t1b..t1b+3] = k·dSᵀ; dk += q[:, t1b+r]·dS_r and
//   dv += dout[:, t1b+r]·P_r, r ascending.
// So dk and dv still sum over t1 in ascending order (fixed, independent of the batch around a sequence).
// The last T mod 4 queries go one row at a time (queryRowBwd). scratch: 4·T floats (four dP / dS rows).
import { dotRow } from "./row-simd";
import { addTileProducts, productTile, rowsTimesTile } from "./attention-tiles";
import { queryRowBwd, zeroKV } from "./attention-bwd-simd";

export function attentionBwd4qSimd(
  dqkv: usize, dout: usize, qkv: usize, att: usize, scratch: usize, nSeq: i32, T: i32, C: i32, H: i32,
): void {
  assert(nSeq > 0 && T > 0 && C > 0 && H > 0 && C % H == 0, "attentionBwd: bad sizes");
  const hd = C / H;
  const ld = <usize>nSeq * <usize>T * 4;
  const kv = <usize>C * ld;
  const rs = <usize>T * 4;
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hd));
  const vs = f32x4.splat(scale);
  const T4 = T & ~3;
  for (let s = 0; s < nSeq; s++) {
    const col0 = <usize>s * <usize>T * 4;
    for (let h = 0; h < H; h++) {
      const r0 = <usize>(h * hd) * ld + col0;
      const dq = dqkv + r0, g = dout + r0, q = qkv + r0;
      zeroKV(dq, kv, ld, T, hd);
      const attSH = att + <usize>(s * H + h) * <usize>T * rs;
      for (let t1b = 0; t1b < T4; t1b += 4) {
        const nKeys = t1b + 4;
        const prows = attSH + <usize>t1b * rs;
        productTile(scratch, rs, g, q + 2 * kv, ld, hd, t1b, nKeys); // dP
        for (let r = 0; r < 4; r++) {
          const p = prows + <usize>r * rs, x = scratch + <usize>r * rs;
          const vr = f32x4.splat(dotRow(p, x, t1b + r + 1));
          for (let t2 = 0; t2 < nKeys; t2 += 4) {
            const o = <usize>t2 << 2;
            v128.store(x + o, f32x4.mul(f32x4.mul(v128.load(p + o), f32x4.sub(v128.load(x + o), vr)), vs));
          }
        }
        rowsTimesTile(dq, scratch, rs, q + kv, ld, hd, t1b, nKeys); // dq
        addTileProducts(dq + kv, q, scratch, rs, ld, hd, t1b, nKeys); // dk
        addTileProducts(dq + 2 * kv, g, prows, rs, ld, hd, t1b, nKeys); // dv
      }
      for (let t1 = T4; t1 < T; t1++) queryRowBwd(dq, g, q, attSH, scratch, kv, ld, T, hd, scale, t1);
    }
  }
}
