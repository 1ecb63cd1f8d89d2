// Threads for one fabric run (`fabric --threads N`): the used columns split into N bands of consecutive
// columns, each run by one thread over the mesh's one shared memory (assembly/fabric/bands.ts: a wavefront
// that keeps the cycles and results of one thread exactly). This file owns the band table's layout in that
// memory (the regions it adds to the simulator's plan), writes it, and runs the bands on Piscina threads
// (protocol in src/protocol/fabric.ts).
//
// Legend: Cu = used columns, N = bands (threads), k = a band; band k = columns [c0, c1).
import { availableParallelism } from 'node:os';
import type { Piscina } from 'piscina';
import { distModule } from '../paths.js';
import type { FabricBandReply, FabricBandTask } from '../protocol/fabric.js';
import type { Flavor } from '../wasm/module.js';
import { BAND, BAND_HEAD, BAND_HEAD_WORDS, BAND_WORDS, STAT, STAT_WORDS, type MemoryPlan } from './layout.js';
import type { SkewSplit } from './skew-plan.js';

/** Band k's columns: an even split of Cu columns into N bands (the first Cu mod N bands one wider). */
export function bandColumns(Cu: number, N: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < N; k++) out.push([Math.floor((k * Cu) / N), Math.floor(((k + 1) * Cu) / N)]);
  return out;
}

const LISTS = ['C0', 'C1', 'R0', 'R1'] as const;

/** The u32 index in the band table of band k's word w (BAND.*), as assembly/fabric/band-sync.ts bandRecord lays it out. */
const bandWord = (k: number, w: number) => BAND_HEAD_WORDS + k * BAND_WORDS + w;
/** u32 words of the band table's head and N band records (the records' ring follows). */
const recordsWords = (N: number) => bandWord(N, 0);

/** Adds the band table and each band's own sets, wheel and counters to the simulator's plan (N > 1 only). */
export function addBandRegions(plan: MemoryPlan, N: number, Cu: number, bitmapBytes: number, wheelSlots: number): MemoryPlan {
  if (N <= 1) return plan;
  plan.add('bandTable', 4 * recordsWords(N) + 8 * N * (N + 1), 8);
  for (let k = 0; k < N; k++) {
    plan.add(`b${k}.wheel`, wheelSlots * 4);
    for (const l of LISTS) plan.add(`b${k}.${l}`, bitmapBytes);
    plan.add(`b${k}.I0`, Cu * 4 + 64).add(`b${k}.I1`, Cu * 4 + 64);
    plan.add(`b${k}.stats`, 8 * STAT_WORDS, 8);
  }
  return plan;
}

/**
 * Looks at a neighbour's progress word before a waiting band sleeps on it. A sleep costs a futex wake (tens
 * of microseconds: more than a 64x64 band's whole cycle), so while each band owns a core it spins long
 * (about 0.5-1 ms): on this 2-core machine a 64x64 dense layer on 2 threads slept in 0.16-0.66 of its
 * cycles with 50,000 spins (1.25-1.66x one thread) and in none with 2,000,000 (1.65-2.02x). With more
 * bands than cores a spinning band holds the core its neighbour needs, so it sleeps almost at once.
 */
export function defaultSpins(bands: number): number {
  return bands <= availableParallelism() ? 1_000_000 : 1_000;
}

/**
 * How band threads split the columns (assembly/fabric/balance.ts): `static` keeps bandColumns' even split;
 * `time` moves columns every `epoch` cycles toward the split where every band computes for as long (a band on a
 * slower or busier CPU gets fewer); `shuffle` (tests) draws new boundaries every `epoch` cycles from `seed`.
 * Every mode gives the cycles and results of one thread.
 */
export interface BalancePlan {
  mode: 'static' | 'time' | 'shuffle';
  epoch: number;
  seed?: number;
  /**
   * Benchmarks of the balancing only: band `band` emulates a CPU `percent` % slower (after each cycle it spins for
   * that share of the time it computed in it), so static and balanced bands can be compared on a known asymmetry.
   */
  slowBand?: { band: number; percent: number };
}

/** What a user asks for (`fabric --balance`): `dynamic` (default) = by time where each band has a core of its own. */
export type BalanceChoice = 'static' | 'dynamic';
export const BALANCE_CHOICES: readonly BalanceChoice[] = ['static', 'dynamic'];

/**
 * Cycles between two balancing barriers: about 2 M simulated core-cycles (about 25 ms at this
 * simulator's rates, so a barrier's few tens of microseconds cost well under 1 %), 8 to 65,536.
 */
export function balanceEpoch(cores: number): number {
  return Math.min(65_536, Math.max(8, Math.ceil(2 ** 21 / Math.max(1, cores))));
}

