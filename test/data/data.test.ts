// Datasets and batches: the shipped digits, safetensors data files (I32 and I64 labels, explicit or
// held-out test split), the teacher–student generator, batch order (in order, seeded shuffles, a pure
// function of the step), the share of each system and the feature-major batch copy.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BatchOrder, fillBatch, loadDataFile, loadDigits, resolveData, systemShare, teacherData } from '../../src/data/index.js';
import { chunkShare } from '../../src/data/batches.js';
import { writeSafetensors, type Tensor } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-data-'));

describe('datasets', () => {
  test('digits: 1,438 training and 359 test samples of 64 features in [0, 1], 10 classes, ~20 % of each class held out', () => {
    const d = loadDigits();
    expect([d.features, d.classes, d.train.n, d.test!.n]).toEqual([64, 10, 1438, 359]);
    expect(d.train.x.reduce((a, v) => Math.min(a, v), Infinity)).toBe(0);
    expect(d.train.x.reduce((a, v) => Math.max(a, v), -Infinity)).toBe(1);
    const counts = new Array(10).fill(0);
    for (const y of d.test!.y) counts[y]++;
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(35);
    expect(d.source).toMatch(/CC BY 4.0/);
  });

  const file = (name: string, t: Record<string, Tensor>, meta?: Record<string, string>) => {
    const f = join(dir, name);
    writeSafetensors(f, t, meta);
    return f;
  };
  const x = (n: number, D: number) => ({ dtype: 'F32' as const, shape: [n, D], data: new Float32Array(n * D).map((_, i) => i / 10) });

  test('a tensor a dataset does not hold is refused (x_tst was ignored, and the split taken from the training rows)', () => {
    const y = { dtype: 'I32' as const, shape: [4], data: new Int32Array([0, 1, 0, 1]) };
    expect(() => loadDataFile(file('tst.safetensors', { x: x(4, 3), y, x_tst: x(2, 3), y_tst: { ...y, shape: [2], data: new Int32Array([0, 1]) } }))).toThrow(/tst\.safetensors: x_tst: expected only the tensors of a dataset \(x, y, x_test, y_test\), got "\(present\)"$/);
  });

  test('a data file with I32 labels and no test tensors: the last testFraction rows are the test split', () => {
    const f = file('i32.safetensors', { x: x(10, 3), y: { dtype: 'I32', shape: [10], data: new Int32Array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]) } });
    const d = loadDataFile(f, { testFraction: 0.3 });
    expect([d.features, d.classes, d.train.n, d.test!.n]).toEqual([3, 3, 7, 3]);
    expect(d.test!.x[0]).toBeCloseTo(2.1, 6); // row 7, feature 0
    expect(loadDataFile(f, { testFraction: 0 }).test).toBeNull();
  });

  test('a data file with I64 labels and explicit x_test/y_test; classes from metadata', () => {
    const f = file('i64.safetensors', {
      x: x(4, 2), y: { dtype: 'I64', shape: [4], data: new BigInt64Array([1n, 0n, 1n, 0n]) },
      x_test: x(2, 2), y_test: { dtype: 'I64', shape: [2], data: new BigInt64Array([0n, 1n]) },
    }, { classes: '5' });
    const d = loadDataFile(f);
    expect([d.classes, d.train.n, d.test!.n]).toEqual([5, 4, 2]);
    expect([...d.train.y]).toEqual([1, 0, 1, 0]);
  });

  test('bad data files are refused by tensor name and value', () => {
    const y4 = { dtype: 'I32' as const, shape: [4], data: new Int32Array([0, 1, 0, 1]) };
    expect(() => loadDataFile(file('nox.safetensors', { y: y4 }))).toThrow(/: x: expected an F32 tensor \[N, D\], got "\(missing\)"/);
    expect(() => loadDataFile(file('ylen.safetensors', { x: x(3, 2), y: y4 }))).toThrow(/: y.shape: expected \[3\] \(one label per row of x\), got \[4\]/);
    expect(() => loadDataFile(file('yneg.safetensors', { x: x(4, 2), y: { dtype: 'I32', shape: [4], data: new Int32Array([0, 1, -1, 1]) } }))).toThrow(/: y\[2\]: expected a non-negative class index, got -1/);
    expect(() => loadDataFile(file('yf.safetensors', { x: x(4, 2), y: { dtype: 'F32', shape: [4], data: new Float32Array(4) } }))).toThrow(/: y.dtype: expected I32 or I64, got "F32"/);
    const xnan = x(4, 2);
    xnan.data[5] = NaN;
    expect(() => loadDataFile(file('xnan.safetensors', { x: xnan, y: y4 }), { testFraction: 0 })).toThrow(/train.x\[2, 1\]: expected a finite number, got NaN/);
    expect(() => resolveData('nowhere.safetensors')).toThrow(/--data: expected digits, teacher or a safetensors file/);
  });

  test('teacher–student data: seeded, labels in range, every class present', () => {
    const a = teacherData({ samples: 500, features: 8, classes: 4, seed: 3 });
    const b = teacherData({ samples: 500, features: 8, classes: 4, seed: 3 });
    const c = teacherData({ samples: 500, features: 8, classes: 4, seed: 4 });
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.y).toEqual(b.train.y);
    expect(a.train.x).not.toEqual(c.train.x);
    expect([a.train.n, a.test!.n]).toEqual([400, 100]);
    const seen = new Set(a.train.y);
    expect(seen.size).toBe(4);
    expect(() => teacherData({ classes: 1 })).toThrow('teacher.classes: expected an integer >= 2, got 1');
  });
});

