// The data area: datasets (files, the shipped digits, a teacher–student generator), token datasets for
// language models (token files, raw text, the shipped English text), batches and the token sampler.
import { existsSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { loadDigits } from './digits.js';
import { DATA_FORMATS, loadDataFile } from './file.js';
import { teacherData, type TeacherOptions } from './teacher.js';

export type { Dataset, Split } from './dataset.js';
export { checkSplit, sliceSplit, splitLast } from './dataset.js';
export { loadDataFile } from './file.js';
export type { DataFileOptions } from './file.js';
export { loadDigits, DIGITS_PATH } from './digits.js';
export { teacherData } from './teacher.js';
export type { TeacherOptions } from './teacher.js';
export { BatchOrder, systemShare, fillBatch } from './batches.js';
export type { OrderOptions } from './batches.js';
export { loadTokenFile, fillTokenBatch, checkTokens, unigramEntropy, entropyOfCounts, sliceTokens, splitLastRows } from './tokens.js';
export type { TokenDataset, TokenSplit, TokenFileOptions } from './tokens.js';
export {
  encodeBytes, decodeBytes, BYTE_VOCAB, textDataset, loadTextFile, loadShippedText, shippedTextPath, SHIPPED_TEXTS, resolveTokenData,
} from './text.js';
export type { TextOptions } from './text.js';
export { sampleTokens } from './sample.js';
export type { SampleOptions } from './sample.js';

/** `--data` resolution: 'digits', 'teacher' (seeded with `teacher.seed`) or a safetensors or CSV file path. */
export function resolveData(nameOrFile: string, teacher: TeacherOptions = {}): Dataset {
  if (nameOrFile === 'digits') return loadDigits();
  if (nameOrFile === 'teacher') return teacherData(teacher);
  if (existsSync(nameOrFile)) return loadDataFile(nameOrFile);
  throw new ValidationError('--data', nameOrFile, `expected digits, teacher or ${DATA_FORMATS}`);
}
