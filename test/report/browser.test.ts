// The report in a real browser: headless Chromium shows the page with no network and logs no console
// message; every chart is an <svg> laid out at a non-zero size with marks in it, draws exactly the series
// its data holds, and no two legend labels read the same (none cut); a screenshot is saved.
// Chromium missing: the rule of test/helpers/outside.ts (skipped loudly; a failure under CI).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, readInput, writeReport } from '../../src/report/index.js';
import { checkInBrowser, chromiumAvailable } from './browser.js';
import { makeInputs, sweepFile, whatIfSweep } from './inputs.js';

const run = chromiumAvailable();

describe.skipIf(!run)('report in headless Chromium', () => {
  it('renders every chart with marks and no console errors, offline; screenshot saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-report-browser-'));
    const inputs = await makeInputs(dir);
    const w = await writeReport(inputs.files, join(dir, 'out'));
    expect(w.charts.length).toBe(inputs.expectedCharts.length);
    const r = await buildReport(inputs.files.map(readInput)); // the same charts, with their data
    const check = checkInBrowser(w.html, dir);
    expect(check.console).toEqual([]);
    expect(check.errors).toEqual([]);
    expect(check.charts.map((c) => c.id).sort()).toEqual(r.charts.map((c) => c.id).sort());
    for (const c of check.charts) {
      expect(c.svg, c.id).toBe(true);
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.markBox![0] * c.markBox![1], c.id).toBeGreaterThan(0);
      expect(c.caption.length, c.id).toBeGreaterThan(20);
      const chart = r.charts.find((x) => x.id === c.id)!;
      if (chart.series) expect([...c.drawnSeries].sort(), `${c.id}: drawn series`).toEqual([...new Set(chart.series)].sort());
      expect(new Set(c.legendLabels).size, `${c.id}: legend labels ${c.legendLabels.join(' | ')}`).toBe(c.legendLabels.length);
      for (const l of c.legendLabels) expect(l, `${c.id}: legend label cut`).not.toMatch(/…$/);
    }
    // the charts that have series say so (all but the heatmap and the bytes bars)
    expect(r.charts.filter((c) => c.series).map((c) => c.id).sort()).toEqual(inputs.expectedCharts.filter((id) => !['heatmap', 'training-bytes'].includes(id)).sort());
    expect(statSync(check.screenshot).size).toBeGreaterThan(10_000);
    console.log(`report screenshot: ${check.screenshot}`);
  });

  it('a hardware what-if (the issue\'s case): every series drawn, labels apart, identical series drawn too; log-axis bars drawn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-report-whatif-'));
    // and models 1000x apart in training time on CS-2 and GPUs: comparison bars on a log axis
    const models = { kind: 'estimate', axes: { model: ['gpt3-175b', 'gpt3-small'], merge: [{ systems: 16 }, { gpu: 'a100', devices: 1024 }] } };
    const files = [await sweepFile(dir, 'what-if', whatIfSweep(dir)), await sweepFile(dir, 'models', models)];
    const w = await writeReport(files, join(dir, 'out'));
    const r = await buildReport(files.map(readInput));
    const check = checkInBrowser(w.html, dir);
    expect(check.errors).toEqual([]);
    expect(check.charts.map((c) => c.id)).toEqual(['scaling', 'sparsity', 'model-size', 'compare', 'compare-2']);
    expect(r.charts[4].spec).toMatchObject({ layer: [{ encoding: { x: { title: 'time to train (days, log scale)' } } }, {}] });
    for (const c of check.charts) {
      const chart = r.charts.find((x) => x.id === c.id)!;
      expect(c.drawnSeries.length, c.id).toBe(chart.series!.length);
      expect([...c.drawnSeries].sort(), c.id).toEqual([...chart.series!].sort());
      expect(new Set(c.legendLabels).size, c.id).toBe(c.legendLabels.length);
      for (const l of c.legendLabels) expect(l, c.id).not.toMatch(/…$/);
    }
    expect(check.charts[1].drawnSeries).toHaveLength(21);
    // the series legend of the scaling chart lists all six, readable: spec file names, folders where they collide
    expect(check.charts[0].legendLabels).toEqual(expect.arrayContaining(['spec a/cs2-io.json, sparsity 0', 'spec b/cs2-io.json, sparsity 0.9', 'spec a/cs2-same.json, sparsity 0']));
  });

  it('the check catches a broken page: a script error, a fetch, an empty chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-report-broken-'));
    const html = join(dir, 'report.html');
    writeFileSync(
      html,
      '<!DOCTYPE html><html><head><title>broken</title></head><body>' +
        '<figure class="chart" data-chart="empty"><svg width="300" height="100"></svg><figcaption><p class="caption">nothing</p></figcaption></figure>' +
        '<figure class="chart" data-chart="twins"><svg width="300" height="100"><g class="mark-symbol role-mark series_points_marks"><path aria-label="s1" d="M10,10h5v5h-5Z"/><path aria-label="s2" d="M0,0"/></g>' +
        '<g class="mark-text role-legend-label"><text x="50" y="50">same</text><text x="50" y="70">same</text></g></svg><figcaption><p class="caption">twins</p></figcaption></figure>' +
        '<img src="https://example.com/chart.png"><script>console.error("boom"); notDefined();</script></body></html>',
    );
    const check = checkInBrowser(html, dir);
    expect(check.console.some((l) => l.includes('boom'))).toBe(true);
    expect(check.errors.some((e) => /notDefined/.test(e))).toBe(true);
    expect(check.errors.some((e) => /IMG|example\.com/.test(e))).toBe(true);
    expect(check.charts[0]).toEqual(expect.objectContaining({ id: 'empty', svg: true, marks: 0, markBox: null, drawnSeries: [], legendLabels: [] }));
    // an invisible mark draws no series; two legend labels that read the same are both reported
    expect(check.charts[1]).toEqual(expect.objectContaining({ id: 'twins', drawnSeries: ['s1'], legendLabels: ['same', 'same'] }));
  });
});
