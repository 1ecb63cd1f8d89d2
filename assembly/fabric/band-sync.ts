// Threads: what one band (consecutive columns, one thread) tells and waits for from its neighbours, over
// the band table in shared memory (layout: BH_* and B_* in abi.ts). The cycle order of one thread is kept
// exactly (bands.ts explains the wavefront); this file holds the atomics: progress words written with a
// store and read with a load (both sequentially consistent, which also orders the plain stores to node
// records before them), a short spin then a sleep on the word (a sleeper raises a flag; a writer who sees
// it notifies), and the wakes of a router in a neighbour band.
//
// Legend: t = St.now; a progress word holds t + 1 once its stage of cycle t is done (0: none yet).
import {
  St, setBit, BH_DONE, BH_BELL, BH_BAL_GEN, BAND_HEAD_WORDS, BAND_WORDS, B_LIST_R0, B_XWAKE, B_P_CORE, B_P_FIRST, B_P_LAST,
  B_SLEEP_CORE, B_SLEEP_REC,
} from './state';

// How long a waiting band spins (atomic loads) before it sleeps is the table's BH_SPINS (St.spins), set by
// the host (src/fabric/bands.ts says why: long when each band owns a core, short when they share).
/**
 * A sleeper's timeout (ns), a guard only: every write a sleeper waits for notifies it (publish, publishRecord,
 * setDone). On Node 20 a timed wait here was seen to sleep on past its timeout, so no wake may rely on it.
 */
export const SLEEP_NS: i64 = 1_000_000;

/** Byte address of band k's record. */
@inline export function bandRecord(k: u32): usize {
  return St.bandTab + ((<usize>(BAND_HEAD_WORDS + k * BAND_WORDS)) << 2);
}

/** 0 while the run goes on; 2 once every band must stop (the cycle limit, or a band failed: BH_DONE). */
@inline export function runDone(): u32 {
  return atomic.load<u32>(St.bandTab + (<usize>BH_DONE << 2));
}

/**
 * Skewed parts on threads (skew-threads.ts): a thread none of whose parts can go on flags the words they wait
 * on with SLEEP_RING (a band sleeping on the word itself flags 1) and sleeps on the table's bell; whoever
 * writes a word flagged so rings it, and setDone rings it too. Band threads (1) do not pay for the bell.
 */
export const SLEEP_RING: u32 = 2;
export function ringBell(): void {
  const bell = St.bandTab + (<usize>BH_BELL << 2);
  atomic.add<u32>(bell, 1);
  atomic.notify(bell, 0x7fffffff);
}

/** Stops every band: sets BH_DONE and wakes every sleeper (on any band's progress words or record, or the bell). */
export function setDone(why: u32): void {
  atomic.store<u32>(St.bandTab + (<usize>BH_DONE << 2), why);
  ringBell();
  atomic.notify(St.bandTab + (<usize>BH_BAL_GEN << 2), 0x7fffffff);
  for (let k: u32 = 0; k < St.bands; k++) {
    const rec = bandRecord(k);
    for (let w: u32 = B_P_CORE; w <= B_P_LAST; w++) atomic.notify(rec + (<usize>w << 2), 0x7fffffff);
    for (let t: u32 = 0; t <= St.bands; t++) atomic.notify(recordSlot(k, t) + 4, 0x7fffffff);
    atomic.notify(recordSlot(k, 0), 0x7fffffff); // a skewed block's thread waiting on its leader (pipeWait)
  }
}

/** BH_DONE when a skewed block's thread found the mesh quiet after its block (skew-pipe.ts): every thread stops, none failed. */
export const QUIET: u32 = 3;

/** Skewed blocks: stops every thread as QUIET, waking the one that may sleep on each thread's progress word (P threads). */
export function pipeQuiet(P: u32): void {
  atomic.store<u32>(St.bandTab + (<usize>BH_DONE << 2), QUIET);
  for (let i: u32 = 0; i < P; i++) atomic.notify(recordSlot(i, 0), 0x7fffffff);
}

// Skewed blocks on threads (skew-pipe.ts): thread i's progress is the u64 at recordSlot(i, 0) (band i's ring is
// unused there): (its block's index << 32) | (its frontier + 2^31), the frontier being a key of its block below
// which every unit is done (PIPE_WHOLE: the whole block). So the word only grows, and every write changes its low half.
const PIPE_WHOLE: u32 = 0xffffffff;
const PIPE_BIAS: u32 = 0x80000000;

