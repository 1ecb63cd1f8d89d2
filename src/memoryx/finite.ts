// Stopping a run whose numbers went non-finite: a NaN or ±Infinity loss, or a weight that became one,
// stops training with an error naming the step and the layer (a silent recovery would be worse: PyTorch
// shows the NaN). The engine calls checkFiniteStep after each committed step.
import { firstNonFinite } from './checkpoint.js';

/** Training produced a non-finite loss or weight; says at which step and in which layer. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** What checkFiniteStep reads: each layer's name and its current values (MemoryX: `layers[l].name`, `values(l)`). */
export interface FiniteSource {
  layers: ReadonlyArray<{ name: string }>;
  values(l: number): Float32Array;
}

/** The first layer whose values hold a NaN or ±Infinity, as `layer <name> (index i)[j] = v`, or null. */
export function firstNonFiniteLayer(src: FiniteSource): string | null {
  for (let l = 0; l < src.layers.length; l++) {
    const v = src.values(l);
    const i = firstNonFinite(v);
    if (i >= 0) return `layer ${l} (${src.layers[l].name}) weight [${i}] = ${v[i]}`;
  }
  return null;
}

/**
 * After step `step` (0-based) with mean loss `loss`: throws NonFiniteError if the loss is not finite
 * (naming the first layer with a non-finite weight, if any), or, when `scanWeights`, if a weight is.
 * Scanning the weights costs one read of every parameter: the engine does it every step it checkpoints
 * and at the end, the loss check every step.
 */
export function checkFiniteStep(step: number, loss: number, src: FiniteSource, scanWeights = false): void {
  const lossBad = !Number.isFinite(loss);
  if (!lossBad && !scanWeights) return;
  const where = firstNonFiniteLayer(src);
  if (lossBad) throw new NonFiniteError(`training stopped at step ${step}: the loss is ${loss}${where ? `; first non-finite value: ${where}` : ''} (lower --lr, or check --init and --data)`);
  if (where) throw new NonFiniteError(`training stopped at step ${step}: ${where} is not finite, though the loss is ${loss} (lower --lr, or check --init and --data)`);
}
