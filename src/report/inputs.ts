// Reading report inputs and telling them apart by content: sweep results (.jsonl lines with hash,
// kind, config and result), Chrome traces ({traceEvents: [...]} or a bare array of events), fabric
// heatmaps, training summaries and sensitivities (the JSON that `weightstream fabric --heatmap`,
// `weightstream train --json` and `weightstream estimate --sensitivity --json` write).
import { InputFileError, readInputText } from '../io/files.js';
import { shapeOf } from '../errors.js';
import { readResults } from '../sweep/results.js';
import { asSensitivity } from './charts/sensitivity.js';
import type { Heatmap, ReportInput, TraceEventLike } from './types.js';

/** An input file the report cannot use (unreadable, or not one of the kinds it knows). */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEvents = (v: unknown): v is TraceEventLike[] => Array.isArray(v) && v.length > 0 && v.every((e) => isObj(e) && typeof e.ph === 'string');

/** Facts about a run to show beside its heatmap: scalars, and objects of scalars as k=v lists. */
function facts(o: Record<string, unknown>, skip: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const short = (x: unknown) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toPrecision(4)) : x);
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k) || v === null) continue;
    if (typeof v !== 'object') out[k] = short(v);
    else if (isObj(v) && Object.values(v).every((x) => typeof x !== 'object')) out[k] = Object.entries(v).map(([a, b]) => `${a}=${short(b)}`).join(' ');
  }
  return out;
}

/**
 * A heatmap as `weightstream fabric --heatmap` writes it ({rows, cols, values, busy, metric, cycles, pass,
 * layer ...}); also accepted under a `heatmap` key, the other keys then describing the run.
 */
export function asHeatmap(v: unknown): Heatmap | undefined {
  const nested = isObj(v) && isObj(v.heatmap);
  const h = nested ? (v as { heatmap: Record<string, unknown> }).heatmap : v;
  if (!isObj(h)) return undefined;
  const { rows, cols, values } = h;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || (rows as number) < 1 || (cols as number) < 1 || !Array.isArray(values)) return undefined;
  if (values.length !== (rows as number) * (cols as number) || !values.every((x) => typeof x === 'number')) return undefined;
  const about = nested ? facts(v as Record<string, unknown>, ['heatmap']) : facts(h, ['rows', 'cols', 'values', 'busy', 'metric', 'units']);
  return { rows: rows as number, cols: cols as number, values: values as number[], metric: typeof h.metric === 'string' ? h.metric : 'busy share', about };
}

/** A trace's events, checked where the charts read them: an object with ph, finite ts/dur, string name (else the event's index). */
function checkEvents(file: string, events: unknown[]): TraceEventLike[] {
  events.forEach((e, i) => {
    const at = `${file}: traceEvents[${i}]`;
    if (!isObj(e) || typeof e.ph !== 'string') throw new ReportInputError(`${at}: expected an event object with ph (a string), got ${shapeOf(e)}`);
    for (const k of ['ts', 'dur'] as const) {
      if (e[k] !== undefined && !(typeof e[k] === 'number' && Number.isFinite(e[k]))) throw new ReportInputError(`${at}.${k}: expected a finite number of microseconds, got ${shapeOf(e[k])}`);
    }
    if (e.name !== undefined && typeof e.name !== 'string') throw new ReportInputError(`${at}.name: expected a string, got ${shapeOf(e.name)}`);
    if (e.args !== undefined && !isObj(e.args)) throw new ReportInputError(`${at}.args: expected an object, got ${shapeOf(e.args)}`);
  });
  return events as TraceEventLike[];
}

