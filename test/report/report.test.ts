// The report page: charts only for the inputs given, each with axis titles that carry units and a
// caption; the page is self-contained (no scripts, no external URLs); inputs are recognised by content
// and a file of another kind is refused naming it.
import { closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { INPUT_LIMITS } from '../../src/io/files.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downsample, MAX_SIDE } from '../../src/report/charts/heatmap.js';
import { timelineChart, traceBars } from '../../src/report/charts/timeline.js';
import { trainingCharts } from '../../src/report/charts/training.js';
import { buildReport, readInput, ReportInputError, writeReport } from '../../src/report/index.js';
import { checkChartConventions } from './conventions.js';
import { heatmapFile, makeInputs, nestedHeatmapFile, traceFile } from './inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-report-'));

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
    expect(r.charts[0].title).toMatch(/^Wafer busy-cycle heatmap \(6×8 cores: cycles \d+; pass forward; layer B=12 K=32 N=24 sparsity=0.6003\)$/); // 461 of 768 weights zero
    const two = await buildReport([readInput(traceFile(dir)), readInput(traceFile(dir, 1)), readInput(heatmapFile(dir)), readInput(nestedHeatmapFile(dir))]);
    expect(two.charts[3].title).toMatch(/^Wafer busy-cycle heatmap \(12×16 cores: layer 48x32; sparsity 0.5; cycles \d+\)$/);
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
    // an input past the limit is refused before it is read (parsed whole, it could exhaust V8's heap)
    const huge = join(dir, 'huge.trace.json');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, INPUT_LIMITS['report-input'] + 1); // sparse: no disk used
    closeSync(fd);
    expect(() => readInput(huge)).toThrow(`report input: expected a report input file of at most 256 MiB, this one has 256 MiB, got ${JSON.stringify(huge)}`);
    const z = join(dir, 'zeros.jsonl');
    writeFileSync(z, Buffer.alloc(4096));
    expect(() => readInput(z)).toThrow(/zeros\.jsonl:1: not a sweep results line, and no newline ends it/);
  });

  it("a report written again into its directory removes the charts it no longer has, and nothing else", async () => {
    const out = join(dir, 'again');
    const first = await writeReport([traceFile(dir), traceFile(dir, 1), heatmapFile(dir)], out);
    expect(first.charts.map((c) => c.id)).toEqual(['timeline', 'timeline-2', 'heatmap']);
    writeFileSync(join(out, 'notes.svg'), '<svg/>'); // the user's own
    const second = await writeReport([heatmapFile(dir)], out);
    expect(second.charts.map((c) => c.id)).toEqual(['heatmap']);
    expect(readdirSync(out).sort()).toEqual(['heatmap.svg', 'notes.svg', 'report.html']);
    // a page that is not one of ours lists nothing: nothing is removed
    writeFileSync(join(out, 'report.html'), '<html><head><title>mine</title></head></html>');
    writeFileSync(join(out, 'timeline.svg'), '<svg/>');
    await writeReport([heatmapFile(dir)], out);
    expect(readdirSync(out).sort()).toEqual(['heatmap.svg', 'notes.svg', 'report.html', 'timeline.svg']);
  });

  it('refuses a training summary whose shown figures cannot be a run\'s, and leaves impossible results off a log axis', async () => {
    const summary = { kind: 'train', loss: [1, 0.5], bytesStreamed: 1, testAccuracy: 0.5, wallSeconds: 2 };
    const f = join(dir, 'odd-summary.json');
    for (const [k, v, want] of [['testAccuracy', 7.5, 'in [0, 1]'], ['wallSeconds', -3, '>= 0'], ['bytesStreamed', 'NaN', '>= 0']] as const) {
      writeFileSync(f, JSON.stringify({ ...summary, [k]: v }));
      expect(() => readInput(f), k).toThrow(`${f}: ${k}: expected a number ${want}, got ${typeof v === 'string' ? 'a string of 3 characters' : v}`);
    }
    writeFileSync(f, JSON.stringify(summary));
    expect(readInput(f).type).toBe('training');
    // sweep lines with a negative or non-numeric time: the scaling chart is drawn from the others only
    const line = (systems: number, trainDays: unknown) => JSON.stringify({ hash: `h${systems}`, kind: 'estimate', config: { model: 'gpt3-xl', systems }, result: { kind: 'cs2', model: 'gpt3-xl', systems, trainDays, trainSeconds: 1 }, timings: {} });
    const r = join(dir, 'odd.jsonl');
    writeFileSync(r, [line(1, 8), line(2, 4), line(4, -5), line(8, 'NaN')].join('\n') + '\n');
    const rep = await buildReport([readInput(r)]);
    const scaling = rep.charts.find((c) => c.id === 'scaling');
    expect(scaling).toBeDefined();
    expect(rep.html).not.toMatch(/NaN/);
  });

  it('says why a results file with no complete line gave no chart', async () => {
    const f = join(dir, 'torn.jsonl');
    writeFileSync(f, '{"hash":"x"');
    const r = await buildReport([readInput(f)]);
    expect(r.charts).toEqual([]);
    expect(r.skipped).toEqual([`${f} (no complete result line: an empty results file, or one whose only line was cut short)`]);
  });
});

