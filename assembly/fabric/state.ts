// The fabric simulator's machine state: flat arrays in linear memory laid out by the host
// (src/fabric/layout.ts writes the config block read here) plus the scalars every part reads.
// One Wasm instance simulates one mesh; globals are per instance.
//
// Legend: R x C = the mapped rows x columns of the mesh (core id = router id = r·C + c),
// NC = colors (routing channels), Q = router queue depth per (router, color), QC = core input queue
// depth per (core, channel); a channel is which of the core's 3 input queues a color lands in
// (0 = the weight stream, 1 and 2 = the two other flows of the pass).
// Directions: 0 N, 1 E, 2 S, 3 W, 4 RAMP (router <-> its own core); out-masks use bit 1<<dir, plus
// EDGE (bit 5) = off the mesh through the south edge into this column's sink.

export const DIR_N: u32 = 0;
export const DIR_E: u32 = 1;
export const DIR_S: u32 = 2;
export const DIR_W: u32 = 3;
export const DIR_RAMP: u32 = 4;
export const DIR_EDGE: u32 = 5;
export const NDIR: u32 = 6; // link stamps per router: N E S W RAMP(in to core) EDGE
export const NCH: u32 = 3;
export const CORE_WORDS: u32 = 16; // u32 fields per core
export const STATS_WORDS: u32 = 4; // u32 per core: compute, stream, reduce, spare

// Core fields (u32 index). The two programs (axpy: forward/delta, grad: gradient) name them differently.
export const F_BUSY: u32 = 0; // busy until this cycle (exclusive)
export const F_ROW: u32 = 1;
export const F_COL: u32 = 2;
export const F_DATA: u32 = 3; // byte pointer of this core's data block
export const F_PHASE: u32 = 4;
export const F_SEQ: u32 = 5; // output (axpy) or input row k (grad) the stream is at
export const F_REM: u32 = 6; // non-zeros left in the current stream row
export const F_IDX: u32 = 7; // local index built from the deltas
export const F_A: u32 = 8; // axpy: outputs whose accumulation is done | grad: broadcast element
export const F_B: u32 = 9; // axpy: outputs fully reduced (buffers freed) | grad: partial FIFO head
export const F_C: u32 = 10; // axpy: east flow output | grad: partial FIFO count
export const F_D: u32 = 11; // axpy: east flow element
export const F_E: u32 = 12; // axpy: west flow output | grad: partials reduced
export const F_F: u32 = 13; // axpy: west flow element

// Config block slots (u32). Mirror: src/fabric/layout.ts CFG.
export const CFG_MAGIC: u32 = 0;
export const CFG_ROWS: u32 = 1;
export const CFG_COLS: u32 = 2;
export const CFG_COLORS: u32 = 3;
export const CFG_RQ_LOG: u32 = 4;
export const CFG_CQ_LOG: u32 = 5;
export const CFG_PASS: u32 = 6;
export const CFG_FMACS: u32 = 7;
export const CFG_BUFFERS: u32 = 8;
export const CFG_NSEQ: u32 = 9;
export const CFG_WHEEL_LOG: u32 = 10;
export const CFG_EDGE_CAP: u32 = 11;
export const CFG_RQ_DATA: u32 = 12;
export const CFG_RQ_HEAD: u32 = 13;
export const CFG_RQ_COUNT: u32 = 14;
export const CFG_RMASK: u32 = 15;
export const CFG_ROUTE: u32 = 16;
export const CFG_LINK: u32 = 17;
export const CFG_CQ_DATA: u32 = 18;
export const CFG_CQ_HEAD: u32 = 19;
export const CFG_CQ_COUNT: u32 = 20;
export const CFG_CORE: u32 = 21;
export const CFG_CMARK: u32 = 22;
export const CFG_RMARK: u32 = 23;
export const CFG_WNEXT: u32 = 24;
export const CFG_WHEEL: u32 = 25;
export const CFG_LIST_C0: u32 = 26;
export const CFG_LIST_C1: u32 = 27;
export const CFG_LIST_R0: u32 = 28;
export const CFG_LIST_R1: u32 = 29;
export const CFG_LIST_I0: u32 = 30;
export const CFG_LIST_I1: u32 = 31;
export const CFG_IMARK: u32 = 32;
export const CFG_COLOR_CH: u32 = 33;
export const CFG_ROW_B: u32 = 34;
export const CFG_COL_K: u32 = 35;
export const CFG_COL_N: u32 = 36;
export const CFG_COL_START: u32 = 37;
export const CFG_INJ_PTR: u32 = 38;
export const CFG_INJ_LEN: u32 = 39;
export const CFG_INJ_POS: u32 = 40;
export const CFG_SINK_PTR: u32 = 41;
export const CFG_SINK_POS: u32 = 42;
export const CFG_CSTATS: u32 = 43;
export const CFG_STATS: u32 = 44;
export const CFG_SLOTS: u32 = 45;
export const FABRIC_MAGIC: u32 = 0x46414231; // "FAB1"

