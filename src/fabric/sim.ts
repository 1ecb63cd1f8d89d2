// One mapped pass on one simulated mesh: builds the Wasm instance (its own memory, sized by what the
// mapping uses), writes the config block and, through sim-write.ts, routes, per-core data and column streams,
// runs the cycle loop of assembly/fabric in chunks (one thread, the skewed order, or band threads: bands.ts),
// and reads results and statistics (sim-read.ts and the counters here).
//
// Legend: B = batch; Ru x Cu = used rows x columns; node id = c·Ru + r (column-major). Activations are
// feature-major: Xt [K, B], Yt [N, B], dYt [N, B], dXt [K, B]; g [nnz] is in the weight stream's order.
import { giveBackMemory, takeMemory } from './spare-memory.js';
import { skewBands, skewFrontWords, skewParts, tableBands, type SkewPlan } from './skew-plan.js';
export type { SkewPlan, SkewSplit } from './skew-plan.js';
import { CapacityError } from '../errors.js';
import { WASM_PAGE_BYTES, Wasm, type Flavor } from '../wasm/module.js';
import type { FabricMachine } from './defaults.js';
import type { FabricMapping } from './mapping.js';
import type { ColumnStreams } from './streams.js';
import { CFG_SLOTS, FABRIC_ABI_HASH, STAT, STAT_WORDS, passColors, passNodeLayout, writeConfigBlock } from './layout.js';
import { WASM_LIMIT_BYTES, columnRows, simPlan, wheelSlots } from './memory.js';
import { bandColumns, defaultSpins, mergeBandStats, readBandSplit, resolveBalance, runBands, writeBandTable, type BalanceChoice, type BalancePlan, type BandSplit } from './bands.js';
import { refillPeriodMs } from './stream-window.js';
import { columnTables, refill, writeInputs, writeNodes, writeStreams, type PassInputs, type SeededFill, type SimView } from './sim-write.js';
import { checkFinished, readCoreCycles, readOutput } from './sim-read.js';
export type { PassInputs } from './sim-write.js';

/** The module's fabric exports (assembly/fabric/index.ts); the seeded fill's is sim-write.ts's. */
interface FabricExports extends SeededFill {
  fabricInit(p: number): number;
  fabricStopBands(table: number): void;
  fabricRun(maxCycles: number): number;
  fabricSkewSetup(table: number): void;
  fabricSkewRun(maxCycles: number, block: number, tile: number): number;
  fabricNow(): number;
  fabricConfigSlots(): number;
  fabricAbiHash(): number;
}

export interface SimCounters {
  cycles: number;
  hops: number;
  rampIn: number;
  rampOut: number;
  injected: number;
  sunk: number;
  fmacs: number;
  tasks: number;
  routerSteps: number;
  coreSteps: number;
}

export interface SimOptions {
  flavor?: Flavor;
  /** Told the fraction of the inputs written (the long part on a large mesh). */
  progress?: (fraction: number) => void;
  /** Threads (bands of columns) for runThreads; 1 = run() on this thread. */
  threads?: number;
  /** Threads: looks at a neighbour's progress before a waiting band sleeps (default: bands.ts defaultSpins). */
  spins?: number;
  /** Run bands in a time-skewed order (assembly/fabric/skew.ts; with threads, each a part of them): the same cycles and results. */
  skew?: SkewPlan | null;
  /** Threads: how the bands split the columns while they run (bands.ts resolveBalance; default `dynamic`). Skewed parts are never balanced. */
  balance?: BalanceChoice | BalancePlan;
  /**
   * Words of each column's stream window (a power of two; 0 or absent: the whole streams in the memory). A
   * windowed column holds the next `window` words of its stream in a ring (stream-window.ts): run() refills it
   * before each chunk of at most `window` cycles (a column takes one word a cycle at most; loop.ts's order, not the
   * skewed one), runThreads every few milliseconds while the bands run (an injector at its fill waits).
   */
  window?: number;
}

export interface RunProgress {
  /**
   * Cycles per call into the simulator between progress reports. Default: adaptive, starting at 1,000 and
   * sized so that a call takes about PROGRESS_SECONDS (a large mesh reports at least every second; a small
   * one does not pay for many calls). The chunking never changes the cycles or the result.
   */
  chunkCycles?: number;
  /** Called after each chunk with the current cycle. */
  onProgress?: (cycle: number) => void;
  /** Stop with an error past this many cycles (a deadlock guard). */
  maxCycles?: number;
}

