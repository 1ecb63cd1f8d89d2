// One thread, many bands, in a time-skewed order: the cycles and results of loop.ts exactly, with the
// temporal locality that a mesh larger than the caches lacks (the full wafer's node records are 218 MB;
// loop.ts walks all of them every cycle, so nearly every step is a miss to memory).
//
// The mesh is cut into bands of columns as for threads (bands.ts explains the order that one thread's
// cycle implies). Write C(k,t) for band k's cores and injectors of cycle t, R(k,t) for its routers. What
// each unit needs done first (the waits of bands.ts, made unconditional):
//   C(k,t) <- R(k,t-1), R(k+1,t-1)        (its own routers, and the east band's pushes into its last column)
//   R(k,t) <- C(k,t), C(k+1,t), R(k-1,t)  (the east band's queue counts; id order across the boundary)
// Give R(k,t) the key 6t + 2k and C(k,t) the key 6t + 2k - 3: every unit needs only units of smaller keys
// (R(k+1,t-1) = 6t + 2k - 4 < 6t + 2k - 3). Any order that is monotone in the key and in t runs every
// unit after what it needs, so a block of T cycles is cut into tiles of W keys (W/2 bands a cycle, the window
// moving 3 bands west a cycle) run tile by tile, cycle by cycle within a tile: a band's records are touched
// for ~W/6 cycles in a row while they are in cache. Between blocks every band is at the same cycle: the mesh
// is quiet, or all its sets are empty and it skips to the next task end, as loop.ts does.
//
// A band's state between its turns: the set sizes in its record (B_SK_*); the sets, wheel and injector
// lists are its own (the band table's regions); the counters and St.last are this instance's (its thread's).
// Legend: K = bands, t = cycle, T0 = the block's first cycle.
import {
  St, flushStats, BH_COUNT, BH_LIMIT, BH_SPINS, BH_FRONT, BH_FRONT_WORDS, B_STATS, B_P_CORE, B_P_LAST, B_C0, B_C1, B_WHEEL, B_LIST_I0, B_XWAKE, B_SLEEP_CORE,
  B_SLEEP_LAST, B_SK_NCUR_C, B_SK_NNEXT_C, B_SK_NCUR_R, B_SK_NNEXT_R, B_SK_NCUR_I, B_SK_NNEXT_I, B_SK_ISWAP, B_SK_WHEEL_COUNT,
  ST_CYCLES,
} from './state';
import { walkActive, drainWheel, stepInjectors } from './loop';
import { SLEEP_RING, bandRecord, publish, pipePublish, pipeWait } from './band-sync';
import { NEVER, setLists, nextTaskEnd } from './bands';

@inline export function rec(k: u32, w: u32): usize {
  return bandRecord(k) + (<usize>w << 2);
}

/** Part v's first band of V parts over the table's bands (bands.ts's bandColumns on bands: the same split; skew-threads.ts, skew-pipe.ts). */
@inline export function partLo(v: u32, V: u32): u32 {
  return <u32>((<u64>v * <u64>St.bands) / <u64>V);
}

/** Points the globals at band k for cycle t (its region, wheel, sets by parity, set sizes). */
function enter(k: u32, t: u32): void {
  St.band = k;
  St.bandRec = bandRecord(k);
  const c0 = load<u32>(rec(k, B_C0));
  const c1 = load<u32>(rec(k, B_C1));
  St.idLo = c0 * St.rows;
  St.idSpan = (c1 - c0) * St.rows;
  St.l2Lo = St.idLo >>> 10;
  St.l2Hi = ((St.idLo + St.idSpan - 1) >>> 10) + 1;
  St.wheel = load<u32>(rec(k, B_WHEEL));
  St.wheelCount = load<u32>(rec(k, B_SK_WHEEL_COUNT));
  St.nCurC = load<u32>(rec(k, B_SK_NCUR_C));
  St.nNextC = load<u32>(rec(k, B_SK_NNEXT_C));
  St.nCurR = load<u32>(rec(k, B_SK_NCUR_R));
  St.nNextR = load<u32>(rec(k, B_SK_NNEXT_R));
  St.nCurI = load<u32>(rec(k, B_SK_NCUR_I));
  St.nNextI = load<u32>(rec(k, B_SK_NNEXT_I));
  const sw = load<u32>(rec(k, B_SK_ISWAP));
  St.curI = load<u32>(rec(k, B_LIST_I0 + sw));
  St.nextI = load<u32>(rec(k, B_LIST_I0 + (sw ^ 1)));
  St.now = t;
  setLists(t);
}