// Global counters (u64 at St.stats + 8·i). Mirror: src/fabric/layout.ts STAT.
export const ST_HOPS: u32 = 0; // router -> neighbour router wavelets
export const ST_RAMP_IN: u32 = 1; // router -> core
export const ST_RAMP_OUT: u32 = 2; // core -> router
export const ST_INJECTED: u32 = 3; // edge -> mesh (weight stream words)
export const ST_SUNK: u32 = 4; // mesh -> edge (gradients out)
export const ST_FMACS: u32 = 5;
export const ST_TASKS: u32 = 6;
export const ST_ROUTER_STEPS: u32 = 7;
export const ST_CORE_STEPS: u32 = 8;
export const ST_CYCLES: u32 = 9; // the cycle count when the mesh went quiet
export const ST_LAST: u32 = 10; // last cycle anything happened + 1

/** Every scalar and array base of the simulated mesh (static fields are per-instance globals). */
export class St {
  static rows: u32 = 0;
  static cols: u32 = 0;
  static nCores: u32 = 0;
  static colors: u32 = 0;
  static rqLog: u32 = 0;
  static rqMask: u32 = 0;
  static rqDepth: u32 = 0;
  static cqLog: u32 = 0;
  static cqMask: u32 = 0;
  static cqDepth: u32 = 0;
  static pass: u32 = 0;
  static fmacs: u32 = 4;
  static buffers: u32 = 2;
  static nseq: u32 = 0;
  static wheelLog: u32 = 0;
  static wheelMask: u32 = 0;
  static edgeCap: u32 = 0;
  static rqData: usize = 0;
  static rqHead: usize = 0;
  static rqCount: usize = 0;
  static rmask: usize = 0;
  static route: usize = 0;
  static link: usize = 0;
  static cqData: usize = 0;
  static cqHead: usize = 0;
  static cqCount: usize = 0;
  static core: usize = 0;
  static cmark: usize = 0;
  static rmark: usize = 0;
  static wnext: usize = 0;
  static wheel: usize = 0;
  static colorCh: usize = 0;
  static rowB: usize = 0;
  static colK: usize = 0;
  static colN: usize = 0;
  static colStart: usize = 0;
  static injPtr: usize = 0;
  static injLen: usize = 0;
  static injPos: usize = 0;
  static imark: usize = 0;
  static sinkPtr: usize = 0;
  static sinkPos: usize = 0;
  static cstats: usize = 0;
  static stats: usize = 0;
  // active lists: cur (this cycle) and next, for cores, routers and edge injectors
  static curC: usize = 0;
  static nextC: usize = 0;
  static nCurC: u32 = 0;
  static nNextC: u32 = 0;
  static curR: usize = 0;
  static nextR: usize = 0;
  static nCurR: u32 = 0;
  static nNextR: u32 = 0;
  static curI: usize = 0;
  static nextI: usize = 0;
  static nCurI: u32 = 0;
  static nNextI: u32 = 0;
  static wheelCount: u32 = 0;
  static now: u32 = 0;
  static edgeUsed: u32 = 0;
}

@inline export function cfg(p: usize, slot: u32): u32 {
  return load<u32>(p + (<usize>slot << 2));
}

@inline export function coreField(core: u32, f: u32): u32 {
  return load<u32>(St.core + ((<usize>(core * CORE_WORDS + f)) << 2));
}

@inline export function setCoreField(core: u32, f: u32, v: u32): void {
  store<u32>(St.core + ((<usize>(core * CORE_WORDS + f)) << 2), v);
}

@inline export function bump(stat: u32, by: u64): void {
  const p = St.stats + (<usize>stat << 3);
  store<u64>(p, load<u64>(p) + by);
}

@inline export function addCoreStat(core: u32, which: u32, cycles: u32): void {
  const p = St.cstats + ((<usize>(core * STATS_WORDS + which)) << 2);
  store<u32>(p, load<u32>(p) + cycles);
}

/** Schedules router r to be stepped in cycle `at` (once). */
@inline export function schedRouter(r: u32, at: u32): void {
  const m = St.rmark + (<usize>r << 2);
  if (load<u32>(m) == at + 1) return;
  store<u32>(m, at + 1);
  if (at == St.now) {
    store<u32>(St.curR + (<usize>St.nCurR << 2), r);
    St.nCurR++;
  } else {
    store<u32>(St.nextR + (<usize>St.nNextR << 2), r);
    St.nNextR++;
  }
}