/**
 * Refuses a module built from another ABI table than this host (scripts/fabric-abi.mjs generates both
 * sides; the hash covers every name and value, so one changed field is caught, not only the slot count).
 */
function checkAbi(ex: FabricExports): void {
  const slots = ex.fabricConfigSlots();
  const hash = ex.fabricAbiHash() >>> 0;
  if (slots !== CFG_SLOTS || hash !== FABRIC_ABI_HASH) {
    throw new Error(`fabric: the wasm module's ABI (${slots} config slots, table hash 0x${hash.toString(16)}) differs from the host's (${CFG_SLOTS}, 0x${FABRIC_ABI_HASH.toString(16)}): rebuild (npm run build:wasm)`);
  }
}

export class FabricSim {
  readonly mapping: FabricMapping;
  readonly machine: FabricMachine;
  readonly wasm: Wasm<FabricExports>;
  /** Bytes of the simulator's memory (the Wasm instance's linear memory). */
  readonly memoryBytes: number;
  private readonly p: Record<string, number> = {};
  /** The memory as sim-write.ts and sim-read.ts see it. */
  private readonly view: SimView;
  /** Threads (bands); > 1: the band table is in the memory and runThreads runs it. */
  readonly threads: number;
  /** Bands in a skewed order, on one thread or each thread a part of them (null: loop.ts's order, or a band a thread). */
  readonly skew: SkewPlan | null;
  /** Bands in the band table (threads, or the skewed order's bands; 1: none). */
  private readonly tableBands: number;
  /** Skewed order on threads: the parts the bands are cut into (skew-plan.ts's skewParts). */
  private readonly skewParts: number;
  private readonly flavor: Flavor;
  private readonly module: string;
  /** Words of each column's stream window (0: whole streams). */
  readonly window: number;
  /** Threads (not skewed): how the bands split the columns while they ran (null: one thread, or skewed parts). */
  readonly balance: BalancePlan | null;

  constructor(mapping: FabricMapping, machine: FabricMachine, streams: ColumnStreams, inputs: PassInputs, o: SimOptions = {}) {
    const { flavor, progress } = o;
    this.threads = o.threads ?? 1;
    this.skew = o.skew && skewBands(mapping.usedCols, o.skew) >= Math.max(2, this.threads) ? o.skew : null;
    this.mapping = mapping;
    this.machine = machine;
    this.window = o.window ?? 0;
    if (this.window && this.threads === 1 && this.skew) throw new Error('fabric: windowed streams on one thread run in loop order (the host refills them between chunks of its cycles)');
    const { usedRows: Ru, usedCols: Cu, pass } = mapping;
    const isGrad = pass === 'gradient';
    const pc = passColors(pass);
    const NC = pc.colors;
    const tables = columnTables(mapping);
    const { colK, colN, colStart, nseq } = tables;
    const rowB = new Uint32Array(Ru);
    for (let r = 0; r < Ru; r++) rowB[r] = mapping.bStarts[r + 1] - mapping.bStarts[r];
    const node = passNodeLayout(pc, machine);
    const wheel = wheelSlots(mapping, machine);
    // per-column data (rows of B floats), 16-byte aligned
    const B = mapping.shape.B;
    const colOff = new Float64Array(Cu + 1);
    for (let c = 0; c < Cu; c++) colOff[c + 1] = colOff[c] + Math.ceil((columnRows(mapping, machine, c) * B) / 4) * 16;
    let streamWords = 0;
    for (const w of streams.words) streamWords += this.window ? this.window : w.length;
    const sinkWords = isGrad ? streams.nnz.reduce((s, z) => s + z, 0) : 0;
    const bands = tableBands(Cu, this.threads, this.skew);
    this.tableBands = bands;
    this.skewParts = this.skew ? skewParts(bands, this.threads, this.skew) : 1;
    const plan = simPlan(mapping, machine, streamWords, sinkWords, wheel, colOff[Cu], bands);
    const frontWords = this.skew ? skewFrontWords(bands, this.skewParts, this.skew) : 0;
    if (this.skew) plan.add('skFront', 4 * this.skewParts * frontWords);
    const initial = plan.totalBytes + (1 << 20);
    if (initial > WASM_LIMIT_BYTES) {
      throw new CapacityError(
        `fabric: simulating the ${mapping.pass} pass on ${Ru}x${Cu} mapped cores needs ${initial} bytes of WebAssembly memory ` +
        `(${node.bytes} bytes of state per node plus data and streams), over its 4 GiB limit: use a smaller mesh or layer`,
      );
    }
    // FABRIC_WASM_MODULE=name loads build/name.<flavor>.wasm instead (e.g. a release build with function
    // names, `asc ... --target release --debug --outFile build/prof.release.wasm`, for CPU profiles).
    this.module = process.env.FABRIC_WASM_MODULE || '';
    this.wasm = new Wasm<FabricExports>({ flavor, module: this.module || undefined, memory: takeMemory(initial, initial + (64 << 20)), scratchBytes: 0 });
    this.flavor = this.wasm.flavor;
    const w = this.wasm;
    checkAbi(w.exports);
    for (const r of plan.regions) this.p[r.name] = w.arena.alloc(r.bytes, r.align);
    // what this run needs (a fresh memory's size), not the spare memory it may reuse: results do not depend on the runs before
    this.memoryBytes = Math.ceil(initial / WASM_PAGE_BYTES) * WASM_PAGE_BYTES;
    const p = this.p;
    // tables
    w.u32(p.rowB, Ru).set(rowB);
    w.u32(p.colK, Cu).set(colK);
    w.u32(p.colN, Cu).set(colN);
    w.u32(p.colStart, Cu + 1).set(colStart);
    w.u8(p.colorCh, NC).set(pc.channel);
    this.view = { wasm: w, p, mapping, machine, streams, node, colOff, isGrad, window: this.window, tables };
    writeNodes(this.view, pc);
    writeInputs(this.view, inputs, progress);
    writeStreams(this.view);
    writeConfigBlock(w.u32(p.config, CFG_SLOTS), {
      mapping, machine, node, regions: p, colors: NC, nseq, wheel, window: this.window, waitForRefill: this.window > 0 && this.threads > 1,
    });
    if (w.exports.fabricInit(p.config) !== 0) throw new Error('fabric: the wasm module rejected the config block');
    this.balance = this.threads > 1 && !this.skew ? resolveBalance(o.balance, this.threads, Ru * Cu) : null;
    if (bands > 1) writeBandTable((ptr, len) => w.u32(ptr, len), p, bands, Cu, o.spins ?? defaultSpins(this.threads), frontWords, this.balance ?? undefined);
    if (this.skew && this.threads === 1) w.exports.fabricSkewSetup(p.bandTable);
  }

