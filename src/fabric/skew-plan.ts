// The skewed order's shape and when a run takes it (assembly/fabric/skew.ts runs it; docs/fabric.md, "The
// skewed order"): bands of columns, blocks of cycles, tiles of keys; 'auto' past SKEW_AUTO_NODE_BYTES of
// node records; refused under a shared edge cap and with fewer bands than threads.
import { ValidationError, requireInt, requireObject } from '../errors.js';
import type { FabricMachine } from './defaults.js';
import { passColors, passNodeLayout } from './layout.js';
import type { FabricMapping } from './mapping.js';

/**
 * A skewed run's shape: bands of `bandCols` columns, blocks of `block` cycles, tiles of `tile` keys (tile/2
 * bands a cycle). On threads, `split` says how the threads share it: `parts` (default), `partsPerThread` parts
 * of consecutive bands a thread (default PARTS_PER_THREAD), dealt out in turn (assembly/fabric/skew-threads.ts);
 * or `blocks`, block b on thread b mod P, each over the whole mesh, a tile once the block before is done below
 * its keys (assembly/fabric/skew-pipe.ts; no skips of empty cycles).
 */
export interface SkewPlan {
  bandCols: number;
  block: number;
  tile: number;
  partsPerThread?: number;
  /** On threads: parts of the bands (default) or blocks of cycles. */
  split?: SkewSplit;
}

/** How threads share a skewed run: parts of the bands, or blocks of cycles. */
export type SkewSplit = 'parts' | 'blocks';

/**
 * Parts a thread on threads (assembly/fabric/skew.ts deals them out in turn). A layer's work sweeps across the
 * columns, so one part a thread leaves a thread idle while the other's half is busy: on the 250x212 sparse 0.9
 * layer the west and east halves' work differs up to 10x over a hundred cycles, and two halves bound two threads
 * at 1.28x; sixteen parts a thread keep each thread's share within a few percent (docs/fabric.md).
 */
export const PARTS_PER_THREAD = 8;
/** Bands a part at least, past one part a thread (a part's boundary units wait on the neighbour's). */
export const PART_MIN_BANDS = 4;

/**
 * The parts of `bands` bands on `threads` threads (bands >= threads): one on one thread; a plan's
 * partsPerThread a thread, parts of one band at least; by default PARTS_PER_THREAD a thread, each
 * PART_MIN_BANDS bands wide at least, and one a thread at least.
 */
export function skewParts(bands: number, threads: number, plan: SkewPlan): number {
  if (threads <= 1) return 1;
  if (plan.split === 'blocks') return threads; // each thread's block is the whole mesh; part i's first band holds its counters
  if (plan.partsPerThread !== undefined) return Math.min(bands, threads * plan.partsPerThread);
  return Math.max(threads, Math.min(threads * PARTS_PER_THREAD, Math.floor(bands / PART_MIN_BANDS)));
}

/**
 * Words of a part's tile frontiers (assembly/fabric/skew.ts: one a cycle of a tile): a tile of `tile` keys over a
 * part of n bands meets at most (tile + 2n) / 6 + 2 cycles; the widest part of `parts` over `bands` has ceil(bands / parts).
 */
export function skewFrontWords(bands: number, parts: number, plan: SkewPlan): number {
  const widest = plan.split === 'blocks' ? bands : Math.ceil(bands / parts);
  return Math.floor((plan.tile + 2 * widest) / 6) + 3;
}

/** Bands of a skewed run over Cu columns (at least 2: one band is loop.ts's order). */
export function skewBands(Cu: number, plan: SkewPlan): number {
  return Math.min(Cu, Math.max(2, Math.ceil(Cu / plan.bandCols)));
}

/** Bands in a run's band table: the skewed order's bands, else one a thread (1: no table). */
export function tableBands(Cu: number, threads: number, skew: SkewPlan | null): number {
  return skew ? skewBands(Cu, skew) : threads;
}

/** The skewed order's default shape (picked from single runs on 500x425, the size the full wafer was measured with; docs/fabric.md) and the node records past which 'auto' takes it. */
export const DEFAULT_SKEW: SkewPlan = { bandCols: 1, block: 128, tile: 24 };
export const SKEW_AUTO_NODE_BYTES = 8 << 20;

/**
 * The skewed order's shape on threads split by blocks (skew-pipe.ts): blocks of 8 cycles, so that the blocks in
 * flight overlap on meshes of a few hundred bands (a block's keys span 6 block + 2 bands; docs/fabric.md). Full
 * wafer, 2 threads, one run each (2026-12-07): blocks of 4, 8, 16 and 128 cycles 93.3, 92.9, 97.1 s; 500x425:
 * 16 cycles 1.82x one thread, 48 1.27x.
 */
