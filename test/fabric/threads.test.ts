// fabric threads (runFabricAsync / FabricSim.runThreads): bands of columns run as a wavefront on worker
// threads give the cycles, the counters, the per-core cycle accounting and the result bits of one thread,
// and of the plain-TS reference fabric; on dense and sparse layers, all three passes, bands of one column,
// column heights that split the 32-node bitmap words, 1-deep queues; and bad thread counts are refused.
// The band threads load the compiled module (dist/, build/): skipped until `npm run build` has run.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fabricMachine } from '../../src/fabric/defaults.js';
import { bitsOf, caseRun, type Case } from './case.js';
import { mapLayer, type FabricPass } from '../../src/fabric/mapping.js';
import { FabricSim } from '../../src/fabric/sim.js';
import { runFabric, runFabricAsync } from '../../src/fabric/run.js';
import { balanceEpoch, bandColumns, resolveBalance, type BalancePlan, type BandSplit } from '../../src/fabric/bands.js';
import { runReference } from '../../src/fabric/reference/mesh.js';
import { rootPath } from '../../src/paths.js';

const built = existsSync(rootPath('dist', 'src', 'fabric', 'band-worker.js')) && existsSync(rootPath('build', 'release.wasm'));



/**
 * One pass on one thread, on `threads` threads and on the reference fabric; what each says. `spins`: a
 * band's looks before it sleeps (10: it sleeps and is woken at nearly every wait; default 2,000: the tests
 * share their cores with other test files, where bands that spin long only slow each other down).
 */
async function three(c: Case, pass: FabricPass, seed: number, threads: number, spins = 2000, balance?: BalancePlan) {
  const { machine, mapping, streams, inputs } = caseRun(c, pass, seed);
  const one = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release' });
  one.run({ maxCycles: 5_000_000 });
  const many = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release', threads, spins, balance });
  await many.runThreads({ maxCycles: 5_000_000 });
  const ref = runReference(mapping, machine, streams, inputs);
  const view = (s: FabricSim) => ({ counters: s.counters(), coreCycles: Array.from(s.coreCycles()), output: bitsOf(s.output()) });
  return { one: view(one), many: view(many), ref, split: many.bandSplit() };
}

/** Runs `three` and expects the threads' counters, per-core cycles and bits to be one thread's and the reference's; returns the cycles and the bands' final split. */
async function expectSameSplit(c: Case, pass: FabricPass, seed: number, threads: number, spins?: number, balance?: BalancePlan) {
  const { one, many, ref, split } = await three(c, pass, seed, threads, spins, balance);
  const what = `${pass} ${c.rows}x${c.cols} B=${c.B} K=${c.K} N=${c.N} s=${c.sparsity} on ${threads} threads (spins ${spins ?? 'default'}, balance ${JSON.stringify(balance ?? 'default')})`;
  expect(many.counters, `${what}: counters (cycles included) as one thread`).toEqual(one.counters);
  expect(many.coreCycles, `${what}: per-core cycles as one thread`).toEqual(one.coreCycles);
  expect(many.output, `${what}: result bits as one thread`).toEqual(one.output);
  const { routerSteps: _r, coreSteps: _c, ...counters } = many.counters;
  expect(counters, `${what}: counters as the reference`).toEqual(ref.counters);
  expect(many.output, `${what}: result bits as the reference`).toEqual(bitsOf(ref.output));
  return { cycles: many.counters.cycles, split };
}

async function expectSame(c: Case, pass: FabricPass, seed: number, threads: number, spins?: number): Promise<number> {
  return (await expectSameSplit(c, pass, seed, threads, spins)).cycles;
}

const PASSES: FabricPass[] = ['forward', 'delta', 'gradient'];

/** The flat [c0, c1, c0, c1, ...] of bands of these widths from column 0 when every width is 1 or more and they add up to `used` (else a list that no split equals). */
function contiguous(widths: number[], used: number): number[] {
  if (widths.some((w) => w < 1) || widths.reduce((a, b) => a + b, 0) !== used) return [-1];
  let c = 0;
  return widths.flatMap((w) => [c, (c += w)]);
}

