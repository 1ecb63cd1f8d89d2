// The UCI optical digits (8x8, 1,797 samples, 10 classes) shipped in the repo as data/digits.safetensors
// (made once by scripts/make_digits.py from Debian's scikit-learn copy; license and citation in
// data/README.md). x = pixel counts 0..16 divided by 16 (F32 [N, 64]); y = digit (I64 [N]).
// Split (stored in the file): a stratified seeded split, 1,438 training rows (x, y) and 359 test rows
// (x_test, y_test), about 20 % of each class.
import { rootPath } from '../paths.js';
import type { Dataset } from './dataset.js';
import { loadDataFile } from './file.js';

/** Path of the shipped digits file. */
export const DIGITS_PATH = rootPath('data', 'digits.safetensors');

/** The shipped digits dataset with its train/test split. */
export function loadDigits(): Dataset {
  const ds = loadDataFile(DIGITS_PATH, { name: 'digits' });
  return { ...ds, source: `UCI optical digits (Alpaydin & Kaynak 1998, CC BY 4.0) via scikit-learn; ${ds.source}` };
}
