// Reports: `weightstream report INPUT... --out DIR` turns sweep results, training summaries, traces,
// fabric heatmaps and sensitivities (estimate --sensitivity) into one self-contained HTML page of SVG
// charts (vega-lite rendered in Node), plus each chart as its own .svg. Charts appear only for what the inputs hold.
import { requireArray, requireObject } from '../errors.js';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readHead } from '../io/files.js';
import { latestByHash } from '../sweep/csv.js';
import type { ResultLine } from '../sweep/types.js';
import { heatmapChart } from './charts/heatmap.js';
import { sensitivityChart } from './charts/sensitivity.js';
import { sweepCharts } from './charts/sweeps.js';
import { timelineChart } from './charts/timeline.js';
import { trainingCharts, type TrainingInput } from './charts/training.js';
import { chartsOfPage, renderPage, type ReportTable } from './html.js';
import { readInput } from './inputs.js';
import { prefixSvgIds, renderSvg } from './render.js';
import type { Chart, RenderedChart, ReportInput } from './types.js';

export { readInput, ReportInputError } from './inputs.js';
export { renderSvg } from './render.js';
export type { Chart, RenderedChart, ReportInput, Heatmap, TraceEventLike, SensitivityInput, SensitivityInputPoint } from './types.js';

export interface ReportOptions {
  title?: string;
  /** Clock for the page's "generated on" line (tests). */
  now?: Date;
}

export interface Report {
  html: string;
  charts: RenderedChart[];
  tables: ReportTable[];
  skipped: string[];
}

/** Makes unique ids when several inputs give the same kind of chart. */
function uniqueIds(charts: Chart[]): Chart[] {
  const seen = new Map<string, number>();
  return charts.map((c) => {
    const n = (seen.get(c.id) ?? 0) + 1;
    seen.set(c.id, n);
    return n === 1 ? c : { ...c, id: `${c.id}-${n}` };
  });
}

