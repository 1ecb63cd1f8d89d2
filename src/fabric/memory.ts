// The fabric run's memory, in closed form before anything is allocated: the simulator's WebAssembly
// memory (the byte plan sim.ts lays out: node records, active sets, tables, streams, column data) and
// the host's arrays (weights, column streams, activations, output, the check's reference); a run whose
// total exceeds the machine's available memory, or whose WebAssembly memory exceeds 4 GiB, is refused
// with one line naming the mesh and the bytes.
//
// Legend: B, K, N = batch, input and output features; Ru x Cu = used rows x columns; nnz = non-zero
// weights; NC = colors of the pass; a node = one core and its router.
import { freemem, totalmem } from 'node:os';
import { CapacityError, ValidationError, requireInt } from '../errors.js';
import type { FabricCheck } from './check.js';
import type { FabricMachine } from './defaults.js';
import { CFG_SLOTS, MemoryPlan, ROUTE, STAT_WORDS, passColors, passNodeLayout } from './layout.js';
import type { FabricMapping } from './mapping.js';
import { addBandRegions } from './bands.js';
import { ROW_CHUNK_WORDS } from './layer-weights.js';
import { seededHeld } from './seeded-weights.js';
import { isStreamWindow } from './stream-window.js';

/** The WebAssembly memory's hard limit (wasm32) less a margin for the module's own data. */
export const WASM_LIMIT_BYTES = 4 * 2 ** 30 - (64 << 20);

export interface FabricMemory {
  /** Bytes of the simulator's WebAssembly memory (its plan plus 1 MiB for the module's own data). */
  wasmBytes: number;
  /** Bytes of the host's arrays (weights, column streams, inputs, output, the check). */
  hostBytes: number;
  /** Of the host's bytes, those the reference check needs (0 with the check off). */
  checkBytes: number;
  totalBytes: number;
  /** Bytes of simulator state per used core (its node record and its bits in four active sets). */
  stateBytesPerCore: number;
  /** The simulator's memory over the used cores (state plus the core's share of data and streams). */
  wasmBytesPerCore: number;
}

/** Words of the column streams of a pass (sizes only: streams.ts writes them). */
export function streamWordCount(m: FabricMapping, nnz: number): { stream: number; sink: number } {
  const { pass, usedCols: Cu, shape } = m;
  if (pass === 'forward') return { stream: Cu * shape.N + 2 * nnz, sink: 0 };
  if (pass === 'delta') return { stream: Cu * shape.K + 2 * nnz, sink: 0 };
  return { stream: Cu * shape.K + nnz, sink: nnz };
}

/** Float rows of B of column c's data: in | acc | out (forward, delta) or X | dY | xb | fifo (gradient). */
export function columnRows(m: FabricMapping, machine: FabricMachine, c: number): number {
  const kc = m.kStarts[c + 1] - m.kStarts[c];
  const nc = m.nStarts[c + 1] - m.nStarts[c];
  if (m.pass === 'gradient') return kc + nc + 1 + machine.partialFifoDepth;
  const [inN, outN] = m.pass === 'forward' ? [kc, nc] : [nc, kc];
  return inN + machine.accumulatorBuffers + outN;
}

