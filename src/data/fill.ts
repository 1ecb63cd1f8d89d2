// What a trainer needs of any training data, in one place: feature datasets (samples of D features and a
// class, dataset.ts) and token datasets (sequences of T+1 token ids, tokens.ts) checked against a compiled
// plan and copied into an executor's input and labels, so the reference trainer and the engine treat both
// alike. A "sample" is a row: one feature vector, or one sequence of T tokens (T columns of the executor).
//
// Legend: b = samples copied, D = features, T = tokens per sequence (plan.seqLen), V = vocabulary.
//   features: input [D, b] f32 feature-major, labels [b] i32 (class)
//   tokens:   input [b·T] i32 token ids, labels [b·T] i32 (the next token), column j·T + t = row j, position t
import { ValidationError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { fillBatch } from './batches.js';
import { checkSplit, type Dataset, type Split } from './dataset.js';
import { checkTokens, fillTokenBatch, type TokenDataset, type TokenSplit } from './tokens.js';

/** Training data of either kind. */
export type TrainData = Dataset | TokenDataset;
export type AnySplit = Split | TokenSplit;

export function isTokenData(d: TrainData): d is TokenDataset {
  return (d as TokenDataset).kind === 'tokens';
}

/** Throws a one-line ValidationError when the data does not fit the plan (widths, classes, vocabulary, sequence length). */
export function checkDataForPlan(plan: Plan, data: TrainData): void {
  if (isTokenData(data)) {
    if (plan.inputKind !== 'tokens') throw new ValidationError('data', data.name, `expected features (${plan.input} per sample) for this model, not token sequences`);
    if (data.seqLen !== plan.seqLen) {
      const shorter = data.seqLen < plan.seqLen ? ` (a model trains on shorter sequences with its seqLen set to theirs: { ...model, seqLen: ${data.seqLen} })` : '';
      throw new ValidationError('data.seqLen', data.seqLen, `expected the model's sequence length ${plan.seqLen}${shorter}`);
    }
    if (data.vocab > plan.classes) throw new ValidationError('data.vocab', data.vocab, `expected at most the model's vocabulary ${plan.classes}`);
    // a TokenDataset made in code (a file's reader checked its own): every row whole, every id in the vocabulary, before any step
    // (an id past it read a row outside the embedding table and failed in the backward, or not at all)
    checkTokens(data, plan.classes, plan.seqLen);
    return;
  }
  if (plan.inputKind === 'tokens') throw new ValidationError('data', data.name, 'expected token sequences (tokens [N, T+1]) for a model that starts with an embedding');
  if (plan.input !== data.features) throw new ValidationError('data.features', data.features, `expected the model's input width ${plan.input}`);
  if (plan.classes !== data.classes) throw new ValidationError('data.classes', data.classes, `expected the model's ${plan.classes} output classes`);
  // a Dataset made in code (not read from a file, whose reader checked it): its sizes, features and labels, before any step
  checkSplit(data.train, data.features, data.classes, 'data.train');
  if (data.test) checkSplit(data.test, data.features, data.classes, 'data.test');
}

/** Copies samples `rows` of a split into an executor's input and labels at byte offsets of `buffer`. */
export function fillSamples(plan: Plan, split: AnySplit, rows: ArrayLike<number>, buffer: ArrayBufferLike, inputPtr: number, labelsPtr: number): void {
  const b = rows.length;
  const cols = b * plan.seqLen;
  if ('tokens' in split) {
    fillTokenBatch(split, plan.seqLen, rows, new Int32Array(buffer, inputPtr, cols), new Int32Array(buffer, labelsPtr, cols));
    return;
  }
  fillBatch(split, plan.input, rows, new Float32Array(buffer, inputPtr, plan.input * b), new Int32Array(buffer, labelsPtr, b));
}
