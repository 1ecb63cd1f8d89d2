// The fabric's clock: one cycle = (1) cores whose task ends now wake from the timing wheel, (2) every
// scheduled core runs at most one task, (3) edge injectors feed the streams, (4) scheduled routers move
// wavelets. Only cores and routers with something to do are visited (active sets: two-level bitmaps walked
// in node order; a timing wheel for busy cores), so an idle or busy-computing core costs nothing per cycle
// (an idle block of 1024 nodes costs one zero word); empty cycles are skipped.
//
// Legend: t = St.now, the current cycle; a task started at t that lasts L cycles ends at t + L.
import {
  St, F_BUSY, F_ROW, F_COL, F_AX_EAST_OUT, CSTAT_STREAM, H_WNEXT, ST_CYCLES,
  cfg, node, setCoreField, schedCore, wheelInsert, flushStats,
  CFG_MAGIC, CFG_ROWS, CFG_COLS, CFG_COLORS, CFG_RQ_LOG, CFG_CQ_LOG, CFG_PASS, CFG_FMACS, CFG_BUFFERS,
  CFG_NSEQ, CFG_WHEEL_LOG, CFG_EDGE_CAP, CFG_NODES, CFG_NODE_BYTES, CFG_O_CQ, CFG_O_RQ, CFG_O_CSTATS, CFG_O_DIR, CFG_ROUTES, CFG_WHEEL,
  CFG_LIST_C0, CFG_LIST_C1, CFG_LIST_R0, CFG_LIST_R1, CFG_LIST_I0, CFG_LIST_I1, CFG_IMARK, CFG_COLOR_CH,
  CFG_ROW_B, CFG_COL_K, CFG_COL_N, CFG_COL_START, CFG_INJ_PTR, CFG_INJ_LEN, CFG_INJ_POS, CFG_INJ_FILL, CFG_INJ_MASK, CFG_INJ_WAIT, CFG_SINK_PTR,
  CFG_SINK_POS, CFG_STATS, CFG_STRIDE, CFG_SLOTS, FABRIC_MAGIC, FABRIC_ABI_HASH,
} from './state';
import { routerStep, injectorStep } from './router';
import { beforeRouter } from './band-sync';
import { coreStepAxpy } from './core_axpy';
import { coreStepGrad } from './core_grad';

/** Number of u32 slots of the config block (the host checks it matches its own table). */
export function fabricConfigSlots(): u32 {
  return CFG_SLOTS;
}

/** Hash of the ABI table this module was generated from (scripts/fabric-abi.mjs; the host checks it). */
export function fabricAbiHash(): u32 {
  return FABRIC_ABI_HASH;
}

/**
 * Reads the config block the host wrote at `p` (zeroed state arrays, routes, data, streams) and
 * prepares cycle 0. Returns 0, or 1 when the block's magic number is wrong.
 */
export function fabricInit(p: usize): u32 {
  if (fabricSetup(p) != 0) return 1;
  // Core identities; the east flow of the axpy program starts at the first output it carries.
  for (let r: u32 = 0; r < St.rows; r++) {
    for (let c: u32 = 0; c < St.cols; c++) {
      const core = c * St.rows + r;
      setCoreField(core, F_ROW, r);
      setCoreField(core, F_COL, c);
      if (St.pass == 0) {
        const start = load<u32>(St.colStart + (<usize>c << 2));
        const end = load<u32>(St.colStart + (<usize>(c + 1) << 2));
        setCoreField(core, F_AX_EAST_OUT, c == 0 ? end : start);
      }
    }
  }
  // Cycle 0: every injector with words is active; St.now = 0 makes "next" mean cycle 0 here.
  for (let c: u32 = 0; c < St.cols; c++) {
    store<u32>(St.imark + (<usize>c << 2), 1);
    store<u32>(St.nextI + (<usize>St.nNextI << 2), c);
    St.nNextI++;
  }
  return 0;
}

/**
 * Reads the config block at `p` into this instance's globals (no memory is written: a band's thread calls
 * it on a mesh fabricInit prepared). One band covering every node. Returns 0, or 1 on a wrong magic number.
 */
