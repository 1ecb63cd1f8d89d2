// Causal multi-head self-attention backward, feature-major, one query row at a time, SIMD along the time
// axis. For each sequence s, head h and query t1 (ascending), with P the saved softmax and scale = 1/√hd:
//   dP[t1,t2] = Σ_d dout[d,t1]·v[d,t2];  dS[t1,t2] = P[t1,t2]·(dP[t1,t2] − Σ_t2' P[t1,t2']·dP[t1,t2'])
//   dq[d,t1] = scale·Σ_t2 dS[t1,t2]·k[d,t2];  dk[d,t2] += scale·dS[t1,t2]·q[d,t1];  dv[d,t2] += P[t1,t2]·dout[d,t1]
// (t2 ≤ t1 throughout). dk and dv sum over t1 in ascending order: a fixed order, so results are deterministic
// and do not depend on how many sequences share the call.
// Legend: as attention-fwd-simd.ts; dqkv [3C, n] (dq, dk, dv rows, OVERWRITTEN), dout [C, n],
// att [nSeq, H, T, T] from the forward, scratch [T] f32 (the dP / scaled dS row of one query).
import { axpyRow, dotRow } from "./row-simd";

export function attentionBwdSimd(
  dqkv: usize, dout: usize, qkv: usize, att: usize, scratch: usize, nSeq: i32, T: i32, C: i32, H: i32,
): void {
  assert(nSeq > 0 && T > 0 && C > 0 && H > 0 && C % H == 0, "attentionBwd: bad sizes");
  const hd = C / H;
  const ld = <usize>nSeq * <usize>T * 4;
  const kv = <usize>C * ld;
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hd));
  for (let s = 0; s < nSeq; s++) {
    const col0 = <usize>s * <usize>T * 4;
    for (let h = 0; h < H; h++) {
      const r0 = <usize>(h * hd) * ld + col0;
      zeroKV(dqkv + r0, kv, ld, T, hd);
      const attSH = att + <usize>(s * H + h) * <usize>T * <usize>T * 4;
      for (let t1 = 0; t1 < T; t1++) queryRowBwd(dqkv + r0, dout + r0, qkv + r0, attSH, scratch, kv, ld, T, hd, scale, t1);
    }
  }
}

/** dk and dv = 0 over the head's hd rows and the sequence's T columns (d = dq at feature 0, token 0). */
@inline
export function zeroKV(d: usize, kv: usize, ld: usize, T: i32, hd: i32): void {
  for (let i = 0; i < hd; i++) {
    const rd = <usize>i * ld;
    memory.fill(d + kv + rd, 0, <usize>T * 4);
    memory.fill(d + 2 * kv + rd, 0, <usize>T * 4);
  }
}

/**
 * One query t1: its dq column, and its terms added to dk and dv. dq, dout, q point at feature 0, token 0
 * of the head and sequence (dk = dq + kv, dv = dq + 2·kv, likewise k and v from q); ld bytes per row.
 */
@inline
export function queryRowBwd(
  dq: usize, dout: usize, q: usize, attSH: usize, scratch: usize, kv: usize, ld: usize, T: i32, hd: i32, scale: f32, t1: i32,
): void {
  const L = t1 + 1;
  const prow = attSH + <usize>t1 * <usize>T * 4;
  const c1 = <usize>t1 << 2;
  // dP row (scratch) = Σ_d dout[d,t1]·v[d, 0..t1]
  memory.fill(scratch, 0, <usize>L * 4);
  for (let d = 0; d < hd; d++) {
    const rd = <usize>d * ld;
    axpyRow(scratch, q + 2 * kv + rd, load<f32>(dout + rd + c1), L);
  }
  // scratch = scale·P ⊙ (dP − P·dP)
  const r = dotRow(prow, scratch, L);
  for (let i = 0; i < L; i++) {
    const o = <usize>i << 2;
    store<f32>(scratch + o, load<f32>(prow + o) * (load<f32>(scratch + o) - r) * scale);
  }
  for (let d = 0; d < hd; d++) {
    const rd = <usize>d * ld;
    store<f32>(dq + rd + c1, dotRow(scratch, q + kv + rd, L));
    axpyRow(dq + kv + rd, scratch, load<f32>(q + rd + c1), L);
    axpyRow(dq + 2 * kv + rd, prow, load<f32>(dout + rd + c1), L);
  }
}
