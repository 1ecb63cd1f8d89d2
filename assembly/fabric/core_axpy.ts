// The per-core dataflow-trigger program of the forward and delta passes (one AXPY per non-zero weight):
//   stream (channel 0, color 0): per output o, a count c_o then c_o (delta, value) pairs of the weights
//     that meet this column's input features; the value wavelet triggers acc[o] += w · in[idx] over Bs.
//   reduction: when acc[o] is done, partial sums flow along the row toward the owner column of o:
//     east flow (owner right of us): receive from W (channel 1), add acc, send E;  column 0 starts it;
//     west flow (owner left of us):  receive from E (channel 2), add acc, send W;  column C-1 starts it;
//     the owner adds what arrives from both sides and, when o is complete, copies it to its out slot.
// One task per cycle-slot: a count or delta costs 1 cycle, a value max(1, ceil(Bs/F)), a reduction
// element 1 (receive + add + send of one wavelet). Reduction tasks go first, oldest output first.
//
// Legend: Bs = this row's batch slice, Ks = this column's input features, O = outputs (St.nseq),
// A = accumulator buffers (output o uses buffer o & (A-1)), F = FMAC per cycle.
// Data of a column (rows of B floats; a core's slice of each row starts at its data pointer, rows are
// St.stride = B floats apart): in [Ks, B] | acc [A, B] | out [No, B] (No = outputs this column owns).
// Colors: 0 stream, 1 + (c & 1) east out of column c, 3 + (c & 1) west out of column c.
import { St, F_BUSY, F_ROW, F_COL, F_DATA, F_PHASE, F_SEQ, F_REM, F_IDX, F_AX_DONE, F_AX_FREED, F_AX_EAST_OUT, F_AX_EAST_EL, F_AX_WEST_OUT, F_AX_WEST_EL,
  CSTAT_STREAM, CSTAT_COMPUTE, CSTAT_REDUCE,
  fieldAt, setFieldAt, cqCountAt, cqPopAt, coreSendAt, rqCountAt } from './state';
import { axpyRow, zeroRow, copyRow } from './vec';


/** Result of one core step: cycles << 2 | kind, or 0 when the core has nothing it can do now. */
@inline function task(cycles: u32, kind: u32): u32 {
  return (cycles << 2) | kind;
}

/** Marks outputs complete (in order) once accumulated and every flow through this core has passed them. */
function advanceFreed(nd: usize, bs: u32, col: u32, start: u32, end: u32, data: usize, ks: u32): void {
  const C = St.cols;
  const O = St.nseq;
  let freed = fieldAt(nd, F_AX_FREED);
  const done = fieldAt(nd, F_AX_DONE);
  const eo = fieldAt(nd, F_AX_EAST_OUT);
  const wo = fieldAt(nd, F_AX_WEST_OUT);
  const eLo = col == 0 ? end : start;
  const wHi = col == C - 1 ? start : end;
  const mask = St.buffers - 1;
  while (freed < done) {
    const o = freed;
    if (C > 1 && o >= eLo && o < O && eo <= o) break;
    if (C > 1 && o < wHi && wo <= o) break;
    if (o >= start && o < end) {
      const acc = data + (<usize>((ks + (o & mask)) * St.stride) << 2);
      const out = data + (<usize>((ks + St.buffers + (o - start)) * St.stride) << 2);
      copyRow(out, acc, bs);
    }
    freed++;
  }
  setFieldAt(nd, F_AX_FREED, freed);
}

/** One reduction element of the east (east = true) or west flow, if it can run now. Inlined (its two call
 *  sites pass constants for `east` and the caller's values: 2-11 % measured; coreStepAxpy itself inlined into
 *  the core walk was 5-15 % slower on sparse layers, so it stays a call). */
@inline function flowStep(nd: usize, core: u32, east: bool, bs: u32, col: u32, start: u32, end: u32, data: usize, ks: u32): bool {
  const C = St.cols;
  const fo = east ? F_AX_EAST_OUT : F_AX_WEST_OUT;
  const fi = east ? F_AX_EAST_EL : F_AX_WEST_EL;
  const o = fieldAt(nd, fo);
  const lo = east ? (col == 0 ? end : start) : 0;
  const hi = east ? St.nseq : (col == C - 1 ? start : end);
  if (o < lo || o >= hi) return false;
  if (o >= fieldAt(nd, F_AX_DONE)) return false; // our own partial of o is not accumulated yet
  const i = fieldAt(nd, fi);
  const acc = data + (<usize>((ks + (o & (St.buffers - 1))) * St.stride + i) << 2);
  const outColor: u32 = (east ? 1 : 3) + (col & 1);
  const starts = east ? col == 0 : col == C - 1;
  if (starts) {
    if (rqCountAt(nd, outColor) >= St.rqDepth) return false;
    coreSendAt(nd, core, outColor, load<u32>(acc));
  } else {
    const ch: u32 = east ? 1 : 2;
    if (cqCountAt(nd, ch) == 0) return false;
    const owner = o >= start && o < end;
    if (!owner && rqCountAt(nd, outColor) >= St.rqDepth) return false;
    const v = reinterpret<f32>(cqPopAt(nd, core, ch));
    if (owner) {
      store<f32>(acc, load<f32>(acc) + v);
    } else {
      coreSendAt(nd, core, outColor, reinterpret<u32>(v + load<f32>(acc)));
    }
  }
  if (i + 1 == bs) {
    setFieldAt(nd, fi, 0);
    setFieldAt(nd, fo, o + 1);
    advanceFreed(nd, bs, col, start, end, data, ks);
  } else {
    setFieldAt(nd, fi, i + 1);
  }
  return true;
}