export const DEFAULT_SKEW_BLOCKS: SkewPlan = { bandCols: 1, block: 8, tile: 24, split: 'blocks' };

/**
 * Node records past which 'auto' (and `skew: true`) splits the skewed order on threads by blocks of cycles, not
 * parts of the bands. Measured on 2 cores, sparse 0.9 wafer-shaped layers, 2 threads against one in the skewed
 * order: with parts, 250x212 (20 MB) 1.75-1.88x, 500x425 (82 MB) 0.91-1.46x over five sessions, 1000x850
 * (327 MB) 0.84-1.05x; by blocks (2026-12-07, blocks of 4 to 128 cycles), 250x212 1.09-1.57x, 500x425 1.27-1.96x,
 * 1000x850 1.46-1.52x (93-97 s against 142 s). Parts that small are mostly boundary, so a part's turns are short (14-33 units)
 * and its records leave the cache between them; a block hands each band to the other thread once (docs/fabric.md).
 * Not measured between 20 and 82 MB: the bound of old stays.
 */
export const SKEW_BLOCKS_NODE_BYTES = 48 << 20;

/** The bytes of the mesh's node records (used rows x used columns). */
function nodeRecordBytes(mapping: FabricMapping, machine: FabricMachine): number {
  return mapping.usedRows * mapping.usedCols * passNodeLayout(passColors(mapping.pass), machine).bytes;
}

/** Whether 'auto' takes the skewed order: node records past SKEW_AUTO_NODE_BYTES, two columns or more, no shared edge cap. */
export function skewPays(mapping: FabricMapping, machine: FabricMachine): boolean {
  return machine.edgeWaveletsPerCycle === 0 && mapping.usedCols >= 2 && nodeRecordBytes(mapping, machine) >= SKEW_AUTO_NODE_BYTES;
}

/** Whether the skewed order on threads splits by blocks by default: node records past SKEW_BLOCKS_NODE_BYTES. */
export function skewByBlocks(mapping: FabricMapping, machine: FabricMachine): boolean {
  return nodeRecordBytes(mapping, machine) > SKEW_BLOCKS_NODE_BYTES;
}

/** The default shape of a run on `threads` threads: split by blocks past SKEW_BLOCKS_NODE_BYTES of node records, else by parts. */
function defaultSkew(mapping: FabricMapping, machine: FabricMachine, threads: number): SkewPlan {
  return threads > 1 && skewByBlocks(mapping, machine) ? DEFAULT_SKEW_BLOCKS : DEFAULT_SKEW;
}

/** The skewed order of a run (null: loop.ts's order); refused with fewer bands than threads or under a shared edge cap. */
export function resolveSkew(want: boolean | 'auto' | SkewPlan | undefined, mapping: FabricMapping, machine: FabricMachine, threads: number): SkewPlan | null {
  want ??= 'auto';
  const capped = machine.edgeWaveletsPerCycle !== 0;
  if (want === 'auto') return skewPays(mapping, machine) && skewBands(mapping.usedCols, DEFAULT_SKEW) >= 2 * threads ? defaultSkew(mapping, machine, threads) : null;
  if (want === false) return null;
  const plan = want === true ? defaultSkew(mapping, machine, threads) : requireSkewPlan(want);
  const bands = skewBands(mapping.usedCols, plan);
  if (bands < Math.max(2, threads)) {
    throw new ValidationError('skew', JSON.stringify(want), `expected narrower bands: ${mapping.usedCols} used columns in bands of ${plan.bandCols} make ${bands}, fewer than ${Math.max(2, threads)} (two at least, and one a thread)`);
  }
  if (capped) throw new ValidationError('skew', JSON.stringify(want), `expected false or 'auto' under a shared edge cap (machine.edgeWaveletsPerCycle ${machine.edgeWaveletsPerCycle} serves every column's injector in one order)`);
  return plan;
}

/** A caller's SkewPlan, each field a positive integer. */
function requireSkewPlan(p: SkewPlan): SkewPlan {
  requireObject('skew', p);
  const plan: SkewPlan = { bandCols: requireInt('skew.bandCols', p.bandCols, 1), block: requireInt('skew.block', p.block, 1), tile: requireInt('skew.tile', p.tile, 1) };
  if (p.partsPerThread !== undefined) plan.partsPerThread = requireInt('skew.partsPerThread', p.partsPerThread, 1);
  if (p.split !== undefined) {
    if (p.split !== 'parts' && p.split !== 'blocks') throw new ValidationError('skew.split', p.split, "expected 'parts' or 'blocks'");
    plan.split = p.split;
  }
  return plan;
}
