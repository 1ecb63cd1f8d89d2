// The skewed order on one thread (assembly/fabric/skew.ts: bands of columns run tile by tile, each band a few
// cycles ahead of its east neighbour, for cache locality on large meshes) gives the cycles, the counters, the
// per-core cycle accounting and the result bits of loop.ts's order, and of the plain-TS reference fabric: on
// dense and sparse layers, all three passes, bands of one column, column heights that split the 32-node bitmap
// words, blocks and tiles of every size down to one, and random cases.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsOf, caseRun, type Case } from './case.js';
import type { FabricPass } from '../../src/fabric/mapping.js';
import { FabricSim, type SkewPlan } from '../../src/fabric/sim.js';
import { DEFAULT_SKEW_BLOCKS, PARTS_PER_THREAD, PART_MIN_BANDS, SKEW_BLOCKS_NODE_BYTES, resolveSkew, skewByBlocks, skewFrontWords, skewParts } from '../../src/fabric/skew-plan.js';
import { fabricMachine } from '../../src/fabric/defaults.js';
import { mapLayer } from '../../src/fabric/mapping.js';
import { runReference } from '../../src/fabric/reference/mesh.js';
import { DEFAULT_SKEW, runFabric, runFabricAsync } from '../../src/fabric/run.js';
import { rootPath } from '../../src/paths.js';

const built = existsSync(rootPath('build', 'release.wasm'));
const builtThreads = built && existsSync(rootPath('dist', 'src', 'fabric', 'band-worker.js'));
const PASSES: FabricPass[] = ['forward', 'delta', 'gradient'];

function expectSame(c: Case, pass: FabricPass, seed: number, plan: SkewPlan): number {
  const { machine, mapping, streams, inputs } = caseRun(c, pass, seed);
  const view = (s: FabricSim) => ({ counters: s.counters(), coreCycles: Array.from(s.coreCycles()), output: bitsOf(s.output()) });
  const one = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release' });
  one.run({ maxCycles: 5_000_000 });
  const sk = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release', skew: plan });
  expect(sk.skew).toEqual(plan);
  sk.run({ maxCycles: 5_000_000 });
  const [a, b] = [view(one), view(sk)];
  const what = `${pass} ${c.rows}x${c.cols} B=${c.B} K=${c.K} N=${c.N} s=${c.sparsity} skewed ${JSON.stringify(plan)}`;
  expect(b.counters, `${what}: counters (cycles included) as loop.ts`).toEqual(a.counters);
  expect(b.coreCycles, `${what}: per-core cycles as loop.ts`).toEqual(a.coreCycles);
  expect(b.output, `${what}: result bits as loop.ts`).toEqual(a.output);
  const ref = runReference(mapping, machine, streams, inputs);
  const { routerSteps: _r, coreSteps: _c, ...counters } = b.counters;
  expect(counters, `${what}: counters as the reference`).toEqual(ref.counters);
  expect(b.output, `${what}: result bits as the reference`).toEqual(bitsOf(ref.output));
  return b.counters.cycles;
}

/** A random small layer for the skewed order on 2 to maxThreads threads (fast-check record fields): mesh, layer, pass, seed, blocks, tiles, spins. */
function threadedCase(maxThreads: number) {
  return {
    rows: fc.integer({ min: 1, max: 10 }), cols: fc.integer({ min: 4, max: 12 }), B: fc.integer({ min: 1, max: 30 }),
    K: fc.integer({ min: 4, max: 30 }), N: fc.integer({ min: 4, max: 30 }), sparsity: fc.constantFrom(0, 0.5, 0.9),
    pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 1, max: 1000 }), threads: fc.integer({ min: 2, max: maxThreads }),
    block: fc.integer({ min: 1, max: 20 }), tile: fc.integer({ min: 1, max: 20 }), spins: fc.constantFrom(10, 2000),
  };
}

/** threadedCase's layer, at least one row of B, one column of K and N a core. */
const caseOf = (r: { rows: number; cols: number; B: number; K: number; N: number; sparsity: number }): Case =>
  ({ rows: r.rows, cols: r.cols, B: Math.max(r.B, r.rows), K: Math.max(r.K, r.cols), N: Math.max(r.N, r.cols), sparsity: r.sparsity });

