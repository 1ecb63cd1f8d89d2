// The sweep charts draw what was computed and nothing else: every series (none left out), each labelled
// by the fields that vary and never two alike, markers at computed values with lines only between close
// ones, identical series told apart and named; the comparison bars name the bound; the tornado chart
// reads `estimate --sensitivity --json`; the timeline's overlap row is exactly where stream and wafer
// are both busy. Sweeps run through the real pool (needs `npm run build`).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundOf } from '../../src/report/charts/compare.js';
import { seriesLabels, MAX_LABEL } from '../../src/report/charts/labels.js';
import { joinable } from '../../src/report/charts/series.js';
import { timelineChart, traceBars } from '../../src/report/charts/timeline.js';
import { buildReport, readInput } from '../../src/report/index.js';
import { readResults } from '../../src/sweep/results.js';
import type { Chart } from '../../src/report/types.js';
import { SENSITIVITY_FIXTURE, sweepFile, traceFile, whatIfSweep } from './inputs.js';
import { checkChartConventions } from './conventions.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-charts-'));
type Row = { series: string; x: number; y: number; segment?: string; overlap?: number };
/** The data of a chart's layer by name (series_points, series_lines, reference). */
function layer(c: Chart, name: string): Row[] {
  const l = (c.spec as unknown as { layer: Array<{ name?: string; data: { values: Row[] } }> }).layer.find((x) => x.name === name);
  return l ? l.data.values : [];
}
const seriesOf = (c: Chart, name = 'series_points') => [...new Set(layer(c, name).map((v) => v.series))];

