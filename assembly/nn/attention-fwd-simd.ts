// Causal multi-head self-attention forward, feature-major, one query row at a time, SIMD along the time
// axis (rows are contiguous in tokens). For each sequence s and head h, with hd = C/H, j = s·T + t:
//   S[t1,t2] = (q[:,t1]·k[:,t2]) / √hd for t2 ≤ t1;  P[t1,:] = softmax over t2 ≤ t1 (max-subtracted);
//   out[h·hd+d, s·T+t1] = Σ_{t2≤t1} P[t1,t2]·v[h·hd+d, s·T+t2]
// Legend: nSeq sequences of T tokens, n = nSeq·T columns, C channels, H heads of hd = C/H rows.
//   qkv [3C, n]: rows [0,C) q, [C,2C) k, [2C,3C) v (GPT-2's c_attn split); head h owns rows h·hd..(h+1)·hd
//   of each. out [C, n]. att [nSeq, H, T, T] = P, saved for the backward (entries t2 > t1 are 0).
// A row of S is Σ_d q[d,t1]·k[d, 0..t1]: one AXPY per d over a contiguous k row segment, accumulated in
// place in att's row; out[d,t1] is a dot of that P row with a contiguous v row segment. The blocked
// variant (attention-fwd-4q-simd.ts) uses queryRowFwd for the last T mod 4 queries.
import { axpyRow, dotRow, softmaxRow } from "./row-simd";

export function attentionFwdSimd(out: usize, att: usize, qkv: usize, nSeq: i32, T: i32, C: i32, H: i32): void {
  assert(nSeq > 0 && T > 0 && C > 0 && H > 0 && C % H == 0, "attentionFwd: bad sizes");
  const hd = C / H;
  const ld = <usize>nSeq * <usize>T * 4; // bytes per row of qkv / out
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hd));
  for (let s = 0; s < nSeq; s++) {
    const col0 = <usize>s * <usize>T * 4;
    for (let h = 0; h < H; h++) {
      const q = qkv + <usize>(h * hd) * ld + col0; // q[d = 0, t = 0] of this head and sequence
      const attSH = att + <usize>(s * H + h) * <usize>T * <usize>T * 4;
      for (let t1 = 0; t1 < T; t1++) queryRowFwd(out + <usize>(h * hd) * ld + col0, attSH, q, <usize>C * ld, ld, T, hd, scale, t1);
    }
  }
}

/**
 * One query t1 of one sequence and head: its att row (S, softmax, zeros past t1) and its hd outputs.
 * out, q point at feature 0, token 0 of the head and sequence; k = q + kv, v = q + 2·kv; ld bytes per row.
 */
@inline
export function queryRowFwd(out: usize, attSH: usize, q: usize, kv: usize, ld: usize, T: i32, hd: i32, scale: f32, t1: i32): void {
  const L = t1 + 1;
  const row = attSH + <usize>t1 * <usize>T * 4;
  memory.fill(row, 0, <usize>T * 4);
  const c1 = <usize>t1 << 2;
  for (let d = 0; d < hd; d++) {
    const rd = <usize>d * ld;
    axpyRow(row, q + kv + rd, load<f32>(q + rd + c1), L);
  }
  softmaxRow(row, L, scale);
  for (let d = 0; d < hd; d++) {
    const rd = <usize>d * ld;
    store<f32>(out + rd + c1, dotRow(row, q + 2 * kv + rd, L));
  }
}
