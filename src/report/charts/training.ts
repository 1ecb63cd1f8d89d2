// Training summaries (`weightstream train --json`, or the lines of a `train` sweep): the loss curve of
// each run, the bytes each run moved (weights streamed out of MemoryX, gradients reduced into it),
// and a table of the headline numbers (accuracy, bytes, time).
import type { ReportTable } from '../html.js';
import type { Chart } from '../types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface TrainingInput {
  file: string;
  summary: Record<string, unknown>;
  /** A train sweep line's configuration (what its axes set), when the summary comes from one. */
  config?: Record<string, unknown>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * "mlp on digits, 4 CS-2, sparsity 0.9"; runs that would read the same add what differs between them (a sweep's
 * axes such as `seed 3`, steps, batch, the optimizer, then the file), and a resumed run says so.
 */
function labels(inputs: TrainingInput[]): string[] {
  const base = inputs.map(({ summary: s }) => `${s.model ?? 'model'}${s.data ? ` on ${s.data}` : ''}, ${s.systems ?? '?'} CS-2, sparsity ${s.sparsity ?? 0}`);
  const facts = inputs.map(runFacts);
  const named = base.map((l, i) => {
    const group = base.flatMap((m, j) => (m === l ? [j] : []));
    const differs = group.length > 1 ? Object.keys(facts[i]).filter((k) => group.some((j) => facts[j][k] !== facts[i][k])) : [];
    // the file only when nothing else tells the runs apart
    const shown = differs.some((k) => k !== 'file') ? differs.filter((k) => k !== 'file') : differs;
    return shown.length ? `${l}, ${shown.map((k) => (k === 'file' ? `(${facts[i][k]})` : `${k} ${facts[i][k]}`)).join(', ')}` : l;
  });
  // Runs that still read the same (the same configuration twice): number them.
  const numbered = named.map((l, i) => (named.indexOf(l) !== named.lastIndexOf(l) ? `${l} #${named.slice(0, i + 1).filter((m) => m === l).length}` : l));
  return numbered.map((l, i) => (num(inputs[i].summary.resumedFrom) !== undefined ? `${l} (resumed at step ${inputs[i].summary.resumedFrom})` : l));
}

/** What may tell two runs apart, as text: a sweep line's configuration fields, then the summary's own. */
function runFacts({ file, summary: s, config }: TrainingInput): Record<string, string> {
  const o = (s.optimizer ?? {}) as Record<string, unknown>;
  const facts: Record<string, string> = {};
  for (const [k, v] of Object.entries(config ?? {})) if (v !== null && typeof v !== 'object') facts[k] = String(v);
  Object.assign(facts, { steps: String(s.steps ?? ''), batch: String(s.batch ?? ''), optimizer: String(o.kind ?? ''), lr: String(o.lr ?? ''), file: file.split('/').pop() ?? file });
  return facts;
}

/** Most points drawn per run's loss curve: a longer run is drawn as means of equal bins (memory stays bounded). */
export const MAX_LOSS_POINTS = 2000;

/** A run's loss curve as at most MAX_LOSS_POINTS points (bin means, at each bin's first step); non-numbers skipped. */
function lossPoints(raw: unknown[], run: string): { points: Array<{ run: string; step: number; loss: number }>; bin: number } {
  const bin = Math.max(1, Math.ceil(raw.length / MAX_LOSS_POINTS));
  const points: Array<{ run: string; step: number; loss: number }> = [];
  for (let s = 0; s < raw.length; s += bin) {
    let sum = 0;
    let n = 0;
    for (let j = s; j < Math.min(s + bin, raw.length); j++) {
      const y = num(raw[j]);
      if (y !== undefined) (sum += y, n++);
    }
    if (n > 0) points.push({ run, step: s, loss: sum / n });
  }
  return { points, bin };
}

export function trainingCharts(inputs: TrainingInput[]): { charts: Chart[]; tables: ReportTable[] } {
  if (inputs.length === 0) return { charts: [], tables: [] };
  const names = labels(inputs);
  const sources = [...new Set(inputs.map((i) => i.file))];
  const charts = [lossChart(inputs, names, sources), bytesChart(inputs, names, sources)].filter((c): c is Chart => c !== null);
  return { charts, tables: [trainingTable(inputs, names)] };
}