/** The skewed order on `threads` threads (parts of the bands or blocks of cycles), against loop.ts's order on one. */
async function expectSameOnThreads(c: Case, pass: FabricPass, seed: number, plan: SkewPlan, threads: number, spins = 2000): Promise<void> {
  const { machine, mapping, streams, inputs } = caseRun(c, pass, seed);
  const view = (s: FabricSim) => ({ counters: s.counters(), coreCycles: Array.from(s.coreCycles()), output: bitsOf(s.output()) });
  const one = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release' });
  one.run({ maxCycles: 5_000_000 });
  const sk = new FabricSim(mapping, machine, streams, inputs, { flavor: 'release', skew: plan, threads, spins });
  expect(sk.skew).toEqual(plan);
  await sk.runThreads({ maxCycles: 5_000_000 });
  const what = `${pass} ${c.rows}x${c.cols} B=${c.B} K=${c.K} N=${c.N} s=${c.sparsity} skewed ${JSON.stringify(plan)} on ${threads} threads (spins ${spins})`;
  const [a, b] = [view(one), view(sk)];
  expect(b.counters, `${what}: counters`).toEqual(a.counters);
  expect(b.coreCycles, `${what}: per-core cycles`).toEqual(a.coreCycles);
  expect(b.output, `${what}: result bits`).toEqual(a.output);
}

