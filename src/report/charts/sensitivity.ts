// The sensitivity (tornado) chart of `estimate --sensitivity --json`: for each hardware figure, the step
// time with the figure halved and doubled, as two bars from the baseline step time, ticks at their ends;
// the figures whose change moves the step most on top. Where a change moves the bound to another resource, the bar's end
// says so.
import type { Chart, SensitivityInput } from '../types.js';
import { SCHEMA } from './series.js';

/** A bound as the chart's text shows it: without parentheses and rates ("weight stream: CS-2 I/O = SwarmX lanes"); the notes keep the whole text. */
const shortBound = (b: string) => b.replace(/\s*\([^)]*\)/g, '').replace(/\s+at\s+[\d.]+\s*\S+$/, '');

/** Three significant digits, never in exponent form. */
const short = (x: number) => String(Number(x.toPrecision(3)));

export function sensitivityChart(s: SensitivityInput, file: string): Chart | undefined {
  if (s.rows.length === 0) return undefined;
  const base = s.baseline.stepSeconds;
  const rows = [...s.rows].sort((a, b) => Math.abs(b.high.stepSeconds - b.low.stepSeconds) - Math.abs(a.high.stepSeconds - a.low.stepSeconds));
  // A figure's label: its name and spec; the same name in two specs (or twice) stays apart.
  const names = rows.map((r) => `${r.figure} (${r.spec})`);
  const labels = names.map((n, i) => (names.indexOf(n) === i && names.lastIndexOf(n) === i ? n : `${n} #${names.slice(0, i + 1).filter((m) => m === n).length}`));
  const ratio = (p: { stepSeconds: number; bound: string }) => `${short(p.stepSeconds / base)}×${p.bound !== s.baseline.bound ? ` ${shortBound(p.bound)}-bound` : ''}`;
  const values = rows.flatMap((r, i) =>
    [r.low, r.high].map((p) => ({ series: labels[i], factor: `figure × ${p.factor}`, step: p.stepSeconds, base, bound: p.bound })),
  );
  // One text per row, right of its longest bar: what each change does to the step (unchanged ones left out).
  const texts = rows.map((r, i) => ({
    series: labels[i],
    step: Math.max(base, r.low.stepSeconds, r.high.stepSeconds),
    text: [r.low, r.high].filter((p) => p.stepSeconds !== base).map((p) => `×${p.factor}: ${ratio(p)}`).join('; '),
  }));
  const factors = [...new Set(values.map((v) => v.factor))];
  // Room on both sides for the text at the bars' ends.
  const steps = [base, ...values.map((v) => v.step)];
  const [lo, hi] = [Math.min(...steps), Math.max(...steps)];
  const span = hi - lo || base;
  const x = { field: 'step', type: 'quantitative', title: 'step time (seconds)', scale: { domain: [Math.max(0, lo - 0.05 * span), hi + 0.7 * span], nice: false } };
  const y = { field: 'series', type: 'nominal', title: 'hardware figure (spec)', sort: labels, axis: { labelLimit: 1000 } };
  const unchanged = rows.filter((r) => r.low.stepSeconds === base && r.high.stepSeconds === base).length;
  return {
    id: 'sensitivity',
    title: 'Sensitivity of the step time to each hardware figure',
    caption: `Each figure halved and doubled, one at a time, from a baseline step of ${short(base)} s (${s.baseline.bound}-bound, the vertical rule): the longest bars are the figures the step depends on most; the text is the step over the baseline at each change, and the new bound where it changes.`,
    notes: [
      unchanged ? `${unchanged} of ${rows.length} figures change nothing at ×0.5 or ×2 (a tick on the baseline, no bar).` : '',
      ...boundsNamed(s).map((b) => `Bound: ${b}.`),
    ].filter(Boolean).join(' '),
    sources: [file],
    series: labels,
    spec: {
      $schema: SCHEMA,
      width: 480,
      height: Math.max(60, 24 * rows.length),
      data: { values },
      layer: [
        {
          name: 'series_bars',
          mark: { type: 'bar', height: { band: 0.7 } },
          encoding: {
            x, x2: { field: 'base' }, y,
            color: { field: 'factor', type: 'nominal', title: 'change', scale: { domain: factors, range: ['#4c78a8', '#e45756'] }, legend: { orient: 'bottom' } },
            description: { field: 'series', type: 'nominal' },
          },
        },
        // A marker at each end, so a figure that changes nothing (a bar of no width) still shows on its row.
        {
          name: 'series_ends',
          mark: { type: 'tick', thickness: 2, size: 14 },
          encoding: { x, y, color: { field: 'factor', type: 'nominal', title: 'change', scale: { domain: factors, range: ['#4c78a8', '#e45756'] } }, description: { field: 'series', type: 'nominal' } },
        },
        { data: { values: texts }, mark: { type: 'text', dx: 4, fontSize: 10, color: '#333', align: 'left' }, encoding: { x, y, text: { field: 'text' } } },
        { data: { values: [{ base }] }, mark: { type: 'rule', color: '#222', strokeWidth: 1 }, encoding: { x: { field: 'base', type: 'quantitative', title: 'step time (seconds)' } } },
      ],
    } as unknown as Chart['spec'],
  };
}

/** The bounds the changes move the step to, in full, where the chart's text shortens them. */
function boundsNamed(s: SensitivityInput): string[] {
  const all = s.rows.flatMap((r) => [r.low.bound, r.high.bound]).filter((b) => b !== s.baseline.bound && shortBound(b) !== b);
  return [...new Set(all)];
}

/** Whether a parsed JSON value is `estimate --sensitivity --json` output (the shape of types.ts SensitivityInput). */
export function asSensitivity(v: unknown): SensitivityInput | undefined {
  const o = v as Partial<SensitivityInput> | null;
  const point = (p: unknown) => {
    const q = p as Record<string, unknown> | null;
    return !!q && typeof q === 'object' && typeof q.factor === 'number' && typeof q.stepSeconds === 'number' && Number.isFinite(q.stepSeconds) && typeof q.bound === 'string';
  };
  if (!o || typeof o !== 'object' || !o.baseline || typeof o.baseline.stepSeconds !== 'number' || !(o.baseline.stepSeconds > 0) || typeof o.baseline.bound !== 'string') return undefined;
  if (!Array.isArray(o.rows) || !o.rows.every((r) => r && typeof r.figure === 'string' && typeof r.spec === 'string' && point(r.low) && point(r.high))) return undefined;
  return o as SensitivityInput;
}