/** One task of the forward/delta program on `core`, if any can run now. */
/** `nd` = node(core), computed once by the caller. */
export function coreStepAxpy(core: u32, nd: usize): u32 {
  const row = fieldAt(nd, F_ROW);
  const col = fieldAt(nd, F_COL);
  const bs = load<u32>(St.rowB + (<usize>row << 2));
  const ks = load<u32>(St.colK + (<usize>col << 2));
  const start = load<u32>(St.colStart + (<usize>col << 2));
  const end = load<u32>(St.colStart + (<usize>(col + 1) << 2));
  const data = <usize>fieldAt(nd, F_DATA);
  const C = St.cols;
  if (C > 1) {
    // reduction first, oldest output first (a flow can run only with input queued or as the chain start)
    const canE = col == 0 || cqCountAt(nd, 1) > 0;
    const canW = col == C - 1 || cqCountAt(nd, 2) > 0;
    if (canE || canW) {
      // the older flow first (flowStep inlined with a constant direction in each branch)
      if (fieldAt(nd, F_AX_EAST_OUT) <= fieldAt(nd, F_AX_WEST_OUT)) {
        if (canE && flowStep(nd, core, true, bs, col, start, end, data, ks)) return task(1, CSTAT_REDUCE);
        if (canW && flowStep(nd, core, false, bs, col, start, end, data, ks)) return task(1, CSTAT_REDUCE);
      } else {
        if (canW && flowStep(nd, core, false, bs, col, start, end, data, ks)) return task(1, CSTAT_REDUCE);
        if (canE && flowStep(nd, core, true, bs, col, start, end, data, ks)) return task(1, CSTAT_REDUCE);
      }
    }
  }
  if (cqCountAt(nd, 0) == 0) return 0;
  const phase = fieldAt(nd, F_PHASE);
  const o = fieldAt(nd, F_SEQ);
  const mask = St.buffers - 1;
  if (phase == 0) {
    // count: opens output o in a free accumulator
    if (o - fieldAt(nd, F_AX_FREED) >= St.buffers) return 0; // every buffer still reducing
    const count = cqPopAt(nd, core, 0);
    zeroRow(data + (<usize>((ks + (o & mask)) * St.stride) << 2), bs);
    if (count == 0) {
      setFieldAt(nd, F_AX_DONE, o + 1);
      setFieldAt(nd, F_SEQ, o + 1);
      advanceFreed(nd, bs, col, start, end, data, ks);
    } else {
      setFieldAt(nd, F_REM, count);
      setFieldAt(nd, F_IDX, 0);
      setFieldAt(nd, F_PHASE, 1);
    }
    return task(1, CSTAT_STREAM);
  }
  let pair = false;
  if (phase == 1) {
    setFieldAt(nd, F_IDX, fieldAt(nd, F_IDX) + cqPopAt(nd, core, 0));
    if (cqCountAt(nd, 0) == 0) {
      setFieldAt(nd, F_PHASE, 2);
      return task(1, CSTAT_STREAM);
    }
    // its value is queued too: the pair runs back to back as one task (1 streaming + L computing cycles)
    pair = true;
  }
  // value: one AXPY over the batch slice
  const w = reinterpret<f32>(cqPopAt(nd, core, 0));
  const idx = fieldAt(nd, F_IDX);
  const acc = data + (<usize>((ks + (o & mask)) * St.stride) << 2);
  axpyRow(acc, data + (<usize>(idx * St.stride) << 2), w, bs);
  St.fmacCount += <u64>bs;
  const rem = fieldAt(nd, F_REM) - 1;
  setFieldAt(nd, F_REM, rem);
  if (rem == 0) {
    setFieldAt(nd, F_AX_DONE, o + 1);
    setFieldAt(nd, F_SEQ, o + 1);
    setFieldAt(nd, F_PHASE, 0);
    advanceFreed(nd, bs, col, start, end, data, ks);
  } else {
    setFieldAt(nd, F_PHASE, 1);
  }
  const f = St.fmacs;
  let cyc = (bs + f - 1) / f;
  if (cyc < 1) cyc = 1;
  if (pair) {
    St.pairStream = 1;
    cyc++;
  }
  return task(cyc, CSTAT_COMPUTE);
}