/** The used columns of case c's pass (mapping.ts). */
const usedColsOf = (c: Case, pass: FabricPass) => mapLayer({ B: c.B, K: c.K, N: c.N }, { rows: c.rows, cols: c.cols }, pass, fabricMachine(c.machine)).usedCols;

/** A balanced run's bands: consecutive columns from 0, one at least each, covering case c's used columns. */
function expectBandsCover(split: BandSplit | null, c: Case, pass: FabricPass): void {
  expect(split!.bands.flat(), 'bands of consecutive columns, one at least each, covering the used ones').toEqual(contiguous(split!.bands.map(([c0, c1]) => c1 - c0), usedColsOf(c, pass)));
}

describe('fabric threads: the cycles and bits of one thread', () => {
  it('bands split the used columns evenly, none empty', () => {
    expect(bandColumns(10, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(bandColumns(4, 4)).toEqual([[0, 1], [1, 2], [2, 3], [3, 4]]);
  });

  it.runIf(built)('dense and sparse, every pass, 2 to 4 threads (bands of one column included), bands that spin or sleep at every wait', async () => {
    for (const pass of PASSES) {
      for (const threads of [2, 3, 4]) {
        expect(await expectSame({ rows: 4, cols: 4, B: 12, K: 20, N: 16, sparsity: 0 }, pass, 3, threads)).toBeGreaterThan(0);
        await expectSame({ rows: 5, cols: 6, B: 15, K: 24, N: 18, sparsity: 0.8 }, pass, 4, threads, 10);
      }
    }
  });

  it.runIf(built)('columns of 12 and 40 nodes (a band boundary inside a 32-node bitmap word), 1-deep queues, a very sparse layer', async () => {
    for (const pass of PASSES) {
      await expectSame({ rows: 12, cols: 8, B: 24, K: 32, N: 24, sparsity: 0.5 }, pass, 12, 3);
      await expectSame({ rows: 40, cols: 3, B: 40, K: 9, N: 6, sparsity: 0.3 }, pass, 14, 2);
      await expectSame({ rows: 3, cols: 6, B: 9, K: 12, N: 12, sparsity: 0.4, machine: { routerQueueWavelets: 1, coreQueueWavelets: 1 } }, pass, 8, 3);
      await expectSame({ rows: 3, cols: 5, B: 8, K: 16, N: 12, sparsity: 0.97 }, pass, 5, 2);
    }
  });

  it.runIf(built)('random small meshes, shapes, sparsities and thread counts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 2, max: 7 }),
          B: fc.integer({ min: 1, max: 12 }), K: fc.integer({ min: 2, max: 14 }), N: fc.integer({ min: 2, max: 14 }),
          sparsity: fc.constantFrom(0, 0.3, 0.7, 0.95), q: fc.constantFrom(1, 2, 4), threads: fc.integer({ min: 2, max: 4 }), spins: fc.constantFrom(undefined, 10, 1000),
          pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async (r) => {
          const machine = { routerQueueWavelets: r.q, coreQueueWavelets: r.q };
          const c = { rows: r.rows, cols: r.cols, B: r.B, K: r.K, N: r.N, sparsity: r.sparsity, machine };
          const used = mapLayer({ B: c.B, K: c.K, N: c.N }, { rows: c.rows, cols: c.cols }, r.pass, fabricMachine(machine)).usedCols;
          await expectSame(c, r.pass, r.seed, Math.min(r.threads, used), r.spins);
        },
      ),
      { numRuns: 25, seed: 20261206 },
    );
  });

  it.runIf(built)('3 and 4 bands that sleep at nearly every wait: the end-of-cycle agreement holds (a band may run cycles ahead of one still reading)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 4, max: 7 }), B: fc.integer({ min: 2, max: 10 }),
          K: fc.integer({ min: 4, max: 14 }), N: fc.integer({ min: 4, max: 14 }), sparsity: fc.constantFrom(0.3, 0.7, 0.95),
          threads: fc.integer({ min: 3, max: 4 }), pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async (r) => {
          const c = { rows: r.rows, cols: r.cols, B: r.B, K: r.K, N: r.N, sparsity: r.sparsity };
          const used = mapLayer({ B: c.B, K: c.K, N: c.N }, { rows: c.rows, cols: c.cols }, r.pass, fabricMachine()).usedCols;
          if (used >= 3) await expectSame(c, r.pass, r.seed, Math.min(r.threads, used), 10);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it.runIf(built)('columns moved between bands every 1 to 5 cycles (shuffled boundaries): the cycles and bits of one thread, every pass, 2 to 4 bands', async () => {
    const cases: Case[] = [
      { rows: 5, cols: 6, B: 15, K: 24, N: 18, sparsity: 0.5 },
      { rows: 4, cols: 8, B: 12, K: 32, N: 16, sparsity: 0 },
      { rows: 12, cols: 8, B: 24, K: 32, N: 24, sparsity: 0.5 }, // a band boundary inside a 32-node bitmap word
      { rows: 3, cols: 7, B: 9, K: 14, N: 12, sparsity: 0.4, machine: { routerQueueWavelets: 1, coreQueueWavelets: 1 } },
    ];
    let moved = 0;
    for (const pass of PASSES) {
      for (const [i, c] of cases.entries()) {
        for (const threads of [2, 3, 4]) {
          const { split } = await expectSameSplit(c, pass, 11 + i, threads, threads === 4 ? 10 : 2000, { mode: 'shuffle', epoch: 1 + ((i + threads) % 5), seed: 97 * i + threads });
          expectBandsCover(split, c, pass);
          moved += split!.moved;
        }
      }
    }
    expect(moved, 'columns really moved').toBeGreaterThan(1000);
  });

  it.runIf(built)('shuffled boundaries on random small meshes, shapes, sparsities, epochs and seeds (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 6 }), cols: fc.integer({ min: 3, max: 8 }),
          B: fc.integer({ min: 1, max: 12 }), K: fc.integer({ min: 3, max: 16 }), N: fc.integer({ min: 2, max: 14 }),
          sparsity: fc.constantFrom(0, 0.5, 0.9), threads: fc.integer({ min: 2, max: 3 }), epoch: fc.integer({ min: 1, max: 9 }),
          pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async (r) => {
          const c = { rows: r.rows, cols: r.cols, B: r.B, K: r.K, N: r.N, sparsity: r.sparsity };
          const threads = Math.min(r.threads, usedColsOf(c, r.pass));
          if (threads >= 2) await expectSameSplit(c, r.pass, r.seed, threads, 2000, { mode: 'shuffle', epoch: r.epoch, seed: r.seed + 1 });
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });

  it.runIf(built)('balanced by time (a barrier every 8 cycles): the bits of one thread; static keeps the even split', async () => {
    const c = { rows: 6, cols: 10, B: 24, K: 60, N: 40, sparsity: 0.3 };
    for (const pass of PASSES) {
      const { split } = await expectSameSplit(c, pass, 5, 2, 2000, { mode: 'time', epoch: 8 });
      expectBandsCover(split, c, pass);
      const fixed = await expectSameSplit(c, pass, 5, 2, 2000, { mode: 'static', epoch: 8 });
      expect(fixed.split).toEqual({ mode: 'static', epochCycles: 8, bands: bandColumns(usedColsOf(c, pass), 2), moved: 0 });
    }
  });

  // The direction of the balancing, not only its correctness: a band on an emulated CPU eight times slower (slowBand: it
  // spins seven times the time it computed) must give columns to the other. Needs a CPU a band (else both bands share one
  // and their times say little); the ideal split is 8 : 1, so only a gross error keeps band 1 at its even half or more.
  // At four times slower it failed once in a full `npm test` (2026-12-07: the split back at 8 of 16 columns after moves),
  // where other test files' threads share the two CPUs: a band descheduled for an epoch looks as slow as the slow one.
  it.runIf(built && availableParallelism() >= 2)('balanced by time, one band on an emulated CPU 8x slower: the bits of one thread, and that band ends narrower', async () => {
    const c = { rows: 8, cols: 16, B: 64, K: 256, N: 48, sparsity: 0 };
    const used = usedColsOf(c, 'forward');
    const { split } = await expectSameSplit(c, 'forward', 3, 2, 2000, { mode: 'time', epoch: 64, slowBand: { band: 1, percent: 700 } });
    expectBandsCover(split, c, 'forward');
    expect(split!.moved, 'columns moved').toBeGreaterThan(0);
    const [, [s0, s1]] = split!.bands;
    expect(s1 - s0, `the slow band's columns of ${used} (even split: ${used / 2})`).toBeLessThan(used / 2);
  });

  it('the default plan: by time where each band has a CPU, else static; the epoch is about 2 M core-cycles', () => {
    expect(resolveBalance(undefined, 2, 4096)).toEqual({ mode: availableParallelism() >= 2 ? 'time' : 'static', epoch: 512 });
    expect(resolveBalance('static', 2, 4096).mode).toBe('static');
    expect(resolveBalance('dynamic', availableParallelism() + 1, 4096).mode).toBe('static');
    expect([balanceEpoch(1), balanceEpoch(1024), balanceEpoch(850_000)]).toEqual([65_536, 2048, 8]);
  });

  it.runIf(built)('runFabricAsync: the same result as runFabric, threads reported; bad thread counts refused in one line', async () => {
    const o = { rows: 8, cols: 8, batch: 32, in: 64, out: 32, sparsity: 0.5, seed: 2, check: 'full' as const };
    const a = runFabric(o);
    const b = await runFabricAsync({ ...o, threads: 2 });
    expect(b.result.threads).toBe(2);
    expect(b.result.cycles).toBe(a.result.cycles);
    expect(b.result.check).toBe('full');
    expect(b.result.errorBoundRatio).toBeLessThanOrEqual(1);
    expect(bitsOf(b.output)).toEqual(bitsOf(a.output));
    expect((await runFabricAsync({ ...o, threads: 'auto' })).result.threads).toBe(1); // 8 columns: under 16 a thread
    await expect(runFabricAsync({ ...o, threads: 9 })).rejects.toThrow(/^threads: expected at most one thread per used column \(8 used columns on this mapping\), got 9$/);
    await expect(runFabricAsync({ ...o, threads: 0 })).rejects.toThrow(/^threads: /);
    await expect(runFabricAsync({ ...o, threads: 2, machine: { edgeWaveletsPerCycle: 2 } })).rejects.toThrow(/^threads: expected 1 under a shared edge cap/);
    expect(() => runFabric({ ...o, threads: 2 })).toThrow(/^threads: expected 1 \(runFabric runs on this thread/);
    await expect(runFabricAsync({ ...o, threads: 2, balance: 'even' as 'static' })).rejects.toThrow(/^balance: expected one of static, dynamic, got "even"$/);
    expect(b.result.balance?.bands.at(-1)?.[1]).toBe(8);
  });

  it.runIf(built)('the CLI: --threads 2 prints the cycles of --threads 1 and says its threads; --threads past the columns is one line, exit 1', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', '6', '--cols', '6', '--batch', '24', '--in', '48', '--out', '36', '--sparsity', '0.5', '--quiet', ...args], { encoding: 'utf8' });
    const one = cli('--threads', '1', '--json');
    const two = cli('--threads', '2', '--json');
    expect(two.status, two.stderr).toBe(0);
    const [a, b] = [JSON.parse(one.stdout), JSON.parse(two.stdout)];
    expect([a.threads, b.threads]).toEqual([1, 2]);
    expect(b.cycles).toBe(a.cycles);
    expect(b.counters).toEqual(a.counters);
    expect(b.maxAbsError).toBe(a.maxAbsError);
    const bad = cli('--threads', '7');
    expect(bad.status).toBe(2); // a bad flag (it was 1: the library's refusal)
    expect(bad.stderr.trim()).toBe('weightstream: error: --threads: expected at most one thread per used column (6 used columns on this mapping), got 7');
  });
});