describe('sweep charts', () => {
  it('scaling and sparsity: the computed values, the ideals, every series labelled apart', async () => {
    const f = await sweepFile(dir, 'scaling-check', { kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [2, 4, 8, 64], sparsity: [0, 0.75] } });
    const lines = readResults(f);
    const res = (n: number, s: number) => lines.find((l) => l.config.systems === n && l.config.sparsity === s)!.result as { trainDays: number; trainSeconds: number };
    const r = await buildReport([readInput(f)]);
    expect(r.charts.map((c) => c.id)).toEqual(['scaling', 'sparsity', 'compare']);
    for (const c of r.charts) checkChartConventions(c);
    const [scaling, sparsity] = r.charts;
    expect(scaling.series).toEqual(['sparsity 0', 'sparsity 0.75']);
    for (const s of [0, 0.75]) for (const n of [2, 4, 8, 64]) expect(layer(scaling, 'series_points').find((v) => v.series === `sparsity ${s}` && v.x === n)!.y).toBe(res(n, s).trainDays);
    const ideal = layer(scaling, 'reference');
    expect(ideal.length).toBeGreaterThan(40);
    for (const v of ideal) expect(v.y).toBeCloseTo((res(2, v.series === 'sparsity 0' ? 0 : 0.75).trainDays * 2) / v.x, 10);
    // every series drawn (4 cluster sizes), none picked out
    expect(sparsity.series).toEqual(['at scale: 2 CS-2', 'at scale: 4 CS-2', 'at scale: 8 CS-2', 'at scale: 64 CS-2']);
    expect(seriesOf(sparsity)).toEqual(sparsity.series);
    for (const n of [2, 64]) expect(layer(sparsity, 'series_points').find((v) => v.series === `at scale: ${n} CS-2` && v.x === 0.75)!.y).toBeCloseTo(res(n, 0).trainSeconds / res(n, 0.75).trainSeconds, 12);
    for (const v of layer(sparsity, 'reference')) expect(v.y).toBeCloseTo(1 / (1 - v.x), 12);
  });

  it('a run in two inputs is drawn once, from the last, and the notes say so; a run with no time to train is said, not dropped without a word', async () => {
    const f = await sweepFile(dir, 'twice', { kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [1, 2, 4] } });
    const copy = join(dir, 'twice-copy.jsonl');
    // the copy's run at 2 systems from "another build": its time 1.5x
    const lines = readFileSync(f, 'utf8').trim().split('\n').map((t) => JSON.parse(t));
    for (const l of lines) if (l.config.systems === 2) l.result.trainDays *= 1.5;
    writeFileSync(copy, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await buildReport([readInput(f), readInput(copy)]);
    const scaling = r.charts.find((c) => c.id === 'scaling')!;
    const pts = layer(scaling, 'series_points');
    expect(pts.map((v) => v.x).sort((a, b) => a - b)).toEqual([1, 2, 4]); // it drew two points at each, joined by a line
    expect(pts.find((v) => v.x === 2)!.y).toBe(lines.find((l) => l.config.systems === 2)!.result.trainDays);
    expect(scaling.notes).toContain('3 runs are in more than one input: each is drawn once, from the last input given that has it.');
    const nul = join(dir, 'null-days.jsonl');
    writeFileSync(nul, lines.map((l) => JSON.stringify(l.config.systems === 4 ? { ...l, result: { ...l.result, trainDays: null } } : l)).join('\n') + '\n');
    const one = (await buildReport([readInput(nul)])).charts.find((c) => c.id === 'scaling')!;
    expect(one.notes).toContain('Not drawn: 1 run without a positive time to train or system count');
  });

  it('never draws a line through values it did not compute: sparsity 0 and 0.9 only are two markers, no line', async () => {
    const f = await sweepFile(dir, 'two-sparsities', { kind: 'estimate', base: { model: 'gpt3-xl', systems: 4 }, axes: { sparsity: [0, 0.9] } });
    const c = (await buildReport([readInput(f)])).charts.find((x) => x.id === 'sparsity')!;
    expect(layer(c, 'series_points').map((v) => v.x)).toEqual([0, 0.9]);
    expect(layer(c, 'series_lines')).toEqual([]);
    expect(c.notes).toMatch(/lines join only neighbours at most 1\/4 of the x axis apart \(0 of 1 gaps\)/);
    // close points are joined: systems doubling up to 64 on a log axis (each gap 1/6 of it)
    expect(joinable([1, 2, 4, 8, 16, 32, 64].map((x) => ({ x })), [1, 64], true)).toHaveLength(6);
    expect(joinable([0, 0.5, 0.75, 0.9].map((x) => ({ x })), [0, 0.9], false)).toEqual([[2, 3]]);
  });

  it('a hardware what-if: spec files by their names (folders only where names collide), every series, identical ones named', async () => {
    const f = await sweepFile(dir, 'what-if', whatIfSweep(dir));
    const r = await buildReport([readInput(f)]);
    const scaling = r.charts.find((c) => c.id === 'scaling')!;
    expect(scaling.series).toEqual([
      'spec a/cs2-io.json, sparsity 0', 'spec a/cs2-same.json, sparsity 0', 'spec b/cs2-io.json, sparsity 0',
      'spec a/cs2-io.json, sparsity 0.9', 'spec a/cs2-same.json, sparsity 0.9', 'spec b/cs2-io.json, sparsity 0.9',
    ]);
    expect(seriesOf(scaling)).toEqual(scaling.series);
    // the unchanged spec equals CS-2 I/O at its default 150: drawn dashed, bigger markers, and said so
    expect(scaling.notes).toContain('Identical values (within 0.5 %): "spec a/cs2-io.json, sparsity 0" and "spec a/cs2-same.json, sparsity 0"');
    expect(layer(scaling, 'series_points').filter((v) => v.series === 'spec a/cs2-same.json, sparsity 0').every((v) => v.overlap === 1)).toBe(true);
    const sparsity = r.charts.find((c) => c.id === 'sparsity')!;
    expect(sparsity.series).toHaveLength(3 * 7); // 3 specs × 7 cluster sizes: all drawn
    expect(new Set(sparsity.series).size).toBe(21);
    expect(seriesOf(sparsity)).toEqual(sparsity.series);
    const spec = sparsity.spec as unknown as { layer: Array<{ encoding: { color?: { title: string; legend: { labelLimit: number } } } }> };
    expect(spec.layer.find((l) => l.encoding.color)!.encoding.color!.title).toBe('varied: hardware spec, system count');
    // the comparison: systems held at 64 (7 values), 3 specs × 2 sparsities, each with its bound
    const cmp = r.charts.find((c) => c.id === 'compare')!;
    expect(cmp.notes).toMatch(/Held at the sweep's largest value: systems = 64\./);
    const bars = (cmp.spec as unknown as { data: { values: Array<{ series: string; days: number; bound: string }> } }).data.values;
    expect(bars).toHaveLength(6);
    for (const b of bars) {
      const spec = b.series.includes('b/') ? 'b/' : b.series.includes('same') ? 'cs2-same' : 'a/cs2-io';
      const line = readResults(f).find((l) => l.config.systems === 64 && String(l.config.sparsity) === b.series.match(/sparsity ([\d.]+)/)![1] && JSON.stringify(l.config.spec).includes(spec))!;
      const res = line.result as Record<string, unknown>;
      expect(b.days).toBe(res.trainDays);
      expect(b.bound).toBe(res.bound);
    }
  });

  it('comparison across models and machines: models by size, a log axis for a 100x spread, bars from its left end', async () => {
    const f = await sweepFile(dir, 'models', { kind: 'estimate', axes: { model: ['gpt3-175b', 'gpt3-small'], merge: [{ systems: 16 }, { gpu: 'a100', devices: 1024 }] } });
    const cmp = (await buildReport([readInput(f)])).charts.find((c) => c.id === 'compare')!;
    checkChartConventions(cmp);
    expect(cmp.series).toEqual(['gpt3-small, 16 CS-2', 'gpt3-small, 1024 × A100', 'gpt3-175b, 16 CS-2', 'gpt3-175b, 1024 × A100']);
    const spec = cmp.spec as unknown as { data: { values: Array<{ series: string; days: number; bound: string }> }; layer: Array<{ name?: string; encoding: { x: { title: string }; x2?: { datum: number } } }> };
    const bars = spec.layer.find((l) => l.name === 'series_bars')!;
    const days = spec.data.values.map((v) => v.days);
    expect(Math.max(...days) / Math.min(...days)).toBeGreaterThan(100);
    expect(bars.encoding.x.title).toBe('time to train (days, log scale)');
    expect(bars.encoding.x2!.datum).toBe(Math.min(...days) / 2);
    for (const v of spec.data.values) {
      const line = readResults(f).find((l) => v.series.startsWith(`${l.config.model},`) && (l.config.gpu ? v.series.includes('A100') : v.series.includes('CS-2')))!;
      expect([v.days, v.bound]).toEqual([(line.result as { trainDays: number }).trainDays, (line.result as { bound: string }).bound]);
    }
  });

  it('labels: never equal, long values cut in the middle, the same file name in two folders told apart', () => {
    const long = (k: number) => ({ spec: [`hw/a-very-long-hardware-spec-file-name-for-a-what-if-of-memoryx-${k}.json`, 'hw/swarmx.json'], sparsity: 0 });
    const labels = seriesLabels([long(1), long(2), long(3)], ['spec'], () => 'x');
    expect(new Set(labels).size).toBe(3);
    for (const l of labels) expect(l.length).toBeLessThanOrEqual(MAX_LABEL);
    expect(labels[0]).toMatch(/…/);
    expect(labels[0]).toMatch(/1\+swarmx$/);
    expect(seriesLabels([{ model: 'a/m.json' }, { model: 'b/m.json' }], ['model'], () => 'x')).toEqual(['a/m.json', 'b/m.json']);
    expect(seriesLabels([{ model: 'gpt3-xl' }, { model: 'gpt3-xl' }], [], () => 'gpt3-xl')).toEqual(['gpt3-xl (#1)', 'gpt3-xl (#2)']);
    expect(seriesLabels([{ gpu: 'a100', devices: 64 }, { systems: 16 }], ['devices', 'gpu', 'systems'], () => 'x')).toEqual(['64 × A100', '16 CS-2']);
    // A sweep that models the CS-3 names it: never "CS-2" for another system.
    expect(seriesLabels([{ systems: 16, system: 'cs3' }, { systems: 16, system: 'cs2' }], ['systems', 'system'], () => 'x')).toEqual(['16 CS-3, system cs3', '16 CS-2, system cs2']);
  });

  it('the bound: the result\'s `bound`, else the largest of its boundShares', () => {
    expect(boundOf({ bound: 'compute', boundShares: { stream: 0.9 } })).toBe('compute');
    expect(boundOf({ boundShares: { compute: 0.3, stream: 0.87, reduce: 0.29 } })).toBe('stream');
    expect(boundOf({})).toBe('unknown');
  });
});

