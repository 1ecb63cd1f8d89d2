// The fabric simulator's machine state. Each node (one core and its router) is one contiguous record
// in linear memory so that a step touches few cache lines; active sets, the timing wheel, tables, streams
// and data live beside. The host (src/fabric/layout.ts, sim.ts) lays it out and writes the config block.
// One Wasm instance simulates one mesh; globals are per instance.
//
// Legend: R x C = the mapped rows x columns of the mesh (node id = c·R + r: column-major, so a column's
// cores, which see the same weight stream in lockstep, are neighbours in memory), NC = colors (<= 8),
// Q = router queue depth per (router, color), QC = core input queue depth per (core, channel); a
// channel is which of the core's 3 input queues a color lands in (0 = the weight stream, 1 and 2 =
// the two other flows of the pass).
// Directions: 0 N, 1 E, 2 S, 3 W, 4 RAMP (router <-> its own core); out-masks use bit 1<<dir, plus
// EDGE (bit 5) = off the mesh through the south edge into this column's sink.
//
// Node record (bytes; offsets in abi.ts and, past H_RQ, in the config block: src/fabric/layout.ts nodeLayout):
//   0   core fields, 14 u32 (F_*: common, then each program's own names) | 56 cq head u8[3] | 59 cq count u8[3]
//   64  rmask u8 (colors with a non-empty router queue) | 65 rq head u8[8] | 73 rq count u8[8] | 81 outs u8[8]
//   89  fresh n u8[8] | 97 route class u8 | 100 fresh at u32 (this cycle's arrivals: rqPushAt) | 104 wheel next u32
//   108 O_RQ router queues u32[NC][Q] (color 0's on line 1 at Q = 4) | O_DIR input directions u8[NC][Q] (0: none kept)
//   O_CSTATS per-core cycle counters u32[4] (streaming, computing, reducing, spare) | O_CQ core queues u32[3][QC]
// Routes: a shared table (CFG_ROUTES) of ROUTE_CLASSES rows, out-masks u8[NC][5] by color and input direction.

