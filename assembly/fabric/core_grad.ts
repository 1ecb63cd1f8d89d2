// The per-core dataflow-trigger program of the gradient pass (dW only where a weight exists):
//   stream (channel 0, color 0): per input row k, a count c_k then c_k deltas giving the positions n
//     (local to this column's output features) of row k's non-zeros; no values are needed.
//   broadcast (color 1, channel 1): X[k] over the row's batch slice is multicast along the row from the
//     column that holds feature k (it sends, everyone else receives, 1 wavelet per cycle).
//   each delta triggers one dot product g = X[k]·dY[n] over Bs, pushed to a small FIFO of partials;
//   reduction (colors 2 + (r & 1), channel 2): partials are summed down the column, row 0 starting,
//     and the bottom row sends each total out through the south edge toward MemoryX (in stream order).
// Costs: count 1, broadcast element 1, dot max(1, ceil(Bs/F)), reduction element 1.
//
// Legend: Bs = this row's batch slice, Kc = this column's input features (X rows), Nc = its output
// features (dY rows), P = partial FIFO depth (St.buffers), F = FMAC per cycle.
// Data of a column (rows of B floats, St.stride apart; a core's slice of a row starts at its data pointer):
// X [Kc, B] | dY [Nc, B] | xb [1, B] (X[k] received) | fifo [P, B] (a core's partials: slot j in row j).
import { St, F_ROW, F_COL, F_DATA, F_PHASE, F_SEQ, F_REM, F_IDX, F_GR_BCAST_EL, F_GR_FIFO_HEAD, F_GR_FIFO_COUNT, F_GR_REDUCED,
  CSTAT_STREAM, CSTAT_COMPUTE, CSTAT_REDUCE,
  fieldAt, setFieldAt, cqCountAt, cqPopAt, coreSendAt, rqCountAt } from './state';
import { dotRow } from './vec';

@inline function task(cycles: u32, kind: u32): u32 {
  return (cycles << 2) | kind;
}

/** One task of the gradient program on `core`, if any can run now. */
/** `nd` = node(core), computed once by the caller. */
export function coreStepGrad(core: u32, nd: usize): u32 {
  const row = fieldAt(nd, F_ROW);
  const col = fieldAt(nd, F_COL);
  const bs = load<u32>(St.rowB + (<usize>row << 2));
  const kc = load<u32>(St.colK + (<usize>col << 2));
  const nc = load<u32>(St.colN + (<usize>col << 2));
  const kStart = load<u32>(St.colStart + (<usize>col << 2));
  const kEnd = load<u32>(St.colStart + (<usize>(col + 1) << 2));
  const data = <usize>fieldAt(nd, F_DATA);
  const stride = St.stride;
  const dy = data + (<usize>(kc * stride) << 2);
  const xb = dy + (<usize>(nc * stride) << 2);
  const fifo = xb + (<usize>stride << 2);
  const P = St.buffers;
  const fcount = fieldAt(nd, F_GR_FIFO_COUNT);

  // 1. reduction down the column: our oldest partial (+ the total from the north) goes south
  if (fcount > 0) {
    const color: u32 = 2 + (row & 1);
    if (rqCountAt(nd, color) < St.rqDepth && (row == 0 || cqCountAt(nd, 2) > 0)) {
      const fhead = fieldAt(nd, F_GR_FIFO_HEAD);
      let v = load<f32>(fifo + (<usize>(fhead * stride) << 2));
      if (row > 0) v = reinterpret<f32>(cqPopAt(nd, core, 2)) + v;
      coreSendAt(nd, core, color, reinterpret<u32>(v));
      setFieldAt(nd, F_GR_FIFO_HEAD, (fhead + 1) % P);
      setFieldAt(nd, F_GR_FIFO_COUNT, fcount - 1);
      setFieldAt(nd, F_GR_REDUCED, fieldAt(nd, F_GR_REDUCED) + 1);
      return task(1, CSTAT_REDUCE);
    }
  }

  const phase = fieldAt(nd, F_PHASE);
  const k = fieldAt(nd, F_SEQ);
  const owner = k >= kStart && k < kEnd;
  // 2. the row broadcast of X[k]
  if (phase == 1) {
    const bi = fieldAt(nd, F_GR_BCAST_EL);
    if (owner) {
      if (rqCountAt(nd, 1) >= St.rqDepth) return 0;
      coreSendAt(nd, core, 1, load<u32>(data + (<usize>((k - kStart) * stride + bi) << 2)));
    } else {
      if (cqCountAt(nd, 1) == 0) return 0;
      store<u32>(xb + (<usize>bi << 2), cqPopAt(nd, core, 1));
    }
    if (bi + 1 == bs) {
      if (fieldAt(nd, F_REM) > 0) {
        setFieldAt(nd, F_PHASE, 2);
      } else {
        setFieldAt(nd, F_SEQ, k + 1);
        setFieldAt(nd, F_PHASE, 0);
      }
    } else {
      setFieldAt(nd, F_GR_BCAST_EL, bi + 1);
    }
    return task(1, CSTAT_STREAM);
  }

  // 3. the stream
  if (cqCountAt(nd, 0) == 0) return 0;
  if (phase == 0) {
    const count = cqPopAt(nd, core, 0);
    setFieldAt(nd, F_REM, count);
    setFieldAt(nd, F_IDX, 0);
    setFieldAt(nd, F_GR_BCAST_EL, 0);
    if (St.cols > 1) setFieldAt(nd, F_PHASE, 1);
    else if (count > 0) setFieldAt(nd, F_PHASE, 2);
    else setFieldAt(nd, F_SEQ, k + 1);
    return task(1, CSTAT_STREAM);
  }
  // phase 2: a position triggers one dot product over the batch slice
  if (fcount >= P) return 0;
  const n = fieldAt(nd, F_IDX) + cqPopAt(nd, core, 0);
  setFieldAt(nd, F_IDX, n);
  const xk = owner ? data + (<usize>((k - kStart) * stride) << 2) : xb;
  const g = dotRow(xk, dy + (<usize>(n * stride) << 2), bs);
  const tail = (fieldAt(nd, F_GR_FIFO_HEAD) + fcount) % P;
  store<f32>(fifo + (<usize>(tail * stride) << 2), g);
  setFieldAt(nd, F_GR_FIFO_COUNT, fcount + 1);
  St.fmacCount += <u64>bs;
  const rem = fieldAt(nd, F_REM) - 1;
  setFieldAt(nd, F_REM, rem);
  if (rem == 0) {
    setFieldAt(nd, F_SEQ, k + 1);
    setFieldAt(nd, F_PHASE, 0);
  }
  const f = St.fmacs;
  const cyc = (bs + f - 1) / f;
  return task(cyc > 1 ? cyc : 1, CSTAT_COMPUTE);
}
