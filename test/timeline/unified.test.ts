// One scheduler for both levels (issue 12, item 5): over a grid of models (GPT-3 Small .. 175B), systems,
// sparsity, pipeline modes and half/full-duplex I/O, `estimate()`'s step equals the step the engine's
// own path gives — `summarize()` over a few steps of LayerCost[] — for the same work. The LayerCost[] here
// are rebuilt by this test from estimate()'s per-layer rows (its `detail`, a second implementation of the
// per-layer seconds) with the engine's grouping into streamed units written out again below, so what is
// compared is: the unit grouping and costs, the recompute groups, the micro-batch extrapolation and the
// one-step period against the engine's multi-step average.
// Also: the micro-batch extrapolation of stepTime equals scheduling every micro-batch.
import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/perf/estimate.js';
import type { PerfModel } from '../../src/perf/models.js';
import { preset } from '../../src/perf/models.js';
import { defaultSpecs, type Specs } from '../../src/perf/specs.js';
import { PIPELINE_MODES, schedule, stepTime, type EventKind, type LayerCost } from '../../src/timeline/schedule.js';
import { summarize } from '../../src/timeline/summary.js';
import type { Estimate } from '../../src/perf/types.js';

/** Float rounding: sums in another order, a 3-step average vs one step, an extrapolated micro-batch count. */
const RTOL = 1e-9;

function halfDuplex(): Specs {
  const d = defaultSpecs();
  return { ...d, cs2: { ...d.cs2, v: { ...d.cs2.v, ioFullDuplex: false } } };
}

/** The engine's units from the per-layer rows: a layer that streams weights starts a unit, weight-free layers join the one before. */
function unitsFromRows(model: PerfModel, e: Estimate): { costs: LayerCost[]; groups: number[] | undefined } {
  const rows = e.layers!;
  const zero = (): Record<EventKind, number> => ({ streamFwd: 0, forward: 0, streamBwd: 0, delta: 0, gradient: 0, gradOut: 0, reduce: 0, update: 0 });
  const costs: LayerCost[] = [];
  const blocks: number[] = [];
  let lead: Record<EventKind, number> | null = null;
  const checkpointed = new Set(model.layers.filter((l) => l.checkpointBytes > 0).map((l) => l.block));
  model.layers.forEach((l, i) => {
    const r = rows[i];
    let s: Record<EventKind, number>;
    if (l.streamFwd || l.streamBwd) {
      s = lead ?? zero();
      lead = null;
      costs.push({ name: l.name, seconds: s });
      blocks.push(l.block);
    } else if (costs.length) s = costs[costs.length - 1].seconds;
    else s = lead ??= zero();
    if (l.streamFwd) s.streamFwd += r.streamFwdSeconds; // a sparse weight's column layout: a count per output
    if (l.streamBwd) s.streamBwd += r.streamSeconds;
    s.forward += r.forwardSeconds;
    s.delta += r.backwardSeconds; // delta and gradient follow each other on the wafer: one event will do
    s.gradOut += r.gradSeconds;
    if (r.gradBytes > 0) s.reduce = e.swarmx.latencySeconds;
    s.update += r.updateSeconds;
  });
  return { costs, groups: e.recompute ? blocks.map((b) => (checkpointed.has(b) ? b : -1)) : undefined };
}

describe('estimate() and the engine path give one step time', () => {
  const models = ['gpt3-small', 'gpt3-xl', 'gpt3-13b', 'gpt3-175b'];
  for (const name of models) {
    it(`${name}: systems 1, 16, 192 x sparsity 0, 0.9 x none/coarse/full x full/half duplex`, () => {
      const model = preset(name);
      let cases = 0;
      for (const [duplex, specs] of [['full', defaultSpecs()], ['half', halfDuplex()]] as const) {
        for (const systems of [1, 16, 192]) {
          for (const sparsity of [0, 0.9]) {
            for (const pipeline of PIPELINE_MODES) {
              const e = estimate(model, { systems, sparsity, pipeline, detail: true }, specs);
              const { costs, groups } = unitsFromRows(model, e);
              const engine = summarize(costs, 3, pipeline, { halfDuplex: duplex === 'half', microBatches: e.microBatches, recomputeGroups: groups, cacheRecomputed: e.recomputeMode === 'cached' });
              const what = `${name} N=${systems} s=${sparsity} ${pipeline} ${duplex} duplex (m=${e.microBatches}, ${e.recomputeMode})`;
              // issue 15: estimate() adds the scale-out costs (src/perf/scaleout.ts) to the scheduled step;
              // the schedule itself is the engine path's
              const scheduled = e.scaleOut.unscaledStepSeconds;
              expect(Math.abs(scheduled / engine.simulatedStepSeconds - 1), `${what}: estimate ${scheduled}, engine path ${engine.simulatedStepSeconds}`).toBeLessThan(RTOL);
              expect(Math.abs(e.stepSeconds / (scheduled * e.scaleOut.jitterFactor + e.scaleOut.barrierSeconds) - 1), what).toBeLessThan(RTOL);
              cases++;
            }
          }
        }
      }
      expect(cases).toBe(2 * 3 * 2 * 3);
    });
  }

  it("the pipeline modes order as they should: none >= coarse >= full, and 'cached' recompute streams less", () => {
    const m = preset('gpt3-xl');
    const t = PIPELINE_MODES.map((pipeline) => estimate(m, { systems: 16, pipeline }).stepSeconds);
    expect(t[0]).toBeGreaterThan(t[1]);
    expect(t[1]).toBeGreaterThanOrEqual(t[2]);
    const big = preset('gpt3-175b');
    expect(estimate(big, { systems: 192, recompute: 'cached' }).stepSeconds).toBeLessThan(estimate(big, { systems: 192, recompute: 'full' }).stepSeconds);
  });
});