// Every shared constant (directions, node record offsets H_*, core fields F_*, per-core counters CSTAT_*,
// config slots CFG_*, global counters ST_*) is generated from the one ABI table in scripts/fabric-abi.mjs.
export * from './abi';
import {
  DIR_RAMP, H_RMASK, H_RQHEAD, H_RQCOUNT, H_FRESHN, H_FRESHAT, H_CQHEAD, H_CQCOUNT, H_WNEXT,
  ST_HOPS, ST_RAMP_IN, ST_RAMP_OUT, ST_INJECTED, ST_SUNK, ST_FMACS, ST_TASKS, ST_ROUTER_STEPS, ST_CORE_STEPS, ST_LAST, ST_WAIT_SPINS,
} from './abi';

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
  /** Floats between consecutive feature rows of a column's data (= the batch B: a core's slice of row k
   * is at its data pointer + k·stride, the column's cores side by side). */
  static stride: u32 = 0;
  static wheelLog: u32 = 0;
  static wheelMask: u32 = 0;
  static edgeCap: u32 = 0;
  static nodes: usize = 0;
  static nodeBytes: usize = 0;
  /** Bytes between a node and its east neighbour (rows · nodeBytes: node ids are column-major). */
  static colBytes: usize = 0;
  static oCq: usize = 0;
  static oRq: usize = 0;
  static oCstats: usize = 0;
  static oDir: usize = 0;
  /** The route table: ROUTE_CLASSES rows of ROUTE_CLASS_BYTES. */
  static routes: usize = 0;
  static wheel: usize = 0;
  static colorCh: usize = 0;
  static rowB: usize = 0;
  static colK: usize = 0;
  static colN: usize = 0;
  static colStart: usize = 0;
  static injPtr: usize = 0;
  static injLen: usize = 0;
  static injPos: usize = 0;
  static injFill: usize = 0;
  static injMask: u32 = 0;
  static injWait: u32 = 0;
  static imark: usize = 0;
  static sinkPtr: usize = 0;
  static sinkPos: usize = 0;
  static stats: usize = 0;
  // active sets: cur (this cycle) and next; bitmaps for cores and routers, lists for edge injectors
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
  /** Byte offset of the level-2 words in an active-set bitmap, and their count. */
  static l2Off: usize = 0;
  static l2Words: u32 = 0;
  static now: u32 = 0;
  static edgeUsed: u32 = 0;
  // counters (flushed to memory by flushStats)
  static hops: u64 = 0;
  static rampIn: u64 = 0;
  static rampOut: u64 = 0;
  static injected: u64 = 0;
  static sunk: u64 = 0;
  static fmacCount: u64 = 0;
  static tasks: u64 = 0;
  static routerSteps: u64 = 0;
  static coreSteps: u64 = 0;
  static last: u32 = 0;
  /** Set when a router step woke a router of a higher id for this cycle (the walk must re-read its words). */
  static wokeAhead: u32 = 0;
  /** Set by a core program when its task began with one streaming cycle (a delta + value pair). */
  static pairStream: u32 = 0;
  // this thread's band (bands.ts): node ids [idLo, idLo + idSpan); one band = the whole mesh without threads
  static idLo: u32 = 0;
  static idSpan: u32 = 0;
  /** Level-2 words of the active sets that this band's ids cover: [l2Lo, l2Hi). */
  static l2Lo: u32 = 0;
  static l2Hi: u32 = 0;
  /** Threads: the band table, this band's index and record, the end id of its first column, the start id of its last. */
  static bandTab: usize = 0;
  static band: u32 = 0;
  static bands: u32 = 1;
  static bandRec: usize = 0;
  static firstHi: u32 = 0;
  static lastLo: u32 = 0;
  /** Threads, during a router walk: the first column's routers are published; the east band's cores are done. */
  static passedFirst: u32 = 0;
  static lastReady: u32 = 0;
  /** Threads: looks at a neighbour's progress before it was there (flushed as ST_WAIT_SPINS). */
  static waitSpins: u64 = 0;
  /** Threads: looks at a neighbour's word before sleeping on it (the band table's BH_SPINS). */
  static spins: u32 = 0;
  /** Threads, balancing (balance.ts): the table's mode, the cycle of the next barrier and the epoch between two; ms at
   *  this band's last barrier (the host's clock). */
  static balMode: u32 = 0;
  static balAt: u32 = 0;
  static balEpoch: u32 = 0;
  static balT0: f64 = 0;
  /** waitedMs() at the last barrier; ms asleep so far (timed); the ms a look takes and its samples (band-sync.ts). */
  static balWait0: f64 = 0;
  static balSleepMs: f64 = 0;
  static msPerSpin: f64 = 0;
  static calMs: f64 = 0;
  static calLooks: f64 = 0;
  static calWaits: u32 = 0;
  /** Threads: the waits are timed (balancing by time, or this band emulates a slower CPU: slowFactor = the extra time a computing ms, 0 none). */
  static timed: bool = false;
  static slowFactor: f64 = 0;
  /**
   * Skewed order (skew.ts): the current part's bands [skLo, skHi) of St.bands and its tiles' key shift; its
   * phase, block (index and first cycle) and place in the block (the tile's first key, the cycle, the key).
   */
  static skLo: u32 = 0;
  static skHi: u32 = 0;
  static skShift: u32 = 0;
  static skPhase: u32 = 0;
  static skBlock: u32 = 0;
  static skT0: u32 = 0;
  static skKey0: i32 = 0;
  static skDt: u32 = 0;
  /** The current part's tile frontiers (i32 a cycle of the tile: its next key), and the table's (part 0's) and words a part. */
  static skFront: usize = 0;
  static skFront0: usize = 0;
  static skFrontWords: u32 = 0;
  /** Skewed parts on threads: the thread is about to sleep, so a part that cannot go on flags the word it waits on. */
  static skFlag: bool = false;
  /**
   * Skewed blocks on threads (skew-pipe.ts): pipeEnd is 0 off, else the first cycle past the current block, whose
   * last cycle's routers set pipeBusy when a band has work after it; the block's index; this thread and the one
   * running the block before (its leader).
   */
  static pipeEnd: u32 = 0;
  static pipeBusy: bool = false;
  static pipeBlock: u32 = 0;
  static pipeMe: u32 = 0;
  static pipeLead: u32 = 0;
}