export function fabricSetup(p: usize): u32 {
  if (cfg(p, CFG_MAGIC) != FABRIC_MAGIC) return 1;
  St.rows = cfg(p, CFG_ROWS);
  St.cols = cfg(p, CFG_COLS);
  St.nCores = St.rows * St.cols;
  St.colors = cfg(p, CFG_COLORS);
  St.rqLog = cfg(p, CFG_RQ_LOG);
  St.rqDepth = 1 << St.rqLog;
  St.rqMask = St.rqDepth - 1;
  St.cqLog = cfg(p, CFG_CQ_LOG);
  St.cqDepth = 1 << St.cqLog;
  St.cqMask = St.cqDepth - 1;
  St.pass = cfg(p, CFG_PASS);
  St.fmacs = cfg(p, CFG_FMACS);
  St.buffers = cfg(p, CFG_BUFFERS);
  St.nseq = cfg(p, CFG_NSEQ);
  St.stride = cfg(p, CFG_STRIDE);
  St.wheelLog = cfg(p, CFG_WHEEL_LOG);
  St.wheelMask = (1 << St.wheelLog) - 1;
  St.edgeCap = cfg(p, CFG_EDGE_CAP);
  St.nodes = cfg(p, CFG_NODES);
  St.nodeBytes = cfg(p, CFG_NODE_BYTES);
  St.colBytes = <usize>St.rows * St.nodeBytes;
  St.oCq = cfg(p, CFG_O_CQ);
  St.oRq = cfg(p, CFG_O_RQ);
  St.oCstats = cfg(p, CFG_O_CSTATS);
  St.oDir = cfg(p, CFG_O_DIR);
  St.routes = cfg(p, CFG_ROUTES);
  St.wheel = cfg(p, CFG_WHEEL);
  St.curC = cfg(p, CFG_LIST_C0);
  St.nextC = cfg(p, CFG_LIST_C1);
  St.curR = cfg(p, CFG_LIST_R0);
  St.nextR = cfg(p, CFG_LIST_R1);
  St.curI = cfg(p, CFG_LIST_I0);
  St.nextI = cfg(p, CFG_LIST_I1);
  St.imark = cfg(p, CFG_IMARK);
  St.colorCh = cfg(p, CFG_COLOR_CH);
  St.rowB = cfg(p, CFG_ROW_B);
  St.colK = cfg(p, CFG_COL_K);
  St.colN = cfg(p, CFG_COL_N);
  St.colStart = cfg(p, CFG_COL_START);
  St.injPtr = cfg(p, CFG_INJ_PTR);
  St.injLen = cfg(p, CFG_INJ_LEN);
  St.injPos = cfg(p, CFG_INJ_POS);
  St.injFill = cfg(p, CFG_INJ_FILL);
  St.injMask = cfg(p, CFG_INJ_MASK);
  St.injWait = cfg(p, CFG_INJ_WAIT);
  St.sinkPtr = cfg(p, CFG_SINK_PTR);
  St.sinkPos = cfg(p, CFG_SINK_POS);
  St.stats = cfg(p, CFG_STATS);
  St.nCurC = 0;
  St.nNextC = 0;
  St.nCurR = 0;
  St.nNextR = 0;
  St.nCurI = 0;
  St.nNextI = 0;
  St.wheelCount = 0;
  const l1Words = (St.nCores + 31) >>> 5;
  St.l2Off = <usize>l1Words << 2;
  St.l2Words = (l1Words + 31) >>> 5;
  St.now = 0;
  St.hops = 0;
  St.rampIn = 0;
  St.rampOut = 0;
  St.injected = 0;
  St.sunk = 0;
  St.fmacCount = 0;
  St.tasks = 0;
  St.routerSteps = 0;
  St.coreSteps = 0;
  St.waitSpins = 0;
  St.last = 0;
  St.wokeAhead = 0;
  St.idLo = 0;
  St.idSpan = St.nCores;
  St.l2Lo = 0;
  St.l2Hi = St.l2Words;
  St.bands = 1;
  St.balMode = 0;
  St.timed = false;
  St.slowFactor = 0;
  St.balSleepMs = 0;
  St.calMs = 0;
  St.calLooks = 0;
  St.calWaits = 0;
  return 0;
}

@inline function swapLists(): void {
  let p = St.curC; St.curC = St.nextC; St.nextC = p; St.nCurC = St.nNextC; St.nNextC = 0;
  p = St.curR; St.curR = St.nextR; St.nextR = p; St.nCurR = St.nNextR; St.nNextR = 0;
  p = St.curI; St.curI = St.nextI; St.nextI = p; St.nCurI = St.nNextI; St.nNextI = 0;
}

