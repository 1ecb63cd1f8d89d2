// Reference of the forward / delta core program (the spec of assembly/fabric/core_axpy.ts), one task per call.
//
//   stream (channel 0): per output o, a count c_o, then c_o (delta, value) pairs: the weights of output o
//     that meet this column's input features. A value triggers acc[o] += w · in[idx] over the batch slice.
//   reduction: when acc[o] is done, partial sums of o flow along the row toward o's owner column:
//     east flow (owner right of us): receive from the west (channel 1), add acc, send east; column 0 starts;
//     west flow (owner left of us):  receive from the east (channel 2), add acc, send west; column C−1 starts;
//     the owner adds what arrives from both sides; when o is complete it is copied to the owner's out row.
// Task costs: a count or delta 1 cycle, a value max(1, ceil(Bs/F)) (a delta whose value is already queued
// runs with it as one task of 1 + that), a reduction element 1 (receive + add + send one wavelet).
// Priority: reduction first (the flow at the older output first), then the stream.
//
// Legend: Bs = the core's batch slice, Ks = this column's input features, O = outputs (m.nseq),
// A = accumulators (output o uses acc[o mod A]), F = FMAC per cycle.
// A column's data rows (B floats each; the core owns elements b0 .. b0 + Bs): in [Ks] | acc [A] | out [No].
// Colors: 0 stream, 1 + (c & 1) east out of column c, 3 + (c & 1) west out of column c.
import { CSTAT } from '../abi.js';
import type { RefMesh, RefNode, Task } from './mesh.js';
import { coreSend } from './router.js';
import { axpy, bitsOf, floatOf } from './vec.js';

/** The column's layout for core n: first output owned [start, end), input rows Ks, row -> array index. */
function frame(m: RefMesh, n: RefNode) {
  const ks = m.colK[n.col];
  const start = m.colStart[n.col];
  const end = m.colStart[n.col + 1];
  const row = (j: number) => j * m.B + n.b0;
  return { ks, start, end, data: m.data[n.col], acc: (o: number) => row(ks + (o % m.buffers)), inRow: row, out: (o: number) => row(ks + m.buffers + (o - start)) };
}

/** Outputs the east flow through column c carries: [lo, hi). Column 0 starts it with the outputs right of it. */
function eastRange(m: RefMesh, col: number): [number, number] {
  return [col === 0 ? m.colStart[1] : m.colStart[col], m.nseq];
}

/** Outputs the west flow through column c carries: [0, hi). Column C−1 starts it with the outputs left of it. */
function westRange(m: RefMesh, col: number): [number, number] {
  return [0, col === m.Cu - 1 ? m.colStart[col] : m.colStart[col + 1]];
}

/** Frees outputs in order once accumulated and passed by every flow through this core (owner: copies out). */
function advanceFreed(m: RefMesh, n: RefNode): void {
  const f = frame(m, n);
  const [eLo] = eastRange(m, n.col);
  const [, wHi] = westRange(m, n.col);
  while (n.freed < n.done) {
    const o = n.freed;
    if (m.Cu > 1 && o >= eLo && o < m.nseq && n.eastOut <= o) break; // the east flow has not passed o yet
    if (m.Cu > 1 && o < wHi && n.westOut <= o) break; // nor the west flow
    if (o >= f.start && o < f.end) f.data.copyWithin(f.out(o), f.acc(o), f.acc(o) + n.bs);
    n.freed++;
  }
}

/** One element of the east (east = true) or west reduction flow, if it can run now. */
function flowStep(m: RefMesh, n: RefNode, east: boolean): boolean {
  const f = frame(m, n);
  const o = east ? n.eastOut : n.westOut;
  const i = east ? n.eastEl : n.westEl;
  const [lo, hi] = east ? eastRange(m, n.col) : westRange(m, n.col);
  if (o < lo || o >= hi) return false; // the flow has nothing (more) through this column
  if (o >= n.done) return false; // our own partial of o is not accumulated yet
  const at = f.acc(o) + i;
  const outColor = (east ? 1 : 3) + (n.col & 1);
  const starts = east ? n.col === 0 : n.col === m.Cu - 1;
  if (starts) {
    if (n.rq[outColor].length >= m.rqDepth) return false;
    coreSend(m, n, outColor, bitsOf(f.data[at]));
  } else {
    const ch = east ? 1 : 2;
    if (n.cq[ch].length === 0) return false;
    const owner = o >= f.start && o < f.end;
    if (!owner && n.rq[outColor].length >= m.rqDepth) return false;
    const v = floatOf(n.cq[ch].shift()!);
    if (owner) f.data[at] = Math.fround(f.data[at] + v);
    else coreSend(m, n, outColor, bitsOf(Math.fround(v + f.data[at])));
  }
  if (i + 1 === n.bs) {
    if (east) { n.eastEl = 0; n.eastOut = o + 1; } else { n.westEl = 0; n.westOut = o + 1; }
    advanceFreed(m, n);
  } else if (east) {
    n.eastEl = i + 1;
  } else {
    n.westEl = i + 1;
  }
  return true;
}

/** Output o is accumulated: move the stream on and free what can be freed. */
function outputDone(m: RefMesh, n: RefNode, o: number): void {
  n.done = o + 1;
  n.seq = o + 1;
  n.phase = 0;
  advanceFreed(m, n);
}

/** One task of the forward/delta program on core n, or null when nothing can run now. */
export function axpyStep(m: RefMesh, n: RefNode): Task | null {
  if (m.Cu > 1) {
    const canE = n.col === 0 || n.cq[1].length > 0;
    const canW = n.col === m.Cu - 1 || n.cq[2].length > 0;
    if (canE || canW) {
      const eastFirst = n.eastOut <= n.westOut;
      if ((eastFirst ? canE : canW) && flowStep(m, n, eastFirst)) return { cycles: 1, kind: CSTAT.REDUCE };
      if ((eastFirst ? canW : canE) && flowStep(m, n, !eastFirst)) return { cycles: 1, kind: CSTAT.REDUCE };
    }
  }
  const s = n.cq[0];
  if (s.length === 0) return null;
  const f = frame(m, n);
  const o = n.seq;
  if (n.phase === 0) {
    // a count opens output o in a free accumulator
    if (o - n.freed >= m.buffers) return null; // every accumulator is still being reduced
    const count = s.shift()!;
    f.data.fill(0, f.acc(o), f.acc(o) + n.bs);
    if (count === 0) outputDone(m, n, o);
    else { n.rem = count; n.idx = 0; n.phase = 1; }
    return { cycles: 1, kind: CSTAT.STREAM };
  }
  let pair = false;
  if (n.phase === 1) {
    n.idx += s.shift()!; // a delta
    if (s.length === 0) { n.phase = 2; return { cycles: 1, kind: CSTAT.STREAM }; }
    pair = true; // its value is queued too: one task
  }
  // a value: one AXPY over the batch slice
  const w = floatOf(s.shift()!);
  axpy(f.data, f.acc(o), f.inRow(n.idx), w, n.bs);
  m.count.fmacs += n.bs;
  n.rem--;
  if (n.rem === 0) outputDone(m, n, o);
  else n.phase = 1;
  const cycles = Math.max(1, Math.ceil(n.bs / m.fmacs)) + (pair ? 1 : 0);
  return { cycles, kind: CSTAT.COMPUTE, pair };
}
