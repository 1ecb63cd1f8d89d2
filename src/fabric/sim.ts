// One mapped pass on one simulated mesh: builds the Wasm instance (its own memory, sized by what the
// mapping uses), writes the config block, routes, per-core data and column streams, runs the cycle loop
// of assembly/fabric in chunks, and reads results and statistics through typed views.
//
// Legend: B, K, N = batch, input and output features; Ru x Cu = used rows x columns; Bs = a row's batch
// slice; node id = c·Ru + r (column-major). A column's data are rows of B floats (feature-major, the whole
// batch: X [Kc, B] | acc [A, B] | out [No, B], or X | dY | xb | fifo for the gradient); core (r, c)'s
// slice of each row starts at b0 = bStarts[r], so its data pointer is the column base + 4·b0. Each core
// still owns only its Bs floats of every row (the 48 KB check is per core, in mapping.ts). Activations are feature-major: Xt [K, B], Yt [N, B], dYt [N, B], dXt [K, B]; g [nnz] is in the
// weight stream's order.
import { giveBackMemory, takeMemory } from './spare-memory.js';
import { skewBands, skewFrontWords, skewParts, tableBands, type SkewPlan } from './skew-plan.js';
export type { SkewPlan } from './skew-plan.js';
import { CapacityError } from '../errors.js';
import { WASM_PAGE_BYTES, Wasm, type Flavor } from '../wasm/module.js';
import type { FabricMachine } from './defaults.js';
import type { FabricMapping } from './mapping.js';
import type { ColumnStreams } from './streams.js';
import {
  AXPY_COLORS, CFG_SLOTS, F, FABRIC_ABI_HASH, GRAD_COLORS, STAT, STAT_WORDS, nodeLayout, writeConfigBlock, writeOuts,
  type NodeLayout, type PassColors,
} from './layout.js';
import { WASM_LIMIT_BYTES, columnRows, simPlan, wheelSlots } from './memory.js';
import { valuesInto, type Values } from './weights.js';
import { bandColumns, defaultSpins, mergeBandStats, readBandSplit, resolveBalance, runBands, writeBandTable, type BalanceChoice, type BalancePlan, type BandSplit } from './bands.js';
import { refillPeriodMs, refillWindows } from './stream-window.js';

interface FabricExports {
  fabricInit(p: number): number;
  fabricStopBands(table: number): void;
  fabricRun(maxCycles: number): number;
  fabricSkewSetup(table: number): void;
  fabricSkewRun(maxCycles: number, block: number, tile: number): number;
  fabricNow(): number;
  fabricConfigSlots(): number;
  fabricAbiHash(): number;
  fabricFillSeeded(out: number, n: number, seed: number, firstLow: number): void;
}