/** Why an object with a heatmap's fields (rows, cols, values) is not a usable one; undefined when it has not those fields. */
function heatmapProblem(v: unknown): string | undefined {
  const h = isObj(v) && isObj(v.heatmap) ? v.heatmap : v;
  if (!isObj(h) || !('rows' in h && 'cols' in h && 'values' in h)) return undefined;
  for (const k of ['rows', 'cols'] as const) if (!Number.isInteger(h[k]) || (h[k] as number) < 1) return `${k}: expected a positive integer, got ${shapeOf(h[k])}`;
  if (!Array.isArray(h.values)) return `values: expected a list of numbers, got ${shapeOf(h.values)}`;
  const n = (h.rows as number) * (h.cols as number);
  if (h.values.length !== n) return `values: expected rows x cols = ${n} numbers, got ${h.values.length}`;
  const bad = h.values.findIndex((x) => typeof x !== 'number');
  return bad >= 0 ? `values[${bad}]: expected a number, got ${shapeOf(h.values[bad])}` : undefined;
}

/** The ranges of a training summary's figures that the report shows: a value outside one is not a run's. */
const SUMMARY_RANGES: Record<string, [number, number]> = {
  testAccuracy: [0, 1], wallSeconds: [0, Infinity], bytesStreamed: [0, Infinity], bytesReduced: [0, Infinity],
  bytesGradientsSent: [0, Infinity], systems: [1, Infinity], steps: [0, Infinity], sparsity: [0, 1],
};

/** Why a training summary's shown figures cannot be a run's (a string, NaN, a negative time, an accuracy of 7.5), or undefined. */
function summaryProblem(v: Record<string, unknown>): string | undefined {
  for (const [k, [lo, hi]] of Object.entries(SUMMARY_RANGES)) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) return `${k}: expected a number ${hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`}, got ${shapeOf(x)}`;
  }
  return undefined;
}

/** A training summary (`weightstream train --json`): per-step losses and the bytes streamed. */
function isTraining(v: unknown): v is Record<string, unknown> {
  return isObj(v) && (v.kind === 'train' || (Array.isArray(v.loss) && typeof v.bytesStreamed === 'number'));
}

export function readInput(file: string): ReportInput {
  let text: string;
  try {
    text = readInputText(file, 'report-input', 'report input');
  } catch (e) {
    if (e instanceof InputFileError && !e.code) throw e; // a FIFO, device, directory or a file past the limit
    throw new ReportInputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (file.endsWith('.jsonl')) return { type: 'sweep', file, lines: readResults(file) };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // JSON Lines under another name?
    const first = text.split('\n', 1)[0];
    try {
      const l = JSON.parse(first);
      if (isObj(l) && typeof l.hash === 'string' && 'config' in l) return { type: 'sweep', file, lines: readResults(file) };
    } catch {
      /* fall through */
    }
    throw new ReportInputError(`${file}: not JSON (expected sweep results .jsonl, a trace, a training summary or a fabric heatmap)`);
  }
  if (isObj(v) && Array.isArray(v.traceEvents)) return { type: 'trace', file, events: checkEvents(file, v.traceEvents) };
  if (isEvents(v)) return { type: 'trace', file, events: checkEvents(file, v) };
  const h = asHeatmap(v);
  if (h) return { type: 'heatmap', file, heatmap: h };
  if (isTraining(v)) {
    const loss: unknown[] = Array.isArray(v.loss) ? v.loss : [];
    const bad = loss.findIndex((x) => typeof x !== 'number');
    if (bad >= 0) throw new ReportInputError(`${file}: loss[${bad}]: expected a number, got ${shapeOf(loss[bad])}`);
    const wrong = summaryProblem(v);
    if (wrong) throw new ReportInputError(`${file}: ${wrong}`);
    return { type: 'training', file, summary: v };
  }
  const s = asSensitivity(v);
  if (s) return { type: 'sensitivity', file, sensitivity: s };
  const hp = heatmapProblem(v); // one with a heatmap's fields says which is wrong
  throw new ReportInputError(`${file}: not a sweep result file, trace (traceEvents), training summary (loss, bytesStreamed), fabric heatmap (rows, cols, values) or sensitivity (estimate --sensitivity --json: baseline, rows)${hp ? `; as a heatmap, ${hp}` : ''}`);
}
