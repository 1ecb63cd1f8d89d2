// Plain-TS reference for causal multi-head self-attention (the living spec of assembly/nn/attention-*):
// simple loops in f64, results stored to the output arrays (f32 or f64). Feature-major layout.
// Legend: nSeq sequences of T tokens, n = nSeq·T columns (column j = s·T + t), C channels, H heads,
// hd = C/H. qkv [3C, n] = rows [0,C) q, [C,2C) k, [2C,3C) v; head h owns rows h·hd..(h+1)·hd of each.
// out, dout [C, n]; att [nSeq, H, T, T] = the softmax P (entries t2 > t1 are 0); dqkv [3C, n].
import type { Vec } from './nn.js';

/** Calls f(s, h, base) for every sequence and head; base(part, d, t) is the index of row part·C + h·hd + d, column s·T + t. */
function eachHead(nSeq: number, T: number, C: number, H: number, f: (s: number, h: number, at: (part: number, d: number, t: number) => number) => void): void {
  const n = nSeq * T;
  const hd = C / H;
  for (let s = 0; s < nSeq; s++) {
    for (let h = 0; h < H; h++) f(s, h, (part, d, t) => (part * C + h * hd + d) * n + s * T + t);
  }
}

/** out = causal softmax(q·kᵀ/√hd)·v per sequence and head; saves att = P. */
export function attentionForwardRef(out: Vec, att: Vec, qkv: Vec, nSeq: number, T: number, C: number, H: number): void {
  const hd = C / H;
  const scale = 1 / Math.sqrt(hd);
  const row = new Float64Array(T);
  eachHead(nSeq, T, C, H, (s, h, at) => {
    for (let t1 = 0; t1 < T; t1++) {
      let m = -Infinity;
      for (let t2 = 0; t2 <= t1; t2++) {
        let dot = 0;
        for (let d = 0; d < hd; d++) dot += qkv[at(0, d, t1)] * qkv[at(1, d, t2)];
        row[t2] = dot * scale;
        m = Math.max(m, row[t2]);
      }
      let sum = 0;
      for (let t2 = 0; t2 <= t1; t2++) {
        row[t2] = Math.exp(row[t2] - m);
        sum += row[t2];
      }
      const a = ((s * H + h) * T + t1) * T;
      for (let t2 = 0; t2 < T; t2++) att[a + t2] = t2 <= t1 ? row[t2] / sum : 0;
      for (let d = 0; d < hd; d++) {
        let o = 0;
        for (let t2 = 0; t2 <= t1; t2++) o += (row[t2] / sum) * qkv[at(2, d, t2)];
        out[at(0, d, t1)] = o;
      }
    }
  });
}

/** dqkv (overwritten) from dout, the forward's qkv and its saved att = P. */
export function attentionBackwardRef(dqkv: Vec, dout: Vec, qkv: Vec, att: Vec, nSeq: number, T: number, C: number, H: number): void {
  const hd = C / H;
  const scale = 1 / Math.sqrt(hd);
  const dS = new Float64Array(T * T);
  eachHead(nSeq, T, C, H, (s, h, at) => {
    const a = (s * H + h) * T * T;
    for (let t1 = 0; t1 < T; t1++) {
      let r = 0;
      for (let t2 = 0; t2 <= t1; t2++) {
        let dp = 0;
        for (let d = 0; d < hd; d++) dp += dout[at(0, d, t1)] * qkv[at(2, d, t2)];
        dS[t1 * T + t2] = dp;
        r += att[a + t1 * T + t2] * dp;
      }
      for (let t2 = 0; t2 <= t1; t2++) dS[t1 * T + t2] = att[a + t1 * T + t2] * (dS[t1 * T + t2] - r);
    }
    for (let d = 0; d < hd; d++) {
      for (let t = 0; t < T; t++) {
        let dq = 0;
        for (let t2 = 0; t2 <= t; t2++) dq += dS[t * T + t2] * qkv[at(1, d, t2)];
        let dk = 0;
        let dv = 0;
        for (let t1 = t; t1 < T; t1++) {
          dk += dS[t1 * T + t] * qkv[at(0, d, t1)];
          dv += att[a + t1 * T + t] * dout[at(0, d, t1)];
        }
        dqkv[at(0, d, t)] = dq * scale;
        dqkv[at(1, d, t)] = dk * scale;
        dqkv[at(2, d, t)] = dv;
      }
    }
  });
}
