// SwarmX at run time: broadcast (MemoryX writes a layer's wire block ONCE into a broadcast slot of the shared
// memory; every system reads that slot in place: no copy per system) and reduce (the systems' gradient
// regions summed in place up the fixed tree of tree.ts, so the sum lands in system 0's region in the same
// order on every run). Counts the bytes each link carries.
// The additions are elementwise, so they can run on any partition of the P floats — the tree's order per
// element, hence every bit, stays the same: the engine lets each of the N systems' threads add one slice
// (reduceSlice), the main thread can also do all of them (SwarmX.reduce).
// Legend: N = systems, P = floats of the layer's gradient block.
import type { Wasm } from '../wasm/module.js';
import { axpy } from '../kernels/dense.js';
import { slotPtr, type SharedLayout } from '../protocol/memory-map.js';
import { LinkCounters, reduceTree, type ReduceTree } from './tree.js';

export interface SwarmXCounters {
  /** Wire bytes broadcast (once per layer pass; every link carries them). */
  bytesBroadcast: number;
  /** Gradient bytes the systems sent into the tree (N·4P per layer reduce). */
  bytesGradientsIn: number;
  /** Gradient bytes the tree delivered to MemoryX (4P per layer reduce). */
  bytesReduced: number;
  /** Float additions done by the reduce. */
  adds: number;
}

export class SwarmX {
  readonly tree: ReduceTree;
  readonly links: LinkCounters;
  readonly counters: SwarmXCounters = { bytesBroadcast: 0, bytesGradientsIn: 0, bytesReduced: 0, adds: 0 };
  private readonly w: Wasm;
  private readonly layout: SharedLayout;
  private nextSlot = 0;

  constructor(w: Wasm, layout: SharedLayout, fanIn: number) {
    this.w = w;
    this.layout = layout;
    this.tree = reduceTree(layout.workers.length, fanIn);
    this.links = new LinkCounters(this.tree);
  }

  /** The slot the next broadcast goes to (slots take turns, so a prefetch can fill one while others are read). */
  takeSlot(): { slot: number; ptr: number } {
    const slot = this.nextSlot;
    this.nextSlot = (this.nextSlot + 1) % this.layout.broadcast.slots;
    return { slot, ptr: slotPtr(this.layout, slot) };
  }

  /** Records one broadcast of `bytes` that MemoryX wrote into a slot. */
  broadcast(bytes: number): void {
    this.counters.bytesBroadcast += bytes;
    this.links.broadcast(bytes);
  }

  /**
   * Sums the N gradient blocks (P floats each, in gradient buffer `buf` 0 or 1 of every system) up the
   * tree, in place, and returns the pointer of the sum (in system 0's buffer). f32 additions in a fixed
   * order: the same bits on every run.
   */
  reduce(P: number, buf = 0, wire?: GradientWire): number {
    const regions = this.layout.workers;
    addSlice(this.w, this.tree.adds.map((a) => [a.into, a.from]), regions.map((r) => r.gradPtrs[buf]), 0, P);
    return this.count(P, buf, wire);
  }

  /** Counts a reduce of P floats done elsewhere (by the systems' threads, slice by slice); returns the sum's pointer. */
  count(P: number, buf = 0, wire?: GradientWire): number {
    const regions = this.layout.workers;
    this.counters.adds += this.tree.adds.length * P;
    this.counters.bytesGradientsIn += wire ? wire.sentBytes : regions.length * 4 * P;
    this.counters.bytesReduced += wire ? wire.reducedBytes : 4 * P;
    this.links.reduce(wire ? wire.reducedBytes : 4 * P);
    return regions[this.tree.root].gradPtrs[buf];
  }
}

/**
 * What a row-sparse gradient (an embedding's: only the rows of the batch's tokens are non-zero) moves on
 * the wire instead of P dense floats: the systems' sends together, and the reduced sum (the union of rows).
 * The simulator still adds the dense blocks (the zeros add nothing); only the counts follow the hardware.
 */
export interface GradientWire {
  sentBytes: number;
  reducedBytes: number;
}

/** The slice [lo, hi) of a P-float reduce that system w of N adds (64-byte aligned pieces; some may be empty). */
export function reduceSlice(P: number, w: number, N: number): [number, number] {
  const chunk = Math.ceil(P / N / 16) * 16;
  const lo = Math.min(P, w * chunk);
  return [lo, Math.min(P, lo + chunk)];
}

/**
 * The tree's additions (pairs [into, from] of system indices, in order) over floats [lo, hi) of the gradient
 * blocks at `ptrs` (one per system): into += 1·from on the SIMD AXPY kernel (1·x is exact, so each element is
 * the f32 sum into + from, as a plain fold gives).
 */
export function addSlice(w: Wasm, adds: ReadonlyArray<readonly [number, number]>, ptrs: readonly number[], lo: number, hi: number): void {
  if (hi <= lo) return;
  for (const [into, from] of adds) axpy(w, ptrs[into] + 4 * lo, ptrs[from] + 4 * lo, 1, hi - lo);
}