/** The simulator's byte plan (regions in order) for a mapping, its stream sizes and its timing wheel. */
export function simPlan(m: FabricMapping, machine: FabricMachine, streamWords: number, sinkWords: number, wheel: number, dataBytes: number, threads = 1): MemoryPlan {
  const { usedRows: Ru, usedCols: Cu } = m;
  const pc = passColors(m.pass);
  const NC = pc.colors;
  const cores = Ru * Cu;
  const node = passNodeLayout(pc, machine);
  const l1Words = Math.ceil(cores / 32);
  const bitmapBytes = 4 * (l1Words + Math.ceil(l1Words / 32)) + 64;
  const plan = new MemoryPlan()
    .add('config', 4 * CFG_SLOTS)
    .add('stats', 8 * STAT_WORDS)
    .add('nodes', cores * node.bytes, 64)
    .add('routes', ROUTE.CLASSES * ROUTE.CLASS_BYTES, 64)
    .add('wheel', wheel * 4)
    // active sets of cores and routers: two-level bitmaps (a bit per node, a bit per 32-node word)
    .add('listC0', bitmapBytes).add('listC1', bitmapBytes)
    .add('listR0', bitmapBytes).add('listR1', bitmapBytes)
    .add('listI0', Cu * 4 + 64).add('listI1', Cu * 4 + 64).add('imark', Cu * 4)
    .add('colorCh', NC)
    .add('rowB', Ru * 4).add('colK', Cu * 4).add('colN', Cu * 4).add('colStart', (Cu + 1) * 4)
    .add('injPtr', Cu * 4).add('injLen', Cu * 4).add('injPos', Cu * 4).add('injFill', Cu * 4)
    .add('sinkPtr', Cu * 4).add('sinkPos', Cu * 4)
    .add('streams', streamWords * 4)
    .add('sinks', sinkWords * 4)
    .add('data', dataBytes + 16, 64);
  return addBandRegions(plan, threads, Cu, bitmapBytes, wheel);
}

/** Bytes of the data region: each column's rows of B floats, 16-byte aligned. */
export function dataBytes(m: FabricMapping, machine: FabricMachine): number {
  let bytes = 0;
  for (let c = 0; c < m.usedCols; c++) bytes += Math.ceil((columnRows(m, machine, c) * m.shape.B) / 4) * 16;
  return bytes;
}

/** The timing wheel's slots: a power of two above the longest task. */
export function wheelSlots(m: FabricMapping, machine: FabricMachine): number {
  let maxBs = 0;
  for (let r = 0; r < m.usedRows; r++) maxBs = Math.max(maxBs, m.bStarts[r + 1] - m.bStarts[r]);
  return 2 ** Math.ceil(Math.log2(Math.max(16, Math.ceil(maxBs / machine.fmacsPerCycle) + 2)));
}

/** Words of a column's stream window where the whole streams do not fit the WebAssembly memory (64 KB a column). */
export const STREAM_WINDOW_WORDS = 2 ** 14;

/**
 * The stream window of a run (sim.ts; 0 = the whole streams in the simulator's memory): 'auto' (default)
 * windows the streams only where the whole ones would put the memory past WASM_LIMIT_BYTES; a number is a
 * window of that many words a column (a power of two, 16 at least), or 0.
 */
export function resolveStreamWindow(want: number | 'auto' | undefined, m: FabricMapping, machine: FabricMachine, nnz: number, threads = 1): number {
  if (want === undefined || want === 'auto') {
    const words = streamWordCount(m, nnz);
    const whole = simPlan(m, machine, words.stream, words.sink, wheelSlots(m, machine), dataBytes(m, machine), threads).totalBytes + (1 << 20);
    return whole > WASM_LIMIT_BYTES ? STREAM_WINDOW_WORDS : 0;
  }
  const w = requireInt('streamWindow', want, 0);
  if (!isStreamWindow(w)) throw new ValidationError('streamWindow', w, "expected 'auto', 0 (whole streams) or a power of two of 16 words or more");
  const rings = 4 * m.usedCols * w; // a window's ring a used column, in the simulator's memory
  if (rings > WASM_LIMIT_BYTES) {
    throw new ValidationError('streamWindow', w, `expected a window whose rings fit the 4 GiB WebAssembly memory (${m.usedCols} columns x ${w} words x 4 bytes = ${(rings / 1e9).toFixed(2)} GB; the streams have ${streamWordCount(m, nnz).stream} words in all)`);
  }
  return w;
}

