// Threads: moving columns between bands while they run, so that a band on a slower or busier CPU gets fewer
// columns (on the 2-vCPU VM of docs/fabric-speed.md one CPU ran memory-bound code up to 1.45x slower than the other,
// and even bands run at the slower one's pace). Every BAL_EPOCH cycles all bands meet at a barrier after the
// same cycle t (they agree on the next cycle, bands.ts, so they all stop at the same one). There the mesh is
// quiet between two cycles: this cycle's sets are empty (the walks cleared them), the next cycle's sets, the
// timing wheels and the injector lists hold all the work. The last band to arrive moves the state of each
// column whose band changes (its bits in the next sets, its busy cores on the wheels, its injector), then lets
// the bands go; each reloads its columns and counts its sets again. Node records, queues and streams are
// shared and belong to no band, so nothing else moves: the cycles and results stay those of one thread.
//
// Where the columns go (BAL_MODE): 1 by time: each band's busy ms since the last barrier (the host's clock; its
// waits on neighbours, band-sync.ts waitedMs, taken off) gives its pace, ms a column, smoothed over the barriers;
// where the split that would make every band's time equal is 3 % faster or more, the boundaries move halfway
// there. 2 shuffled (tests): boundaries drawn at random at every barrier, so that every kind of state crosses one.
//
// Legend: N = bands, Cu = used columns (the table's last band's end), R = rows; band k = columns [c0, c1),
// node ids [c0·R, c1·R); "after" = the columns after this barrier (BAL_C0, BAL_C1).
import {
  St, node, setBit, BH_BAL_MODE, BH_BAL_EPOCH, BH_BAL_ARRIVE, BH_BAL_GEN, BH_BAL_MOVES, BH_BAL_SEED, BH_SLOW_BAND, BH_SLOW_PERCENT, H_WNEXT, B_C0, B_C1, B_WHEEL,
  B_LIST_C0, B_LIST_R0, B_BAL_BUSY, B_BAL_PACE, B_BAL_NEXT_I, B_BAL_NNEXT_I, B_BAL_WHEEL_COUNT, B_BAL_C0, B_BAL_C1,
} from './state';
import { SLEEP_NS, bandRecord, nowMs, runDone, waitedMs } from './band-sync';

@inline function rec(k: u32, word: u32): usize {
  return bandRecord(k) + (<usize>word << 2);
}

@inline function head(word: u32): usize {
  return St.bandTab + (<usize>word << 2);
}

/** Reads the table's balancing words into this band's globals (bandSetup; 0 = static bands). */
export function balanceSetup(): void {
  St.balMode = load<u32>(head(BH_BAL_MODE));
  St.balEpoch = load<u32>(head(BH_BAL_EPOCH));
  if (St.balEpoch == 0) St.balMode = 0;
  St.slowFactor = load<u32>(head(BH_SLOW_BAND)) == St.band + 1 ? <f64>load<u32>(head(BH_SLOW_PERCENT)) / 100 : 0;
  St.timed = St.balMode == 1 || St.slowFactor > 0;
  St.balAt = St.balEpoch;
  St.msPerSpin = LOOK_MS;
  startEpoch();
}

/** This band's time and waits so far, from which the next barrier takes its busy ms (by time only). */
function startEpoch(): void {
  St.balT0 = St.balMode == 1 ? nowMs() : 0;
  St.balWait0 = waitedMs();
}

/** The ms a look at a neighbour's word takes until a band has measured its own (band-sync.ts calibrate; about 1-2 ns here). */
const LOOK_MS: f64 = 1.5e-6;

/** Whether the bands meet before cycle `next` (all bands decide alike: the same next, the same epoch). */
@inline export function balanceDue(next: u32): bool {
  return St.balMode != 0 && next >= St.balAt;
}

/**
 * The barrier before cycle `next`: tells the others this band's time and sets, waits for every band (the last
 * one moves the columns), then takes this band's columns and sets as they are after. False if the run stopped.
 */
export function balance(next: u32): bool {
  const now = St.balMode == 1 ? nowMs() : 0;
  store<f64>(rec(St.band, B_BAL_BUSY), now - St.balT0 - (waitedMs() - St.balWait0));
  store<u32>(rec(St.band, B_BAL_NEXT_I), <u32>St.nextI);
  store<u32>(rec(St.band, B_BAL_NNEXT_I), St.nNextI);
  store<u32>(rec(St.band, B_BAL_WHEEL_COUNT), St.wheelCount);
  if (!barrier()) return false;
  setRange(load<u32>(rec(St.band, B_C0)), load<u32>(rec(St.band, B_C1)));
  St.nNextI = load<u32>(rec(St.band, B_BAL_NNEXT_I));
  St.wheelCount = load<u32>(rec(St.band, B_BAL_WHEEL_COUNT));
  St.nNextC = countBits(St.nextC);
  St.nNextR = countBits(St.nextR);
  St.balAt = next + St.balEpoch;
  startEpoch();
  return true;
}