describe('batches', () => {
  test('in order: step t takes samples (t·B + i) mod N', () => {
    const o = new BatchOrder(10, 4);
    expect([...o.indices(0)]).toEqual([0, 1, 2, 3]);
    expect([...o.indices(2)]).toEqual([8, 9, 0, 1]);
  });

  test('shuffled: each epoch a permutation, seeded, a pure function of the step', () => {
    const o = new BatchOrder(10, 5, { shuffle: true, seed: 7 });
    const epoch0 = [...o.indices(0), ...o.indices(1)];
    expect([...epoch0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch0).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const epoch1 = [...o.indices(2), ...o.indices(3)];
    expect(epoch1).not.toEqual(epoch0);
    const fresh = new BatchOrder(10, 5, { shuffle: true, seed: 7 });
    expect([...fresh.indices(3)]).toEqual(epoch1.slice(5)); // same batch without walking the earlier steps
    expect([...new BatchOrder(10, 5, { shuffle: true, seed: 8 }).indices(0)]).not.toEqual(epoch0.slice(0, 5));
  });

  test('a global batch is shared by the systems without gaps or overlaps', () => {
    for (const [B, S] of [[32, 1], [32, 4], [33, 4], [8, 8]]) {
      let at = 0;
      for (let s = 0; s < S; s++) {
        const { start, count } = systemShare(B, S, s);
        expect(start).toBe(at);
        expect(count).toBeGreaterThanOrEqual(Math.floor(B / S));
        at += count;
      }
      expect(at).toBe(B);
    }
    expect(() => systemShare(3, 4, 0)).toThrow('--batch: expected at least one sample per system (>= --systems 4), got 3');
  });

  test('an evaluation chunk smaller than the systems is shared the same way, the last systems holding none', () => {
    for (const [n, S] of [[33, 4], [3, 4], [1, 8], [0, 2]]) {
      let at = 0;
      for (let s = 0; s < S; s++) {
        const { start, count } = chunkShare(n, S, s);
        expect(start).toBe(at);
        expect(count).toBe(s < n % S ? Math.floor(n / S) + 1 : Math.floor(n / S));
        if (n >= S) expect({ start, count }).toEqual(systemShare(n, S, s));
        at += count;
      }
      expect(at).toBe(n);
    }
  });

  test('fillBatch copies rows into the feature-major [D, b] layout', () => {
    const split = { x: new Float32Array([0, 1, 2, 10, 11, 12, 20, 21, 22]), y: new Int32Array([5, 6, 7]), n: 3 };
    const xt = new Float32Array(6);
    const y = new Int32Array(2);
    fillBatch(split, 3, [2, 0], xt, y);
    expect([...xt]).toEqual([20, 0, 21, 1, 22, 2]);
    expect([...y]).toEqual([7, 5]);
    expect(() => fillBatch(split, 3, [3], xt, y)).toThrow('fillBatch.indices[0]: expected a sample in [0, 3), got 3');
  });
});
