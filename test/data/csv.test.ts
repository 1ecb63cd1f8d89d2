// `--data FILE.csv`: features and a label column (named, or last), read by csv-parse; the same numbers
// as a safetensors file give the same dataset and the same trained weights; bad cells, ragged rows,
// files past the size limit and files of another format are refused with a one-line error.
// (The training comparison starts worker threads: needs `npm run build`.)
import { closeSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runTrain } from '../../src/cluster/run-train.js';
import { loadDataFile, resolveData, teacherData } from '../../src/data/index.js';
import { INPUT_LIMITS } from '../../src/io/files.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-csv-'));
const put = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

/** The same rows as CSV (features as the shortest text of each F32 value, label last or named) and safetensors. */
function both(name: string, n: number, features: number, classes: number, labelFirst = false) {
  const t = teacherData({ samples: n, features, classes, seed: 7 });
  const rows = [t.train, ...(t.test ? [t.test] : [])];
  const N = rows.reduce((s, r) => s + r.n, 0);
  const x = new Float32Array(N * features);
  const y = new Int32Array(N);
  let k = 0;
  for (const r of rows) {
    x.set(r.x, k * features);
    y.set(r.y, k);
    k += r.n;
  }
  const head = Array.from({ length: features }, (_, j) => `f${j}`);
  const lines = [labelFirst ? ['Label', ...head].join(',') : [...head, 'label'].join(',')];
  for (let i = 0; i < N; i++) {
    const feats = Array.from(x.subarray(i * features, (i + 1) * features), String);
    lines.push((labelFirst ? [String(y[i]), ...feats] : [...feats, String(y[i])]).join(','));
  }
  const csv = put(`${name}.csv`, lines.join('\r\n') + '\r\n');
  const st = join(dir, `${name}.safetensors`);
  writeSafetensors(st, { x: { dtype: 'F32', shape: [N, features], data: x }, y: { dtype: 'I32', shape: [N], data: y } });
  return { csv, st, N };
}

describe('CSV datasets', () => {
  test('equal to the same numbers as safetensors: features, labels, classes, the test split', () => {
    for (const labelFirst of [false, true]) {
      const { csv, st, N } = both(labelFirst ? 'named' : 'last', 60, 5, 3, labelFirst);
      const a = loadDataFile(csv);
      const b = loadDataFile(st);
      expect([a.features, a.classes, a.train.n, a.test!.n]).toEqual([b.features, b.classes, b.train.n, b.test!.n]);
      expect(a.train.n + a.test!.n).toBe(N);
      expect(a.train.x).toEqual(b.train.x);
      expect(a.train.y).toEqual(b.train.y);
      expect(a.test!.x).toEqual(b.test!.x);
      expect(a.test!.y).toEqual(b.test!.y);
      expect(a.source).toMatch(labelFirst ? /label column "Label"/ : /label column "label"/);
    }
  });

  test('no header row: the label is the last column; a TSV is split at tabs', () => {
    const d = loadDataFile(put('plain.csv', '0.5,1,2\n-1,2.25,0\n3,4,1\n'), { testFraction: 0 });
    expect([d.features, d.classes, d.train.n, d.test]).toEqual([2, 3, 3, null]);
    expect([...d.train.x]).toEqual([0.5, 1, -1, 2.25, 3, 4]);
    expect([...d.train.y]).toEqual([2, 0, 1]);
    const t = loadDataFile(put('tabs.tsv', 'a\tb\ty\n1\t2\t1\n3\t4\t0\n'), { testFraction: 0 });
    expect([...t.train.x, ...t.train.y]).toEqual([1, 2, 3, 4, 1, 0]);
  });

  test("pandas' names for a bare array (0, 1, …, cols - 1) are a header, and the source says so; any other numeric first row is a sample", () => {
    // what `pd.DataFrame([[0.5, 1, 2], [-1, 2.25, 0]]).to_csv(f, index=False)` writes
    const d = loadDataFile(put('pandas.csv', '0,1,2\n0.5,1.0,2\n-1.0,2.25,0\n'), { testFraction: 0 });
    expect([d.features, d.train.n, [...d.train.x], [...d.train.y]]).toEqual([2, 2, [0.5, 1, -1, 2.25], [2, 0]]);
    expect(d.source).toMatch(/first row 0\.\.2 read as pandas' column names, label column "2"/);
    const s = loadDataFile(put('sample0.csv', '0,1,1\n0.5,1.0,2\n'), { testFraction: 0 });
    expect([s.train.n, [...s.train.y]]).toEqual([2, [1, 2]]);
    expect(s.source).not.toMatch(/pandas/);
  });

  test('bad cells, ragged rows and no rows are refused naming the row and column', () => {
    expect(() => loadDataFile(put('word.csv', 'a,b,label\n1,2,0\n1,x,1\n'))).toThrow(/word\.csv: row 3, column "b": expected a number, got "x"/);
    expect(() => loadDataFile(put('neg.csv', 'a,label\n1,0\n2,-1\n'))).toThrow(/row 3, label column "label": expected a non-negative integer class, got "-1"/);
    expect(() => loadDataFile(put('frac.csv', '1,0\n2,1.5\n'))).toThrow(/row 2, label column 2: expected a non-negative integer class, got "1.5"/);
    expect(() => loadDataFile(put('ragged.csv', 'a,b,label\n1,2,0\n1,1\n'))).toThrow(/ragged\.csv: expected CSV text .*got "Invalid Record Length/);
    expect(() => loadDataFile(put('empty.csv', 'a,b,label\n'))).toThrow(/empty\.csv: rows: expected at least one sample row, got 0/);
    expect(() => loadDataFile(put('one.csv', 'label\n1\n'))).toThrow(/one\.csv: columns: expected at least one feature column/);
  });

  test('a CSV past the size limit is refused before it is read', () => {
    const f = join(dir, 'huge.csv');
    const fd = openSync(f, 'w');
    ftruncateSync(fd, INPUT_LIMITS.csv + 1); // sparse: no disk used
    closeSync(fd);
    expect(() => loadDataFile(f)).toThrow(/--data: expected a CSV file of at most 256 MiB/);
  });

  test('a file that is neither safetensors nor CSV is refused with the formats accepted (not a header-length error)', () => {
    const bytes = Buffer.from('some words,\nnot a tensor file\n'.repeat(20));
    const f = join(dir, 'own.dat');
    writeFileSync(f, bytes);
    expect(() => resolveData(f)).toThrow(/^--data: expected a safetensors file with x \(F32 \[N, D\]\) and y \(I32\/I64 \[N\]\), or a CSV file \(\.csv or \.tsv/);
  });

  test('training on the CSV gives the same losses and weights as on the same data as safetensors', async () => {
    const { csv, st } = both('train', 120, 6, 3);
    const config = { model: 'mlp', systems: 2, steps: 12, batch: 16, optimizer: 'adamw' as const, lr: 0.01, seed: 3 };
    const a = await runTrain({ ...config, data: csv });
    const b = await runTrain({ ...config, data: st });
    expect(a.summary.loss.length).toBe(12);
    expect(a.summary.loss).toEqual(b.summary.loss);
    expect(a.summary.testAccuracy).toBe(b.summary.testAccuracy);
    expect(a.params).toEqual(b.params);
  }, 120_000);
});
