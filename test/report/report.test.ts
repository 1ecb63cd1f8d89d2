// The report page: charts only for the inputs given, each with axis titles that carry units and a
// caption; the page is self-contained (no scripts, no external URLs); inputs are recognised by content
// and a file of another kind is refused naming it.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downsample, MAX_SIDE } from '../../src/report/charts/heatmap.js';
import { timelineChart, traceBars } from '../../src/report/charts/timeline.js';
import { buildReport, readInput, ReportInputError, writeReport } from '../../src/report/index.js';
import type { Chart } from '../../src/report/types.js';
import { heatmapFile, makeInputs, nestedHeatmapFile, traceFile } from './inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-report-'));

/** Every positional axis of a (possibly layered) spec has a title naming its unit in parentheses. */
function axisTitles(c: Chart): string[] {
  const titles: string[] = [];
  const visit = (s: Record<string, unknown>) => {
    const enc = s.encoding as Record<string, { title?: string; field?: string }> | undefined;
    for (const ch of ['x', 'y']) if (enc?.[ch]) titles.push(enc[ch].title ?? `(no title for ${enc[ch].field})`);
    for (const l of (s.layer as Array<Record<string, unknown>> | undefined) ?? []) visit(l);
  };
  visit(c.spec as Record<string, unknown>);
  return titles;
}

export function checkChartConventions(c: Chart) {
  const titles = axisTitles(c);
  expect(titles.length, c.id).toBeGreaterThan(0);
  for (const t of titles) expect(t, `${c.id}: axis title "${t}" names a unit`).toMatch(/\(.+\)/);
  expect(c.caption.length, c.id).toBeGreaterThan(20);
  expect(c.caption, `${c.id}: one line`).not.toMatch(/\n/);
}

