// Causal multi-head self-attention forward, blocked by four queries: the same result as
// attention-fwd-simd.ts (the spec and legend are there) computed with register tiles
// (attention-tiles.ts). For each block of queries t1b..t1b+3 (t1b a multiple of 4) and keys 0..t1b+3:
//   S tile = qᵀ·k over d (4 queries x 8 keys in registers), softmax of each row over t2 ≤ t1 (entries
//   past t1 set to 0), then out[:, t1b..t1b+3] = v·Pᵀ (4 lane sums per query and feature).
// The last T mod 4 queries go one row at a time (queryRowFwd). Scores are bit-identical to the row
// variant's; out differs from it by the grouping of its sums only.
import { softmaxRow } from "./row-simd";
import { productTile, rowsTimesTile } from "./attention-tiles";
import { queryRowFwd } from "./attention-fwd-simd";

export function attentionFwd4qSimd(out: usize, att: usize, qkv: usize, nSeq: i32, T: i32, C: i32, H: i32): void {
  assert(nSeq > 0 && T > 0 && C > 0 && H > 0 && C % H == 0, "attentionFwd: bad sizes");
  const hd = C / H;
  const ld = <usize>nSeq * <usize>T * 4;
  const kv = <usize>C * ld;
  const rs = <usize>T * 4; // bytes per att row
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hd));
  const T4 = T & ~3;
  for (let s = 0; s < nSeq; s++) {
    const col0 = <usize>s * <usize>T * 4;
    for (let h = 0; h < H; h++) {
      const q = qkv + <usize>(h * hd) * ld + col0;
      const o = out + <usize>(h * hd) * ld + col0;
      const attSH = att + <usize>(s * H + h) * <usize>T * rs;
      for (let t1b = 0; t1b < T4; t1b += 4) {
        const nKeys = t1b + 4;
        const rows = attSH + <usize>t1b * rs;
        productTile(rows, rs, q, q + kv, ld, hd, t1b, nKeys);
        for (let r = 0; r < 4; r++) {
          const L = t1b + r + 1;
          const row = rows + <usize>r * rs;
          softmaxRow(row, L, scale);
          memory.fill(row + (<usize>L << 2), 0, <usize>(T - L) * 4);
        }
        rowsTimesTile(o, rows, rs, q + 2 * kv, ld, hd, t1b, nKeys);
      }
      for (let t1 = T4; t1 < T; t1++) queryRowFwd(o, attSH, q, kv, ld, T, hd, scale, t1);
    }
  }
}