describe('timeline chart', () => {
  it('draws one row per distinct track: CS-2 in lockstep are drawn once and said so', () => {
    const f = traceFile(dir, 4, 3, 1);
    const input = readInput(f);
    if (input.type !== 'trace') throw new Error('expected a trace');
    const c = timelineChart(input.events, f)!;
    const all = (c.spec as { data: { values: Array<{ track: string; start: number; end: number }> } }).data.values;
    const values = all.filter((v) => !v.track.startsWith('overlap'));
    const tracks = [...new Set(values.map((v) => v.track))].sort();
    expect(tracks).toEqual(['CS-2 #0 · gradient out', 'CS-2 #0 · wafer', 'MemoryX · optimizer', 'MemoryX · weights out', 'SwarmX · reduce tree']);
    expect(new Set(c.series)).toEqual(new Set(all.map((v) => v.track))); // the overlap row too
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
    const values = (c.spec as { data: { values: Array<{ track: string }> } }).data.values.filter((v) => !v.track.startsWith('overlap'));
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
    const values = (c.spec as { data: { values: Array<{ track: string }> } }).data.values.filter((v) => !v.track.startsWith('overlap'));
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


describe('training runs in a report', () => {
  const summary = (over: Record<string, unknown>) => ({ model: 'mlp', data: 'digits', systems: 1, sparsity: 0, steps: 40, batch: 64, optimizer: { kind: 'sgd', lr: 0.1 }, loss: [2, 1], finalLoss: 1, resumedFrom: null, ...over });
  it('the legend says what varies between runs of one sweep (its axes), not a completion-order number', () => {
    const inputs = [3, 1, 2].map((seed) => ({ file: 'd/train.jsonl', summary: summary({ finalLoss: seed }), config: { model: 'mlp', seed } }));
    const { tables } = trainingCharts(inputs);
    expect(tables[0].rows.map((r) => r[0])).toEqual(['mlp on digits, 1 CS-2, sparsity 0, seed 3', 'mlp on digits, 1 CS-2, sparsity 0, seed 1', 'mlp on digits, 1 CS-2, sparsity 0, seed 2']);
  });
  it('a resumed run says so, and runs that differ only by file are named by it', () => {
    const { tables } = trainingCharts([{ file: 'a/full.json', summary: summary({}) }, { file: 'a/r1.json', summary: summary({ resumedFrom: 20 }) }]);
    expect(tables[0].rows.map((r) => r[0])).toEqual(['mlp on digits, 1 CS-2, sparsity 0, (full.json)', 'mlp on digits, 1 CS-2, sparsity 0, (r1.json) (resumed at step 20)']);
    expect(tables[0].caption).toMatch(/A resumed run's bytes and wall time are those of the steps since its resume/);
  });
});

describe('failed sweep runs in a report', () => {
  const line = (config: Record<string, unknown>, outcome: Record<string, unknown>) => ({ hash: JSON.stringify(config), kind: 'estimate', config, ...outcome, timings: { startedAt: '2026-12-07T00:00:00Z', wallSeconds: 0 } });
  const ok = (systems: number, sparsity: number) => line({ model: 'gpt-1t', systems, sparsity }, { result: { kind: 'cs2', systems, sparsity, trainDays: 100 / systems / (1 + sparsity), params: 1e12 } });
  const bad = (systems: number, sparsity: number) => line({ model: 'gpt-1t', systems, sparsity }, { error: { name: 'CapacityError', message: 'no' } });
  it('a chart drawn from a sweep with failed runs says how many it does not draw', async () => {
    const lines = [ok(1, 0), ok(1, 0.5), ok(2, 0), ok(2, 0.5), ok(4, 0.5), bad(4, 0)] as never[];
    const r = await buildReport([{ type: 'sweep', file: 'd/s.jsonl', lines }]);
    expect(r.charts.length).toBeGreaterThan(0);
    for (const c of r.charts) expect(c.notes).toMatch(/Not drawn: 1 failed run of s\.jsonl \(their errors are in the results file\)/);
  });
  it('a sweep whose every run failed is skipped as such, not as one that varies nothing', async () => {
    const r = await buildReport([{ type: 'sweep', file: 'd/f.jsonl', lines: [bad(1, 0), bad(2, 0.5)] as never[] }]);
    expect(r.skipped).toEqual(['d/f.jsonl (every one of its 2 runs failed: their errors are in the file)']);
  });
});