/** This band's columns [c0, c1): its node ids, its level-2 words, its first and last columns (bands.ts). */
export function setRange(c0: u32, c1: u32): void {
  St.idLo = c0 * St.rows;
  St.idSpan = (c1 - c0) * St.rows;
  St.l2Lo = St.idLo >>> 10;
  St.l2Hi = ((St.idLo + St.idSpan - 1) >>> 10) + 1;
  St.firstHi = St.idLo + St.rows;
  St.lastLo = St.idLo + St.idSpan - St.rows;
}

/** Set bits of this band's ids in a set (only this band's ids are ever set in its own sets). */
function countBits(bits: usize): u32 {
  let n: u32 = 0;
  const hi = (St.idLo + St.idSpan - 1) >>> 5;
  for (let w = St.idLo >>> 5; w <= hi; w++) n += <u32>popcnt(load<u32>(bits + (<usize>w << 2)));
  return n;
}

/** Every band arrives; the last moves the columns and opens the barrier. False if the run stopped while waiting. */
function barrier(): bool {
  const gp = head(BH_BAL_GEN);
  const gen = atomic.load<u32>(gp);
  if (atomic.add<u32>(head(BH_BAL_ARRIVE), 1) == St.bands - 1) {
    moveColumns();
    atomic.store<u32>(head(BH_BAL_ARRIVE), 0);
    atomic.store<u32>(gp, gen + 1);
    atomic.notify(gp, 0x7fffffff);
    return true;
  }
  for (let i: u32 = 0; i < St.spins; i++) if (atomic.load<u32>(gp) != gen) return true;
  while (atomic.load<u32>(gp) == gen) {
    if (runDone() != 0) return false;
    atomic.wait<i32>(gp, <i32>gen, SLEEP_NS);
  }
  return true;
}

/** The last arrival: the columns after (BAL_C0, BAL_C1), then each changed column's state, then C0, C1 = after. */
function moveColumns(): void {
  const N = St.bands;
  if (St.balMode == 1) splitByTime(N);
  else shuffle(N);
  for (let a: u32 = 0; a < N; a++) {
    const c0 = load<u32>(rec(a, B_C0));
    const c1 = load<u32>(rec(a, B_C1));
    for (let c = c0; c < c1; c++) {
      const b = ownerAfter(c, a);
      if (b != a) moveBits(c, a, b);
    }
    moveWheel(a);
    moveInjectors(a);
  }
  let moved: u32 = 0;
  for (let k: u32 = 0; k < N; k++) {
    const was = load<u32>(rec(k, B_C1));
    const after = load<u32>(rec(k, B_BAL_C1));
    moved += was > after ? was - after : after - was;
    store<u32>(rec(k, B_C0), load<u32>(rec(k, B_BAL_C0)));
    store<u32>(rec(k, B_C1), after);
  }
  store<u32>(head(BH_BAL_MOVES), load<u32>(head(BH_BAL_MOVES)) + moved);
}

/** The band that holds column c after the barrier (band `hint` or, when c left it, the band it went to). */
function ownerAfter(c: u32, hint: u32): u32 {
  let k = hint;
  while (c < load<u32>(rec(k, B_BAL_C0))) k--;
  while (c >= load<u32>(rec(k, B_BAL_C1))) k++;
  return k;
}

/** Sets band k's columns after the barrier to [c0, c1). */
@inline function setAfter(k: u32, c0: u32, c1: u32): void {
  store<u32>(rec(k, B_BAL_C0), c0);
  store<u32>(rec(k, B_BAL_C1), c1);
}

/**
 * By time: band k computed its c1 - c0 columns in BAL_BUSY ms; its pace (ms a column) is smoothed over the barriers
 * (PACE_KEEP of the last value kept: a CPU's speed changes slowly, the work's place on the mesh from one epoch to
 * the next). The split where every band's time is equal gives band k the share (1 / pace_k) / sum of the columns.
 * Nothing moves unless that split would be MIN_GAIN faster than this one; then each boundary moves halfway there
 * (whole columns, at least one where it is a column or more off, none where less), keeping every band one column.
 */
function splitByTime(N: u32): void {
  let sum: f64 = 0;
  let slowest: f64 = 0;
  for (let k: u32 = 0; k < N; k++) {
    const pace = smoothPace(k);
    sum += 1 / pace;
    slowest = Math.max(slowest, <f64>(load<u32>(rec(k, B_C1)) - load<u32>(rec(k, B_C0))) * pace);
  }
  const Cu = load<u32>(rec(N - 1, B_C1));
  const move = slowest > (1 + MIN_GAIN) * (<f64>Cu / sum);
  let acc: f64 = 0;
  let lo: u32 = 0;
  for (let k: u32 = 0; k + 1 < N; k++) {
    acc += 1 / load<f64>(rec(k, B_BAL_PACE));
    const was = load<u32>(rec(k, B_C1));
    const d = move ? (<f64>Cu * acc) / sum - <f64>was : 0;
    const a = Math.abs(d);
    const step = a < 1 ? 0 : Math.max(1, Math.floor(a / 2));
    let hi = <i64>was + (d < 0 ? -<i64>step : <i64>step);
    hi = clampBoundary(hi, lo, k, N, Cu);
    setAfter(k, lo, <u32>hi);
    lo = <u32>hi;
  }
  setAfter(N - 1, lo, Cu);
}