/** The whole run's memory; `generated` = the weights and activations are made here (not the caller's); `window` = words of a column's stream window (0: whole streams). */
export function fabricMemory(m: FabricMapping, machine: FabricMachine, nnz: number, check: FabricCheck, generated = true, threads = 1, window = 0): FabricMemory {
  const { usedRows: Ru, usedCols: Cu, shape, mesh, pass } = m;
  const { B, K, N } = shape;
  const words = streamWordCount(m, nnz);
  const wasmStream = window ? Cu * window : words.stream;
  const plan = simPlan(m, machine, wasmStream, words.sink, wheelSlots(m, machine), dataBytes(m, machine), threads);
  const wasmBytes = plan.totalBytes + (1 << 20);
  const cores = Ru * Cu;
  const nodes = plan.regions.find((r) => r.name === 'nodes')!.bytes;
  const outLen = pass === 'gradient' ? nnz : (pass === 'forward' ? N : K) * B;
  // a seeded layer is held whole where it fits one WebAssembly memory, else made by ranges of rows (layer-weights.ts)
  const held = !generated || seededHeld(K, nnz);
  const reader = 4 * ROW_CHUNK_WORDS; // a module's buffer of rows, where the layer is made again by rows
  const weights = generated ? (held ? 4 * (K + 2 * nnz) : reader) : 0;
  const actBytes = 4 * B * ((pass !== 'delta' ? K : 0) + (pass !== 'forward' ? N : 0));
  const acts = generated ? actBytes : 0;
  const order = pass === 'gradient' ? 4 * nnz : 0;
  // the check (check.ts): its own reader where the layer is not held; the reference and its bound over every output
  // (full) or a sample, with the inputs beside their absolute values
  const checkBytes = check === 'off' ? 0 : (held ? 0 : reader) + (check === 'full' ? 2 * 4 * outLen + 2 * actBytes : 1 << 20);
  const hostBytes = weights + acts + 4 * words.stream + order + 4 * outLen + checkBytes + 4 * mesh.rows * mesh.cols + 16 * cores;
  return {
    wasmBytes, hostBytes, checkBytes, totalBytes: wasmBytes + hostBytes,
    stateBytesPerCore: nodes / cores + 4 * 4 / 32,
    wasmBytesPerCore: wasmBytes / cores,
  };
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

/**
 * Refuses a run past the WebAssembly limit or the machine's available memory (the smaller of free
 * memory and a cgroup limit), before anything is allocated.
 */
export function checkFabricMemory(m: FabricMapping, mem: FabricMemory, limit?: number): void {
  // the caller's memoryLimitBytes, else what this machine has free (NaN or a string was taken as no limit)
  const given = limit !== undefined;
  if (given && !(typeof limit === 'number' && limit >= 0)) throw new ValidationError('memoryLimitBytes', limit, 'expected a number of bytes >= 0 (Infinity: no limit)');
  const available = given ? limit : availableMemory();
  const what = `the ${m.pass} pass of B=${m.shape.B} K=${m.shape.K} N=${m.shape.N} on a ${m.mesh.rows}x${m.mesh.cols} mesh (${m.usedRows}x${m.usedCols} used)`;
  if (mem.wasmBytes > WASM_LIMIT_BYTES) {
    throw new CapacityError(`fabric: ${what} needs ${mem.wasmBytes} bytes (${gb(mem.wasmBytes)}) of WebAssembly memory, over its 4 GiB limit: use a smaller layer or mesh`);
  }
  if (mem.totalBytes > available) {
    throw new CapacityError(
      `fabric: ${what} needs about ${mem.totalBytes} bytes (${gb(mem.totalBytes)}: ${gb(mem.wasmBytes)} simulator, ${gb(mem.hostBytes)} host), ` +
      `over the ${available} bytes (${gb(available)}) ${given ? 'of memoryLimitBytes' : 'of memory available on this machine'}: use a smaller layer or mesh${mem.checkBytes > 0 ? `, or --check off (${gb(mem.checkBytes)} of it)` : ''}`,
    );
  }
}

/** Bytes this process may still allocate: free memory, capped by a cgroup limit where one is set. */
export function availableMemory(): number {
  const free = freemem();
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const capped = limit && limit > 0 && limit < totalmem() ? limit - process.memoryUsage().rss : Infinity;
  return Math.min(free, capped);
}
