// One thread, many bands, in a time-skewed order: the cycles and results of loop.ts exactly, with the
// temporal locality that a mesh larger than the caches lacks (the full wafer's node records are 327 MB;
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
// lists are its own (the band table's regions); the counters and St.last are this instance's (one thread).
// Legend: K = bands, t = cycle, T0 = the block's first cycle.
import {
  St, flushStats, BH_COUNT, BH_LIMIT, BH_SPINS, B_STATS, B_P_CORE, B_P_LAST, B_C0, B_C1, B_WHEEL, B_LIST_I0, B_XWAKE, B_SK_NCUR_C, B_SK_NNEXT_C, B_SK_NCUR_R,
  B_SK_NNEXT_R, B_SK_NCUR_I, B_SK_NNEXT_I, B_SK_ISWAP, B_SK_WHEEL_COUNT, ST_CYCLES,
} from './state';
import { walkActive, drainWheel, stepInjectors } from './loop';
import { bandRecord, publish, publishRecord, runDone, setDone, waitStage } from './band-sync';
import { NEVER, setLists, nextTaskEnd, nextWorkOfAll } from './bands';
import { fabricSetup } from './loop';

@inline function rec(k: u32, w: u32): usize {
  return bandRecord(k) + (<usize>w << 2);
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

// Threads (fabricSkewPartRun): each thread runs a contiguous part [skLo, skHi) of the bands, in the same
// global tiles, so one order (block, tile, cycle, key) holds for every thread and every wait is for a unit
// earlier in it (no wait can close a loop). At a part's boundary a unit waits for the neighbour part's unit
// it needs, through the boundary bands' progress words (band-sync.ts): P_CORE (C done through t) of the
// east part's first band, P_LAST (R done through t) of both boundary bands.
@inline function eastPart(k: u32): bool {
  return k + 1 == St.skHi && St.skHi < St.bands;
}
@inline function westPart(k: u32): bool {
  return k == St.skLo && St.skLo > 0;
}
@inline function waitFor(k: u32, word: u32, t: u32): void {
  if (!waitStage(k, word, t)) St.skStop = true;
}

/** C(k,t): cores whose task ends now, the cores of the set, the edge injectors. */
function coresOf(k: u32, t: u32): void {
  if (eastPart(k) && t > 0) waitFor(St.skHi, B_P_LAST, t - 1); // the east part's pushes into this band
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
  if (eastPart(k)) waitFor(St.skHi, B_P_CORE, t); // the east part's queue counts
  if (westPart(k)) waitFor(St.skLo - 1, B_P_LAST, t); // id order across the boundary
  enter(k, t);
  walkActive(St.curR, false, false);
  St.nCurC = St.nNextC; St.nNextC = 0;
  St.nCurR = St.nNextR; St.nNextR = 0;
  St.nCurI = St.nNextI; St.nNextI = 0;
  store<u32>(rec(k, B_SK_ISWAP), load<u32>(rec(k, B_SK_ISWAP)) ^ 1);
  leave(k);
  if (k == St.skLo || eastPart(k)) publish(B_P_LAST, t); // (the part's first band: also its progress for the host)
}

/**
 * Cycle St.now's next for this thread's bands: itself if a band has work in it (its sets, or a wake from a
 * neighbour), the earliest task end if none (bands.ts's nextTaskEnd on the band's wheel), NEVER if quiet.
 */
function nextWork(): u32 {
  const t = St.now;
  let next = NEVER;
  for (let k = St.skLo; k < St.skHi; k++) {
    enter(k, t);
    if (St.nCurC != 0 || St.nCurR != 0 || St.nCurI != 0 || load<u32>(rec(k, B_XWAKE)) >= t + 1) return t;
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
  partSetup(tab, 0, load<u32>(tab + (<usize>BH_COUNT << 2)));
}

/** This thread's part [kLo, kHi) of the table at `tab`: its bands' cycle-0 injector lists and set sizes. */
function partSetup(tab: usize, kLo: u32, kHi: u32): void {
  St.bandTab = tab;
  St.bands = load<u32>(tab + (<usize>BH_COUNT << 2));
  St.spins = load<u32>(tab + (<usize>BH_SPINS << 2));
  St.skLo = kLo;
  St.skHi = kHi;
  St.skStop = false;
  for (let k = kLo; k < kHi; k++) {
    const c0 = load<u32>(rec(k, B_C0));
    const c1 = load<u32>(rec(k, B_C1));
    const list = load<u32>(rec(k, B_LIST_I0));
    for (let c = c0; c < c1; c++) store<u32>(<usize>list + (<usize>(c - c0) << 2), c);
    store<u32>(rec(k, B_SK_NCUR_I), c1 - c0);
  }
  St.now = 0;
}

/**
 * Runs blocks of `block` cycles in tiles of `tile` keys (tile/2 bands a cycle) until `maxCycles` more cycles
 * have run or the mesh is quiet. Returns 0 when quiet (the cycle count is in stats[ST_CYCLES]), 1 when the
 * budget ran out first (call again to go on).
 */
export function fabricSkewRun(maxCycles: u32, block: u32, tile: u32): u32 {
  const end = St.now + maxCycles;
  while (St.now < end) {
    const next = nextWork();
    if (next == NEVER) {
      flushStats();
      store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
      return 0;
    }
    St.now = next; // every band's sets are empty when it skips: the sets of any parity serve
    runBlock(block, tile);
  }
  flushStats();
  return 1;
}

/**
 * Cycles [St.now, St.now + block) of this thread's bands, tile by tile; St.now moves to the block's end.
 * Keys count from the part's first band (k - skLo), so each part's tiles follow its own boundary band: a
 * part runs each band's units in cycle order whatever the tiling, and a wait is only on a boundary band's
 * unit of the same or an earlier cycle, which its owner reaches first (no wait closes a loop).
 */
function runBlock(block: u32, tile: u32): void {
  const T0 = St.now;
  const lo = St.skLo;
  const n = <i32>(St.skHi - lo);
  const last = <i32>(6 * (block - 1)) + 2 * (n - 1); // largest key of the block
  for (let key0: i32 = -3; key0 <= last; key0 += <i32>tile) {
    // the cycles whose keys meet [key0, key0 + tile): 6dt - 3 <= key0 + tile - 1 and 6dt + 2(n - 1) >= key0
    const lo6 = key0 - 2 * (n - 1);
    const dt0 = lo6 > 0 ? <u32>((lo6 + 5) / 6) : 0;
    const dt1 = min<u32>(block, <u32>((key0 + <i32>tile + 2) / 6) + 1);
    for (let dt = dt0; dt < dt1; dt++) {
      const t = T0 + dt;
      const base = <i32>(6 * dt);
      // keys [key0, key0 + tile) of cycle t: R(lo + j) at base + 2j, C(lo + j) at base + 2j - 3
      for (let key = key0; key < key0 + <i32>tile; key++) {
        const x = key - base;
        const j = (x & 1) == 0 ? x >> 1 : (x + 3) >> 1;
        if (j < 0 || j >= n) continue;
        if ((x & 1) == 0) routersOf(lo + <u32>j, t);
        else coresOf(lo + <u32>j, t);
        if (St.skStop) return;
      }
    }
  }
  St.now = T0 + block;
}

/**
 * Threads: runs this thread's part, bands [kLo, kHi) of the table at `tab`, of the mesh whose config block is
 * at `p`, in the skewed order, every other part on its own thread, until the mesh is quiet. At the end of
 * each block each part publishes its record of that block (the block's index in the records' ring: its next
 * work, the block's end when it has work) in every band's slot; a part without work reads every band's and
 * all such parts decide alike (go on, skip to the earliest task end, stop), as bands.ts does per cycle.
 * Returns 0 when quiet, 1 on a wrong config block, 2 past the table's cycle limit or when another part failed.
 * The part's counters go to its first band's stats block (the host sums them, the cycle count the largest).
 */
export function fabricSkewPartRun(p: usize, tab: usize, kLo: u32, kHi: u32, block: u32, tile: u32): u32 {
  if (fabricSetup(p) != 0) return 1;
  partSetup(tab, kLo, kHi);
  St.stats = load<u32>(rec(kLo, B_STATS));
  const limit = load<u32>(tab + (<usize>BH_LIMIT << 2));
  let status: u32 = 0;
  for (let b: u32 = 0; ; b++) {
    const T = St.now;
    // the east part's last routers of the block may have woken this part's last band for T
    if (T > 0 && St.skHi < St.bands && !waitStage(St.skHi, B_P_LAST, T - 1)) { status = 2; break; }
    let next = nextWork();
    for (let k = kLo; k < kHi; k++) {
      St.band = k;
      St.bandRec = bandRecord(k);
      publishRecord(b, next);
    }
    if (next != T) {
      next = nextWorkOfAll(b);
      if (next == NEVER) { if (runDone() != 0) status = 2; break; }
      if (next > T) {
        // the skipped cycles are done: tell the neighbour parts through the boundary words
        St.band = kLo; St.bandRec = bandRecord(kLo);
        publish(B_P_CORE, next - 1);
        publish(B_P_LAST, next - 1);
        St.band = kHi - 1; St.bandRec = bandRecord(kHi - 1);
        publish(B_P_LAST, next - 1);
      }
    }
    if (next > limit) { setDone(2); status = 2; break; }
    St.now = next;
    runBlock(block, tile);
    if (St.skStop) { status = 2; break; }
  }
  flushStats();
  store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
  return status;
}
