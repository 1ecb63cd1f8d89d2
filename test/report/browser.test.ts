// The report in a real browser: headless Chromium shows the page with no network and logs no console
// message; every chart is an <svg> laid out at a non-zero size with marks in it; a screenshot is saved.
// Chromium missing: the rule of test/helpers/outside.ts (skipped loudly; a failure under CI).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/index.js';
import { checkInBrowser, chromiumAvailable } from './browser.js';
import { makeInputs } from './inputs.js';

const run = chromiumAvailable();

describe.skipIf(!run)('report in headless Chromium', () => {
  it('renders every chart with marks and no console errors, offline; screenshot saved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-report-browser-'));
    const inputs = await makeInputs(dir);
    const r = await writeReport(inputs.files, join(dir, 'out'));
    expect(r.charts.length).toBe(inputs.expectedCharts.length);
    const check = checkInBrowser(r.html, dir);
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
    }
    expect(statSync(check.screenshot).size).toBeGreaterThan(10_000);
    console.log(`report screenshot: ${check.screenshot}`);
  });

  it('the check catches a broken page: a script error, a fetch, an empty chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-report-broken-'));
    const html = join(dir, 'report.html');
    writeFileSync(
      html,
      '<!DOCTYPE html><html><head><title>broken</title></head><body>' +
        '<figure class="chart" data-chart="empty"><svg width="300" height="100"></svg><figcaption><p class="caption">nothing</p></figcaption></figure>' +
        '<img src="https://example.com/chart.png"><script>console.error("boom"); notDefined();</script></body></html>',
    );
    const check = checkInBrowser(html, dir);
    expect(check.console.some((l) => l.includes('boom'))).toBe(true);
    expect(check.errors.some((e) => /notDefined/.test(e))).toBe(true);
    expect(check.errors.some((e) => /IMG|example\.com/.test(e))).toBe(true);
    expect(check.charts).toEqual([expect.objectContaining({ id: 'empty', svg: true, marks: 0, markBox: null })]);
  });
});