/** Steps one core: if idle, starts the next task its program can run and accounts its cycles. */
@inline function stepCore(core: u32): void {
  const nd = node(core);
  const now = St.now;
  if (load<u32>(nd, F_BUSY << 2) > now) return; // still busy: the wheel wakes it
  const r = St.pass == 0 ? coreStepAxpy(core, nd) : coreStepGrad(core, nd);
  if (r == 0) return; // nothing runnable: sleeps until a wavelet or room arrives
  const cycles = r >>> 2;
  const until = now + cycles;
  store<u32>(nd, until, F_BUSY << 2);
  const cs = nd + St.oCstats;
  const sp = cs + (<usize>(r & 3) << 2);
  if (St.pairStream != 0) {
    St.pairStream = 0;
    store<u32>(sp, load<u32>(sp) + cycles - 1);
    store<u32>(cs + (<usize>CSTAT_STREAM << 2), load<u32>(cs + (<usize>CSTAT_STREAM << 2)) + 1);
  } else {
    store<u32>(sp, load<u32>(sp) + cycles);
  }
  St.tasks++;
  if (until > St.last) St.last = until;
  if (cycles == 1) schedCore(core, now + 1);
  else wheelInsert(core, until);
}

/**
 * Runs up to `maxCycles` cycles. Returns 0 when the mesh went quiet (every stream consumed, every queue
 * empty, every core idle: the cycle count is in stats[ST_CYCLES]), 1 when the budget ran out first.
 */

/** Visits every set bit of a two-level active bitmap in id order (this band's words), clearing it as it goes:
 *  each active core runs stepCore (cores = true) or each active router routerStep. Inlined with constant
 *  flags. A router step may wake a router of a higher id for this same cycle (wakeFeeders sets
 *  St.wokeAhead), so the router walk then re-reads the words it has taken and picks up the new bits (always
 *  ahead of the walk). With threads (banded), the router walk tells bands.ts where it is (beforeRouter). */
@inline
export function walkActive(bits: usize, cores: bool, banded: bool): void {
  const l2 = bits + St.l2Off;
  for (let w2: u32 = St.l2Lo; w2 < St.l2Hi; w2++) {
    const p2 = l2 + (<usize>w2 << 2);
    let m2 = load<u32>(p2);
    if (m2 == 0) continue;
    store<u32>(p2, 0);
    while (m2 != 0) {
      const j = (w2 << 5) + <u32>ctz(m2);
      m2 &= m2 - 1;
      const p1 = bits + (<usize>j << 2);
      let m1 = load<u32>(p1);
      store<u32>(p1, 0);
      while (m1 != 0) {
        const id = (j << 5) + <u32>ctz(m1);
        if (cores) stepCore(id);
        else {
          if (banded) beforeRouter(id);
          routerStep(id);
        }
        m1 &= m1 - 1;
        if (!cores && St.wokeAhead != 0) {
          // take the bits set since (they are all ahead of id: this word's and later words')
          St.wokeAhead = 0;
          m1 |= load<u32>(p1);
          store<u32>(p1, 0);
          m2 |= load<u32>(p2);
          store<u32>(p2, 0);
        }
      }
    }
  }
}

/** Phase 1 of cycle `now`: cores whose task ends now join this cycle's set. */
@inline
export function drainWheel(now: u32): void {
  const slot = St.wheel + (<usize>(now & St.wheelMask) << 2);
  let w = load<u32>(slot);
  if (w == 0) return;
  store<u32>(slot, 0);
  while (w != 0) {
    const core = w - 1;
    w = load<u32>(node(core) + H_WNEXT);
    St.wheelCount--;
    schedCore(core, now);
  }
}

/** The edge injectors of this cycle. */
@inline
export function stepInjectors(): void {
  St.edgeUsed = 0;
  for (let i: u32 = 0; i < St.nCurI; i++) injectorStep(load<u32>(St.curI + (<usize>i << 2)));
}

export function fabricRun(maxCycles: u32): u32 {
  const end = St.now + maxCycles;
  while (St.now < end) {
    const now = St.now;
    // the first cycle after init starts with the sets built for it
    if (St.nCurC == 0 && St.nCurR == 0 && St.nCurI == 0) swapLists();
    // 1. cores whose task ends now
    drainWheel(now);
    // 2. cores, in id order
    St.coreSteps += <u64>St.nCurC;
    walkActive(St.curC, true, false);
    // 3. edge injectors
    stepInjectors();
    // 4. routers, in id order (the set may have grown during 2: cores popping full queues wake their router)
    walkActive(St.curR, false, false);
    // next cycle
    St.nCurC = 0;
    St.nCurR = 0;
    St.nCurI = 0;
    St.now = now + 1;
    swapLists();
    if (St.nCurC == 0 && St.nCurR == 0 && St.nCurI == 0) {
      if (St.wheelCount == 0) {
        flushStats();
        store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
        return 0;
      }
      // skip the empty cycles up to the next task end
      while (load<u32>(St.wheel + (<usize>(St.now & St.wheelMask) << 2)) == 0) St.now++;
    }
  }
  flushStats();
  return 1;
}

/** The current cycle (for progress reports). */
export function fabricNow(): u32 {
  return St.now;
}