/** Inputs of a pass: `a` = Xt (forward, gradient) or dYt (delta); `b` = dYt (gradient); seeded ones are made in place. */
export interface PassInputs {
  a: Values;
  b?: Values;
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
  /** Byte offset of each column's data from the data region (Cu + 1). */
  private readonly colOff: Float64Array;
  private readonly streams: ColumnStreams;
  private readonly isGrad: boolean;
  private readonly node: NodeLayout;
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
    this.streams = streams;
    this.window = o.window ?? 0;
    if (this.window && this.threads === 1 && this.skew) throw new Error('fabric: windowed streams on one thread run in loop order (the host refills them between chunks of its cycles)');
    const { usedRows: Ru, usedCols: Cu, pass } = mapping;
    this.isGrad = pass === 'gradient';
    const pc = this.isGrad ? GRAD_COLORS : AXPY_COLORS;
    const NC = pc.colors;
    const rq = machine.routerQueueWavelets;
    const cq = machine.coreQueueWavelets;
    const { colK, colN, colStart, nseq } = this.columnTables();
    const rowB = new Uint32Array(Ru);
    for (let r = 0; r < Ru; r++) rowB[r] = mapping.bStarts[r + 1] - mapping.bStarts[r];
    const node = nodeLayout(NC, rq, cq);
    this.node = node;
    const wheel = wheelSlots(mapping, machine);
    // per-column data (rows of B floats), 16-byte aligned
    const B = mapping.shape.B;
    this.colOff = new Float64Array(Cu + 1);
    for (let c = 0; c < Cu; c++) this.colOff[c + 1] = this.colOff[c] + Math.ceil((columnRows(mapping, machine, c) * B) / 4) * 16;
    let streamWords = 0;
    for (const w of streams.words) streamWords += this.window ? this.window : w.length;
    const sinkWords = this.isGrad ? streams.nnz.reduce((s, z) => s + z, 0) : 0;
    const bands = tableBands(Cu, this.threads, this.skew);
    this.tableBands = bands;
    this.skewParts = this.skew ? skewParts(bands, this.threads, this.skew) : 1;
    const plan = simPlan(mapping, machine, streamWords, sinkWords, wheel, this.colOff[Cu], bands);
    const frontWords = this.skew ? skewFrontWords(bands, this.skewParts, this.skew.tile) : 0;
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
    this.writeNodes(pc);
    this.writeInputs(inputs, colK, colN, progress);
    this.writeStreams();
    writeConfigBlock(w.u32(p.config, CFG_SLOTS), {
      mapping, machine, node, regions: p, colors: NC, nseq, wheel, window: this.window, waitForRefill: this.window > 0 && this.threads > 1,
    });
    if (w.exports.fabricInit(p.config) !== 0) throw new Error('fabric: the wasm module rejected the config block');
    this.balance = this.threads > 1 && !this.skew ? resolveBalance(o.balance, this.threads, Ru * Cu) : null;
    if (bands > 1) writeBandTable((ptr, len) => w.u32(ptr, len), p, bands, Cu, o.spins ?? defaultSpins(this.threads), frontWords, this.balance ?? undefined);
    if (this.skew && this.threads === 1) w.exports.fabricSkewSetup(p.bandTable);
  }

  /** Each node record's routes and its core's data pointer. */
  private writeNodes(pc: PassColors): void {
    const { usedRows: Ru, usedCols: Cu, bStarts } = this.mapping;
    const { wasm: w, p, node } = this;
    const bytes = w.u8(p.nodes, Ru * Cu * node.bytes);
    const words = w.u32(p.nodes, (Ru * Cu * node.bytes) >>> 2);
    for (let r = 0; r < Ru; r++) {
      for (let c = 0; c < Cu; c++) {
        const i = c * Ru + r;
        const base = i * node.bytes + node.oRoute;
        pc.routes(r, c, Ru, Cu, (color, inDir, out) => { bytes[base + color * 5 + inDir] = out; });
        writeOuts(bytes, i * node.bytes, node.oRoute, pc.colors);
        words[((i * node.bytes) >>> 2) + F.DATA] = p.data + this.colOff[c] + 4 * bStarts[r];
      }
    }
  }

  /** Each column's weight stream (the injector's words: whole, or its window's first words) and its sink's place (gradient). */
  private writeStreams(): void {
    const Cu = this.mapping.usedCols;
    const { wasm: w, p, streams, window } = this;
    let sp = p.streams;
    let kp = p.sinks;
    const injPtr = w.u32(p.injPtr, Cu);
    const injLen = w.u32(p.injLen, Cu);
    const injFill = w.u32(p.injFill, Cu);
    const sinkPtr = w.u32(p.sinkPtr, Cu);
    for (let c = 0; c < Cu; c++) {
      const s = streams.words[c];
      if (!window) w.u32(sp, s.length).set(s);
      injPtr[c] = sp;
      injLen[c] = s.length;
      injFill[c] = window ? 0 : s.length;
      sp += 4 * (window || s.length);
      sinkPtr[c] = kp;
      if (this.isGrad) kp += 4 * streams.nnz[c];
    }
    this.refill();
  }

  /** Windowed streams: each column's ring refilled (stream-window.ts). */
  private refill(): void {
    const { p, window } = this;
    if (window) refillWindows(this.wasm.memory, { injPtr: p.injPtr, injPos: p.injPos, injFill: p.injFill }, this.streams.words, window);
  }

  /** Per-column tables of the pass: input features (colK), N features (colN), output block starts, outputs. */
  private columnTables() {
    const { pass, usedCols: Cu, kStarts, nStarts, shape } = this.mapping;
    const colK = new Uint32Array(Cu);
    const colN = new Uint32Array(Cu);
    for (let c = 0; c < Cu; c++) {
      const kc = kStarts[c + 1] - kStarts[c];
      const nc = nStarts[c + 1] - nStarts[c];
      colK[c] = pass === 'delta' ? nc : kc;
      colN[c] = pass === 'delta' ? kc : nc;
    }
    const colStart = pass === 'forward' ? nStarts : kStarts;
    const nseq = pass === 'forward' ? shape.N : shape.K;
    return { colK, colN, colStart, nseq };
  }

  /** Copies each column's feature rows of the inputs (whole batch: the column's cores side by side). */
  private writeInputs(inputs: PassInputs, colK: Uint32Array, colN: Uint32Array, progress?: (fraction: number) => void): void {
    const { usedCols: Cu, kStarts, nStarts, shape, pass } = this.mapping;
    const B = shape.B;
    const inStarts = pass === 'delta' ? nStarts : kStarts;
    for (let c = 0; c < Cu; c++) {
      if ((c & 15) === 0) progress?.(c / Cu);
      const base = this.p.data + this.colOff[c];
      this.writeValues(inputs.a, base, colK[c] * B, inStarts[c] * B);
      if (this.isGrad) this.writeValues(inputs.b!, base + 4 * colK[c] * B, colN[c] * B, nStarts[c] * B);
    }
  }

  /** Values first .. first + n − 1 of `v` at byte `ptr`: seeded ones by the module's SIMD fill (assembly/fabric/seeded.ts). */
  private writeValues(v: Values, ptr: number, n: number, first: number): void {
    if (v instanceof Float32Array) valuesInto(v, this.wasm.f32(ptr, n), first);
    else this.wasm.exports.fabricFillSeeded(ptr, n, v.seed >>> 0, first % 2 ** 32);
  }

  /** Runs the mesh until it goes quiet; throws if it stops with work left (a deadlock) or runs past maxCycles. */
  run(opts: RunProgress = {}): void {
    let chunk = opts.chunkCycles ?? 1000;
    const limit = opts.maxCycles ?? Infinity;
    const ex = this.wasm.exports;
    for (;;) {
      const t0 = performance.now();
      if (this.window) {
        chunk = Math.min(chunk, this.window); // a column takes one word a cycle at most: the refilled ring lasts the chunk
        this.refill();
      }
      const status = this.skew ? ex.fabricSkewRun(chunk, this.skew.block, this.skew.tile) : this.runChunk(chunk);
      if (opts.chunkCycles === undefined) chunk = nextChunk(chunk, (performance.now() - t0) / 1000);
      const now = ex.fabricNow() >>> 0;
      opts.onProgress?.(now);
      if (status === 0) break;
      if (now > limit) throw new Error(`fabric: the simulation passed ${limit} cycles without finishing (deadlock or a far too small limit)`);
    }
    this.checkFinished();
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
      skew: sk ? { parts: this.skewParts, tableBands: this.tableBands, block: sk.block, tile: sk.tile } : undefined,
      refill: this.window ? () => this.refill() : undefined, refillMs: refillPeriodMs(this.window),
    });
    if (t.status === 1) throw new Error('fabric: the wasm module rejected the config block');
    if (t.status === 2) throw new Error(`fabric: the simulation passed ${limit} cycles without finishing (deadlock or a far too small limit)`);
    this.checkFinished();
    return t.seconds;
  }

  /** After the mesh went quiet: every stream consumed and every core at the end of its program. */
  private checkFinished(): void {
    const { usedRows: Ru, usedCols: Cu } = this.mapping;
    const w = this.wasm;
    const injPos = w.u32(this.p.injPos, Cu);
    for (let c = 0; c < Cu; c++) {
      if (injPos[c] !== this.streams.words[c].length) throw new Error(`fabric: deadlock: column ${c} consumed ${injPos[c]} of ${this.streams.words[c].length} stream words`);
    }
    const nseq = this.columnTables().nseq;
    const nw = this.node.bytes >>> 2;
    const core = w.u32(this.p.nodes, Ru * Cu * nw);
    for (let i = 0; i < Ru * Cu; i++) {
      const seq = core[i * nw + F.SEQ];
      const ok = this.isGrad ? seq === nseq && core[i * nw + F.GR_FIFO_COUNT] === 0 : seq === nseq && core[i * nw + F.AX_FREED] === nseq;
      if (!ok) throw new Error(`fabric: deadlock: core (${i % Ru}, ${Math.floor(i / Ru)}) stopped at row ${seq} of ${nseq}`);
    }
    if (this.isGrad) {
      const sinkPos = w.u32(this.p.sinkPos, Cu);
      for (let c = 0; c < Cu; c++) {
        if (sinkPos[c] !== this.streams.nnz[c]) throw new Error(`fabric: column ${c} sent ${sinkPos[c]} of ${this.streams.nnz[c]} gradients out`);
      }
    }
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
    const { usedRows: Ru, usedCols: Cu } = this.mapping;
    const nw = this.node.bytes >>> 2;
    const words = this.wasm.u32(this.p.nodes, Ru * Cu * nw);
    const out = new Uint32Array(Ru * Cu * 4);
    for (let r = 0; r < Ru; r++) {
      for (let c = 0; c < Cu; c++) {
        const at = (c * Ru + r) * nw + this.node.oCstats / 4;
        out.set(words.subarray(at, at + 4), (r * Cu + c) * 4);
      }
    }
    return out;
  }

  /** Hands the memory to the next run (spare-memory.ts): call once nothing reads this simulator any more. */
  release(): void {
    giveBackMemory(this.wasm.memory, this.wasm.arena.mark());
  }

  /** The pass's result: Yt [N, B] (forward), dXt [K, B] (delta), g [nnz] in stream order (gradient). */
  output(): Float32Array {
    const { usedRows: Ru, usedCols: Cu, bStarts, kStarts, nStarts, shape, pass } = this.mapping;
    const w = this.wasm;
    if (this.isGrad) {
      const total = this.streams.nnz.reduce((s, z) => s + z, 0);
      const g = new Float32Array(total);
      const sinkPtr = w.u32(this.p.sinkPtr, Cu);
      for (let c = 0; c < Cu; c++) {
        const vals = w.f32(sinkPtr[c], this.streams.nnz[c]);
        const order = this.streams.order![c];
        for (let j = 0; j < vals.length; j++) g[order[j]] = vals[j];
      }
      return g;
    }
    const B = shape.B;
    const outStarts = pass === 'forward' ? nStarts : kStarts;
    const outLen = pass === 'forward' ? shape.N : shape.K;
    const { colK } = this.columnTables();
    const y = new Float32Array(outLen * B);
    const A = this.machine.accumulatorBuffers;
    for (let c = 0; c < Cu; c++) {
      const own = outStarts[c + 1] - outStarts[c];
      const at = this.p.data + this.colOff[c] + 4 * (colK[c] + A) * B;
      y.set(w.f32(at, own * B), outStarts[c] * B);
    }
    return y;
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
