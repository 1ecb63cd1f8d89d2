// Threads for the skewed order (skew.ts): the bands are cut into parts of consecutive bands, many more parts than
// threads, dealt out in turn (part v to thread v mod P). A layer's work sweeps across the columns (on a
// 250x212 sparse layer the east half does most of it for some hundred cycles, then the west half), and
// neighbour parts can only be a few tiles apart, so a thread owning one half waits for the other; dealt
// out, each thread's share stays even. A thread gives its parts turns: a part goes on until a unit waits
// for a neighbour part (on another thread) or BURST units ran. Each part keys its tiles from its own first
// band, shifted so the tiles' boundary units meet those of the neighbour part's tiles (partShift), and
// runs each band's units in cycle order whatever the tiling; a unit waits only on a boundary band's unit of
// the same or an earlier cycle, which its part reaches first, so no wait closes a loop. (Any thread running any free part, for the boundary's lock-step on one thread, measured slower: the
// parts move between the cores' caches; docs/fabric.md.)
//
// A part's state between its turns is in its first band's record (B_SK_PHASE..B_SK_DT) and its tile's frontiers in the table's FRONT area; its phase goes
// PH_START -> (PH_AGREE ->) PH_RUN -> PH_START ... -> PH_DONE, block by block: at a block's start it tells
// every band its next work; with none, the parts agree on going on, skipping or stopping (bands.ts per cycle).
import {
  St, flushStats, BH_BELL, BH_LIMIT, B_STATS, B_P_CORE, B_P_LAST, B_SLEEP_CORE, B_SLEEP_LAST, B_SLEEP_REC, B_SK_PHASE,
  B_SK_T0, B_SK_BLOCK, B_SK_KEY0, B_SK_DT, ST_CYCLES,
} from './state';
import { SLEEP_RING, bandRecord, publish, publishRecord, recordSlot, runDone, setDone } from './band-sync';
import { NEVER } from './bands';
import { fabricSetup } from './loop';
import { PH_AGREE, PH_DONE, PH_RUN, PH_START, nextWork, partLo, partSetup, ready, rec, runBlock, startBlock, tableSetup } from './skew';

/** Units a part runs before its thread turns to its next part (about a tile's worth on a part of tens of bands). */
const BURST: u32 = 256;

/** Part v's tiles' key shift: 2(n - 1) keys for each part of n bands before it, mod the tile (its boundary tiles meet the west part's). */
@inline function partShift(v: u32, V: u32, tile: u32): u32 {
  return (2 * (partLo(v, V) - v)) % tile;
}

/** Part v's state from its first band's record (its bands and shift follow from v). */
function loadPart(v: u32, V: u32, tile: u32): void {
  const kLo = partLo(v, V);
  St.skLo = kLo;
  St.skHi = partLo(v + 1, V);
  St.skShift = partShift(v, V, tile);
  St.skPhase = load<u32>(rec(kLo, B_SK_PHASE));
  St.skT0 = load<u32>(rec(kLo, B_SK_T0));
  St.skBlock = load<u32>(rec(kLo, B_SK_BLOCK));
  St.skKey0 = load<i32>(rec(kLo, B_SK_KEY0));
  St.skDt = load<u32>(rec(kLo, B_SK_DT));
  St.skFront = St.skFront0 + ((<usize>v * <usize>St.skFrontWords) << 2);
}
/** The current part's state back to its first band's record. */
function savePart(): void {
  const kLo = St.skLo;
  store<u32>(rec(kLo, B_SK_PHASE), St.skPhase);
  store<u32>(rec(kLo, B_SK_T0), St.skT0);
  store<u32>(rec(kLo, B_SK_BLOCK), St.skBlock);
  store<i32>(rec(kLo, B_SK_KEY0), St.skKey0);
  store<u32>(rec(kLo, B_SK_DT), St.skDt);
}

/** "Not every record is in yet" (below NEVER, above any cycle a run reaches). */
const NOT_YET: u32 = NEVER - 1;

/**
 * The earliest next work of every band after block b (bands.ts's nextWorkOfAll without waiting): NOT_YET
 * while a band's record of block b is missing (flagging it when the thread is about to sleep).
 */
function allNextWork(b: u32): u32 {
  let next = NEVER;
  for (let k: u32 = 0; k < St.bands; k++) {
    const p = recordSlot(k, b);
    let r = atomic.load<u64>(p);
    if (<u32>(r >>> 32) != b + 1) {
      if (!St.skFlag) return NOT_YET;
      atomic.store<u32>(bandRecord(k) + (<usize>B_SLEEP_REC << 2), SLEEP_RING);
      r = atomic.load<u64>(p);
      if (<u32>(r >>> 32) != b + 1) return NOT_YET;
    }
    if (<u32>r < next) next = <u32>r;
  }
  return next;
}

