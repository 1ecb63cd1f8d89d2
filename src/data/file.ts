// `--data FILE.safetensors`: a dataset from a safetensors file holding `x` (F32 [N, D]) and `y` (I32 or
// I64 [N]), optionally `x_test`/`y_test` for an explicit test split (else the last testFraction of the rows).
// Classes: metadata "classes" if given, else max(y) + 1 over both splits. A .csv/.tsv file goes to
// csv.ts; any other file that does not start like safetensors is refused, naming the accepted formats.
import { MAX_WIDTH } from '../model/validate.js';
import { basename } from 'node:path';
import { ValidationError } from '../errors.js';
import { checkInputFile, readHead } from '../io/files.js';
import { onlyTensors, readSafetensors, tensorToNumbers, type Tensor } from '../io/safetensors.js';
import { loadCsvFile } from './csv.js';
import { checkSplit, splitLast, type Dataset, type Split } from './dataset.js';

/** The formats `--data FILE` accepts, for errors. */
export const DATA_FORMATS = 'a safetensors file with x (F32 [N, D]) and y (I32/I64 [N]), or a CSV file (.csv or .tsv: numeric feature columns and an integer label column named label, y, class or target, else the last)';

/** Whether a file starts like safetensors: an 8-byte little-endian header length that fits the file, then '{'. */
export function looksLikeSafetensors(path: string): boolean {
  const size = checkInputFile(path, 'safetensors', '--data').size;
  const head = readHead(path, 9);
  if (head.length < 9) return false;
  const n = head.readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(size - 8) && head[8] === 0x7b;
}

export interface DataFileOptions {
  /** Fraction of rows (the last ones) held out for testing when the file has no x_test. Default 0.2. */
  testFraction?: number;
  /** Name for reports (default the file name). */
  name?: string;
}

/** Loads a dataset from a safetensors or CSV file. */
export function loadDataFile(path: string, opts: DataFileOptions = {}): Dataset {
  if (/\.(csv|tsv)$/i.test(path)) return loadCsvFile(path, opts);
  if (!looksLikeSafetensors(path)) throw new ValidationError('--data', path, `expected ${DATA_FORMATS}`);
  const { tensors, metadata } = readSafetensors(path, '--data');
  const train = readSplit(tensors, 'x', 'y', path);
  onlyTensors(tensors, ['x', 'y', 'x_test', 'y_test'], path, 'a dataset');
  const test = tensors.has('x_test') ? readSplit(tensors, 'x_test', 'y_test', path) : null;
  const D = train.features;
  if (test && test.features !== D) throw new ValidationError(`${path}: x_test.shape`, [test.split.n, test.features], `expected [N, ${D}] like x`);
  let classes: number;
  if (metadata.classes !== undefined) {
    classes = Number(metadata.classes);
    if (!Number.isInteger(classes) || classes < 2) throw new ValidationError(`${path}: __metadata__.classes`, metadata.classes, 'expected an integer >= 2');
  } else {
    let max = 0;
    for (const s of test ? [train.split, test.split] : [train.split]) for (let i = 0; i < s.n; i++) max = Math.max(max, s.y[i]);
    classes = Math.max(2, max + 1);
  }
  let trainSplit: Split = train.split;
  let testSplit: Split | null = test ? test.split : null;
  let how = 'explicit x_test/y_test';
  if (!test) {
    const f = opts.testFraction ?? 0.2;
    const s = splitLast(train.split, D, f);
    trainSplit = s.train;
    testSplit = s.test;
    how = `last ${testSplit ? testSplit.n : 0} of ${train.split.n} rows held out (testFraction ${f})`;
  }
  checkSplit(trainSplit, D, classes, `${path}: train`);
  if (testSplit) checkSplit(testSplit, D, classes, `${path}: test`);
  return { name: opts.name ?? metadata.name ?? basename(path), features: D, classes, train: trainSplit, test: testSplit, source: `${path}; ${how}` };
}

function readSplit(tensors: Map<string, Tensor>, xName: string, yName: string, path: string): { split: Split; features: number } {
  const x = tensors.get(xName);
  const y = tensors.get(yName);
  if (!x) throw new ValidationError(`${path}: ${xName}`, '(missing)', 'expected an F32 tensor [N, D]');
  if (!y) throw new ValidationError(`${path}: ${yName}`, '(missing)', 'expected an I32 or I64 tensor [N]');
  if (x.dtype !== 'F32') throw new ValidationError(`${path}: ${xName}.dtype`, x.dtype, 'expected F32');
  if (x.shape.length !== 2 || x.shape[0] < 1 || x.shape[1] < 1) throw new ValidationError(`${path}: ${xName}.shape`, x.shape, 'expected [N, D] with N, D >= 1');
  if (y.dtype !== 'I32' && y.dtype !== 'I64') throw new ValidationError(`${path}: ${yName}.dtype`, y.dtype, 'expected I32 or I64');
  if (y.shape.length !== 1 || y.shape[0] !== x.shape[0]) throw new ValidationError(`${path}: ${yName}.shape`, y.shape, `expected [${x.shape[0]}] (one label per row of ${xName})`);
  const n = x.shape[0];
  const yv = tensorToNumbers(y, `${path}: ${yName}`);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = yv[i];
    if (!Number.isInteger(v) || v < 0) throw new ValidationError(`${path}: ${yName}[${i}]`, v, 'expected a non-negative class index');
    // Classes become the last layer's width: a label past the widest layer would be blamed on the model.
    if (v >= MAX_WIDTH) throw new ValidationError(`${path}: ${yName}[${i}]`, v, `expected a class index below ${MAX_WIDTH}`);
    labels[i] = v;
  }
  return { split: { x: x.data as Float32Array, y: labels, n }, features: x.shape[1] };
}