@inline export function cfg(p: usize, slot: u32): u32 {
  return load<u32>(p + (<usize>slot << 2));
}

/** Byte address of node i's record. */
@inline export function node(i: u32): usize {
  return St.nodes + <usize>i * St.nodeBytes;
}

@inline export function coreField(core: u32, f: u32): u32 {
  return load<u32>(node(core) + (<usize>f << 2));
}

/** Field f of the node record at nd (the core's node address computed once per step). */
@inline export function fieldAt(nd: usize, f: u32): u32 {
  return load<u32>(nd + (<usize>f << 2));
}

@inline export function setFieldAt(nd: usize, f: u32, v: u32): void {
  store<u32>(nd + (<usize>f << 2), v);
}

@inline export function setCoreField(core: u32, f: u32, v: u32): void {
  store<u32>(node(core) + (<usize>f << 2), v);
}

/**
 * Active sets are two-level bitmaps (bit i = node i; a level-2 bit per 32-node word) so that each phase
 * visits its nodes in id order, walking the node records sequentially. Sets `i`; true if it was not set.
 */
@inline export function setBit(bits: usize, i: u32): bool {
  const p = bits + (<usize>(i >>> 5) << 2);
  const w = load<u32>(p);
  const m: u32 = <u32>1 << (i & 31);
  if ((w & m) != 0) return false;
  store<u32>(p, w | m);
  // a non-zero word already has its level-2 bit (or is held by the walk that took that bit)
  if (w == 0) {
    const q = bits + St.l2Off + (<usize>(i >>> 10) << 2);
    store<u32>(q, load<u32>(q) | (<u32>1 << ((i >>> 5) & 31)));
  }
  return true;
}

/** Schedules router r to be stepped in cycle `at` (now or now + 1; once). */
@inline export function schedRouter(r: u32, at: u32): void {
  if (at == St.now) {
    if (setBit(St.curR, r)) St.nCurR++;
  } else {
    if (setBit(St.nextR, r)) St.nNextR++;
  }
}