/** Stores band k's set sizes and wheel count back. */
function leave(k: u32): void {
  store<u32>(rec(k, B_SK_WHEEL_COUNT), St.wheelCount);
  store<u32>(rec(k, B_SK_NCUR_C), St.nCurC);
  store<u32>(rec(k, B_SK_NNEXT_C), St.nNextC);
  store<u32>(rec(k, B_SK_NCUR_R), St.nCurR);
  store<u32>(rec(k, B_SK_NNEXT_R), St.nNextR);
  store<u32>(rec(k, B_SK_NCUR_I), St.nCurI);
  store<u32>(rec(k, B_SK_NNEXT_I), St.nNextI);
}

// Threads (skew-threads.ts): the bands are cut into parts, and each unit of a part's boundary band first
// checks the neighbour part's boundary bands' progress words (band-sync.ts): P_CORE (C done through t) of the
// east part's first band, P_LAST (R done through t) of both. One thread: one part, the whole mesh, no checks.
// Threads by blocks of cycles (skew-pipe.ts) are one part each too: runBlock waits on the leader's frontier
// before each tile and publishes its own after it (St.pipeEnd != 0), and routersOf notes work after the block.
@inline function eastPart(k: u32): bool {
  return k + 1 == St.skHi && St.skHi < St.bands;
}
@inline function westPart(k: u32): bool {
  return k == St.skLo && St.skLo > 0;
}

/** Whether band k's stage `word` is done for cycle t; when the thread is about to sleep, flags the word first. */
export function ready(k: u32, word: u32, t: u32): bool {
  const p = bandRecord(k) + (<usize>word << 2);
  if (atomic.load<u32>(p) >= t + 1) return true;
  if (!St.skFlag) return false;
  atomic.store<u32>(bandRecord(k) + (<usize>(word == B_P_CORE ? B_SLEEP_CORE : B_SLEEP_LAST) << 2), SLEEP_RING);
  return atomic.load<u32>(p) >= t + 1;
}

/** Whether C(k,t)'s neighbour-part units are done: the east part's routers of t - 1 (its pushes into this band). */
@inline function coresReady(k: u32, t: u32): bool {
  return !eastPart(k) || t == 0 || ready(St.skHi, B_P_LAST, t - 1);
}

/** Whether R(k,t)'s neighbour-part units are done: the east part's cores of t (queue counts), the west part's routers of t (id order). */
@inline function routersReady(k: u32, t: u32): bool {
  return (!eastPart(k) || ready(St.skHi, B_P_CORE, t)) && (!westPart(k) || ready(St.skLo - 1, B_P_LAST, t));
}

/** C(k,t): cores whose task ends now, the cores of the set, the edge injectors. */
function coresOf(k: u32, t: u32): void {
  enter(k, t);
  drainWheel(t);
  St.coreSteps += <u64>St.nCurC;
  walkActive(St.curC, true, false);
  stepInjectors();
  leave(k);
  if (westPart(k)) publish(B_P_CORE, t);
}

/** R(k,t): the routers of the set in id order, then the band's next cycle's sets become current. */
function routersOf(k: u32, t: u32): void {
  enter(k, t);
  walkActive(St.curR, false, false);
  St.nCurC = St.nNextC; St.nNextC = 0;
  St.nCurR = St.nNextR; St.nNextR = 0;
  St.nCurI = St.nNextI; St.nNextI = 0;
  store<u32>(rec(k, B_SK_ISWAP), load<u32>(rec(k, B_SK_ISWAP)) ^ 1);
  leave(k);
  if (k == St.skLo || eastPart(k)) publish(B_P_LAST, t); // (the part's first band: also its progress for the host)
  if (t + 1 == St.pipeEnd) noteBusy(k, t + 1);
}

/** Whether band k has work in cycle t, its sets as they stand (its sets, or a wake from a neighbour). */
@inline function workIn(k: u32, t: u32): bool {
  enter(k, t);
  return St.nCurC != 0 || St.nCurR != 0 || St.nCurI != 0 || load<u32>(rec(k, B_XWAKE)) >= t + 1;
}

/**
 * Skewed blocks (skew-pipe.ts), after R(k, T - 1), T the next block's first cycle: band k - 1's work in T is
 * settled now (the east band's routers were its last writer), and so is the last band's own. Sets St.pipeBusy
 * if either has any, or a task that ends later.
 */
