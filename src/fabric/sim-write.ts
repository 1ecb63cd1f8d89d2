// What a simulator writes into its memory before cycle 0 (sim.ts's FabricSim calls these once): the pass's
// per-column tables, each node record's routes and data pointer, the per-column inputs and the column
// streams (whole, or the first words of each window). The layout of every region is memory.ts's plan.
//
// Legend: B, K, N = batch, input and output features; Ru x Cu = used rows x columns; Bs = a row's batch slice;
// node id = c·Ru + r (column-major). A column's data are rows of B floats (feature-major, the whole batch:
// X [Kc, B] | acc [A, B] | out [No, B], or X | dY | xb | fifo for the gradient); core (r, c)'s slice of each row
// starts at b0 = bStarts[r], so its data pointer is the column base + 4·b0. Each core still owns only its Bs
// floats of every row (the 48 KB check is per core, in mapping.ts).
import type { Wasm } from '../wasm/module.js';
import type { FabricMachine } from './defaults.js';
import type { FabricMapping } from './mapping.js';
import type { ColumnStreams } from './streams.js';
import { F, H, ROUTE, outsOf, routeClasses, type NodeLayout, type PassColors } from './layout.js';
import { valuesInto, type Values } from './weights.js';
import { refillWindows } from './stream-window.js';

/** Inputs of a pass: `a` = Xt (forward, gradient) or dYt (delta); `b` = dYt (gradient); seeded ones are made in place. */
export interface PassInputs {
  a: Values;
  b?: Values;
}

/** The module's export these writers call (assembly/fabric/seeded.ts). */
export interface SeededFill {
  fabricFillSeeded(out: number, n: number, seed: number, firstLow: number): void;
}

/** One simulator's memory as the writers (here) and readers (sim-read.ts) see it. */
export interface SimView {
  wasm: Wasm<SeededFill>;
  /** Byte address of each region of the plan (memory.ts), by name. */
  p: Record<string, number>;
  mapping: FabricMapping;
  machine: FabricMachine;
  streams: ColumnStreams;
  node: NodeLayout;
  /** Byte offset of each column's data from the data region (Cu + 1). */
  colOff: Float64Array;
  isGrad: boolean;
  /** Words of each column's stream window (0: whole streams). */
  window: number;
  /** The pass's per-column tables (columnTables), made once. */
  tables: ColumnTables;
}

/** Per-column tables of a pass: input features (colK), N features (colN), output block starts (colStart), outputs (nseq). */
export type ColumnTables = ReturnType<typeof columnTables>;

/** Per-column tables of the pass: input features (colK), N features (colN), output block starts, outputs. */
export function columnTables(mapping: FabricMapping) {
  const { pass, usedCols: Cu, kStarts, nStarts, shape } = mapping;
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

/** The route table, each node record's route class and OUTS, and its core's data pointer. */
export function writeNodes(v: SimView, pc: PassColors): void {
  const { usedRows: Ru, usedCols: Cu, bStarts } = v.mapping;
  const { wasm: w, p, node } = v;
  const bytes = w.u8(p.nodes, Ru * Cu * node.bytes);
  const words = w.u32(p.nodes, (Ru * Cu * node.bytes) >>> 2);
  const { table, rows, classOf } = routeClasses(pc, Ru, Cu);
  w.u8(p.routes, table.length).set(table);
  const outs = Array.from({ length: rows }, (_, k) => outsOf(table.subarray(k * ROUTE.CLASS_BYTES), pc.colors));
  for (let c = 0; c < Cu; c++) {
    for (let r = 0; r < Ru; r++) {
      const i = c * Ru + r;
      const rec = i * node.bytes;
      bytes[rec + H.RCLASS] = classOf[i];
      bytes.set(outs[classOf[i]], rec + H.OUTS);
      words[(rec >>> 2) + F.DATA] = p.data + v.colOff[c] + 4 * bStarts[r];
    }
  }
}

/** Each column's weight stream (the injector's words: whole, or its window's first words) and its sink's place (gradient). */
export function writeStreams(v: SimView): void {
  const Cu = v.mapping.usedCols;
  const { wasm: w, p, streams, window } = v;
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
    if (v.isGrad) kp += 4 * streams.nnz[c];
  }
  refill(v);
}

/** Windowed streams: each column's ring refilled (stream-window.ts). */
export function refill(v: SimView): void {
  const { p, window } = v;
  if (window) refillWindows(v.wasm.memory, { injPtr: p.injPtr, injPos: p.injPos, injFill: p.injFill }, v.streams.words, window);
}

/** Copies each column's feature rows of the inputs (whole batch: the column's cores side by side). */
export function writeInputs(v: SimView, inputs: PassInputs, progress?: (fraction: number) => void): void {
  const { usedCols: Cu, kStarts, nStarts, shape, pass } = v.mapping;
  const { colK, colN } = v.tables;
  const B = shape.B;
  const inStarts = pass === 'delta' ? nStarts : kStarts;
  for (let c = 0; c < Cu; c++) {
    if ((c & 15) === 0) progress?.(c / Cu);
    const base = v.p.data + v.colOff[c];
    writeValues(v, inputs.a, base, colK[c] * B, inStarts[c] * B);
    if (v.isGrad) writeValues(v, inputs.b!, base + 4 * colK[c] * B, colN[c] * B, nStarts[c] * B);
  }
}

/** Values first .. first + n − 1 of `x` at byte `ptr`: seeded ones by the module's SIMD fill (assembly/fabric/seeded.ts). */
function writeValues(v: SimView, x: Values, ptr: number, n: number, first: number): void {
  if (x instanceof Float32Array) valuesInto(x, v.wasm.f32(ptr, n), first);
  else v.wasm.exports.fabricFillSeeded(ptr, n, x.seed >>> 0, first % 2 ** 32);
}