/**
 * One turn of the current part: its block's start (once the east part's last routers of the previous block,
 * which may have woken its last band, are done), the skip every part agrees on when none of its bands has
 * work, or its block's units. Returns whether it moved; `limit` is the table's cycle limit. At a block's
 * start the part publishes its record of the block (its next work) in each of its bands' slots, as one
 * band a thread does per cycle (bands.ts).
 */
function partTurn(block: u32, tile: u32, limit: u32): bool {
  if (St.skPhase == PH_RUN) return runBlock(block, tile, BURST) > 0;
  const T = St.skT0;
  let next: u32;
  if (St.skPhase == PH_START) {
    if (T > 0 && St.skHi < St.bands && !ready(St.skHi, B_P_LAST, T - 1)) return false;
    next = nextWork(T);
    for (let k = St.skLo; k < St.skHi; k++) {
      St.band = k;
      St.bandRec = bandRecord(k);
      publishRecord(St.skBlock, next);
    }
    if (next != T) {
      St.skPhase = PH_AGREE;
      return true;
    }
  } else {
    next = allNextWork(St.skBlock);
    if (next == NOT_YET) return false;
    if (next == NEVER) {
      St.skPhase = PH_DONE;
      return true;
    }
    if (next > T) {
      // the skipped cycles are done: tell the neighbour parts through the boundary words
      St.band = St.skLo; St.bandRec = bandRecord(St.skLo);
      publish(B_P_CORE, next - 1);
      publish(B_P_LAST, next - 1);
      St.band = St.skHi - 1; St.bandRec = bandRecord(St.skHi - 1);
      publish(B_P_LAST, next - 1);
    }
  }
  if (next > limit) {
    setDone(2);
    St.skPhase = PH_DONE;
    return true;
  }
  startBlock(next);
  return true;
}

/** After a sleep: clears the flags on the words this thread's parts wait on (each has this one reader), so their writers stop ringing. */
function clearFlags(V: u32, P: u32, me: u32): void {
  for (let v = me; v < V; v += P) {
    const kLo = partLo(v, V);
    const kHi = partLo(v + 1, V);
    if (kHi < St.bands) {
      atomic.store<u32>(rec(kHi, B_SLEEP_CORE), 0);
      atomic.store<u32>(rec(kHi, B_SLEEP_LAST), 0);
    }
    if (kLo > 0) atomic.store<u32>(rec(kLo - 1, B_SLEEP_LAST), 0);
  }
}

/**
 * Threads: runs thread `me`'s parts (v = me, me + P, ... of V parts of the table at `tab`) of the mesh whose
 * config block is at `p`, in the skewed order, every other thread's on its own thread, until the mesh is
 * quiet. Returns 0 when quiet, 1 on a wrong config block, 2 past the table's cycle limit or when another
 * thread failed. The thread's counters go to its first part's first band's stats block (the host sums
 * them, the cycle count the largest). With no part able to go on for St.spins turns, the thread flags what
 * its parts wait on and sleeps on the table's bell (band-sync.ts rings it when a flagged word is written).
 */
export function fabricSkewThreadRun(p: usize, tab: usize, V: u32, P: u32, me: u32, block: u32, tile: u32): u32 {
  if (fabricSetup(p) != 0) return 1;
  tableSetup(tab);
  St.skFlag = false;
  for (let v = me; v < V; v += P) {
    partSetup(partLo(v, V), partLo(v + 1, V), partShift(v, V, tile));
    savePart();
  }
  St.stats = load<u32>(rec(partLo(me, V), B_STATS));
  const limit = load<u32>(tab + (<usize>BH_LIMIT << 2));
  const bell = tab + (<usize>BH_BELL << 2);
  let idle: u32 = 0;
  let rung: u32 = 0;
  for (;;) {
    let moved = false;
    let live = false;
    for (let v = me; v < V; v += P) {
      loadPart(v, V, tile);
      if (St.skPhase == PH_DONE) continue;
      live = true;
      if (partTurn(block, tile, limit)) moved = true;
      savePart();
    }
    if (runDone() != 0 || !live) break;
    if (moved) {
      idle = 0;
      St.skFlag = false;
    } else if (St.skFlag) {
      atomic.wait<i32>(bell, <i32>rung, 1_000_000); // the flags are set and nothing moved after: sleep until a flagged word is written
      St.skFlag = false;
      idle = 0;
      clearFlags(V, P, me);
    } else if (++idle >= St.spins) {
      rung = atomic.load<u32>(bell); // before the flags: a write after them rings past this value
      St.skFlag = true;
    } else {
      St.waitSpins++;
    }
  }
  flushStats();
  store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
  return runDone();
}
