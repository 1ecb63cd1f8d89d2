// MemoryX's view of a compiled plan's streamed layers: per layer, its master (= gradient) floats, its wire
// blocks for the two passes and, per parameter tensor, where it sits in each (plus a sparse weight's stream
// skeletons). MemoryX (store.ts) keeps records and builds wire blocks from these; it never reads the plan.
import type { Plan, PlanParam } from '../model/plan.js';
import type { ColumnSkeleton } from '../sparse/stream.js';

/**
 * One parameter tensor of a layer, as MemoryX sees it: its ranges in the master block and in the two wire
 * blocks (the plan's, model/plan.ts) and, for a sparse weight, the stream skeleton (counts and deltas, value
 * words 0) and the column layout's skeleton with where each value goes in it (the forward's); null for a dense tensor.
 */
export type MxSegment = Pick<PlanParam, 'name' | 'offset' | 'size' | 'wireOffset' | 'wireWords' | 'fwdWireOffset' | 'fwdWireWords'> & {
  template: Uint32Array | null;
  columns: ColumnSkeleton | null;
};

export interface MxLayer {
  name: string;
  /** Gradient floats (= master floats, except a tied layer, which keeps none of its own). */
  floats: number;
  /** Words of the backward and the forward wire block. */
  wireWords: number;
  fwdWireWords: number;
  segments: MxSegment[];
  /**
   * A tied layer (the tied LM head): no record of its own; it streams `floats` values of layer `layer` from
   * `offset`, and its reduced gradient waits in MemoryX until that layer's update, which adds it first.
   */
  tiedTo: { layer: number; offset: number } | null;
}

/** MemoryX's view of a compiled plan's streamed layers. */
export function memoryxLayers(plan: Plan): MxLayer[] {
  return plan.layers.map((L) => ({
    name: L.module,
    floats: L.paramFloats,
    wireWords: L.wireWords,
    fwdWireWords: L.fwdWireWords,
    tiedTo: L.tiedTo,
    segments: L.params.map((pi) => {
      const p = plan.params[pi];
      return {
        name: p.name, offset: p.offset, size: p.size, wireOffset: p.wireOffset, wireWords: p.wireWords,
        fwdWireOffset: p.fwdWireOffset, fwdWireWords: p.fwdWireWords,
        template: p.sparse ? p.sparse.template : null, columns: p.sparse ? p.sparse.columns : null,
      };
    }),
  }));
}
