// `--data FILE.csv` (or .tsv): a dataset as text, one sample per row: numeric feature columns and an
// integer class label in the column named label, y, class or target (case-insensitive), else the last.
// A first row with any non-number is the header, and so is a first row of exactly 0, 1, …, cols - 1: the
// column names pandas writes for a bare array (`pd.DataFrame(a).to_csv(f, index=False)`); the source line
// says when that rule took a row. Parsed by csv-parse (RFC 4180 quoting, a BOM and CRLF
// line ends accepted); the file is size-checked before it is read (src/io/files.ts, kind 'csv').
// Features become F32 exactly as a safetensors file of the same numbers would hold them; the last
// testFraction of the rows is the test split; classes = max(label) + 1 (at least 2).
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.js';
import { readInputText } from '../io/files.js';
import { MAX_WIDTH } from '../model/validate.js';
import { checkSplit, splitLast, type Dataset } from './dataset.js';

/** Header names that mark the label column (else it is the last column). */
export const LABEL_NAMES = ['label', 'y', 'class', 'target'];

export interface CsvOptions {
  /** Fraction of rows (the last ones) held out for testing. Default 0.2. */
  testFraction?: number;
  name?: string;
}

const isNumber = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));

/** Whether a row is the column names pandas gives a bare array: "0", "1", …, in order. */
const isPandasIndexHeader = (row: string[]) => row.length >= 2 && row.every((c, j) => c === String(j));

function parseRows(path: string, text: string): string[][] {
  try {
    return parse(text, { delimiter: /\.tsv$/i.test(path) ? '\t' : ',', bom: true, trim: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw new ValidationError(`${path}`, (e as Error).message.split('\n')[0], 'expected CSV text (one sample per row, the same number of columns in every row)');
  }
}

/** Loads a CSV dataset. */
export function loadCsvFile(path: string, opts: CsvOptions = {}): Dataset {
  const rows = parseRows(path, readInputText(path, 'csv', '--data'));
  const pandasHeader = rows.length > 0 && isPandasIndexHeader(rows[0]);
  const header = rows.length > 0 && (pandasHeader || rows[0].some((c) => !isNumber(c))) ? rows[0] : null;
  const body = header ? rows.slice(1) : rows;
  const cols = (header ?? body[0] ?? []).length;
  if (body.length === 0) throw new ValidationError(`${path}: rows`, 0, 'expected at least one sample row');
  if (cols < 2) throw new ValidationError(`${path}: columns`, cols, 'expected at least one feature column and a label column');
  const named = header ? header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase())) : -1;
  const label = named >= 0 ? named : cols - 1;
  const colName = (j: number) => (header ? `"${header[j]}"` : String(j + 1));
  const D = cols - 1;
  const n = body.length;
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  const line0 = header ? 2 : 1;
  for (let i = 0; i < n; i++) {
    const row = body[i];
    for (let j = 0, f = 0; j < cols; j++) {
      const cell = row[j];
      const v = isNumber(cell) ? Number(cell) : NaN;
      if (j === label) {
        if (!Number.isInteger(v) || v < 0) throw new ValidationError(`${path}: row ${i + line0}, label column ${colName(j)}`, cell, 'expected a non-negative integer class');
        if (v >= MAX_WIDTH) throw new ValidationError(`${path}: row ${i + line0}, label column ${colName(j)}`, v, `expected a class index below ${MAX_WIDTH}`);
        y[i] = v;
      } else {
        if (Number.isNaN(v)) throw new ValidationError(`${path}: row ${i + line0}, column ${colName(j)}`, cell, 'expected a number');
        x[i * D + f++] = v;
      }
    }
  }
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, y[i]);
  const classes = Math.max(2, max + 1);
  const fraction = opts.testFraction ?? 0.2;
  const { train, test } = splitLast({ x, y, n }, D, fraction);
  checkSplit(train, D, classes, `${path}: train`);
  if (test) checkSplit(test, D, classes, `${path}: test`);
  const named0 = pandasHeader ? `first row 0..${cols - 1} read as pandas' column names, ` : '';
  const how = `CSV, ${named0}label column ${colName(label)}; last ${test ? test.n : 0} of ${n} rows held out (testFraction ${fraction})`;
  return { name: opts.name ?? basename(path), features: D, classes, train, test, source: `${path}; ${how}` };
}