/**
 * The plan for N bands over `cores` simulated cores: `dynamic` balances by time only where each band has a CPU
 * of its own (with more bands than CPUs a band's time is the OS's scheduling, not its columns), else static.
 */
export function resolveBalance(want: BalanceChoice | BalancePlan | undefined, bands: number, cores: number): BalancePlan {
  if (typeof want === 'object') return want;
  const dynamic = (want ?? 'dynamic') === 'dynamic' && bands > 1 && bands <= availableParallelism();
  return { mode: dynamic ? 'time' : 'static', epoch: balanceEpoch(cores) };
}

const BAL_MODES = { static: 0, time: 1, shuffle: 2 } as const;

/**
 * Writes the band table (regions by name as addBandRegions laid them out) for N bands of Cu columns; runBands sets
 * its cycle limit. A skewed run passes `frontWords`, the words of a part's tile frontiers in its region `skFront`
 * (its parts are never balanced).
 */
export function writeBandTable(u32: (ptr: number, len: number) => Uint32Array, p: Record<string, number>, N: number, Cu: number, spins = defaultSpins(N), frontWords = 0, balance?: BalancePlan): void {
  u32(p.bandTable, recordsWords(N) + 2 * N * (N + 1)).fill(0);
  const head = u32(p.bandTable, recordsWords(N));
  head[BAND_HEAD.COUNT] = N;
  head[BAND_HEAD.SPINS] = spins;
  if (frontWords > 0) [head[BAND_HEAD.FRONT], head[BAND_HEAD.FRONT_WORDS]] = [p.skFront, frontWords];
  if (balance && frontWords === 0) {
    // static: the mode word stays 0 (no barrier); a slow band may still be emulated
    if (balance.mode !== 'static') [head[BAND_HEAD.BAL_MODE], head[BAND_HEAD.BAL_EPOCH], head[BAND_HEAD.BAL_SEED]] = [BAL_MODES[balance.mode], balance.epoch, (balance.seed ?? 1) >>> 0 || 1];
    if (balance.slowBand) [head[BAND_HEAD.SLOW_BAND], head[BAND_HEAD.SLOW_PERCENT]] = [balance.slowBand.band + 1, balance.slowBand.percent];
  }
  bandColumns(Cu, N).forEach(([c0, c1], k) => {
    const rec = head.subarray(bandWord(k, 0));
    rec[BAND.C0] = c0;
    rec[BAND.C1] = c1;
    rec[BAND.WHEEL] = p[`b${k}.wheel`];
    LISTS.forEach((l, i) => { rec[BAND.LIST_C0 + i] = p[`b${k}.${l}`]; });
    rec[BAND.LIST_I0] = p[`b${k}.I0`];
    rec[BAND.LIST_I1] = p[`b${k}.I1`];
    rec[BAND.STATS] = p[`b${k}.stats`];
  });
}

/** How a run's bands were balanced: the plan's mode and epoch, each band's columns at the end, the columns moved on the way. */
export interface BandSplit {
  mode: BalancePlan['mode'];
  epochCycles: number;
  bands: Array<[number, number]>;
  moved: number;
}

/** The bands' split as the table holds it now (after a balanced run: where they ended), for the plan `plan`. */
export function readBandSplit(u32: (ptr: number, len: number) => Uint32Array, table: number, N: number, plan: BalancePlan): BandSplit {
  const t = u32(table, recordsWords(N));
  const bands = Array.from({ length: N }, (_, k): [number, number] => [t[bandWord(k, BAND.C0)], t[bandWord(k, BAND.C1)]]);
  return { mode: plan.mode, epochCycles: plan.epoch, bands, moved: t[BAND_HEAD.BAL_MOVES] };
}

/** The bands' counters as one run's: sums, and the largest cycle count (u64 words, STAT order). */
export function mergeBandStats(stats: BigUint64Array[]): BigUint64Array {
  const out = new BigUint64Array(STAT_WORDS);
  for (const s of stats) {
    for (let i = 0; i < STAT_WORDS; i++) {
      out[i] = i === STAT.CYCLES || i === STAT.LAST ? (s[i] > out[i] ? s[i] : out[i]) : out[i] + s[i];
    }
  }
  return out;
}

export interface BandRunOptions {
  memory: WebAssembly.Memory;
  flavor: Flavor;
  module: string;
  config: number;
  table: number;
  bands: number;
  /** Cycle limit (a deadlock guard): past it every band stops with status 2. */
  limit: number;
  /** Stops every band and wakes every sleeper (the module's fabricStopBands on the table). */
  stop: () => void;
  /** Called about every 250 ms with the cycles the slowest band has done. */
  onProgress?: (cycle: number) => void;
  /** The skewed order on threads: `bands` threads, the `tableBands` bands cut into `parts` parts dealt out in turn, or blocks of cycles a thread (skew-plan.ts's split). */
  skew?: { parts: number; tableBands: number; block: number; tile: number; split: SkewSplit };
  /** Windowed streams (stream-window.ts): tops up every column's window; called every `refillMs` while the bands run. */
  refill?: () => void;
  refillMs?: number;
}

