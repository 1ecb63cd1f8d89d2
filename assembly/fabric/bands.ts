// Threads: one band of the mesh (columns [c0, c1), node ids [c0·R, c1·R)) run by one thread, giving exactly
// the cycles and results of one thread running the whole mesh (loop.ts). That loop's cycle is ordered:
// cores, then injectors, then routers in id order (column-major), and a router sees room that a lower id
// freed earlier in the same cycle. Cores and injectors touch only their own column's nodes, so bands run
// them at once; routers look at their west and east neighbours, so bands run them as a WAVEFRONT. For the
// boundary between band A (west) and band B (east), in cycle t:
//   - A's last column of routers waits for B's cores and injectors of t (P_CORE): in one thread they came
//     before every router, and they change the counts of B's first column that A's last column reads;
//   - B's router walk waits for A's routers of t (P_LAST): it reads A's last column after A stepped it;
//   - A's next cycle waits for B's first column of t (P_FIRST): B's first column pushes into A's last
//     column and wakes its routers for t + 1 (wakeOtherBand), and A's cores of t + 1 must see that.
// Every wait is for a stage of the same or an earlier cycle, so the waits never form a cycle.
// At the end of each cycle t a band publishes its record of t (a ring of them, recordSlot) with the next
// cycle it has work in: t + 1, or, when its sets are empty, its next task end (or none). A band with empty
// sets then reads every band's record of cycle t and all such bands take the same decision: stop when no
// band has work, skip to the earliest next work as one thread does. A band holds its neighbours at cycle
// t + 1 at the latest (their next stage waits on its own), so the bands k steps away are at most k - 1
// cycles further: a ring of N + 1 records keeps cycle t's until every band has read it.
//
// Legend: t = St.now; R = rows; the band table's layout is BH_* / B_* (abi.ts); sets alternate by the
// parity of the cycle (LIST_*0 for even cycles), so a neighbour knows which set is "cycle at".
import {
  St, flushStats, BH_COUNT, BH_LIMIT, BH_SPINS, BAND_HEAD_WORDS, B_C0, B_C1, B_WHEEL, B_LIST_C0, B_LIST_R0, B_LIST_I0,
  B_STATS, B_XWAKE, ST_CYCLES,
} from './state';
import { fabricSetup, walkActive, drainWheel, stepInjectors } from './loop';
import { bandRecord, recordSlot, publish, publishRecord, sleepOnRecord, waitStage, runDone, setDone, nowMs, waitedMs, B_P_CORE, B_P_FIRST, B_P_LAST } from './band-sync';
import { balance, balanceDue, balanceSetup, setRange } from './balance';

/** No next work (a record's low half). */
export const NEVER: u32 = 0xffffffff;

@inline function recWord(i: u32): u32 {
  return load<u32>(St.bandRec + (<usize>i << 2));
}

/** Points this instance's globals at band k of the table at `tab` and builds its cycle-0 injector list. */
function bandSetup(tab: usize, k: u32): void {
  St.bandTab = tab;
  St.band = k;
  St.bands = load<u32>(tab + (<usize>BH_COUNT << 2));
  St.spins = load<u32>(tab + (<usize>BH_SPINS << 2));
  const rec = bandRecord(k);
  St.bandRec = rec;
  const c0 = recWord(B_C0);
  const c1 = recWord(B_C1);
  setRange(c0, c1);
  balanceSetup();
  St.wheel = recWord(B_WHEEL);
  St.stats = recWord(B_STATS);
  St.curI = recWord(B_LIST_I0);
  St.nextI = recWord(B_LIST_I0 + 1);
  // cycle 0: every injector of the band is active (fabricInit marked them all)
  for (let c = c0; c < c1; c++) {
    store<u32>(St.curI + (<usize>St.nCurI << 2), c);
    St.nCurI++;
  }
}

/** This cycle's and the next cycle's core and router sets, by the cycles' parity. */
@inline export function setLists(t: u32): void {
  const rec = St.bandRec;
  St.curC = load<u32>(rec + (<usize>(B_LIST_C0 + (t & 1)) << 2));
  St.nextC = load<u32>(rec + (<usize>(B_LIST_C0 + ((t + 1) & 1)) << 2));
  St.curR = load<u32>(rec + (<usize>(B_LIST_R0 + (t & 1)) << 2));
  St.nextR = load<u32>(rec + (<usize>(B_LIST_R0 + ((t + 1) & 1)) << 2));
}

