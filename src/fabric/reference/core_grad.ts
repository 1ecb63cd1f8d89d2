// Reference of the gradient core program (the spec of assembly/fabric/core_grad.ts), one task per call.
//
//   stream (channel 0): per input row k, a count c_k, then c_k deltas: the positions n (local to this
//     column's output features) of row k's non-zeros. No values.
//   broadcast (color 1, channel 1): X[k] over the row's batch slice goes along the row from the column that
//     holds feature k (it sends, the others receive), one wavelet per cycle, before row k's positions.
//   each position triggers one dot product g = X[k] · dY[n] over the batch slice into a FIFO of partials;
//   reduction (color 2 + (r & 1), channel 2): the oldest partial, plus the total from the north (rows > 0),
//     goes south; the bottom row's totals leave through the south edge, in stream order.
// Task costs: a count 1, a broadcast element 1, a dot max(1, ceil(Bs/F)), a reduction element 1.
// Priority: reduction first, then the broadcast, then the stream.
//
// Legend: Bs = the core's batch slice, Kc, Nc = this column's input / output features, P = FIFO depth
// (m.buffers). A column's data rows (B floats; the core owns elements b0 .. b0 + Bs):
// X [Kc] | dY [Nc] | xb [1] (X[k] received) | fifo [P] (partial j in element b0 of row j).
import { CSTAT } from '../abi.js';
import type { RefMesh, RefNode, Task } from './mesh.js';
import { coreSend } from './router.js';
import { bitsOf, dot, floatOf } from './vec.js';

/** One task of the gradient program on core n, or null when nothing can run now. */
export function gradStep(m: RefMesh, n: RefNode): Task | null {
  const kc = m.colK[n.col];
  const nc = m.colN[n.col];
  const kStart = m.colStart[n.col];
  const kEnd = m.colStart[n.col + 1];
  const data = m.data[n.col];
  const row = (j: number) => j * m.B + n.b0;
  const xRow = (k: number) => row(k - kStart);
  const dyRow = (j: number) => row(kc + j);
  const xb = row(kc + nc);
  const fifo = (slot: number) => row(kc + nc + 1 + slot);
  const P = m.buffers;

  // 1. the column reduction: our oldest partial (+ the total from the north) goes south
  if (n.fifoCount > 0) {
    const color = 2 + (n.row & 1);
    if (n.rq[color].length < m.rqDepth && (n.row === 0 || n.cq[2].length > 0)) {
      let v = data[fifo(n.fifoHead)];
      if (n.row > 0) v = Math.fround(floatOf(n.cq[2].shift()!) + v);
      coreSend(m, n, color, bitsOf(v));
      n.fifoHead = (n.fifoHead + 1) % P;
      n.fifoCount--;
      n.reduced++;
      return { cycles: 1, kind: CSTAT.REDUCE };
    }
  }

  const k = n.seq;
  const owner = k >= kStart && k < kEnd;
  // 2. the row broadcast of X[k], element by element
  if (n.phase === 1) {
    const bi = n.bcastEl;
    if (owner) {
      if (n.rq[1].length >= m.rqDepth) return null;
      coreSend(m, n, 1, bitsOf(data[xRow(k) + bi]));
    } else {
      if (n.cq[1].length === 0) return null;
      data[xb + bi] = floatOf(n.cq[1].shift()!);
    }
    if (bi + 1 === n.bs) {
      if (n.rem > 0) n.phase = 2;
      else { n.seq = k + 1; n.phase = 0; }
    } else {
      n.bcastEl = bi + 1;
    }
    return { cycles: 1, kind: CSTAT.STREAM };
  }

  // 3. the stream
  const s = n.cq[0];
  if (s.length === 0) return null;
  if (n.phase === 0) {
    const count = s.shift()!;
    n.rem = count;
    n.idx = 0;
    n.bcastEl = 0;
    if (m.Cu > 1) n.phase = 1; // every column takes part in row k's broadcast, even with no positions
    else if (count > 0) n.phase = 2;
    else n.seq = k + 1;
    return { cycles: 1, kind: CSTAT.STREAM };
  }
  // phase 2: a position triggers one dot product over the batch slice
  if (n.fifoCount >= P) return null;
  n.idx += s.shift()!;
  const xk = owner ? xRow(k) : xb;
  const g = dot(data, xk, data, dyRow(n.idx), n.bs);
  data[fifo((n.fifoHead + n.fifoCount) % P)] = g;
  n.fifoCount++;
  m.count.fmacs += n.bs;
  n.rem--;
  if (n.rem === 0) { n.seq = k + 1; n.phase = 0; }
  return { cycles: Math.max(1, Math.ceil(n.bs / m.fmacs)), kind: CSTAT.COMPUTE };
}