  /** Runs the mesh until it goes quiet; throws if it stops with work left (a deadlock) or runs past maxCycles. */
  run(opts: RunProgress = {}): void {
    for (const _ of this.chunks(opts));
  }

  /**
   * run(), giving the event loop a turn after each chunk (about PROGRESS_SECONDS of work): a signal's handler runs
   * there, so ^C stops a one-thread run of the CLI at once (it ran to the end and exited 0).
   */
  async runYielding(opts: RunProgress = {}): Promise<void> {
    for (const _ of this.chunks(opts)) await new Promise((resolve) => setImmediate(resolve));
  }

  /** The cycle loop of run(), a chunk per step of the iteration. */
  private *chunks(opts: RunProgress): Generator<void> {
    let chunk = opts.chunkCycles ?? 1000;
    const limit = opts.maxCycles ?? Infinity;
    const ex = this.wasm.exports;
    for (;;) {
      const t0 = performance.now();
      if (this.window) {
        chunk = Math.min(chunk, this.window); // a column takes one word a cycle at most: the refilled ring lasts the chunk
        refill(this.view);
      }
      const status = this.skew ? ex.fabricSkewRun(chunk, this.skew.block, this.skew.tile) : this.runChunk(chunk);
      if (opts.chunkCycles === undefined) chunk = nextChunk(chunk, (performance.now() - t0) / 1000);
      const now = ex.fabricNow() >>> 0;
      opts.onProgress?.(now);
      if (status === 0) break;
      if (now > limit) throw new Error(`fabric: the simulation passed ${limit} cycles without finishing (deadlock or a far too small limit)`);
      yield;
    }
    checkFinished(this.view);
  }

  /** fabricRun(chunk); a trap past a column's window (the promise above broken) named as what it is. */
  private runChunk(chunk: number): number {
    try {
      return this.wasm.exports.fabricRun(chunk);
    } catch (e) {
      if (this.window && e instanceof WebAssembly.RuntimeError) throw new Error(`fabric: a column's injector read past its stream window of ${this.window} words (${e.message})`);
      throw e;
    }
  }