/** The share of a band's last pace kept at each barrier, and the least gain a new split must promise. */
const PACE_KEEP: f64 = 0.75;
const MIN_GAIN: f64 = 0.03;

/** Band k's pace (ms a column) smoothed with this epoch's (a band that waited all the time counts as busy for a microsecond). */
function smoothPace(k: u32): f64 {
  const cols = <f64>(load<u32>(rec(k, B_C1)) - load<u32>(rec(k, B_C0)));
  const now = Math.max(load<f64>(rec(k, B_BAL_BUSY)), 1e-3) / cols;
  const was = load<f64>(rec(k, B_BAL_PACE));
  const pace = was > 0 ? PACE_KEEP * was + (1 - PACE_KEEP) * now : now;
  store<f64>(rec(k, B_BAL_PACE), pace);
  return pace;
}

/** The least and the most end column of band k starting at `lo`: band k and every band after it keep a column. */
@inline function minEnd(lo: u32): u32 {
  return lo + 1;
}
@inline function maxEnd(k: u32, N: u32, Cu: u32): u32 {
  return Cu - (N - 1 - k);
}

/** A boundary (band k's end) kept between minEnd and maxEnd. */
@inline function clampBoundary(hi: i64, lo: u32, k: u32, N: u32, Cu: u32): i64 {
  const min = <i64>minEnd(lo);
  const max = <i64>maxEnd(k, N, Cu);
  return hi < min ? min : hi > max ? max : hi;
}

/** Shuffled (tests): every boundary drawn anew, each band one column at least. */
function shuffle(N: u32): void {
  const Cu = load<u32>(rec(N - 1, B_C1));
  let x = load<u32>(head(BH_BAL_SEED));
  let lo: u32 = 0;
  for (let k: u32 = 0; k + 1 < N; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const min = minEnd(lo);
    const hi = min + x % (maxEnd(k, N, Cu) - min + 1);
    setAfter(k, lo, hi);
    lo = hi;
  }
  setAfter(N - 1, lo, Cu);
  store<u32>(head(BH_BAL_SEED), x);
}

/** Column c's bits in band a's four sets (cores and routers, both parities) go to band b's. */
function moveBits(c: u32, a: u32, b: u32): void {
  const lo = c * St.rows;
  const hi = lo + St.rows;
  for (let l: u32 = 0; l < 4; l++) {
    const word = l < 2 ? B_LIST_C0 + l : B_LIST_R0 + l - 2;
    const from = <usize>load<u32>(rec(a, word));
    const to = <usize>load<u32>(rec(b, word));
    for (let id = lo; id < hi; id++) {
      const p = from + (<usize>(id >>> 5) << 2);
      const m: u32 = <u32>1 << (id & 31);
      const w = load<u32>(p);
      if ((w & m) == 0) continue;
      store<u32>(p, w & ~m); // a level-2 bit left over costs the next walk one empty word
      setBit(to, id);
    }
  }
}

/** Band a's busy cores whose column left it go on their new band's wheel, in the same slot (their task's end). */
function moveWheel(a: u32): void {
  const wa = <usize>load<u32>(rec(a, B_WHEEL));
  let left: u32 = 0;
  for (let s: u32 = 0; s <= St.wheelMask; s++) {
    let link = wa + (<usize>s << 2); // the word that points at the current entry
    let e = load<u32>(link);
    while (e != 0) {
      const core = e - 1;
      const nd = node(core);
      const next = load<u32>(nd + H_WNEXT);
      const b = ownerAfter(core / St.rows, a);
      if (b == a) {
        link = nd + H_WNEXT;
      } else {
        store<u32>(link, next);
        const slot = <usize>load<u32>(rec(b, B_WHEEL)) + (<usize>s << 2);
        store<u32>(nd + H_WNEXT, load<u32>(slot));
        store<u32>(slot, e);
        store<u32>(rec(b, B_BAL_WHEEL_COUNT), load<u32>(rec(b, B_BAL_WHEEL_COUNT)) + 1);
        left++;
      }
      e = next;
    }
  }
  store<u32>(rec(a, B_BAL_WHEEL_COUNT), load<u32>(rec(a, B_BAL_WHEEL_COUNT)) - left);
}

/** Band a's injectors of the next cycle whose column left it go to the end of their new band's list. */
function moveInjectors(a: u32): void {
  const list = <usize>load<u32>(rec(a, B_BAL_NEXT_I));
  const n = load<u32>(rec(a, B_BAL_NNEXT_I));
  let kept: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u32>(list + (<usize>i << 2));
    const b = ownerAfter(c, a);
    if (b == a) {
      store<u32>(list + (<usize>kept << 2), c);
      kept++;
    } else {
      const nb = load<u32>(rec(b, B_BAL_NNEXT_I));
      store<u32>(<usize>load<u32>(rec(b, B_BAL_NEXT_I)) + (<usize>nb << 2), c);
      store<u32>(rec(b, B_BAL_NNEXT_I), nb + 1);
    }
  }
  store<u32>(rec(a, B_BAL_NNEXT_I), kept);
}