describe('report page', () => {
  it('has one chart per input that can give one, with units and captions, self-contained', async () => {
    const inputs = await makeInputs(dir);
    const out = join(dir, 'out');
    const w = await writeReport(inputs.files, out, { title: 'Test <report>' });
    expect(w.charts.map((c) => c.id).sort()).toEqual([...inputs.expectedCharts].sort());
    const html = readFileSync(w.html, 'utf8');
    expect(html).toContain('<title>Test &lt;report&gt;</title>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\((?!#)/i); // url(#id) points inside the page
    // ids are unique across the inlined SVGs (two charts never share a gradient or clip path)
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(inputs.expectedCharts.length);
    expect((html.match(/<svg /g) ?? []).length).toBe(inputs.expectedCharts.length);
    // atomic writes leave no temp files; each chart also as its own SVG
    expect(readdirSync(out).sort()).toEqual(['report.html', ...inputs.expectedCharts.map((c) => `${c}.svg`)].sort());
    const r = await buildReport(inputs.files.map(readInput));
    for (const c of r.charts) checkChartConventions(c);
  });

  it('makes only the charts its inputs allow', async () => {
    const r = await buildReport([readInput(heatmapFile(dir))]);
    expect(r.charts.map((c) => c.id)).toEqual(['heatmap']);
    expect(r.charts[0].title).toMatch(/^Wafer utilisation heatmap \(6×8 cores: cycles \d+; pass forward; layer B=12 K=32 N=24 sparsity=0.6003\)$/); // 461 of 768 weights zero
    const two = await buildReport([readInput(traceFile(dir)), readInput(traceFile(dir, 1)), readInput(heatmapFile(dir)), readInput(nestedHeatmapFile(dir))]);
    expect(two.charts[3].title).toMatch(/^Wafer utilisation heatmap \(12×16 cores: layer 48x32; sparsity 0.5; cycles \d+\)$/);
    expect(two.charts.map((c) => c.id)).toEqual(['timeline', 'timeline-2', 'heatmap', 'heatmap-2']);
    const ids = [...two.html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a file it cannot use, naming it', () => {
    const f = join(dir, 'other.json');
    writeFileSync(f, JSON.stringify({ hello: 1 }));
    expect(() => readInput(f)).toThrow(ReportInputError);
    expect(() => readInput(f)).toThrow(/other\.json: not a sweep result file, trace/);
    const g = join(dir, 'text.json');
    writeFileSync(g, 'hello');
    expect(() => readInput(g)).toThrow(/text\.json: not JSON/);
    expect(() => readInput(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read \(ENOENT\)/);
  });
});

describe('timeline chart', () => {
  it('draws one row per distinct track: CS-2 in lockstep are drawn once and said so', () => {
    const f = traceFile(dir, 4, 3, 1);
    const input = readInput(f);
    if (input.type !== 'trace') throw new Error('expected a trace');
    const c = timelineChart(input.events, f)!;
    const values = (c.spec as { data: { values: Array<{ track: string; start: number; end: number }> } }).data.values;
    const tracks = [...new Set(values.map((v) => v.track))].sort();
    expect(tracks).toEqual(['CS-2 #0 · gradient out', 'CS-2 #0 · wafer', 'MemoryX · optimizer', 'MemoryX · weights out', 'SwarmX · reduce tree']);
    expect(c.notes).toMatch(/3 more tracks identical to CS-2 #0 · wafer/);
    // 1 step, 3 layers: per layer streamFwd, forward, streamBwd, delta, gradient, gradOut, reduce, update
    expect(values.length).toBe(3 * 8);
    expect(values.every((v) => v.end >= v.start && v.start >= 0)).toBe(true);
  });

  it('draws the first STEPS_SHOWN steps of a trace whose events carry their step', async () => {
    const { STEPS_SHOWN } = await import('../../src/report/charts/timeline.js');
    const f = traceFile(dir, 2, 4, 200); // 200 steps × 4 layers × 8 events on the drawn tracks
    const input = readInput(f);
    if (input.type !== 'trace') throw new Error('expected a trace');
    const c = timelineChart(input.events, f)!;
    const values = (c.spec as { data: { values: unknown[] } }).data.values;
    expect(values.length).toBe(STEPS_SHOWN * 4 * 8);
    expect(c.notes).toMatch(new RegExp(`The first ${STEPS_SHOWN} of the 200 steps in the trace\\.`));
  });

  it('cuts a long trace to its first MAX_BARS events and says how much time is shown', async () => {
    const { MAX_BARS } = await import('../../src/report/charts/timeline.js');
    const f = traceFile(dir, 2, 4, 200); // 200 steps × 4 layers × 8 events on the drawn tracks
    const input = readInput(f);
    if (input.type !== 'trace') throw new Error('expected a trace');
    // the same events without their step (any other tool's trace): only the bar cap applies
    const events = input.events.map((e) => ({ ...e, args: e.args && Object.fromEntries(Object.entries(e.args).filter(([k]) => k !== 'step')) }));
    const c = timelineChart(events, f)!;
    const values = (c.spec as { data: { values: unknown[] } }).data.values;
    expect(values.length).toBe(MAX_BARS);
    expect(c.notes).toMatch(new RegExp(`Showing the first ${MAX_BARS} of 6400 events \\([\\d.]+ of [\\d.]+ (ms|s)\\)\\.`));
  });

  it('pairs B/E events and names tracks from metadata', () => {
    const bars = traceBars([
      { ph: 'M', name: 'process_name', pid: 7, tid: 0, args: { name: 'Host' } },
      { ph: 'B', name: 'load', cat: 'io', pid: 7, tid: 1, ts: 10 },
      { ph: 'B', name: 'inner', cat: 'io', pid: 7, tid: 1, ts: 12 },
      { ph: 'E', pid: 7, tid: 1, ts: 15 },
      { ph: 'E', pid: 7, tid: 1, ts: 30 },
      { ph: 'X', name: 'x', pid: 8, tid: 0, ts: 0, dur: 5 },
    ]);
    expect(bars.map((b) => [b.track, b.name, b.start, b.end])).toEqual([
      ['process 8', 'x', 0, 5],
      ['Host', 'load', 10, 30],
      ['Host', 'inner', 12, 15],
    ]);
  });
});

describe('heatmap chart', () => {
  it('averages a large mesh into blocks (checked against a plain sum)', () => {
    const rows = 150;
    const cols = 200;
    const values = Array.from({ length: rows * cols }, (_, i) => ((i * 7919) % 1000) / 1000);
    const d = downsample({ rows, cols, values, metric: 'u' });
    expect(d.block).toEqual([3, 4]);
    expect(d.rows).toBeLessThanOrEqual(MAX_SIDE);
    expect(d.cols).toBeLessThanOrEqual(MAX_SIDE);
    for (const [br, bc] of [[0, 0], [10, 20], [d.rows - 1, d.cols - 1]]) {
      let s = 0;
      let n = 0;
      for (let r = br * 3; r < Math.min(rows, br * 3 + 3); r++) for (let c = bc * 4; c < Math.min(cols, bc * 4 + 4); c++) (s += values[r * cols + c]), n++;
      expect(d.values[br * d.cols + bc]).toBeCloseTo(s / n, 12);
    }
  });
});

describe('sweep charts plot the results and the ideals', () => {
  type V = { series: string; line: string; x: number; y: number };
  const dataOf = (c: Chart) => (c.spec as unknown as { data: { values: V[] } }).data.values;

  it('scaling: measured = trainDays of each line, ideal = T(N0)·N0/N; speed-up = dense/sparse, ideal 1/(1-s)', async () => {
    const { sweepFile } = await import('./inputs.js');
    const { readResults } = await import('../../src/sweep/results.js');
    const f = await sweepFile(dir, 'scaling-check', { kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [2, 4, 8, 64], sparsity: [0, 0.75] } });
    const lines = readResults(f);
    const days = (n: number, s: number) => (lines.find((l) => l.config.systems === n && l.config.sparsity === s)!.result as { trainDays: number }).trainDays;
    const secs = (n: number, s: number) => (lines.find((l) => l.config.systems === n && l.config.sparsity === s)!.result as { trainSeconds: number }).trainSeconds;
    const r = await buildReport([readInput(f)]);
    expect(r.charts.map((c) => c.id)).toEqual(['scaling', 'sparsity']);
    const scaling = dataOf(r.charts[0]);
    for (const s of [0, 0.75]) {
      for (const n of [2, 4, 8, 64]) {
        expect(scaling.find((v) => v.series === `sparsity ${s}` && v.line === 'measured' && v.x === n)!.y).toBe(days(n, s));
        expect(scaling.find((v) => v.series === `sparsity ${s}` && v.line === 'ideal 1/N' && v.x === n)!.y).toBeCloseTo((days(2, s) * 2) / n, 10);
      }
    }
    const sparsity = dataOf(r.charts[1]);
    for (const n of [2, 64]) {
      expect(sparsity.find((v) => v.series === `at scale: ${n} CS-2` && v.x === 0.75)!.y).toBeCloseTo(secs(n, 0) / secs(n, 0.75), 12);
    }
    for (const v of sparsity.filter((v) => v.line === 'ideal 1/(1-s)')) expect(v.y).toBeCloseTo(1 / (1 - v.x), 12);
    // at scale, at most half the series limit: the first and last of the 4 systems values, and one between
    expect(r.charts[1].notes).toMatch(/^Showing 3 of 4 series: at scale: 2 CS-2; at scale: [48] CS-2; at scale: 64 CS-2\./);
  });

  it('shows at most MAX_SERIES series, picked evenly, and says so', async () => {
    const { sweepFile } = await import('./inputs.js');
    const { MAX_SERIES } = await import('../../src/report/charts/sweeps.js');
    // in value order (0.26 before 0.7, which a text sort would not do), in the legend too
    const f = await sweepFile(dir, 'many', { kind: 'estimate', base: { model: 'gpt3-small' }, axes: { sparsity: [0.99, 0, 0.7, 0.26, 0.9, 0.95, 0.98, 0.995], systems: [1, 2] } });
    const r = await buildReport([readInput(f)]);
    const scaling = r.charts.find((c) => c.id === 'scaling')!;
    expect(MAX_SERIES).toBe(6);
    const shown = ['sparsity 0', 'sparsity 0.26', 'sparsity 0.9', 'sparsity 0.95', 'sparsity 0.99', 'sparsity 0.995'];
    expect([...new Set(dataOf(scaling).map((v) => v.series))].sort()).toEqual([...shown].sort());
    expect(scaling.notes).toBe(`Showing 6 of 8 series: ${shown.join('; ')}.`);
    expect((scaling.spec as unknown as { encoding: { color: { scale: { domain: string[] } } } }).encoding.color.scale.domain).toEqual(shown);
  });
});