/** Publishes this thread's frontier in its block: every unit below relative key `key` is done (whole: the whole block); wakes its follower if it sleeps. */
export function pipePublish(key: i32, whole: bool = false): void {
  const p = recordSlot(St.pipeMe, 0);
  atomic.store<u64>(p, (<u64>St.pipeBlock << 32) | <u64>(whole ? PIPE_WHOLE : <u32>key + PIPE_BIAS));
  const flag = bandRecord(St.pipeMe) + (<usize>B_SLEEP_REC << 2);
  if (atomic.load<u32>(flag) != 0) {
    atomic.store<u32>(flag, 0);
    atomic.notify(p, 0x7fffffff);
  }
}

/**
 * Waits until the leader (the block before this thread's) has done every unit with a key below `end` (a key of
 * this thread's block: the leader's keys count from a block's cycles earlier, 6 a cycle more). False if the
 * run stopped meanwhile. Spins St.spins looks, then flags and sleeps on the word's low half.
 */
export function pipeWait(end: i32): bool {
  if (St.pipeBlock == 0) return true;
  const p = recordSlot(St.pipeLead, 0);
  const hi = St.pipeBlock - 1;
  const lo = <u32>(end + <i32>(6 * (St.pipeEnd - St.skT0))) + PIPE_BIAS; // the block's cycles: its end less its first
  for (let i: u32 = 0; i < St.spins; i++) {
    if (reached(atomic.load<u64>(p), hi, lo)) {
      St.waitSpins += i;
      return true;
    }
  }
  St.waitSpins += St.spins;
  const flag = bandRecord(St.pipeLead) + (<usize>B_SLEEP_REC << 2);
  for (;;) {
    atomic.store<u32>(flag, 1);
    const v = atomic.load<u64>(p);
    if (reached(v, hi, lo)) return true;
    if (runDone() != 0) return false;
    atomic.wait<i32>(p, <i32><u32>v, SLEEP_NS);
  }
  return false; // never reached: AssemblyScript's flow check wants a return after the endless loop (TS2355)
}

/**
 * Whether progress word v is at (hi, lo) or past it: the order of `v >= (hi << 32 | lo)`, by halves. Stop 23's
 * draft, written as one u64 compare, let a follower through while its leader was far behind, in the release build
 * only, and was never pinned down. The one u64 compare, tried again on this code (stop 25: the skew and window
 * tests' block cases five times, 250 x 212 on 2 threads four times with the full check, all in release), waits as
 * it should, so the fault was in that draft, not in Binaryen or V8. The halves stay: the same order, tested.
 */
@inline function reached(v: u64, hi: u32, lo: u32): bool {
  const h = <u32>(v >>> 32);
  return h > hi || (h == hi && <u32>v >= lo);
}

/** Byte address of band k's end-of-cycle record of cycle t (its ring of N + 1 u64 after the band records). */
@inline export function recordSlot(k: u32, t: u32): usize {
  const ring = St.bandTab + ((<usize>(BAND_HEAD_WORDS + St.bands * BAND_WORDS)) << 2);
  return ring + ((<usize>(k * (St.bands + 1) + t % (St.bands + 1))) << 3);
}

/** Publishes stage `word` (B_P_CORE, B_P_FIRST or B_P_LAST) of this band as done for cycle t. */
export function publish(word: u32, t: u32): void {
  const p = St.bandRec + (<usize>word << 2);
  atomic.store<u32>(p, t + 1);
  const sleep = St.bandRec + (<usize>(word - B_P_CORE + B_SLEEP_CORE) << 2);
  const f = atomic.load<u32>(sleep);
  if (f != 0) {
    atomic.notify(p, 1);
    if (f == SLEEP_RING) ringBell();
  }
}

/** The host's clock (ms, performance.now: src/wasm/module.ts), read by a band only around its waits while balancing. */
@external("env", "nowMs")
export declare function nowMs(): f64;

/**
 * Waits until band k's stage `word` is done for cycle t. False if the run stopped meanwhile (the cycle
 * limit, or a failed band). One thread waits on each word (the band on that side).
 */
export function waitStage(k: u32, word: u32, t: u32): bool {
  if (atomic.load<u32>(bandRecord(k) + (<usize>word << 2)) >= t + 1) return true;
  return waitLong(k, word, t);
}

/**
 * How long a band waited, for balancing by time (balance.ts) without reading the clock at every wait (two reads
 * cost an estimated 3-5 % of a 32x32 band's 9 us cycle): its looks at neighbours' words (St.waitSpins) times the ms a look takes,
 * plus its time asleep (timed: sleeps are rare and cost far more). The ms a look is measured on every
 * CAL_EVERY-th wait that ends while spinning, with the clock around it.
 */
