// Folded rows (src/fabric/fold.ts): a run that simulates meshes of 2, 3 and 4 rows and unfolds them gives the
// cycles, every counter, the per-core cycle accounting, the breakdown and the heatmap of the run that simulates
// every row, on forward and delta layers, dense and sparse, with queues of every depth, a shared edge cap, unused
// rows and threads; its own checks fail when a row did not add the same; and it is refused where rows are not copies.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.js';
import { FOLD_AUTO_CORE_CYCLES, FOLD_ROWS, foldPlan, foldRuns } from '../../src/fabric/fold.js';
import { modelCycles } from '../../src/fabric/model.js';
import { fabricMachine } from '../../src/fabric/defaults.js';
import { runFabric, runFabricAsync, type FabricRun, type FabricRunOptions } from '../../src/fabric/run.js';
import { rootPath } from '../../src/paths.js';

const builtThreads = existsSync(rootPath('dist', 'src', 'fabric', 'band-worker.js'));
const builtCli = existsSync(rootPath('dist', 'src', 'cli', 'fabric.js'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What a folded run must give exactly as the full run gives it. */
function view(run: FabricRun) {
  const r = run.result;
  return {
    rows: r.rows, usedRows: r.usedRows, batch: r.batch, cycles: r.cycles, modelCycles: r.modelCycles, fmacs: r.fmacs,
    counters: r.counters, breakdown: r.breakdown, breakdownCoreCycles: r.breakdownCoreCycles,
    efficiency: r.efficiency, coreUtilization: r.coreUtilization, linkUtilization: r.linkUtilization,
    busy: Array.from(run.busy), coreCycles: Array.from(run.coreCycles),
  };
}

function expectFoldedAsFull(o: FabricRunOptions): FabricRun {
  const full = runFabric({ ...o, check: 'off' });
  const folded = runFabric({ ...o, fold: true, check: 'full' });
  const what = JSON.stringify(o);
  expect(full.result.fold, what).toBeNull();
  expect(view(folded), `${what}: folded as every row simulated`).toEqual(view(full));
  expect(folded.result.fold, what).toEqual({
    rows: [...FOLD_ROWS], batch: FOLD_ROWS.map((r) => (o.batch / full.result.usedRows) * r),
    cyclesPerRow: 1, simulatedCoreCycles: FOLD_ROWS.reduce((a, r) => a + r * o.cols * (full.result.cycles - (full.result.usedRows - r)), 0),
  });
  // the output and its check are the largest folded run's: its batch, checked in full against the reference
  const bigBatch = folded.result.fold!.batch[FOLD_ROWS.length - 1];
  expect(folded.output.length, what).toBe((o.pass === 'delta' ? o.in : o.out) * bigBatch);
  expect(folded.result.check).toBe('full');
  expect(folded.result.errorBoundRatio, what).toBeLessThanOrEqual(1);
  return folded;
}

describe('fabric: folded rows', () => {
  it('gives the full run\'s cycles, counters, per-core cycles and heatmap on forward and delta layers', () => {
    // dense compute-bound, sparse 0.9 (reduction-bound), 0.99, Bs 1 on a mesh with unused rows
    const cases: FabricRunOptions[] = [
      { rows: 9, cols: 6, batch: 72, in: 96, out: 64, sparsity: 0 },
      { rows: 12, cols: 8, batch: 48, in: 200, out: 160, sparsity: 0.9, pass: 'delta' },
      { rows: 7, cols: 5, batch: 28, in: 150, out: 300, sparsity: 0.99 },
      { rows: 11, cols: 4, batch: 8, in: 40, out: 60, sparsity: 0.5 },
    ];
    for (const c of cases) expectFoldedAsFull(c);
  });

  it('checks only the 4-row run under check auto, every run under an explicit mode', () => {
    const o: FabricRunOptions = { rows: 8, cols: 5, batch: 16, in: 70, out: 50, sparsity: 0.5, fold: true };
    const auto = runFabric(o).result;
    expect([auto.check, auto.checkedOutputs]).toEqual(['full', 50 * 8]);
    const full = runFabric({ ...o, check: 'full' }).result;
    expect([full.check, full.checkedOutputs]).toEqual(['full', 50 * (4 + 6 + 8)]);
    const off = runFabric({ ...o, check: 'off' }).result;
    expect([off.check, off.checkedOutputs, off.maxAbsError]).toEqual(['off', 0, NaN]);
    for (const r of [auto, full]) expect(r.errorBoundRatio).toBeLessThanOrEqual(1);
  });

  it('gives the full run\'s on random layers and machines (queue depths, accumulators, FMACs, a shared edge cap)', () => {
    fc.assert(
      fc.property(
        fc.record({
          pass: fc.constantFrom('forward' as const, 'delta' as const), rows: fc.integer({ min: 5, max: 14 }), cols: fc.integer({ min: 1, max: 9 }),
          bs: fc.integer({ min: 1, max: 9 }), in: fc.integer({ min: 1, max: 120 }), out: fc.integer({ min: 1, max: 120 }),
          sparsity: fc.constantFrom(0, 0.5, 0.9, 0.99), rq: fc.constantFrom(1, 2, 4), cq: fc.constantFrom(1, 2, 4),
          acc: fc.constantFrom(1, 2, 8), fmacs: fc.constantFrom(1, 4), edge: fc.constantFrom(0, 0, 2), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (c) => {
          const machine = { routerQueueWavelets: c.rq, coreQueueWavelets: c.cq, accumulatorBuffers: c.acc, fmacsPerCycle: c.fmacs, edgeWaveletsPerCycle: c.edge };
          expectFoldedAsFull({ rows: c.rows, cols: c.cols, batch: c.bs * c.rows, in: c.in, out: c.out, sparsity: c.sparsity, pass: c.pass, seed: c.seed, machine });
        },
      ),
      { numRuns: 40, seed: 2026 },
    );
  });

  it.skipIf(!builtThreads)('gives the same on threads', async () => {
    const o: FabricRunOptions = { rows: 10, cols: 24, batch: 40, in: 300, out: 200, sparsity: 0.9, threads: 2 };
    const full = await runFabricAsync({ ...o, threads: 1, check: 'off' });
    const folded = await runFabricAsync({ ...o, fold: true });
    expect(folded.result.threads).toBe(2);
    expect(view(folded)).toEqual(view(full));
  });

  it('fails when a row did not add the same to a counter or a row is not its counterpart', () => {
    const o: FabricRunOptions = { rows: 8, cols: 5, batch: 32, in: 80, out: 60, sparsity: 0.5, fold: true };
    const plan = foldPlan(o)!;
    const runs = () => plan.options.map((p) => runFabric(p));
    expect(() => foldRuns(o, plan, runs())).not.toThrow();
    const hop = runs();
    hop[2].result.counters.hops += 1;
    expect(() => foldRuns(o, plan, hop)).toThrow(/counter hops grew by \d+ from 2 to 3 rows and by \d+ from 3 to 4/);
    const row = runs();
    row[1].coreCycles[1 * 5 * 4 + 2] += 1; // the 3-row run's middle row, core 2's streaming cycles
    expect(() => foldRuns(o, plan, row)).toThrow(/row 1 of the 3-row run differs/);
  });

  it('is refused where rows are not copies, and auto folds only where it applies and the full mesh is long', () => {
    const o: FabricRunOptions = { rows: 8, cols: 4, batch: 32, in: 40, out: 30, fold: true };
    const refused = (p: Partial<FabricRunOptions>, why: RegExp) => {
      expect(() => runFabric({ ...o, ...p })).toThrow(ValidationError);
      expect(() => runFabric({ ...o, ...p })).toThrow(why);
      expect(foldPlan({ ...o, ...p, fold: 'auto' })).toBeNull();
    };
    refused({ pass: 'gradient' }, /^fold: expected false or auto here: the gradient pass reduces down the columns/);
    refused({ batch: 30 }, /unequal batch slices \(batch 30 over 8 used rows\)/);
    refused({ xt: new Float32Array(40 * 32) }, /seeded activations/);
    refused({ rows: 4, batch: 16 }, /4 used rows: nothing to fold/);
    expect(() => runFabric({ ...o, fold: 'yes' as unknown as boolean })).toThrow(/^fold: expected true, false or auto, got "yes"/);
    expect(() => runFabric({ ...o, sparsity: 2 })).toThrow(/^sparsity: expected a finite number >= 0, <= 1, got 2/);
    expect(() => runFabric({ ...o, seed: -1 })).toThrow(/^seed: expected an integer >= 0, got -1/);
    // a layer too big for the machine is refused before its weights are made
    expect(() => runFabric({ ...o, memoryLimitBytes: 1000 })).toThrow(/^fabric: with folded rows \(4 of 8 simulated\), the forward pass of B=16 K=40 N=30 on a 4x4 mesh .* over the 1000 bytes/);
    // auto: a layer under FOLD_AUTO_CORE_CYCLES runs every row; one past it folds
    const small = { rows: 1000, cols: 100, batch: 1000, in: 1000, out: 1000 };
    const large = { rows: 4096, cols: 100, batch: 4096, in: 1000, out: 1000 };
    const cores = (s: typeof small) => s.rows * s.cols * modelCycles({ B: s.batch, K: s.in, N: s.out }, s, 'forward', fabricMachine()).cycles;
    expect(cores(small)).toBeLessThan(FOLD_AUTO_CORE_CYCLES);
    expect(cores(large)).toBeGreaterThan(FOLD_AUTO_CORE_CYCLES);
    expect(foldPlan({ ...small, fold: 'auto' })).toBeNull();
    expect(foldPlan({ ...large, fold: 'auto' })!.options.map((p) => [p.rows, p.batch, p.fold])).toEqual([[2, 2, false], [3, 3, false], [4, 4, false]]);
  });

  it.runIf(builtCli)('the CLI folds a long layer by default (--fold auto), says so, and gives --fold off\'s cycles; --fold on is refused where rows are not copies', () => {
    // 4096 x 100, dense 1000 -> 1000: 1.1e10 core-cycles by the closed form, past FOLD_AUTO_CORE_CYCLES
    const layer = ['--rows', '4096', '--cols', '100', '--batch', '4096', '--in', '1000', '--out', '1000', '--quiet'];
    const auto = cli('fabric', ...layer, '--json');
    expect(auto.code, auto.stderr).toBe(0);
    const j = JSON.parse(auto.stdout);
    expect(j.fold).toMatchObject({ rows: [2, 3, 4], batch: [2, 3, 4], cyclesPerRow: 1 });
    expect(j.errorBoundRatio).toBeLessThanOrEqual(1);
    const text = cli('fabric', ...layer);
    expect(text.stdout).toMatch(/folded rows +simulated meshes of 2, 3, 4 rows \(1 cycle a row; every counter checked to grow alike\)/);
    // the same layer on 64 of its rows, every row simulated, against folded: the same cycles and counters
    const small = ['--rows', '64', '--cols', '100', '--batch', '64', '--in', '1000', '--out', '1000', '--quiet', '--json', '--check', 'off'];
    const [off, on] = [cli('fabric', ...small, '--fold', 'off'), cli('fabric', ...small, '--fold', 'on')].map((r) => JSON.parse(r.stdout));
    expect(off.fold).toBeNull();
    expect([on.cycles, on.counters]).toEqual([off.cycles, off.counters]);
    expect(j.cycles - 4096).toBe(off.cycles - 64); // a row adds one cycle: 4096 rows folded against 64 rows all simulated
    const grad = cli('fabric', '--rows', '8', '--cols', '4', '--batch', '16', '--in', '10', '--out', '10', '--pass', 'gradient', '--fold', 'on');
    expect(grad.code).toBe(2);
    expect(grad.stderr.trim()).toBe('weightstream: error: --fold: expected off or auto here: the gradient pass reduces down the columns, so its rows are not copies of one another, got "on"');
    // --skew's refusals by the library read as --fold's: the option, off or auto, and the value as typed (it said skew: … 'auto', got "true", exit 1)
    const skew = cli('fabric', '--rows', '8', '--cols', '8', '--batch', '64', '--in', '64', '--out', '64', '--stream-window', '16', '--skew', 'on', '--threads', '1');
    expect([skew.code, skew.stderr.trim()]).toEqual([2, 'weightstream: error: --skew: expected off or auto with windowed column streams on one thread (a window of 16 words a column, refilled between chunks of cycles in loop order), got "on"']);
    expect(cli('fabric', '--fold', 'rows').stderr).toMatch(/--fold: expected one of auto, on, off, got "rows"/);
  }, 180_000); // six CLI runs, 10-12 s on a quiet 2-core machine; 102 s in a CI run beside other jobs
});
