// The check's reference sums (src/fabric/check.ts checkedSums: the sums and their bounds in one read of the
// weights) against the plain reference kernels spmmForwardRef and spmmDeltaRef, run twice (on w·a and on
// |w|·|a|) as the check ran them before: bit for bit, on drawn layers, sample counts and row ranges. And the
// check's progress, in the library and on the command line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedSums, checkOutput, withAbs } from '../../src/fabric/check.js';
import { heldWeights } from '../../src/fabric/layer-weights.js';
import { rootPath } from '../../src/paths.js';
import { bitsOf, inRanges } from './case.js';
import { spmmDeltaRef, spmmForwardRef } from '../../src/ref/sparse.js';
import { randomStream, randomValues, rowRange, streamValues, withValues, type WeightStream } from '../../src/sparse/stream.js';

/** The reference kernels' sums and bounds for the whole stream, as [outRows, S] each. */
function reference(pass: 'forward' | 'delta', ws: WeightStream, a: Float32Array, S: number): [Float32Array, Float32Array] {
  const absWs = withValues(ws, streamValues(ws).map(Math.abs));
  const absA = a.map(Math.abs);
  const outRows = pass === 'forward' ? ws.N : ws.K;
  const [ref, absRef] = [new Float32Array(outRows * S), new Float32Array(outRows * S)];
  const kernel = pass === 'forward' ? spmmForwardRef : spmmDeltaRef;
  kernel(ref, a, ws.words, ws.K, ws.N, S);
  kernel(absRef, absA, absWs.words, ws.K, ws.N, S);
  return [ref, absRef];
}

/** checkedSums over the stream read in ranges of `step` rows, split back into sums and bounds. */
function fused(pass: 'forward' | 'delta', ws: WeightStream, a: Float32Array, S: number, step: number): [Float32Array, Float32Array] {
  const outRows = pass === 'forward' ? ws.N : ws.K;
  const inRows = pass === 'forward' ? ws.K : ws.N;
  const sums = new Float32Array(outRows * 2 * S);
  const inputs = withAbs(a, inRows, S);
  for (let k0 = 0; k0 < ws.K; k0 += step) checkedSums(pass, rowRange(ws, k0, Math.min(ws.K, k0 + step)), k0, inputs, S, sums);
  const [ref, absRef] = [new Float32Array(outRows * S), new Float32Array(outRows * S)];
  for (let r = 0; r < outRows; r++) {
    ref.set(sums.subarray(2 * r * S, (2 * r + 1) * S), r * S);
    absRef.set(sums.subarray((2 * r + 1) * S, (2 * r + 2) * S), r * S);
  }
  return [ref, absRef];
}

describe('fabric check: the reference sums in one read', () => {
  it('equal the reference kernels bit for bit (forward and delta, any row ranges)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.95, noNaN: true })), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 1000 }),
        (K, N, S, sparsity, step, seed) => {
          const ws = randomStream(K, N, sparsity, seed);
          for (const pass of ['forward', 'delta'] as const) {
            const a = randomValues((pass === 'forward' ? K : N) * S, seed + 1);
            const [ref, absRef] = reference(pass, ws, a, S);
            const [got, absGot] = fused(pass, ws, a, S, step);
            expect(bitsOf(got), `${pass} sums`).toEqual(bitsOf(ref));
            expect(bitsOf(absGot), `${pass} bounds`).toEqual(bitsOf(absRef));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('withAbs puts each row beside its absolute values', () => {
    const a = new Float32Array([1, -2, -0, 3.5, -4, 5]);
    expect(Array.from(withAbs(a, 2, 3))).toEqual([1, -2, -0, 1, 2, 0, 3.5, -4, 5, 3.5, 4, 5]);
  });
});


describe('fabric check: progress', () => {
  it('reports the fraction of the weights read after each range, up to 1', () => {
    const [K, N, B] = [23, 9, 5];
    const ws = randomStream(K, N, 0.3, 3);
    const xt = randomValues(K * B, 4);
    const dyt = randomValues(N * B, 5);
    for (const pass of ['forward', 'delta'] as const) {
      const seen: number[] = [];
      checkOutput('sampled', { pass, weights: inRanges(ws, 5), B, xt, dyt, splitTerms: 1, progress: (f) => seen.push(f) }, new Float32Array((pass === 'forward' ? N : K) * B));
      expect(seen, pass).toEqual([5, 10, 15, 20, 23].map((k) => k / K));
    }
    const seen: number[] = [];
    checkOutput('sampled', { pass: 'gradient', weights: heldWeights(ws), B, xt, dyt, splitTerms: 1, progress: (f) => seen.push(f) }, new Float32Array(ws.nnz));
    expect(seen).toEqual(Array.from({ length: K }, (_, i) => (i + 1) / K)); // K <= SAMPLED_ROWS: every row
  });
});

describe.skipIf(!existsSync(rootPath('dist', 'src', 'cli', 'fabric.js')))('fabric check: progress on the command line', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', '4', '--cols', '4', '--batch', '8', '--in', '32', '--out', '16', ...args], { encoding: 'utf8' });
  it('shows the check after the cycles where it runs, not with --check off or --quiet', () => {
    const on = cli('--check', 'full');
    expect(on.status).toBe(0);
    const lines = on.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe('fabric check: 100/100 % of the weights read');
    const cycles = lines.findIndex((l) => l.startsWith('fabric: '));
    expect(cycles).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => l.startsWith('fabric check'))).toBeGreaterThan(cycles);
    const off = cli('--check', 'off');
    expect(off.status).toBe(0);
    expect(off.stderr).not.toMatch(/fabric check/);
    expect(cli('--check', 'full', '--quiet').stderr).toBe('');
  });
});