describe('estimate() pipeline option', () => {
  it("refuses an unknown mode naming the field; the assumptions say the mode", () => {
    expect(() => estimate(preset('gpt3-small'), { systems: 4, pipeline: 'fast' as never })).toThrow(/^pipeline: expected one of none, coarse, full, got "fast"/);
    expect(estimate(preset('gpt3-small'), { systems: 4, pipeline: 'coarse' }).assumptions.some((a) => a.startsWith("pipeline 'coarse'"))).toBe(true);
  });
});

describe('stepTime: the micro-batch extrapolation equals scheduling every micro-batch', () => {
  const cost = (name: string, v: number[]): LayerCost => {
    const kinds: EventKind[] = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'];
    return { name, seconds: Object.fromEntries(kinds.map((k, i) => [k, v[i]])) as Record<EventKind, number> };
  };
  const sets = {
    'stream-bound': [cost('a', [3, 1, 3, 1, 1, 2, 0.5, 4]), cost('b', [2, 0.5, 2, 0.5, 0.5, 1, 0.5, 2]), cost('c', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.2])],
    'compute-bound': [cost('a', [0.3, 1.7, 0.3, 0.9, 1.1, 2.5, 0.7, 4.1]), cost('b', [2.2, 0.4, 2.2, 0.5, 0.5, 0.2, 0.7, 0.3]), cost('c', [0.1, 5, 0.1, 3, 3, 3, 0.7, 6])],
  };
  for (const [name, layers] of Object.entries(sets)) {
    for (const groups of [undefined, [0, 0, -1], [4, 5, 5]]) {
      for (const cache of [false, true]) {
        it(`${name}, recompute groups ${JSON.stringify(groups)}${cache ? ', cached' : ''}: m = 1..40 in every mode`, () => {
          for (const mode of PIPELINE_MODES) {
            for (const m of [1, 2, 3, 4, 5, 7, 13, 40]) {
              const o = { microBatches: m, recomputeGroups: groups, cacheRecomputed: cache };
              const all = schedule(layers, 2, mode, o);
              const fast = stepTime(layers, mode, o);
              expect(Math.abs(fast.stepSeconds / all.stepSeconds - 1), `${mode} m=${m}`).toBeLessThan(RTOL);
              // and the period is one step's makespan: step 2 repeats step 1
              expect(Math.abs(all.stepEnds[0] / all.stepSeconds - 1), `${mode} m=${m}`).toBeLessThan(RTOL);
            }
          }
        });
      }
    }
  }

  it('a recomputed group redoes its forward (stream + compute) before its backward; cached drops its backward stream', () => {
    const layers = sets['stream-bound'];
    const plain = schedule(layers, 1, 'none');
    const rec = schedule(layers, 1, 'none', { recomputeGroups: [0, 0, -1] });
    const cached = schedule(layers, 1, 'none', { recomputeGroups: [0, 0, -1], cacheRecomputed: true });
    // none is serial: the extra events add up
    expect(rec.stepSeconds).toBeCloseTo(plain.stepSeconds + 3 + 1 + 2 + 0.5, 12);
    expect(cached.stepSeconds).toBeCloseTo(rec.stepSeconds - 3 - 2, 12);
    const order = rec.events.map((e) => `${e.recompute ? 're-' : ''}${e.kind}${e.layer}`);
    expect(order.slice(0, 10)).toEqual(['streamFwd0', 'forward0', 'streamFwd1', 'forward1', 'streamFwd2', 'forward2', 'streamBwd2', 'delta2', 'gradient2', 'gradOut2']);
    expect(order.slice(12, 18)).toEqual(['re-streamFwd0', 're-forward0', 're-streamFwd1', 're-forward1', 'streamBwd1', 'delta1']);
  });

  it('refuses bad micro-batch counts and recompute groups naming the field', () => {
    const layers = sets['stream-bound'];
    expect(() => schedule(layers, 1, 'full', { microBatches: 0 })).toThrow(/^microBatches: expected an integer >= 1, got 0/);
    expect(() => schedule(layers, 1, 'full', { recomputeGroups: [0] })).toThrow(/^recomputeGroups: expected one group per layer \(3\), got 1/);
  });
});
