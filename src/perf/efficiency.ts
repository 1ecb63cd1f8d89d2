// The compute-efficiency hook of the at-scale model: compute time of a layer = FLOP / (peak ×
// efficiency(shape, sparsity)). The default is a constant (the CS-2 spec's computeEfficiency, peak by
// default: an upper bound) applied to the non-zero work only — i.e. it takes the article's M8 claim
// (dataflow triggers skip zeros at full throughput) at face value. The fabric simulator can supply a
// calibrated function with the same signature.

/** What an efficiency function sees of a layer: kind, K and N (the width for non-matmul layers), tokens per pass. */
export interface LayerShape {
  kind: 'embedding' | 'linear' | 'attention' | 'norm' | 'activation' | 'head';
  in: number;
  out: number;
  /** Tokens on one system in one pass (the micro-batch). */
  tokens: number;
}

/** Fraction of peak (0, 1] reached on a layer's non-zero work, given its shape and weight sparsity in [0, 1). */
export type EfficiencyFn = ((shape: LayerShape, sparsity: number) => number) & { description?: string };

/** A constant efficiency, whatever the shape and sparsity. */
export function constantEfficiency(value: number, description?: string): EfficiencyFn {
  if (!(value > 0 && value <= 1)) throw new RangeError(`efficiency: expected a number in (0, 1], got ${value}`);
  const fn: EfficiencyFn = () => value;
  fn.description = description ?? `constant ${value} of peak on the non-zero work, whatever the shape and sparsity`;
  return fn;
}
