// The outside reference for the sparse kernels: SciPy CSR (and NumPy dense) in a /usr/bin/python3 child
// process compute forward, delta and gradient on the same seeded inputs, exchanged through files in a
// temp dir (test/python/check_sparse.py); Python also decodes the stream with its own decoder. The WASM
// results must agree within the named tolerance; a corrupted stream must be refused by Python too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Wasm } from '../../src/wasm/module.js';
import { decodeStream, randomStream, type WeightStream } from '../../src/sparse/stream.js';
import { randomF32 } from '../../src/ref/rng.js';
import { SPMM_REL_TOL, sparseDelta, sparseForward, sparseGrad } from '../../src/kernels/sparse.js';
import { compareArrays } from '../../src/kernels/compare.js';
import { rootPath } from '../../src/paths.js';
import { outside, pythonPath } from '../helpers/outside.js';

const PYTHON = pythonPath();
const SCRIPT = rootPath('test', 'python', 'check_sparse.py');
const haveScipy = outside(['numpy', 'scipy'], 'sparse kernels vs SciPy CSR and NumPy (test/python/sparse-python.test.ts)');

interface Case {
  name: string;
  s: WeightStream;
  B: number;
  Xt: Float32Array;
  dYt: Float32Array;
}

const w = new Wasm();
const dir = mkdtempSync(join(tmpdir(), 'weightstream-sparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeCase(name: string, K: number, N: number, B: number, sparsity: number, seed: number): Case {
  return { name, s: randomStream(K, N, sparsity, seed), B, Xt: randomF32(K * B, seed + 1), dYt: randomF32(N * B, seed + 2) };
}

function write(file: string, a: ArrayBufferView): void {
  writeFileSync(join(dir, file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function read(file: string): Float32Array {
  const b = readFileSync(join(dir, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function runPython(cases: Case[]): Record<string, { decodeOk: boolean; csrNnz: number; error?: string }> {
  for (const c of cases) {
    write(`${c.name}.stream.u32`, c.s.words);
    write(`${c.name}.w.f32`, decodeStream(c.s));
    write(`${c.name}.xt.f32`, c.Xt);
    write(`${c.name}.dyt.f32`, c.dYt);
  }
  const meta = { cases: cases.map((c) => ({ name: c.name, K: c.s.K, N: c.s.N, B: c.B })) };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  execFileSync(PYTHON, [SCRIPT, dir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
}

describe.skipIf(!haveScipy)('sparse kernels agree with SciPy CSR and NumPy', () => {
  const cases = [
    makeCase('dense', 24, 20, 16, 0, 1),
    makeCase('s50', 64, 48, 33, 0.5, 2),
    makeCase('s90', 256, 192, 64, 0.9, 3),
    makeCase('s99', 512, 384, 40, 0.99, 4),
    makeCase('zero', 9, 7, 5, 1, 5),
    makeCase('batch1', 70, 90, 1, 0.8, 6),
    makeCase('wide', 3, 900, 10, 0.9, 7),
    makeCase('tall', 900, 3, 10, 0.9, 8),
  ];

  it('Python decodes every stream to the matrix the TS side encoded, and the products agree', () => {
    const result = runPython(cases);
    for (const c of cases) {
      const r = result[c.name];
      expect(r, c.name).toBeDefined();
      expect(r.error, c.name).toBeUndefined();
      expect(r.decodeOk, c.name).toBe(true);
      expect(r.csrNnz, c.name).toBe(c.s.nnz);
      const fwd = compareArrays(sparseForward(w, c.s, c.Xt, c.B), read(`${c.name}.yt.f32`));
      const fwdDense = compareArrays(sparseForward(w, c.s, c.Xt, c.B), read(`${c.name}.ytdense.f32`));
      const delta = compareArrays(sparseDelta(w, c.s, c.dYt, c.B), read(`${c.name}.dxt.f32`));
      const grad = compareArrays(sparseGrad(w, c.s, c.Xt, c.dYt, c.B), read(`${c.name}.g.f32`));
      for (const [what, cmp] of Object.entries({ fwd, fwdDense, delta, grad })) {
        expect(cmp.maxRelError, `${c.name} ${what}`).toBeLessThanOrEqual(SPMM_REL_TOL);
      }
    }
  });

  it('Python refuses a stream whose column leaves the matrix, as the TS validator does', () => {
    const c = makeCase('corrupt', 5, 6, 4, 0.5, 9);
    let p = 0;
    while (c.s.words[p] === 0) p++;
    c.s.words[p + 1] = 6; // first pair of the first non-empty row: column 6 of N = 6
    const r = runPython([c]).corrupt;
    expect(r.decodeOk).toBe(false);
    expect(r.error).toMatch(/column 6 >= N = 6/);
  });
});