export function waitedMs(): f64 {
  return <f64>St.waitSpins * St.msPerSpin + St.balSleepMs;
}

const CAL_EVERY: u32 = 64;

/** waitStage past its first look: spins, then sleeps. */
function waitLong(k: u32, word: u32, t: u32): bool {
  const rec = bandRecord(k);
  const p = rec + (<usize>word << 2);
  const want = t + 1;
  const cal = St.timed && (++St.calWaits % CAL_EVERY) == 0;
  const t0 = cal ? nowMs() : 0;
  for (let i: u32 = 1; i < St.spins; i++) {
    if (atomic.load<u32>(p) >= want) {
      St.waitSpins += i;
      if (cal) calibrate(nowMs() - t0, i);
      return true;
    }
  }
  St.waitSpins += St.spins;
  const sleep = rec + (<usize>(word - B_P_CORE + B_SLEEP_CORE) << 2);
  atomic.store<u32>(sleep, 1);
  for (;;) {
    const v = atomic.load<u32>(p);
    if (v >= want) break;
    if (runDone() != 0) { atomic.store<u32>(sleep, 0); return false; }
    timedWait(p, <i32>v);
  }
  atomic.store<u32>(sleep, 0);
  return true;
}

/** The ms a look takes, from a wait of `looks` looks that took `ms` (summed over the samples). */
function calibrate(ms: f64, looks: u32): void {
  St.calMs += ms;
  St.calLooks += <f64>looks;
  if (St.calLooks >= 1000) St.msPerSpin = St.calMs / St.calLooks;
}

/** atomic.wait on the i32 at p while it holds v (SLEEP_NS at most), its time added to St.balSleepMs when timed. */
function timedWait(p: usize, v: i32): void {
  if (!St.timed) {
    atomic.wait<i32>(p, v, SLEEP_NS);
    return;
  }
  const t0 = nowMs();
  atomic.wait<i32>(p, v, SLEEP_NS);
  St.balSleepMs += nowMs() - t0;
}

/**
 * Publishes this band's record of cycle t and wakes whoever sleeps on it (several bands may: each band with
 * empty sets reads every band's record). The flag is cleared by the writer: a sleeper sets it and then looks
 * at the record again before it sleeps, so it never sleeps on a value already replaced.
 */
export function publishRecord(t: u32, next: u32): void {
  const p = recordSlot(St.band, t);
  atomic.store<u64>(p, (<u64>(t + 1) << 32) | <u64>next);
  const flag = St.bandRec + (<usize>B_SLEEP_REC << 2);
  const f = atomic.load<u32>(flag);
  if (f != 0) {
    atomic.store<u32>(flag, 0);
    atomic.notify(p + 4, 0x7fffffff);
    if (f == SLEEP_RING) ringBell();
  }
}

/** Sleeps until band k's record slot of cycle t is no longer `seen` (its high half moves on) or the run stops. */
export function sleepOnRecord(k: u32, t: u32, seen: u64): void {
  const p = recordSlot(k, t);
  atomic.store<u32>(bandRecord(k) + (<usize>B_SLEEP_REC << 2), 1);
  if (atomic.load<u64>(p) != seen || runDone() != 0) return;
  timedWait(p + 4, <i32>(seen >>> 32));
}

/**
 * Schedules router f of the band west or east of this one for cycle `at` (its router set of that cycle's
 * parity) and tells it through its XWAKE word. The neighbour is waiting at that moment (before its walk
 * of this cycle, or at its end of the cycle), so plain stores do; the progress word it waits on orders them.
 */
export function wakeOtherBand(f: u32, at: u32): void {
  const k = f < St.idLo ? St.band - 1 : St.band + 1;
  const rec = bandRecord(k);
  setBit(load<u32>(rec + (<usize>(B_LIST_R0 + (at & 1)) << 2)), f);
  const xp = rec + (<usize>B_XWAKE << 2);
  if (load<u32>(xp) < at + 1) store<u32>(xp, at + 1);
}

/**
 * Called by the router walk before stepping router `id`: once the walk leaves the first column, the west
 * band may start its next cycle (P_FIRST); before the last column, the east band's cores and injectors of
 * this cycle must be done (their queue counts are what this column's routers look at).
 */
@inline export function beforeRouter(id: u32): void {
  if (St.passedFirst == 0 && id >= St.firstHi) {
    St.passedFirst = 1;
    publish(B_P_FIRST, St.now);
  }
  if (St.lastReady == 0 && id >= St.lastLo) {
    St.lastReady = 1;
    waitStage(St.band + 1, B_P_CORE, St.now);
  }
}

export { B_P_CORE, B_P_FIRST, B_P_LAST };