/** Each run's loss per step (binned past MAX_LOSS_POINTS steps), or null when no run recorded one. */
function lossChart(inputs: TrainingInput[], names: string[], sources: string[]): Chart | null {
  let binned = 0;
  const loss = inputs.flatMap((i, k) => {
    const pts = lossPoints(Array.isArray(i.summary.loss) ? (i.summary.loss as unknown[]) : [], names[k]);
    binned = Math.max(binned, pts.bin);
    return pts.points;
  });
  if (loss.length === 0) return null;
  return {
    id: 'training-loss',
    title: 'Training loss per step',
    series: [...new Set(loss.map((p) => p.run))],
    ...(binned > 1 ? { notes: `Runs longer than ${MAX_LOSS_POINTS} steps are drawn as the mean of every ${binned} steps.` } : {}),
    caption: 'Each run should fall from about ln(classes) towards zero; a sparse run that tracks the dense one learned as well with fewer weights.',
    sources,
    spec: {
      $schema: SCHEMA,
      width: 560,
      height: 300,
      data: { values: loss },
      layer: [
        {
          name: 'series_lines',
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'training step (count)' },
            y: { field: 'loss', type: 'quantitative', title: 'mean loss (cross-entropy, nats)' },
            color: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 1000, orient: 'bottom', columns: 1 } },
            strokeDash: { field: 'run', type: 'nominal', title: 'run', legend: { labelLimit: 1000, orient: 'bottom', columns: 1 } },
            description: { field: 'run', type: 'nominal' },
          },
        },
      ],
    } as unknown as Chart['spec'],
  };
}

/** The bytes each run streamed and reduced, or null when no run recorded them. */
function bytesChart(inputs: TrainingInput[], names: string[], sources: string[]): Chart | null {
  const bytes = inputs.flatMap((i, k) => [
    { run: names[k], what: 'weights streamed (MemoryX → CS-2)', MB: (num(i.summary.bytesStreamed) ?? NaN) / 1e6 },
    { run: names[k], what: 'gradients reduced (SwarmX → MemoryX)', MB: (num(i.summary.bytesReduced) ?? NaN) / 1e6 },
  ]).filter((b) => Number.isFinite(b.MB));
  if (bytes.length === 0) return null;
  return {
    id: 'training-bytes',
    title: 'Bytes moved by each training run',
    caption: 'Only non-zero weights travel: a run at sparsity s should stream and reduce about (1 - s) of the dense run\'s bytes (plus the indices).',
    sources,
    spec: {
      $schema: SCHEMA,
      width: 560,
      height: { step: 18 },
      data: { values: bytes },
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'run', type: 'nominal', title: 'run (model, systems, sparsity)', axis: { labelLimit: 320 } },
        yOffset: { field: 'what', type: 'nominal' },
        x: { field: 'MB', type: 'quantitative', title: 'bytes moved during training (MB)' },
        color: { field: 'what', type: 'nominal', title: 'traffic', legend: { orient: 'bottom', labelLimit: 320 } },
      },
    } as unknown as Chart['spec'],
  };
}

/** A row a run: steps, batch, final loss, test accuracy, bytes and wall time. */
function trainingTable(inputs: TrainingInput[], names: string[]): ReportTable {
  const mb = (v: unknown) => (num(v) === undefined ? '' : ((v as number) / 1e6).toFixed(2));
  const rows = inputs.map((i, k) => {
    const s = i.summary;
    return [
      names[k], String(s.steps ?? ''), String(s.batch ?? ''),
      num(s.finalLoss) === undefined ? '' : (s.finalLoss as number).toFixed(4),
      num(s.testAccuracy) === undefined ? '' : `${(100 * (s.testAccuracy as number)).toFixed(2)} %`,
      mb(s.bytesStreamed), mb(s.bytesReduced), num(s.wallSeconds) === undefined ? '' : (s.wallSeconds as number).toFixed(2),
    ];
  });
  return {
    id: 'training',
    title: 'Training runs',
    caption: 'Test accuracy on the held-out split; bytes are what MemoryX streamed out and received back (simulated traffic); wall time is this machine\'s. A resumed run\'s bytes and wall time are those of the steps since its resume.',
    header: ['run', 'steps', 'batch', 'final loss', 'test accuracy', 'weights streamed (MB)', 'gradients reduced (MB)', 'wall time (s)'],
    rows,
  };
}