/** Builds the report of already-read inputs. */
export async function buildReport(inputs: ReportInput[], o: ReportOptions = {}): Promise<Report> {
  requireArray('inputs', inputs).forEach((x, i) => requireObject(`inputs[${i}]`, x));
  const charts: Chart[] = [];
  const tables: ReportTable[] = [];
  const skipped: string[] = [];
  const notes: Array<{ file: string; type: string; note: string }> = [];
  const sweeps = inputs.filter((i): i is Extract<ReportInput, { type: 'sweep' }> => i.type === 'sweep');
  if (sweeps.length) {
    const s = sweepCharts(sweeps.map((i) => ({ file: i.file, lines: i.lines })));
    charts.push(...s.charts);
  }
  // Training summaries: files of `train --json`, and the lines of `train` sweeps.
  const trainings: TrainingInput[] = [];
  for (const i of inputs) {
    if (i.type === 'training') trainings.push({ file: i.file, summary: i.summary });
    if (i.type === 'sweep') for (const l of latestByHash(i.lines)) if (l.kind === 'train' && l.result) trainings.push({ file: i.file, summary: l.result as Record<string, unknown>, config: l.config as Record<string, unknown> });
  }
  if (trainings.length) {
    const t = trainingCharts(trainings);
    charts.push(...t.charts);
    tables.push(...t.tables);
  }
  for (const i of inputs) {
    if (i.type === 'trace') {
      const c = timelineChart(i.events, i.file);
      if (c) charts.push(c);
      notes.push({ file: i.file, type: 'trace', note: `${i.events.length} events` });
    } else if (i.type === 'heatmap') {
      charts.push(heatmapChart(i.heatmap, i.file));
      notes.push({ file: i.file, type: 'fabric heatmap', note: `${i.heatmap.rows}×${i.heatmap.cols} cores` });
    } else if (i.type === 'sweep') {
      const latest = latestByHash(i.lines); // a rerun (--retry-failed) supersedes a run's earlier line
      const kinds = [...new Set(latest.map((l) => l.kind))].join(', ');
      const failed = latest.filter((l) => l.error).length;
      const superseded = i.lines.length - latest.length;
      notes.push({ file: i.file, type: 'sweep results', note: `${latest.length} runs (${kinds || 'none'})${failed ? `, ${failed} failed` : ''}${superseded ? `, ${superseded} earlier lines superseded` : ''}` });
    } else if (i.type === 'sensitivity') {
      const c = sensitivityChart(i.sensitivity, i.file);
      if (c) charts.push(c);
      notes.push({ file: i.file, type: 'sensitivity', note: `${i.sensitivity.rows.length} figures, baseline step ${Number(i.sensitivity.baseline.stepSeconds.toPrecision(3))} s (${i.sensitivity.baseline.bound}-bound)` });
    } else {
      const s = i.summary;
      notes.push({ file: i.file, type: 'training summary', note: `${s.model ?? 'model'}, ${s.systems ?? '?'} CS-2, ${s.steps ?? '?'} steps` });
    }
  }
  // Inputs that gave nothing, and why.
  const used = new Set([...charts.flatMap((c) => c.sources), ...trainings.map((t) => t.file)]);
  for (const i of inputs) {
    if (used.has(i.file)) continue;
    if (i.type === 'trace') skipped.push(`${i.file} (a trace with no complete events)`);
    else if (i.type === 'sensitivity') skipped.push(`${i.file} (a sensitivity with no rows)`);
    else if (i.type === 'sweep' && i.lines.length === 0) skipped.push(`${i.file} (no complete result line: an empty results file, or one whose only line was cut short)`);
    else if (i.type === 'sweep') skipped.push(sweepSkipped(i.file, latestByHash(i.lines)));
  }
  const ided = uniqueIds(charts);
  const rendered: RenderedChart[] = [];
  for (const c of ided) rendered.push({ ...c, svg: prefixSvgIds(await renderSvg(c.spec), c.id) });
  const html = renderPage({
    title: o.title ?? 'weightstream report',
    generatedAt: (o.now ?? new Date()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'),
    inputs: notes,
    charts: rendered,
    tables,
    skipped,
  });
  return { html, charts: rendered, tables, skipped };
}

export interface WrittenReport {
  out: string;
  html: string;
  charts: Array<{ id: string; title: string; svg: string }>;
  tables: string[];
  skipped: string[];
}

/** The first 16 KB of an existing page (its head), or '' where there is none or it is not a regular file. */
function pageHead(path: string): string {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ? readHead(path, 16384).toString('utf8') : '';
}

/** Reads the input files, builds the report and writes DIR/report.html and DIR/<chart>.svg (atomically). */
export async function writeReport(files: string[], outDir: string, o: ReportOptions = {}): Promise<WrittenReport> {
  requireArray('files', files);
  const inputs = files.map(readInput);
  const r = await buildReport(inputs, o);
  const html = join(outDir, 'report.html');
  const before = chartsOfPage(pageHead(html)); // an earlier report's charts in this directory
  const charts = r.charts.map((c) => {
    const svg = join(outDir, `${c.id}.svg`);
    writeFileAtomic(svg, c.svg);
    return { id: c.id, title: c.title, svg };
  });
  writeFileAtomic(html, r.html);
  // its charts that this report has not written again would sit beside it as if they were this report's
  for (const id of before) if (!r.charts.some((c) => c.id === id)) rmSync(join(outDir, `${id}.svg`), { force: true });
  return { out: outDir, html, charts, tables: r.tables.map((t) => t.title), skipped: r.skipped };
}

/** Why a sweep's results drew no chart: every run failed, or its runs vary nothing the charts plot. */
function sweepSkipped(file: string, latest: ResultLine[]): string {
  if (latest.every((l) => l.error)) return `${file} (every one of its ${latest.length} runs failed: their errors are in the file)`;
  return `${file} (its runs vary nothing the charts plot: systems, sparsity or model for estimate runs, sparsity for fabric runs)`;
}
