// The UCI optical digits (8x8, 1,797 samples, 10 classes) shipped in the repo as data/digits.safetensors
// (made once by scripts/make_digits.py from Debian's scikit-learn copy; license and citation in
// data/README.md). x = pixel counts 0..16 divided by 16 (F32 [1797, 64]); y = digit (I64 [1797]).
// Split: the last 360 rows (20 %) are the test set, the first 1,437 the training set.
import { rootPath } from '../paths.js';
import type { Dataset } from './dataset.js';
import { loadDataFile } from './file.js';

/** Path of the shipped digits file. */
export const DIGITS_PATH = rootPath('data', 'digits.safetensors');

/** Fraction of the digits held out for testing (the last rows). */
export const DIGITS_TEST_FRACTION = 0.2;

/** The shipped digits dataset with its train/test split. */
export function loadDigits(): Dataset {
  const ds = loadDataFile(DIGITS_PATH, { testFraction: DIGITS_TEST_FRACTION, name: 'digits' });
  return { ...ds, source: `UCI optical digits (Alpaydin & Kaynak 1998, CC BY 4.0) via scikit-learn; ${ds.source}` };
}