/** Schedules core `core` to be stepped in cycle `at` (at = now during the wheel drain, else now + 1). */
@inline export function schedCore(core: u32, at: u32): void {
  const m = St.cmark + (<usize>core << 2);
  if (load<u32>(m) == at + 1) return;
  store<u32>(m, at + 1);
  if (at == St.now) {
    store<u32>(St.curC + (<usize>St.nCurC << 2), core);
    St.nCurC++;
  } else {
    store<u32>(St.nextC + (<usize>St.nNextC << 2), core);
    St.nNextC++;
  }
}

/** Schedules the edge injector of column c for cycle now + 1. */
@inline export function schedInjector(c: u32): void {
  const at = St.now + 1;
  const m = St.imark + (<usize>c << 2);
  if (load<u32>(m) == at + 1) return;
  store<u32>(m, at + 1);
  store<u32>(St.nextI + (<usize>St.nNextI << 2), c);
  St.nNextI++;
}

/** Puts a busy core on the timing wheel to wake at cycle `at` (> now). */
@inline export function wheelInsert(core: u32, at: u32): void {
  const slot = St.wheel + (<usize>(at & St.wheelMask) << 2);
  store<u32>(St.wnext + (<usize>core << 2), load<u32>(slot));
  store<u32>(slot, core + 1);
  St.wheelCount++;
}

// ---- router queues: entries are (data u32, meta u32 = arrival stamp << 3 | input direction) ----

@inline export function rqCount(r: u32, color: u32): u32 {
  return <u32>load<u8>(St.rqCount + <usize>(r * St.colors + color));
}

/** Pushes a wavelet into router r's queue of `color` (caller checked space). Stamp = cycle + 1. */
@inline export function rqPush(r: u32, color: u32, data: u32, inDir: u32, stamp: u32): void {
  const qi = r * St.colors + color;
  const cnt = <u32>load<u8>(St.rqCount + <usize>qi);
  const head = <u32>load<u8>(St.rqHead + <usize>qi);
  const e = St.rqData + ((<usize>((qi << St.rqLog) + ((head + cnt) & St.rqMask))) << 3);
  store<u32>(e, data);
  store<u32>(e, (stamp << 3) | inDir, 4);
  store<u8>(St.rqCount + <usize>qi, <u8>(cnt + 1));
  const mp = St.rmask + <usize>r;
  store<u8>(mp, load<u8>(mp) | <u8>(<u32>1 << color));
}

// ---- core input queues: u32 data only (cores run before routers in a cycle, so a wavelet delivered in
// cycle t is consumed in t + 1 at the earliest) ----

@inline export function cqCount(core: u32, ch: u32): u32 {
  return <u32>load<u8>(St.cqCount + <usize>(core * NCH + ch));
}

@inline export function cqPush(core: u32, ch: u32, data: u32): void {
  const qi = core * NCH + ch;
  const cnt = <u32>load<u8>(St.cqCount + <usize>qi);
  const head = <u32>load<u8>(St.cqHead + <usize>qi);
  store<u32>(St.cqData + ((<usize>((qi << St.cqLog) + ((head + cnt) & St.cqMask))) << 2), data);
  store<u8>(St.cqCount + <usize>qi, <u8>(cnt + 1));
}

/** Pops the head of a core input queue; a queue that was full wakes the core's router in this cycle. */
@inline export function cqPop(core: u32, ch: u32): u32 {
  const qi = core * NCH + ch;
  const cnt = <u32>load<u8>(St.cqCount + <usize>qi);
  const head = <u32>load<u8>(St.cqHead + <usize>qi);
  const v = load<u32>(St.cqData + ((<usize>((qi << St.cqLog) + head)) << 2));
  store<u8>(St.cqHead + <usize>qi, <u8>((head + 1) & St.cqMask));
  store<u8>(St.cqCount + <usize>qi, <u8>(cnt - 1));
  if (cnt == St.cqDepth) schedRouter(core, St.now);
  return v;
}

@inline export function cqPeek(core: u32, ch: u32): u32 {
  const qi = core * NCH + ch;
  const head = <u32>load<u8>(St.cqHead + <usize>qi);
  return load<u32>(St.cqData + ((<usize>((qi << St.cqLog) + head)) << 2));
}

/** A core sends one wavelet into its own router (the ramp out): caller checked rqCount < depth. */
@inline export function coreSend(core: u32, color: u32, data: u32): void {
  rqPush(core, color, data, DIR_RAMP, St.now + 1);
  bump(ST_RAMP_OUT, 1);
  schedRouter(core, St.now + 1);
}