/** One cycle of the band; false if the run stopped while it waited. */
function bandCycle(t: u32): bool {
  setLists(t);
  drainWheel(t);
  St.coreSteps += <u64>St.nCurC;
  walkActive(St.curC, true, false);
  stepInjectors();
  publish(B_P_CORE, t);
  if (St.band > 0 && !waitStage(St.band - 1, B_P_LAST, t)) return false;
  St.passedFirst = 0;
  St.lastReady = St.band + 1 < St.bands ? 0 : 1;
  walkActive(St.curR, false, true);
  if (St.passedFirst == 0) publish(B_P_FIRST, t);
  publish(B_P_LAST, t);
  // the east band's first column may still wake this band's routers or push into its last column
  if (St.band + 1 < St.bands && !waitStage(St.band + 1, B_P_FIRST, t)) return false;
  return true;
}

/**
 * bandCycle on an emulated slower CPU (benchmarks of balance.ts only, the table's SLOW_BAND): after the cycle the
 * band spins for slowFactor times the time it computed in it (its waits excluded), as a CPU that slow would take.
 */
function slowCycle(t: u32): bool {
  const t0 = nowMs();
  const w0 = waitedMs();
  const ok = bandCycle(t);
  const end = nowMs();
  const until = end + St.slowFactor * (end - t0 - (waitedMs() - w0));
  while (nowMs() < until) { /* the emulated CPU's extra time */ }
  return ok;
}

/** The next cycle after t in which a busy core of this band ends its task (NEVER: none is busy). */
export function nextTaskEnd(t: u32): u32 {
  if (St.wheelCount == 0) return NEVER;
  let c = t + 1;
  while (load<u32>(St.wheel + (<usize>(c & St.wheelMask) << 2)) == 0) c++;
  return c;
}

/**
 * After every band published its record of cycle t: the earliest next cycle any band has work in (NEVER:
 * the mesh is quiet). Every band that asks reads the same records (no band gets past cycle t + 1 while one
 * is here), so all decide alike. NEVER too if the run stopped meanwhile (runDone()).
 */
function nextWorkOfAll(t: u32): u32 {
  let next = NEVER;
  for (let k: u32 = 0; k < St.bands; k++) {
    const p = recordSlot(k, t);
    let r = atomic.load<u64>(p);
    for (let spins: u32 = 0; <u32>(r >>> 32) != t + 1; spins++) {
      if (runDone() != 0) return NEVER;
      St.waitSpins++;
      if (spins >= St.spins) sleepOnRecord(k, t, r);
      r = atomic.load<u64>(p);
    }
    const w = <u32>r;
    if (w < next) next = w;
  }
  return next;
}

/**
 * Stops every band of the table at `tab` (the host's watchdog, or a band thread that threw): sets BH_DONE
 * and wakes every sleeper, as a band past the cycle limit does (setDone). Any instance may call it.
 */
export function fabricStopBands(tab: usize): void {
  St.bandTab = tab;
  St.bands = load<u32>(tab + (<usize>BH_COUNT << 2));
  setDone(2);
}

/**
 * Runs band `k` of the band table at `tab` on the mesh whose config block is at `p` (fabricInit ran on it,
 * in any instance) until every band is quiet. Returns 0 when the mesh went quiet, 1 on a wrong config
 * block, 2 past the table's cycle limit (or when another band failed). The band's counters are in its own
 * stats block (the host sums them and takes the largest cycle count).
 */
export function fabricBandRun(p: usize, tab: usize, k: u32): u32 {
  if (fabricSetup(p) != 0) return 1;
  bandSetup(tab, k);
  const limit = load<u32>(tab + (<usize>BH_LIMIT << 2));
  let status: u32 = 0;
  for (;;) {
    const t = St.now;
    if (!(St.slowFactor > 0 ? slowCycle(t) : bandCycle(t))) { status = 2; break; }
    const woken = load<u32>(St.bandRec + (<usize>B_XWAKE << 2)) >= t + 2;
    const empty = St.nNextC == 0 && St.nNextR == 0 && St.nNextI == 0 && !woken;
    publishRecord(t, empty ? nextTaskEnd(t) : t + 1);
    let next = t + 1;
    if (empty) {
      next = nextWorkOfAll(t);
      if (next == NEVER) { if (runDone() != 0) status = 2; break; }
    }
    if (next > limit) { setDone(2); status = 2; break; }
    // every BAL_EPOCH cycles the bands may trade columns (balance.ts): this band's columns and next sets may change
    if (balanceDue(next) && !balance(next)) { status = 2; break; }
    // next cycle: the next sets become current (routers and cores by parity), the injector lists swap
    St.nCurC = St.nNextC; St.nNextC = 0;
    St.nCurR = St.nNextR; St.nNextR = 0;
    const pi = St.curI; St.curI = St.nextI; St.nextI = pi;
    St.nCurI = St.nNextI; St.nNextI = 0;
    St.now = next;
  }
  flushStats();
  store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
  return status;
}