describe('fabric skewed order: the cycles and bits of loop.ts', () => {
  it.runIf(built)('dense and sparse, every pass, bands of one to three columns, blocks and tiles from one up', () => {
    const plans: SkewPlan[] = [
      { bandCols: 1, block: 8, tile: 6 }, { bandCols: 2, block: 16, tile: 8 }, { bandCols: 3, block: 1, tile: 1 }, { bandCols: 1, block: 64, tile: 24 },
    ];
    for (const pass of PASSES) {
      for (const c of [
        { rows: 8, cols: 8, B: 64, K: 256, N: 128, sparsity: 0 },
        { rows: 6, cols: 10, B: 48, K: 100, N: 90, sparsity: 0.9 },
        { rows: 33, cols: 17, B: 33, K: 34, N: 17, sparsity: 0.5 }, // 33 rows: a column boundary inside every bitmap word
      ]) {
        for (const plan of plans) expect(expectSame(c, pass, 7, plan)).toBeGreaterThan(0);
      }
    }
  });

  it.runIf(built)('random cases: meshes, layers, sparsity, queue depths of 1, bands, blocks and tiles', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 12 }), cols: fc.integer({ min: 2, max: 12 }), B: fc.integer({ min: 1, max: 40 }),
          K: fc.integer({ min: 2, max: 40 }), N: fc.integer({ min: 2, max: 40 }), sparsity: fc.constantFrom(0, 0.5, 0.9),
          shallow: fc.boolean(), pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 1, max: 1000 }),
          bandCols: fc.integer({ min: 1, max: 4 }), block: fc.integer({ min: 1, max: 40 }), tile: fc.integer({ min: 1, max: 30 }),
        }),
        (r) => {
          const c: Case = { rows: r.rows, cols: r.cols, B: Math.max(r.B, r.rows), K: Math.max(r.K, r.cols), N: Math.max(r.N, r.cols), sparsity: r.sparsity, machine: r.shallow ? { routerQueueWavelets: 1, coreQueueWavelets: 1 } : undefined };
          expectSame(c, r.pass, r.seed, { bandCols: r.bandCols, block: r.block, tile: r.tile });
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  it.runIf(builtThreads)('runFabric: auto takes it past 8 MB of node records only; on, off and a plan give the same run, on threads too; refused with fewer bands than threads or under a shared edge cap', async () => {
    const small = { rows: 8, cols: 8, batch: 64, in: 128, out: 64, sparsity: 0.5, flavor: 'release' as const };
    expect(runFabric(small).result.skew).toBeNull(); // 64 nodes: loop.ts's order
    const on = runFabric({ ...small, skew: true }).result;
    const plan = runFabric({ ...small, skew: { bandCols: 3, block: 5, tile: 7 } }).result;
    const off = runFabric({ ...small, skew: false }).result;
    expect(on.skew).toEqual(DEFAULT_SKEW);
    expect(plan.skew).toEqual({ bandCols: 3, block: 5, tile: 7 });
    for (const r of [on, plan]) expect([r.cycles, r.counters, r.errorBoundRatio <= 1]).toEqual([off.cycles, off.counters, true]);
    // 200 x 170 nodes of 256 bytes = 8.7 MB: auto takes it, and threads 'auto' one a core, in parts (under SKEW_BLOCKS_NODE_BYTES)
    const large = { rows: 200, cols: 170, batch: 200, in: 340, out: 170, sparsity: 0.99, check: 'off' as const, flavor: 'release' as const };
    const machine = fabricMachine();
    expect(resolveSkew('auto', mapLayer({ B: 190, K: 340, N: 170 }, { rows: 190, cols: 170 }, 'forward', machine), machine, 1)).toBeNull(); // 190 x 170: 8.3 MB, under 8 MiB
    const auto = (await runFabricAsync({ ...large, threads: 'auto' })).result;
    expect([auto.skew, auto.threads]).toEqual([DEFAULT_SKEW, Math.min(availableParallelism(), Math.floor(170 / 16))]);
    expect(runFabric({ ...large, skew: false }).result.counters).toEqual(auto.counters);
    const parts = (await runFabricAsync({ ...large, threads: 2 })).result;
    expect([parts.skew, parts.threads, parts.counters]).toEqual([DEFAULT_SKEW, 2, auto.counters]);
    expect((await runFabricAsync({ ...large, threads: 'auto', skew: false })).result.threads).toBe(Math.min(availableParallelism(), Math.floor(170 / 16)));
    const two = (await runFabricAsync({ ...small, threads: 2, skew: true })).result;
    expect([two.skew, two.threads, two.counters]).toEqual([DEFAULT_SKEW, 2, off.counters]);
    await expect(runFabricAsync({ ...small, threads: 3, skew: { bandCols: 4, block: 8, tile: 8 } })).rejects.toThrow(/skew: expected narrower bands: 8 used columns in bands of 4 make 2, fewer than 3 \(two at least, and one a thread\)/);
    expect(() => runFabric({ ...small, skew: true, machine: { edgeWaveletsPerCycle: 4 } })).toThrow(/skew: expected false or 'auto' under a shared edge cap/);
    expect(runFabric({ ...large, machine: { edgeWaveletsPerCycle: 4 } }).result.skew).toBeNull();
    expect(() => runFabric({ ...small, skew: { bandCols: 0, block: 1, tile: 1 } })).toThrow(/skew\.bandCols/);
  });

  it('threads split the skewed order by blocks of cycles past SKEW_BLOCKS_NODE_BYTES of node records only (auto and on); one thread keeps its shape; a bad split is refused', () => {
    const machine = fabricMachine();
    const mesh = (R: number, C: number) => mapLayer({ B: R, K: 2 * C, N: C }, { rows: R, cols: C }, 'forward', machine);
    expect(SKEW_BLOCKS_NODE_BYTES).toBe(48 << 20);
    expect(skewByBlocks(mesh(250, 212), machine)).toBe(false); // 13.6 MB of 256-byte records: parts 1.75-1.88x
    expect(skewByBlocks(mesh(450, 450), machine)).toBe(true); // 51.8 MB (48 MiB = 50.3 MB)
    expect(skewByBlocks(mesh(430, 430), machine)).toBe(false); // 47.3 MB
    const [big, mid] = [mesh(450, 450), mesh(250, 212)];
    expect(DEFAULT_SKEW_BLOCKS).toEqual({ bandCols: 1, block: 8, tile: 24, split: 'blocks' });
    for (const want of ['auto', true] as const) {
      expect(resolveSkew(want, big, machine, 2)).toEqual(DEFAULT_SKEW_BLOCKS);
      expect(resolveSkew(want, big, machine, 1)).toEqual(DEFAULT_SKEW);
      expect(resolveSkew(want, mid, machine, 2)).toEqual(DEFAULT_SKEW);
    }
    expect(resolveSkew({ ...DEFAULT_SKEW, split: 'blocks' }, mid, machine, 2)).toEqual({ ...DEFAULT_SKEW, split: 'blocks' });
    expect(() => resolveSkew({ ...DEFAULT_SKEW, split: 'rows' as 'parts' }, mid, machine, 2)).toThrow(/skew\.split: expected 'parts' or 'blocks', got "rows"/);
    // a split by blocks keeps one part a thread (its counters' band) and one tile's frontiers over every band a thread
    expect(skewParts(850, 2, DEFAULT_SKEW_BLOCKS)).toBe(2);
    expect(skewFrontWords(850, 2, DEFAULT_SKEW_BLOCKS)).toBe(Math.floor((24 + 2 * 850) / 6) + 3);
    expect(skewFrontWords(850, 16, DEFAULT_SKEW)).toBe(Math.floor((24 + 2 * 54) / 6) + 3);
  });

  it('parts on threads: eight a thread of four bands at least by default, one a thread at least; a plan\'s partsPerThread down to parts of one band', () => {
    expect(skewParts(212, 1, DEFAULT_SKEW)).toBe(1);
    expect(skewParts(212, 2, DEFAULT_SKEW)).toBe(2 * PARTS_PER_THREAD);
    expect(skewParts(850, 4, DEFAULT_SKEW)).toBe(4 * PARTS_PER_THREAD);
    expect(skewParts(40, 2, DEFAULT_SKEW)).toBe(40 / PART_MIN_BANDS);
    expect(skewParts(5, 3, DEFAULT_SKEW)).toBe(3);
    expect(skewParts(10, 3, { ...DEFAULT_SKEW, partsPerThread: 100 })).toBe(10);
    expect(skewParts(10, 3, { ...DEFAULT_SKEW, partsPerThread: 2 })).toBe(6);
    expect(() => runFabric({ rows: 4, cols: 4, batch: 16, in: 32, out: 16, skew: { ...DEFAULT_SKEW, partsPerThread: 0 } })).toThrow(/skew\.partsPerThread/);
  });

  it.runIf(builtThreads)('the CLI: --skew on (and blocks, on 2 threads) gives the cycles of --skew off and says so; a bad value is refused', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', '6', '--cols', '6', '--batch', '36', '--in', '72', '--out', '36', '--sparsity', '0.9', ...args], { encoding: 'utf8' });
    const [on, off] = [cli('--skew', 'on', '--json', '--quiet'), cli('--skew', 'off', '--json', '--quiet')];
    expect([on.status, off.status], on.stderr + off.stderr).toEqual([0, 0]);
    const [a, b] = [JSON.parse(on.stdout), JSON.parse(off.stdout)];
    expect([a.skew, b.skew]).toEqual([DEFAULT_SKEW, null]);
    expect(a.counters).toEqual(b.counters);
    expect(cli('--skew', 'on', '--quiet').stdout).toMatch(/on 1 thread \(skewed order: bands of 1 column\)/);
    const bad = cli('--skew', 'sideways');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--skew: expected one of auto, on, off, parts, blocks, got "sideways"/);
    const blocks = cli('--skew', 'blocks', '--threads', '2', '--json', '--quiet');
    expect(blocks.status, blocks.stderr).toBe(0);
    expect([JSON.parse(blocks.stdout).skew, JSON.parse(blocks.stdout).counters]).toEqual([DEFAULT_SKEW_BLOCKS, b.counters]);
    expect(cli('--skew', 'blocks', '--threads', '2', '--quiet').stdout).toMatch(/on 2 threads \(skewed order: bands of 1 column, a block of 8 cycles a thread in turn\)/);
  });

  it.runIf(builtThreads)('on threads, each a part of the bands: every pass, 2 and 3 threads, parts of one band, bands that sleep at nearly every wait, random cases', async () => {
    for (const pass of PASSES) {
      for (const c of [
        { rows: 8, cols: 8, B: 64, K: 256, N: 128, sparsity: 0 },
        { rows: 33, cols: 17, B: 33, K: 34, N: 17, sparsity: 0.5 },
      ]) {
        await expectSameOnThreads(c, pass, 7, { bandCols: 1, block: 8, tile: 6 }, 2);
        await expectSameOnThreads(c, pass, 7, { bandCols: 2, block: 5, tile: 9 }, 3, 10);
      }
    }
    await expectSameOnThreads({ rows: 5, cols: 4, B: 20, K: 40, N: 30, sparsity: 0.9 }, 'forward', 3, { bandCols: 2, block: 3, tile: 4 }, 2); // parts of one band
    // many parts a thread, dealt out in turn: parts of one band (every unit a boundary unit), of uneven widths, and one a thread
    for (const partsPerThread of [1, 3, 100]) {
      await expectSameOnThreads({ rows: 9, cols: 13, B: 27, K: 39, N: 26, sparsity: 0.5 }, 'forward', 5, { bandCols: 1, block: 7, tile: 10, partsPerThread }, 2, 10);
      await expectSameOnThreads({ rows: 4, cols: 11, B: 12, K: 44, N: 22, sparsity: 0 }, 'gradient', 9, { bandCols: 1, block: 16, tile: 24, partsPerThread }, 3);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ...threadedCase(3), partsPerThread: fc.constantFrom(undefined, 1, 2, 4) }),
        async (r) => {
          await expectSameOnThreads(caseOf(r), r.pass, r.seed, { bandCols: 1, block: r.block, tile: r.tile, partsPerThread: r.partsPerThread }, r.threads, r.spins);
        },
      ),
      { numRuns: 25, seed: 61 },
    );
  }, 120_000);

  it.runIf(builtThreads)('on threads, each a block of cycles over the whole mesh (split blocks): every pass, 2 to 4 threads, blocks and tiles down to one, sleeps at nearly every wait, random cases', async () => {
    const blocks = (block: number, tile: number): SkewPlan => ({ bandCols: 1, block, tile, split: 'blocks' });
    for (const pass of PASSES) {
      for (const c of [
        { rows: 8, cols: 8, B: 64, K: 256, N: 128, sparsity: 0 },
        { rows: 33, cols: 17, B: 33, K: 34, N: 17, sparsity: 0.5 },
      ]) {
        await expectSameOnThreads(c, pass, 7, blocks(8, 6), 2);
        await expectSameOnThreads(c, pass, 7, { ...blocks(5, 9), bandCols: 2 }, 3, 10);
      }
    }
    // blocks of one cycle (every tile waits on the leader), tiles of one key, more threads than blocks in flight
    await expectSameOnThreads({ rows: 5, cols: 4, B: 20, K: 40, N: 30, sparsity: 0.9 }, 'forward', 3, blocks(1, 1), 2, 10);
    await expectSameOnThreads({ rows: 9, cols: 13, B: 27, K: 39, N: 26, sparsity: 0.5 }, 'delta', 5, blocks(3, 4), 4, 10);
    await expectSameOnThreads({ rows: 4, cols: 11, B: 12, K: 44, N: 22, sparsity: 0 }, 'gradient', 9, blocks(128, 24), 2);
    // one-row meshes whose last work at a block's end is a router woken across a band boundary from the east (the quiet
    // check must look at band k - 1 after band k's routers: found by a random search against a build that looked at band k)
    await expectSameOnThreads({ rows: 1, cols: 3, B: 9, K: 4, N: 24, sparsity: 0.9 }, 'gradient', 73, blocks(1, 5), 2, 10);
    await expectSameOnThreads({ rows: 1, cols: 3, B: 1, K: 4, N: 24, sparsity: 0.5 }, 'delta', 385, blocks(3, 1), 2, 10);
    await fc.assert(
      fc.asyncProperty(
        fc.record(threadedCase(4)),
        async (r) => {
          await expectSameOnThreads(caseOf(r), r.pass, r.seed, blocks(r.block, r.tile), r.threads, r.spins);
        },
      ),
      { numRuns: 25, seed: 67 },
    );
  }, 120_000);
});