describe('sensitivity (tornado) chart', () => {
  it('reads estimate --sensitivity --json and draws each figure halved and doubled from the baseline', async () => {
    const f = SENSITIVITY_FIXTURE;
    const input = readInput(f);
    expect(input.type).toBe('sensitivity');
    const r = await buildReport([input]);
    expect(r.charts.map((c) => c.id)).toEqual(['sensitivity']);
    const c = r.charts[0];
    checkChartConventions(c);
    // sorted by swing |high - low|: ioGBps 177 s, streamGBps 121 s, portGbps 9.4 s, updateGBps 0.03 s, peakPFLOPs 0
    expect(c.series).toEqual(['ioGBps (cs2)', 'streamGBps (memoryx)', 'portGbps (swarmx)', 'updateGBps (memoryx)', 'peakPFLOPs (cs2)']);
    const spec = c.spec as unknown as { data: { values: Array<{ series: string; factor: string; step: number; base: number }> }; layer: Array<{ data?: { values: Array<{ series: string; text: string }> } }> };
    const rows = spec.data.values;
    expect(rows).toHaveLength(10);
    for (const v of rows) expect(v.base).toBe(120.72);
    const io = rows.filter((v) => v.series === 'ioGBps (cs2)');
    expect(io.map((v) => [v.factor, v.step])).toEqual([['figure × 0.5', 241.44], ['figure × 2', 64.1]]);
    const texts = spec.layer.find((l) => l.data && l.data.values.some((v) => 'text' in v))!.data!.values;
    expect(texts.map((t) => t.text)).toEqual(['×0.5: 2×; ×2: 0.531× compute-bound', '×0.5: 2×', '×0.5: 1.08× reduce-bound', '×0.5: 1×', '']);
    expect(c.notes).toBe('1 of 5 figures change nothing at ×0.5 or ×2 (a tick on the baseline, no bar).');
    expect(c.caption).toMatch(/baseline step of 121 s \(stream-bound/);
  });

  it('a file almost of that shape is not taken for one', () => {
    const g = join(dir, 'not-sensitivity.json');
    writeFileSync(g, JSON.stringify({ baseline: { stepSeconds: 1, bound: 'stream' }, rows: [{ figure: 'x', spec: 'cs2', low: { factor: 0.5, stepSeconds: 'slow', bound: 'stream' } }] }));
    expect(() => readInput(g)).toThrow(/not-sensitivity\.json: not a sweep result file, .* or sensitivity \(estimate --sensitivity --json: baseline, rows\)/);
  });
});

describe('timeline overlap row', () => {
  it('marks exactly the times the weight stream and the wafer are both busy', () => {
    const f = traceFile(dir, 2, 4, 1);
    const input = readInput(f);
    if (input.type !== 'trace') throw new Error('expected a trace');
    const c = timelineChart(input.events, f)!;
    const values = (c.spec as { data: { values: Array<{ track: string; start: number; end: number }> } }).data.values;
    const bars = traceBars(input.events);
    const t0 = Math.min(...bars.map((b) => b.start));
    const busy = (track: string, t: number) => values.some((v) => v.track === track && v.start <= t && t < v.end);
    const overlap = values.filter((v) => v.track.startsWith('overlap'));
    expect(overlap.length).toBeGreaterThan(0);
    const end = Math.max(...values.map((v) => v.end));
    for (let i = 0; i < 2000; i++) {
      const t = (end * (i + 0.5)) / 2000;
      expect(busy('overlap · stream ∥ wafer', t), `t = ${t}`).toBe(busy('MemoryX · weights out', t) && busy('CS-2 #0 · wafer', t));
    }
    expect(t0).toBe(0);
    expect(c.notes).toMatch(/the wafer \(CS-2 #0 · wafer\) computes \d+ %, weights stream \d+ %, both at once \d+ %/);
  });
});