/** What a threaded run took: the bands' own span (from the first band's start to the last band's end). */
export interface BandRunTiming {
  seconds: number;
  status: number;
}

/**
 * The band threads, kept for the next run of this process (a thread's compiled module has tiered up by then:
 * the first calls of a WASM function run on V8's baseline tier). Idle threads do not keep the process
 * alive (Piscina unrefs them) and end after POOL_IDLE_MS.
 */
let pool: Piscina<FabricBandTask, FabricBandReply> | undefined;
const POOL_IDLE_MS = 30_000;

async function bandPool(threads: number): Promise<Piscina<FabricBandTask, FabricBandReply>> {
  const { Piscina } = await import('piscina'); // loaded where bands run, not by every importer of this file (the CLI's choices)
  if (pool && pool.options.maxThreads >= threads) return pool;
  const old = pool;
  pool = new Piscina<FabricBandTask, FabricBandReply>({
    filename: distModule('fabric/band-worker'), minThreads: threads, maxThreads: threads, concurrentTasksPerWorker: 1, idleTimeout: POOL_IDLE_MS,
  });
  await old?.destroy();
  return pool;
}

/** Runs every band on its own thread until the mesh is quiet (or the table's cycle limit). */
export async function runBands(o: BandRunOptions): Promise<BandRunTiming> {
  const threads = await bandPool(o.bands);
  const sk = o.skew;
  const head = new Uint32Array(o.memory.buffer, o.table, recordsWords(sk?.tableBands ?? o.bands));
  head[BAND_HEAD.LIMIT] = o.limit;
  // the bands whose routers' progress word tells how far the run is: every band, each part's first band, or (blocks: every thread runs it) band 0
  const watched = sk ? (sk.split === 'blocks' ? [0] : bandColumns(sk.tableBands, sk.parts).map(([kLo]) => kLo)) : Array.from({ length: o.bands }, (_, k) => k);
  const timer = o.onProgress && setInterval(() => o.onProgress!(slowestBand(head, watched)), 250);
  const refills = o.refill && setInterval(o.refill, o.refillMs ?? 1);
  const stop = o.stop;
  const watch = watchdog(head, watched, stop);
  try {
    const tasks = Array.from({ length: o.bands }, (_, band) => threads.run({
      memory: o.memory, flavor: o.flavor, module: o.module, config: o.config, table: o.table, band,
      skew: sk && { parts: sk.parts, threads: o.bands, block: sk.block, tile: sk.tile, split: sk.split },
    }));
    // a band that throws stops the others (they would wait on it for ever)
    tasks.forEach((t) => t.catch(stop));
    const settled = await Promise.allSettled(tasks);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (watch.stalled) throw new Error(`fabric: the band threads made no progress for ${STALL_SECONDS} s (one waits on another for ever: a bug; run with threads 1)`);
    const replies = settled.map((s) => (s as PromiseFulfilledResult<FabricBandReply>).value);
    const start = Math.min(...replies.map((r) => r.startMs));
    const end = Math.max(...replies.map((r) => r.endMs));
    return { seconds: (end - start) / 1000, status: Math.max(...replies.map((r) => r.status)) };
  } finally {
    if (timer) clearInterval(timer);
    if (refills) clearInterval(refills);
    clearInterval(watch.timer);
  }
}

/** Seconds without any band finishing a cycle after which the bands are stopped (a cycle of the full wafer takes well under one). */
const STALL_SECONDS = 30;

/** Stops the bands (`stop`) when none has finished a cycle for STALL_SECONDS: a hang becomes an error. */
function watchdog(head: Uint32Array, watched: number[], stop: () => void): { timer: NodeJS.Timeout; stalled: boolean } {
  const w = { timer: undefined as unknown as NodeJS.Timeout, stalled: false };
  let last = -1;
  let since = performance.now();
  w.timer = setInterval(() => {
    let sum = 0;
    for (const k of watched) sum += Atomics.load(head, bandWord(k, BAND.P_LAST));
    if (sum !== last) {
      last = sum;
      since = performance.now();
    } else if (!w.stalled && performance.now() - since > STALL_SECONDS * 1000) {
      w.stalled = true;
      stop();
    }
  }, 1000);
  w.timer.unref();
  return w;
}

/** The cycles the slowest band has finished (its routers' progress word). */
function slowestBand(head: Uint32Array, watched: number[]): number {
  let min = Infinity;
  for (const k of watched) min = Math.min(min, Atomics.load(head, bandWord(k, BAND.P_LAST)));
  return min;
}
