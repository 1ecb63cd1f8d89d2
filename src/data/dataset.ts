// Datasets for training: samples x [N, D] row-major (as stored in files), labels y [N] (class indices),
// split into train and test. Batches are delivered to the engine feature-major [D, B] (batches.ts).
import { ValidationError } from '../errors.js';

/** N samples of D features with labels. */
export interface Split {
  /** [N, D] row-major. */
  x: Float32Array;
  /** [N] class indices in [0, classes). */
  y: Int32Array;
  n: number;
}

export interface Dataset {
  name: string;
  /** D, features per sample. */
  features: number;
  classes: number;
  train: Split;
  /** Null when the data has no test split. */
  test: Split | null;
  /** Where the data comes from and how it was split (for reports). */
  source: string;
}

/** Checks a split's sizes, finite features and labels in [0, classes). `path` names it in errors. */
export function checkSplit(s: Split, features: number, classes: number, path: string): void {
  if (s.x.length !== s.n * features) throw new ValidationError(`${path}.x.length`, s.x.length, `expected N·D = ${s.n}·${features}`);
  if (s.y.length !== s.n) throw new ValidationError(`${path}.y.length`, s.y.length, `expected N = ${s.n}`);
  for (let i = 0; i < s.x.length; i++) {
    if (!Number.isFinite(s.x[i])) throw new ValidationError(`${path}.x[${Math.floor(i / features)}, ${i % features}]`, s.x[i], 'expected a finite number');
  }
  for (let i = 0; i < s.n; i++) {
    if (s.y[i] < 0 || s.y[i] >= classes) throw new ValidationError(`${path}.y[${i}]`, s.y[i], `expected a class in [0, ${classes})`);
  }
}

/** Rows [from, to) of a split as a new split (views, no copy). */
export function sliceSplit(s: Split, from: number, to: number, features: number): Split {
  return { x: s.x.subarray(from * features, to * features), y: s.y.subarray(from, to), n: to - from };
}

/**
 * Splits N samples into train (the first N - round(N·testFraction)) and test (the rest, the LAST samples):
 * deterministic and the same in every tool (the PyTorch fixture script takes the same rows).
 */
export function splitLast(all: Split, features: number, testFraction: number): { train: Split; test: Split | null } {
  if (!(testFraction >= 0 && testFraction < 1)) throw new ValidationError('testFraction', testFraction, 'expected a number in [0, 1)');
  const nTest = Math.round(all.n * testFraction);
  const nTrain = all.n - nTest;
  if (nTrain < 1) throw new ValidationError('testFraction', testFraction, `expected to leave at least one training sample of ${all.n}`);
  return { train: sliceSplit(all, 0, nTrain, features), test: nTest > 0 ? sliceSplit(all, nTrain, all.n, features) : null };
}