function noteBusy(k: u32, T: u32): void {
  if ((k > 0 && workFrom(k - 1, T)) || (k + 1 == St.bands && workFrom(k, T))) St.pipeBusy = true;
}

/** Whether band k has work in cycle t or a task that ends later (its wheel). */
@inline function workFrom(k: u32, t: u32): bool {
  return workIn(k, t) || St.wheelCount != 0;
}

/**
 * Cycle t's next for the current part's bands: t if a band has work in it (its sets, or a wake from a
 * neighbour), the earliest task end if none (bands.ts's nextTaskEnd on the band's wheel), NEVER if quiet.
 */
export function nextWork(t: u32): u32 {
  let next = NEVER;
  for (let k = St.skLo; k < St.skHi; k++) {
    if (workIn(k, t)) return t;
    const e = nextTaskEnd(t - 1);
    if (e < next) next = e;
  }
  return next;
}

/**
 * Prepares the band table at `tab` for a skewed run on this instance (after fabricSetup on the config block,
 * on a mesh fabricInit prepared): every band's cycle-0 injector list and set sizes.
 */
export function fabricSkewSetup(tab: usize): void {
  tableSetup(tab);
  partSetup(0, St.bands, 0);
}

/** The band table at `tab`: its bands and the spins before a sleep. */
export function tableSetup(tab: usize): void {
  St.bandTab = tab;
  St.bands = load<u32>(tab + (<usize>BH_COUNT << 2));
  St.spins = load<u32>(tab + (<usize>BH_SPINS << 2));
  St.skFront0 = load<u32>(tab + (<usize>BH_FRONT << 2));
  St.skFrontWords = load<u32>(tab + (<usize>BH_FRONT_WORDS << 2));
  St.skFront = St.skFront0;
}

/** Part [kLo, kHi) of the table: its bands' cycle-0 injector lists and set sizes; it starts its first block. */
export function partSetup(kLo: u32, kHi: u32, shift: u32): void {
  partLists(kLo, kHi);
  setPart(kLo, kHi, shift);
}

/** Bands [kLo, kHi)' cycle-0 injector lists (every column of the band) and their sizes. */
export function partLists(kLo: u32, kHi: u32): void {
  for (let k = kLo; k < kHi; k++) {
    const c0 = load<u32>(rec(k, B_C0));
    const c1 = load<u32>(rec(k, B_C1));
    const list = load<u32>(rec(k, B_LIST_I0));
    for (let c = c0; c < c1; c++) store<u32>(<usize>list + (<usize>(c - c0) << 2), c);
    store<u32>(rec(k, B_SK_NCUR_I), c1 - c0);
  }
}

/** Makes [kLo, kHi) the current part, its tiles' key shift `shift`, at the start of its first block. */
export function setPart(kLo: u32, kHi: u32, shift: u32): void {
  St.skLo = kLo;
  St.skHi = kHi;
  St.skShift = shift;
  St.skPhase = PH_START;
  St.skBlock = 0;
  St.skT0 = 0;
}

/** A part's phases: at a block's start; agreeing with every part on a skip (none of its bands has work); in the block; done. */
export const PH_START: u32 = 0;
export const PH_AGREE: u32 = 1;
export const PH_RUN: u32 = 2;
export const PH_DONE: u32 = 3;

/**
 * Runs blocks of `block` cycles in tiles of `tile` keys (tile/2 bands a cycle) until `maxCycles` more cycles
 * have run or the mesh is quiet. Returns 0 when quiet (the cycle count is in stats[ST_CYCLES]), 1 when the
 * budget ran out first (call again to go on). One thread: the whole mesh is one part.
 */
export function fabricSkewRun(maxCycles: u32, block: u32, tile: u32): u32 {
  const end = St.skT0 + maxCycles;
  while (St.skT0 < end) {
    const next = nextWork(St.skT0);
    if (next == NEVER) {
      flushStats();
      store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
      return 0;
    }
    startBlock(next); // every band's sets are empty when it skips: the sets of any parity serve
    runBlock(block, tile, 0xffffffff);
  }
  St.now = St.skT0; // fabricNow: the cycles done
  flushStats();
  return 1;
}

/** Puts the current part at the start of the block from cycle T0: its first tile (keys from -3 less its shift). */
export function startBlock(T0: u32): void {
  St.skT0 = T0;
  St.skKey0 = -3 - <i32>St.skShift;
  St.skDt = tileFirstCycle(St.skKey0, <i32>(St.skHi - St.skLo));
  resetFront(St.skKey0, St.skFrontWords); // every cycle a tile may have: runBlock resets each next tile's own
  St.skPhase = PH_RUN;
}

