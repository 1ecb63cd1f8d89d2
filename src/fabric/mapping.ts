// The mapping of one layer's pass onto the mesh (weight streaming: activations stay, weights flow):
// batch split over rows, features split over columns, both in contiguous blocks; the non-zero weights
// of each column's feature slice enter at its north edge and are multicast down the column; partial
// sums are reduced along rows (forward, delta) or down columns (gradient). Picture: docs/fabric.md.
//
// Legend: B = batch, K = input features, N = output features; R x C = the mesh, Ru x Cu = the part the
// mapping uses (Ru = min(R, B), Cu = min(C, max(K, N))); Bs = a row's batch slice; Kc, Nc = a column's
// K and N feature slices. Block i of n items over p parts is [floor(i·n/p), floor((i+1)·n/p)).
import { CapacityError, requireInt, requireObject, requireOneOf } from '../errors.js';
import type { FabricMachine } from './defaults.js';

export type FabricPass = 'forward' | 'delta' | 'gradient';
export const FABRIC_PASSES: readonly FabricPass[] = ['forward', 'delta', 'gradient'];

export interface LayerShape {
  /** Batch (samples). */
  B: number;
  /** Input features. */
  K: number;
  /** Output features. */
  N: number;
}

export interface MeshShape {
  rows: number;
  cols: number;
}

export interface FabricMapping {
  pass: FabricPass;
  shape: LayerShape;
  mesh: MeshShape;
  usedRows: number;
  usedCols: number;
  /** Batch block starts over the used rows (usedRows + 1). */
  bStarts: Uint32Array;
  /** K feature block starts over the used columns (usedCols + 1). */
  kStarts: Uint32Array;
  /** N feature block starts over the used columns (usedCols + 1). */
  nStarts: Uint32Array;
  /** Bytes of data of the fullest core and its position. */
  maxCoreBytes: number;
  maxCore: { row: number; col: number };
  /** Data bytes over all used cores. */
  totalCoreBytes: number;
}

/** Starts of `parts` contiguous blocks of `n` items (length parts + 1). */
export function blockStarts(n: number, parts: number): Uint32Array {
  const s = new Uint32Array(parts + 1);
  for (let i = 0; i <= parts; i++) s[i] = Math.floor((i * n) / parts);
  return s;
}

/** What a core holds in a pass, in f32 elements, given its slices (see the core programs in assembly/fabric). */
export function coreElements(pass: FabricPass, bs: number, kc: number, nc: number, m: FabricMachine): { total: number; parts: string } {
  if (pass === 'gradient') {
    const total = bs * (kc + nc + 1) + m.partialFifoDepth;
    return { total, parts: `X slice ${kc}x${bs} + dY slice ${nc}x${bs} + broadcast row ${bs} + ${m.partialFifoDepth} partials` };
  }
  const [inName, inN, outName, outN] = pass === 'forward' ? ['X', kc, 'Y', nc] : ['dY', nc, 'dX', kc];
  const total = bs * (inN + m.accumulatorBuffers + outN);
  return { total, parts: `${inName} slice ${inN}x${bs} + ${m.accumulatorBuffers} accumulators of ${bs} + ${outName} slice ${outN}x${bs}` };
}

/** Maps a pass of a layer onto a mesh; throws CapacityError when a core's data exceed its SRAM. */
export function mapLayer(shape: LayerShape, mesh: MeshShape, pass: FabricPass, m: FabricMachine): FabricMapping {
  requireInt('batch', requireObject('shape', shape).B, 1);
  requireInt('in', shape.K, 1);
  requireInt('out', shape.N, 1);
  requireInt('rows', requireObject('mesh', mesh).rows, 1);
  requireInt('cols', mesh.cols, 1);
  requireOneOf('pass', pass, FABRIC_PASSES);
  const usedRows = Math.min(mesh.rows, shape.B);
  const usedCols = Math.min(mesh.cols, Math.max(shape.K, shape.N));
  const bStarts = blockStarts(shape.B, usedRows);
  const kStarts = blockStarts(shape.K, usedCols);
  const nStarts = blockStarts(shape.N, usedCols);
  let maxBs = 0;
  let maxRow = 0;
  for (let r = 0; r < usedRows; r++) if (bStarts[r + 1] - bStarts[r] > maxBs) [maxBs, maxRow] = [bStarts[r + 1] - bStarts[r], r];
  let maxCol = 0;
  let maxEl = -1;
  let totalEl = 0;
  for (let c = 0; c < usedCols; c++) {
    const kc = kStarts[c + 1] - kStarts[c];
    const nc = nStarts[c + 1] - nStarts[c];
    const el = coreElements(pass, maxBs, kc, nc, m).total;
    if (el > maxEl) [maxEl, maxCol] = [el, c];
    for (let r = 0; r < usedRows; r++) totalEl += coreElements(pass, bStarts[r + 1] - bStarts[r], kc, nc, m).total;
  }
  const maxCoreBytes = 4 * maxEl;
  if (maxCoreBytes > m.coreSramBytes) {
    const kc = kStarts[maxCol + 1] - kStarts[maxCol];
    const nc = nStarts[maxCol + 1] - nStarts[maxCol];
    const what = coreElements(pass, maxBs, kc, nc, m).parts;
    throw new CapacityError(
      `fabric: the ${pass} pass of B=${shape.B} K=${shape.K} N=${shape.N} does not fit a ${mesh.rows}x${mesh.cols} mesh: ` +
      `core (${maxRow}, ${maxCol}) needs ${maxCoreBytes} bytes (${what}, f32) but has ${m.coreSramBytes}: ` +
      `over by ${maxCoreBytes - m.coreSramBytes} bytes; use more rows or columns, or a smaller batch`,
    );
  }
  return {
    pass, shape, mesh, usedRows, usedCols, bStarts, kStarts, nStarts,
    maxCoreBytes, maxCore: { row: maxRow, col: maxCol }, totalCoreBytes: 4 * totalEl,
  };
}
