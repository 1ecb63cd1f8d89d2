// The built-in run kinds dispatch to the areas' real APIs: a sweep's lines hold exactly what
// estimate()/estimateGpu()/runFabric() return for the same configuration (computed here directly),
// a bad field is refused before anything runs, naming the axis value, and an unknown field is refused.
// Needs `npm run build` (the pool's workers load dist/, the fabric runs the WASM build).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFabric } from '../../src/fabric/run.js';
import { estimate } from '../../src/perf/estimate.js';
import { estimateGpu } from '../../src/perf/gpu.js';
import { preset } from '../../src/perf/models.js';
import { readResults } from '../../src/sweep/results.js';
import { runSweep } from '../../src/sweep/run.js';
import { validateSweep } from '../../src/sweep/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-kinds-'));

describe('kind estimate', () => {
  it('writes what estimate() and estimateGpu() return, CS-2 and GPU cases in one sweep', async () => {
    const spec = validateSweep({
      kind: 'estimate',
      axes: { model: ['gpt3-xl', 'gpt3-175b'], merge: [{ systems: 1 }, { systems: 16, sparsity: 0.75 }, { gpu: 'a100', devices: 64 }] },
    });
    const out = join(dir, 'estimate.jsonl');
    const s = await runSweep(spec, { out, workers: 2 });
    expect(s).toMatchObject({ runs: 6, ran: 6, failed: 0 });
    for (const l of readResults(out)) {
      const { model, gpu, devices, ...o } = l.config as { model: string; gpu?: string; devices?: number; systems?: number; sparsity?: number };
      const direct = gpu ? estimateGpu(preset(model), { gpu, devices: devices! }) : estimate(preset(model), o as { systems: number });
      const { assumptions, ...expected } = direct;
      expect(assumptions.length).toBeGreaterThan(0);
      expect(l.result).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it('refuses a bad value before running, naming the axis value; and an unknown field', async () => {
    const out = join(dir, 'bad.jsonl');
    const bad = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl', systems: 2 }, axes: { recompute: ['auto', 'sometimes'], systems: [1, 2] } });
    await expect(runSweep(bad, { out, workers: 1 })).rejects.toThrow(/^axes\.recompute\[1\]: expected one of auto, none, full[\w, ]*, got "sometimes"$/);
    const typo = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl', sytems: 2 } });
    await expect(runSweep(typo, { out, workers: 1 })).rejects.toThrow(/^base\.sytems: unknown field for an estimate run \(expected one of model, /);
    const model = validateSweep({ kind: 'estimate', base: { systems: 2 }, axes: { model: ['gpt3-xl', 'gpt-4'] } });
    await expect(runSweep(model, { out, workers: 1 })).rejects.toThrow(/^axes\.model\[1\]: expected a preset \(/);
    // tokens is named as written (it was base.trainTokens, the estimate's own name); YAML's `detail: no` is a string (it turned the detail on)
    const tokens = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { tokens: [1e11, -5] } });
    await expect(runSweep(tokens, { out, workers: 1 })).rejects.toThrow(/^axes\.tokens\[1\]: expected a finite number >= 1, <= 10000000000000000, got -5$/);
    const detail = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl', detail: 'no' } });
    await expect(runSweep(detail, { out, workers: 1 })).rejects.toThrow('base.detail: expected true or false, got "no"');
  });

  it('records a run-time failure (a model too big for the wafer) in its line and goes on', async () => {
    const out = join(dir, 'capacity.jsonl');
    // GPT-3 175B without recomputation does not fit one wafer's SRAM: a CapacityError, not a bad field.
    const spec = validateSweep({ kind: 'estimate', base: { model: 'gpt3-175b', systems: 1 }, axes: { recompute: ['none', 'full'] } });
    const s = await runSweep(spec, { out, workers: 1 });
    expect(s).toMatchObject({ ran: 2, failed: 1 });
    const byMode = Object.fromEntries(readResults(out).map((l) => [l.config.recompute, l]));
    expect(() => estimate(preset('gpt3-175b'), { systems: 1, recompute: 'none' })).toThrow(byMode.none.error!.message);
    expect(byMode.none.error!.name).toBe('CapacityError');
    expect(byMode.full.result).toMatchObject({ recompute: true, systems: 1 });
  });
});

describe('kind fabric', () => {
  it('writes what runFabric() returns (cycles, FMACs, the check against the reference)', async () => {
    const base = { rows: 4, cols: 4, batch: 8, in: 16, out: 16, seed: 3 };
    const spec = validateSweep({ kind: 'fabric', base, axes: { sparsity: [0, 0.75] } });
    const out = join(dir, 'fabric.jsonl');
    const s = await runSweep(spec, { out, workers: 2 });
    expect(s).toMatchObject({ ran: 2, failed: 0 });
    const lines = readResults(out).sort((a, b) => (a.config.sparsity as number) - (b.config.sparsity as number));
    for (const l of lines) {
      const r = l.result as { cycles: number; fmacs: number; errorBoundRatio: number; sparsity: number };
      const d = runFabric({ ...base, sparsity: l.config.sparsity as number }).result;
      expect(r.cycles).toBe(d.cycles);
      expect(r.fmacs).toBe(d.fmacs);
      expect(r.sparsity).toBe(d.sparsity);
      expect(r.errorBoundRatio).toBeLessThanOrEqual(1);
    }
    expect((lines[1].result as { cycles: number }).cycles).toBeLessThan((lines[0].result as { cycles: number }).cycles);
  });

  it('refuses a bad shape before running, naming it', async () => {
    const spec = validateSweep({ kind: 'fabric', base: { rows: 4, cols: 4, batch: 8, in: 16, out: 16 }, axes: { cols: [4, 0] } });
    await expect(runSweep(spec, { out: join(dir, 'f-bad.jsonl'), workers: 1 })).rejects.toThrow('axes.cols[1]: expected an integer >= 1, got 0');
    const pass = validateSweep({ kind: 'fabric', base: { rows: 4, cols: 4, batch: 8, in: 16, out: 16, pass: 'sideways' } });
    await expect(runSweep(pass, { out: join(dir, 'f-bad.jsonl'), workers: 1 })).rejects.toThrow('base.pass: expected one of forward, delta, gradient, got "sideways"');
    const check = validateSweep({ kind: 'fabric', base: { rows: 4, cols: 4, batch: 8, in: 16, out: 16 }, axes: { check: ['sampled', 'most'] } });
    await expect(runSweep(check, { out: join(dir, 'f-bad.jsonl'), workers: 1 })).rejects.toThrow('axes.check[1]: expected true, false or one of auto, full, sampled, off (as fabric --check), got "most"');
  });

  it('takes the fabric\'s check modes (sampled checks a sample; the cycles do not depend on the check)', async () => {
    const spec = validateSweep({ kind: 'fabric', base: { rows: 4, cols: 4, batch: 8, in: 16, out: 16, seed: 3, sparsity: 0.5 }, axes: { check: ['full', 'sampled'] } });
    const out = join(dir, 'f-check.jsonl');
    expect(await runSweep(spec, { out, workers: 1 })).toMatchObject({ ran: 2, failed: 0 });
    const [a, b] = readResults(out).map((l) => l.result as { cycles: number; check: string });
    expect(new Set([a.check, b.check])).toEqual(new Set(['full', 'sampled']));
    expect(a.cycles).toBe(b.cycles);
  });

  it('takes fold (folded rows give every row\'s cycles and counters) and refuses a bad value', async () => {
    const spec = validateSweep({ kind: 'fabric', base: { rows: 8, cols: 4, batch: 16, in: 24, out: 20, seed: 5, sparsity: 0.5 }, axes: { fold: [false, true] } });
    const out = join(dir, 'f-fold.jsonl');
    expect(await runSweep(spec, { out, workers: 1 })).toMatchObject({ ran: 2, failed: 0 });
    const [a, b] = readResults(out).sort((x, y) => Number(x.config.fold) - Number(y.config.fold)).map((l) => l.result as { cycles: number; counters: unknown; fold: unknown });
    expect(a.fold).toBeNull();
    expect(b.fold).toMatchObject({ rows: [2, 3, 4], cyclesPerRow: 1 });
    expect([b.cycles, b.counters]).toEqual([a.cycles, a.counters]);
    const bad = validateSweep({ kind: 'fabric', base: { rows: 8, cols: 4, batch: 16, in: 24, out: 20 }, axes: { fold: [true, 'rows'] } });
    await expect(runSweep(bad, { out: join(dir, 'f-bad.jsonl'), workers: 1 })).rejects.toThrow('axes.fold[1]: expected true, false or auto (as fabric --fold), got "rows"');
  });
});

describe('kind train', () => {
  it('writes the summary of createCluster().train() for the same options (losses identical: training is deterministic)', async () => {
    const { createCluster } = await import('../../src/cluster/engine.js');
    const { resolveData } = await import('../../src/data/index.js');
    const { resolveModel, withSparsity } = await import('../../src/model/load.js');
    const base = { model: 'mlp', data: 'digits', steps: 6, batch: 32, optimizer: 'adamw', lr: 0.01 };
    const spec = validateSweep({ kind: 'train', base, axes: { merge: [{ systems: 1 }, { systems: 2, sparsity: 0.9 }] } });
    const out = join(dir, 'train.jsonl');
    const s = await runSweep(spec, { out, workers: 2 });
    expect(s).toMatchObject({ ran: 2, failed: 0 });
    for (const l of readResults(out)) {
      const c = l.config as { systems: number; sparsity?: number };
      const data = resolveData('digits', { seed: 0 });
      let model = resolveModel('mlp', data.features, data.classes);
      if (c.sparsity !== undefined) model = withSparsity(model, c.sparsity);
      const cluster = await createCluster({ systems: c.systems });
      try {
        const r = await cluster.train(model, data, { steps: 6, batch: 32, optimizer: { kind: 'adamw', lr: 0.01, weightDecay: 0.01 }, seed: 0, shuffle: false });
        expect(l.result).toMatchObject({ kind: 'train', systems: c.systems, steps: 6, loss: r.loss, testAccuracy: r.testAccuracy, bytesStreamed: r.bytesStreamed, bytesReduced: r.bytesReduced });
      } finally {
        await cluster.close();
      }
    }
  });

  it('refuses a bad field before running, naming it', async () => {
    const spec = validateSweep({ kind: 'train', base: { steps: 2 }, axes: { optimizer: ['sgd', 'lamb'] } });
    await expect(runSweep(spec, { out: join(dir, 't-bad.jsonl'), workers: 1 })).rejects.toThrow('axes.optimizer[1]: expected one of sgd, adamw, got "lamb"');
    const batch = validateSweep({ kind: 'train', base: { steps: 2, systems: 4, batch: 2 } });
    await expect(runSweep(batch, { out: join(dir, 't-bad.jsonl'), workers: 1 })).rejects.toThrow('base.batch: expected an integer >= systems (4), got 2');
  });
});