/** The first cycle of a block whose keys meet the tile from key0 (a part of n bands): 6dt + 2(n - 1) >= key0. */
@inline function tileFirstCycle(key0: i32, n: i32): u32 {
  const lo6 = key0 - 2 * (n - 1);
  return lo6 > 0 ? <u32>((lo6 + 5) / 6) : 0;
}

/** The cycle past the last one of a block whose keys meet the tile from key0: 6dt - 3 <= key0 + tile - 1. */
@inline function tileEndCycle(key0: i32, tile: u32, block: u32): u32 {
  return min<u32>(block, <u32>((key0 + <i32>tile + 2) / 6) + 1);
}

/** The first `cycles` cycles of the current part's tile from key0 (from St.skDt) are at the tile's first key. */
function resetFront(key0: i32, cycles: u32): void {
  if (cycles > St.skFrontWords) unreachable(); // the host sizes FRONT_WORDS for the widest part's tiles
  for (let i: u32 = 0; i < cycles; i++) store<i32>(St.skFront + (<usize>i << 2), key0);
}

/**
 * The current part's block from where it stands, tile by tile, until the block is done (phase PH_START, the next
 * block's first cycle in St.skT0), the tile cannot be finished now (a cycle waits for a neighbour part and the
 * cycles after it have run up to it), or `burst` units ran.
 * Returns the units run. Keys count from the part's first band: R(lo + j) of cycle T0 + dt has key 6dt + 2j,
 * C(lo + j) 6dt + 2j - 3.
 *
 * Within a tile each cycle has its frontier (the key it runs next, St.skFront): a cycle runs its keys in order
 * and only below its previous cycle's frontier (every unit needs only units of smaller keys, of its cycle or
 * earlier ones). One thread: cycle by cycle, each to the tile's end. Threads: a unit that waits for a neighbour
 * part stops its cycle, not the part: the later cycles of the tile go on below it (the units of smaller keys,
 * which cannot depend on it), so a part's turn lasts longer than to its first wait.
 */
export function runBlock(block: u32, tile: u32, burst: u32): u32 {
  const T0 = St.skT0;
  const lo = St.skLo;
  const n = <i32>(St.skHi - lo);
  const last = <i32>(6 * (block - 1)) + 2 * (n - 1); // the block's largest key
  const front = St.skFront;
  let key0 = St.skKey0;
  let ran: u32 = 0;
  while (key0 <= last) {
    const dt0 = St.skDt;
    const dt1 = tileEndCycle(key0, tile, block);
    if (dt1 - dt0 > St.skFrontWords) unreachable(); // the host sizes FRONT_WORDS for the widest part's tiles
    const end = key0 + <i32>tile;
    if (St.pipeEnd != 0 && !pipeWait(end)) { // skewed blocks: the block before must be done below the tile's end
      St.skKey0 = key0;
      return ran;
    }
    let lim = end;
    for (let dt = dt0; dt < dt1; dt++) {
      const fp = front + (<usize>(dt - dt0) << 2);
      let key = load<i32>(fp);
      const base = <i32>(6 * dt);
      const t = T0 + dt;
      for (; key < lim; key++) {
        const x = key - base;
        const j = (x & 1) == 0 ? x >> 1 : (x + 3) >> 1;
        if (j < 0 || j >= n) continue;
        const k = lo + <u32>j;
        if (ran == burst || !((x & 1) == 0 ? routersReady(k, t) : coresReady(k, t))) break;
        if ((x & 1) == 0) routersOf(k, t);
        else coresOf(k, t);
        ran++;
      }
      store<i32>(fp, key);
      lim = key; // the next cycle runs only below this one's frontier
    }
    if (lim < end) { // a cycle waits (or the burst ran out): its frontiers keep the place
      St.skKey0 = key0;
      return ran;
    }
    key0 = end;
    if (St.pipeEnd != 0) pipePublish(key0);
    St.skDt = tileFirstCycle(key0, n);
    const next1 = tileEndCycle(key0, tile, block);
    if (next1 > St.skDt) resetFront(key0, next1 - St.skDt); // the next tile's cycles (none past the block's end)
  }
  St.skKey0 = key0;
  St.skPhase = PH_START;
  St.skBlock++;
  St.skT0 = T0 + block;
  return ran;
}
