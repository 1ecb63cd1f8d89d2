// Passes (micro-batches) per optimizer step on one CS-2: set by the user (--passes N, or --micro-batch-seqs
// S: ceil(sequences per system / S)) or chosen by the model as the fewest whose activations fit the wafer.
//
// Legend: b = tokens per system per step, T = tokens per sequence, m = passes, t = b / m tokens per pass.
// A batch that does not split evenly gives some systems one sequence more: b / T is their mean, and the passes
// count the busiest system's whole sequences, ceil(b / T), which set the step (the time model keeps the mean
// tokens b / m per pass: docs/at-scale.md).
import { CapacityError, ValidationError, requireInt } from '../errors.js';
import { fmt } from './units.js';

/** The passes the options set (undefined: the model chooses). Refuses both ways at once, and more passes than sequences. */
export function passesSet(o: { passes?: number; microBatchSeqs?: number }, b: number, T: number, system = 'CS-2'): number | undefined {
  if (o.passes !== undefined && o.microBatchSeqs !== undefined) throw new ValidationError('passes', o.passes, 'expected either passes or microBatchSeqs, not both (--passes sets the passes, --micro-batch-seqs derives them)');
  const seqs = Math.max(1, Math.ceil(b / T - 1e-9)); // the busiest system's sequences
  if (o.passes !== undefined) {
    requireInt('passes', o.passes, 1);
    if (o.passes > seqs) throw new ValidationError('passes', o.passes, `expected at most the ${seqs} sequences each ${system} takes per step (a pass holds whole sequences)`);
    return o.passes;
  }
  if (o.microBatchSeqs !== undefined) {
    requireInt('microBatchSeqs', o.microBatchSeqs, 1);
    if (o.microBatchSeqs > seqs) throw new ValidationError('microBatchSeqs', o.microBatchSeqs, `expected at most the ${seqs} sequences each ${system} takes per step`);
    return Math.ceil(seqs / o.microBatchSeqs);
  }
  return undefined;
}

/** Refuses set passes whose tokens per pass do not fit the wafer under the chosen recomputation, naming the fewest that would. */
export function checkSetPassesFit(m: number, b: number, tokensFit: number, mode: string, via: 'passes' | 'microBatchSeqs', system = 'CS-2'): void {
  if (b / m <= tokensFit + 1e-9) return;
  const need = Math.ceil(b / tokensFit - 1e-9);
  throw new CapacityError(`wafer SRAM: ${via === 'passes' ? `--passes ${m}` : `--micro-batch-seqs (${m} passes)`} puts ${fmt(b / m)} tokens in a pass; one ${system} holds the activations of ${fmt(tokensFit)} (${mode === 'none' ? 'no recomputation' : 'with recomputation'}): use at least ${need} passes`);
}

/** Why the step has m passes, for the output. */
export function passesReason(set: boolean, via: 'passes' | 'microBatchSeqs' | undefined, m: number, b: number, tokensFit: number, system = 'CS-2'): string {
  if (set) return via === 'microBatchSeqs' ? 'set: --micro-batch-seqs' : 'set';
  return m === 1 ? `chosen by the model: one pass holds the ${fmt(b)} tokens' activations` : `chosen by the model: activations, one pass holds ${fmt(tokensFit)} tokens of the ${fmt(b)} per ${system}`;
}
