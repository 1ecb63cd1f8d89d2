// Causal multi-head self-attention backward, feature-major, SIMD along the time axis. For each sequence s,
// head h and query t1 (ascending), with P the saved softmax and scale = 1/√hd:
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
  const scale: f32 = <f32>(1.0 / Math.sqrt(<f64>hd));
  const kOff = <usize>C * ld, vOff = <usize>(2 * C) * ld;
  for (let s = 0; s < nSeq; s++) {
    const col0 = <usize>s * <usize>T * 4;
    for (let h = 0; h < H; h++) {
      const r0 = <usize>(h * hd) * ld;
      for (let d = 0; d < hd; d++) {
        const rd = r0 + <usize>d * ld + col0;
        memory.fill(dqkv + kOff + rd, 0, <usize>T * 4);
        memory.fill(dqkv + vOff + rd, 0, <usize>T * 4);
      }
      const attSH = att + <usize>(s * H + h) * <usize>T * <usize>T * 4;
      for (let t1 = 0; t1 < T; t1++) {
        const L = t1 + 1;
        const prow = attSH + <usize>t1 * <usize>T * 4;
        const c1 = col0 + (<usize>t1 << 2); // byte offset of column s·T + t1 within a row
        // dP row (scratch) = Σ_d dout[d,t1]·v[d, 0..t1]
        memory.fill(scratch, 0, <usize>L * 4);
        for (let d = 0; d < hd; d++) {
          const rd = r0 + <usize>d * ld;
          axpyRow(scratch, qkv + vOff + rd + col0, load<f32>(dout + rd + c1), L);
        }
        // scratch = scale·P ⊙ (dP − P·dP)
        const r = dotRow(prow, scratch, L);
        for (let i = 0; i < L; i++) {
          const o = <usize>i << 2;
          store<f32>(scratch + o, load<f32>(prow + o) * (load<f32>(scratch + o) - r) * scale);
        }
        for (let d = 0; d < hd; d++) {
          const rd = r0 + <usize>d * ld;
          store<f32>(dqkv + rd + c1, dotRow(scratch, qkv + kOff + rd + col0, L));
          axpyRow(dqkv + kOff + rd + col0, scratch, load<f32>(qkv + rd + c1), L);
          axpyRow(dqkv + vOff + rd + col0, prow, load<f32>(dout + rd + c1), L);
        }
      }
    }
  }
}