  /**
   * Runs the mesh on `threads` threads (bands of columns; the same cycles and results as run()) until it
   * goes quiet; throws as run() does. Returns the seconds the bands ran (from the first band's start to the
   * last band's end: the threads' start-up is not in it).
   */
  async runThreads(opts: RunProgress = {}): Promise<number> {
    if (this.threads <= 1) throw new Error('fabric: runThreads needs a simulator built with threads > 1');
    const limit = Math.min(opts.maxCycles ?? BAND_LIMIT, BAND_LIMIT);
    const table = this.p.bandTable;
    const sk = this.skew;
    const t = await runBands({
      memory: this.wasm.memory, flavor: this.flavor, module: this.module, config: this.p.config, table,
      bands: this.threads, limit, stop: () => this.wasm.exports.fabricStopBands(table), onProgress: opts.onProgress,
      skew: sk ? { parts: this.skewParts, tableBands: this.tableBands, block: sk.block, tile: sk.tile, split: sk.split ?? 'parts' } : undefined,
      refill: this.window ? () => refill(this.view) : undefined, refillMs: refillPeriodMs(this.window),
    });
    if (t.status === 1) throw new Error('fabric: the wasm module rejected the config block');
    if (t.status === 2) throw new Error(`fabric: the simulation passed ${limit} cycles without finishing (deadlock or a far too small limit)`);
    checkFinished(this.view);
    return t.seconds;
  }

  counters(): SimCounters {
    const at = (p: number) => new BigUint64Array(this.wasm.memory.buffer, p, STAT_WORDS);
    const s = this.threads > 1 ? mergeBandStats(this.statBands().map((k) => at(this.p[`b${k}.stats`]))) : at(this.p.stats);
    const n = (i: number) => Number(s[i]);
    return {
      cycles: n(STAT.CYCLES), hops: n(STAT.HOPS), rampIn: n(STAT.RAMP_IN), rampOut: n(STAT.RAMP_OUT),
      injected: n(STAT.INJECTED), sunk: n(STAT.SUNK), fmacs: n(STAT.FMACS), tasks: n(STAT.TASKS),
      routerSteps: n(STAT.ROUTER_STEPS), coreSteps: n(STAT.CORE_STEPS),
    };
  }

  /** Threads: the bands whose stats blocks hold a thread's counters (each band's, or the first band of each thread's first skewed part). */
  private statBands(): number[] {
    if (!this.skew) return Array.from({ length: this.threads }, (_, k) => k);
    return bandColumns(this.tableBands, this.skewParts).slice(0, this.threads).map(([kLo]) => kLo);
  }

  /** Threads, bands a thread (not skewed): the plan's mode and epoch, each band's columns at the end of the run and the columns moved on the way. */
  bandSplit(): BandSplit | null {
    if (!this.balance) return null;
    return readBandSplit((ptr, len) => this.wasm.u32(ptr, len), this.p.bandTable, this.threads, this.balance);
  }

  /** Threads: per band, how many times it looked at a neighbour's progress before the neighbour was there (none: one thread). */
  bandWaits(): number[] {
    if (this.threads <= 1) return [];
    return this.statBands().map((k) => Number(new BigUint64Array(this.wasm.memory.buffer, this.p[`b${k}.stats`], STAT_WORDS)[STAT.WAIT_SPINS]));
  }

  /** Per used core (row-major Ru x Cu), 4 u32: streaming, computing, reducing cycles, spare (a copy). */
  coreCycles(): Uint32Array {
    return readCoreCycles(this.view);
  }

  /** Hands the memory to the next run (spare-memory.ts): call once nothing reads this simulator any more. */
  release(): void {
    giveBackMemory(this.wasm.memory, this.wasm.arena.mark());
  }

  /** The pass's result: Yt [N, B] (forward), dXt [K, B] (delta), g [nnz] in stream order (gradient). */
  output(): Float32Array {
    return readOutput(this.view);
  }
}

/** The cycle limit of a threaded run without one (a deadlock guard under the u32 cycle counter). */
const BAND_LIMIT = 0xfffffff0;

/** Seconds one call into the simulator aims at between progress reports (well under the promised one second). */
const PROGRESS_SECONDS = 0.25;

/** The next chunk of cycles: scaled towards PROGRESS_SECONDS a call, at most 4x up or down at a time, 64..1e7. */
function nextChunk(chunk: number, seconds: number): number {
  const scale = seconds > 0 ? Math.min(4, Math.max(0.25, PROGRESS_SECONDS / seconds)) : 4;
  return Math.max(64, Math.min(10_000_000, Math.round(chunk * scale)));
}