/** Schedules core `core` to be stepped in cycle `at` (now during the wheel drain, else now + 1; once). */
@inline export function schedCore(core: u32, at: u32): void {
  if (at == St.now) {
    if (setBit(St.curC, core)) St.nCurC++;
  } else {
    if (setBit(St.nextC, core)) St.nNextC++;
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
  store<u32>(node(core) + H_WNEXT, load<u32>(slot));
  store<u32>(slot, core + 1);
  St.wheelCount++;
}

// ---- router queues ----

@inline export function rqCountAt(nd: usize, color: u32): u32 {
  return <u32>load<u8>(nd + H_RQCOUNT + <usize>color);
}

@inline export function rqCount(r: u32, color: u32): u32 {
  return rqCountAt(node(r), color);
}

/**
 * Pushes a wavelet into the router queue of `color` of the node at `nd` (caller checked space). Every push of
 * cycle t carries the stamp t + 1; FRESHAT/FRESHN count this cycle's pushes a color, so the router tells a head
 * that arrived this cycle (it must wait a cycle) from an older one (pushedNow, headFresh) without a stamp an entry. The input
 * direction is kept only where a color has routes from several inputs (O_DIR).
 */
@inline export function rqPushAt(nd: usize, color: u32, data: u32, inDir: u32, stamp: u32): void {
  const cnt = <u32>load<u8>(nd + H_RQCOUNT + <usize>color);
  const head = <u32>load<u8>(nd + H_RQHEAD + <usize>color);
  const slot = <usize>((color << St.rqLog) + ((head + cnt) & St.rqMask));
  store<u32>(nd + St.oRq + (slot << 2), data);
  if (St.oDir != 0) store<u8>(nd + St.oDir + slot, <u8>inDir);
  if (load<u32>(nd + H_FRESHAT) != stamp) {
    store<u32>(nd + H_FRESHAT, stamp);
    store<u64>(nd + H_FRESHN, 0);
  }
  store<u8>(nd + H_FRESHN + <usize>color, load<u8>(nd + H_FRESHN + <usize>color) + 1);
  store<u8>(nd + H_RQCOUNT + <usize>color, <u8>(cnt + 1));
  store<u8>(nd + H_RMASK, load<u8>(nd + H_RMASK) | <u8>(<u32>1 << color));
}

/** Whether anything was pushed into the router at nd's queues in this cycle (stamp = now + 1). */
@inline export function pushedNow(nd: usize, stamp: u32): bool {
  return load<u32>(nd + H_FRESHAT) == stamp;
}

/** With pushedNow: whether the head of `color`'s queue (cnt > 0 wavelets) arrived in this cycle (the queue holds only this cycle's pushes). */
@inline export function headFresh(nd: usize, color: u32, cnt: u32): bool {
  return <u32>load<u8>(nd + H_FRESHN + <usize>color) >= cnt;
}

// ---- core input queues: u32 data only (cores run before routers in a cycle, so a wavelet delivered in
// cycle t is consumed in t + 1 at the earliest) ----

@inline export function cqCount(core: u32, ch: u32): u32 {
  return <u32>load<u8>(node(core) + H_CQCOUNT + <usize>ch);
}

@inline export function cqPushAt(nd: usize, ch: u32, data: u32): void {
  const cnt = <u32>load<u8>(nd + H_CQCOUNT + <usize>ch);
  const head = <u32>load<u8>(nd + H_CQHEAD + <usize>ch);
  store<u32>(nd + St.oCq + ((<usize>((ch << St.cqLog) + ((head + cnt) & St.cqMask))) << 2), data);
  store<u8>(nd + H_CQCOUNT + <usize>ch, <u8>(cnt + 1));
}

@inline export function cqCountAt(nd: usize, ch: u32): u32 {
  return <u32>load<u8>(nd + H_CQCOUNT + <usize>ch);
}

/** Pops the head of a core input queue; a queue that was full wakes the core's router in this cycle. */
@inline export function cqPop(core: u32, ch: u32): u32 {
  return cqPopAt(node(core), core, ch);
}

/** cqPop for the core whose node record is at nd. */
@inline export function cqPopAt(nd: usize, core: u32, ch: u32): u32 {
  const cnt = <u32>load<u8>(nd + H_CQCOUNT + <usize>ch);
  const head = <u32>load<u8>(nd + H_CQHEAD + <usize>ch);
  const v = load<u32>(nd + St.oCq + ((<usize>((ch << St.cqLog) + head)) << 2));
  store<u8>(nd + H_CQHEAD + <usize>ch, <u8>((head + 1) & St.cqMask));
  store<u8>(nd + H_CQCOUNT + <usize>ch, <u8>(cnt - 1));
  if (cnt == St.cqDepth) schedRouter(core, St.now);
  return v;
}

/** A core sends one wavelet into its own router (the ramp out): caller checked rqCount < depth. */
@inline export function coreSend(core: u32, color: u32, data: u32): void {
  coreSendAt(node(core), core, color, data);
}

/** coreSend for the core whose node record is at nd. */
@inline export function coreSendAt(nd: usize, core: u32, color: u32, data: u32): void {
  rqPushAt(nd, color, data, DIR_RAMP, St.now + 1);
  St.rampOut++;
  schedRouter(core, St.now + 1);
}

/** Writes the counters to the stats block. */
export function flushStats(): void {
  const p = St.stats;
  store<u64>(p + (<usize>ST_HOPS << 3), St.hops);
  store<u64>(p + (<usize>ST_RAMP_IN << 3), St.rampIn);
  store<u64>(p + (<usize>ST_RAMP_OUT << 3), St.rampOut);
  store<u64>(p + (<usize>ST_INJECTED << 3), St.injected);
  store<u64>(p + (<usize>ST_SUNK << 3), St.sunk);
  store<u64>(p + (<usize>ST_FMACS << 3), St.fmacCount);
  store<u64>(p + (<usize>ST_TASKS << 3), St.tasks);
  store<u64>(p + (<usize>ST_ROUTER_STEPS << 3), St.routerSteps);
  store<u64>(p + (<usize>ST_CORE_STEPS << 3), St.coreSteps);
  store<u64>(p + (<usize>ST_LAST << 3), <u64>St.last);
  store<u64>(p + (<usize>ST_WAIT_SPINS << 3), St.waitSpins);
}
