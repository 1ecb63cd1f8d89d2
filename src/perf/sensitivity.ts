// `estimate --sensitivity`: each hardware figure that enters the estimate, halved and doubled, and how
// the step time moves, largest swing first, with the binding resource of each case ("what if MemoryX
// were 2x faster?" in one command). The JSON shape is what the report's tornado chart reads:
//   { baseline: { stepSeconds, bound }, rows: [ { figure, spec, low: { factor: 0.5, stepSeconds, bound },
//     high: { factor: 2, stepSeconds, bound } } ], notVaried: [ { figure, spec, why } ] }   (bound: the binding
//   resource by name; a case the hardware cannot run gives stepSeconds null and bound "does not fit: ...";
//   notVaried: the figures these specs leave out of the table, such as a 0 that x0.5 and x2 leave 0).
import { CapacityError, ValidationError } from '../errors.js';
import { estimate } from './estimate.js';
import { systemInputs, type EstimateConfig } from './run.js';
import type { PerfModel } from './models.js';
import type { Spec, Specs } from './specs.js';
import type { EstimateOptions } from './types.js';
import { SENSITIVITY_FIGURES, type SensitivityFigure } from './sensitivity-figures.js';
import { hardwareRates } from './rates.js';
import { fmt } from './units.js';

export interface SensitivityCase {
  factor: number;
  stepSeconds: number | null;
  bound: string;
}

export interface SensitivityRow {
  /** The figure's key in its spec file, e.g. 'streamGBps'. */
  figure: string;
  /** The spec it belongs to: 'cs2' (the system modelled), 'memoryx', 'swarmx'. */
  spec: string;
  low: SensitivityCase;
  high: SensitivityCase;
}

export interface Sensitivity {
  baseline: { stepSeconds: number; bound: string };
  rows: SensitivityRow[];
  /** Figures left out of the rows for these specs, and why. */
  notVaried: { figure: string; spec: string; why: string }[];
}

export const FACTORS = [0.5, 2] as const;

/** The specs with one figure scaled (lanes: a null, derived count is scaled from its derived value). */
function scaled(specs: Specs, f: SensitivityFigure, factor: number): Specs {
  const spec = specs[f.spec] as Spec;
  const raw = (spec.v as Record<string, unknown>)[f.key];
  const base = f.key === 'portsPerSystem' && raw === null ? hardwareRates(specs, 1).lanes : raw;
  const value = (base as number) * factor;
  const v = { ...spec.v, [f.key]: value };
  const figures = { ...spec.figures, [f.key]: { value, source: `sensitivity: ${factor} x ${String(base)}` } };
  return { ...specs, [f.spec]: { ...spec, v, figures } } as Specs;
}

function run(model: PerfModel, o: EstimateOptions, specs: Specs, factor: number): SensitivityCase {
  try {
    const e = estimate(model, o, specs);
    return { factor, stepSeconds: e.stepSeconds, bound: e.binding };
  } catch (err) {
    if (err instanceof CapacityError) return { factor, stepSeconds: null, bound: `does not fit: ${err.message.split(':')[0]}` };
    throw err;
  }
}

const swing = (r: SensitivityRow, base: number) => Math.max(...[r.low, r.high].map((c) => (c.stepSeconds === null ? Infinity : Math.abs(c.stepSeconds - base))));

/** Every figure of SENSITIVITY_FIGURES at x0.5 and x2, largest swing of the step first. */
export function sensitivity(model: PerfModel, o: EstimateOptions, specs: Specs): Sensitivity {
  const base = estimate(model, o, specs);
  const rows = SENSITIVITY_FIGURES.filter((f) => f.applies(specs)).map((f): SensitivityRow => ({
    figure: f.key, spec: f.spec, low: run(model, o, scaled(specs, f, FACTORS[0]), FACTORS[0]), high: run(model, o, scaled(specs, f, FACTORS[1]), FACTORS[1]),
  }));
  rows.sort((a, b) => swing(b, base.stepSeconds) - swing(a, base.stepSeconds));
  const notVaried = SENSITIVITY_FIGURES.filter((f) => !f.applies(specs)).map((f) => ({ figure: f.key, spec: f.spec, why: f.why ?? '' }));
  return { baseline: { stepSeconds: base.stepSeconds, bound: base.binding }, rows, notVaried };
}

/** sensitivity() for a configuration as the CLI and sweeps give it (CS-2/CS-3 only). */
export function runSensitivity(c: EstimateConfig): Sensitivity {
  if (c.gpu !== undefined) throw new ValidationError('gpu', c.gpu, 'expected no --gpu with --sensitivity (it varies the CS-2/CS-3 hardware)');
  const { model, options, specs } = systemInputs(c);
  return sensitivity(model, { ...options, detail: false }, specs);
}

/** The table as text, largest swing first. */
export function formatSensitivity(s: Sensitivity): string {
  const b = s.baseline.stepSeconds;
  const cell = (c: SensitivityCase) => (c.stepSeconds === null ? c.bound : `${fmt(c.stepSeconds)} s (${c.stepSeconds >= b ? '+' : ''}${((100 * (c.stepSeconds - b)) / b).toFixed(1)} %), ${c.bound}`);
  const lines = [`baseline step ${fmt(b)} s, bound: ${s.baseline.bound}`, '', 'figure (spec)                   x0.5 -> step, bound  |  x2 -> step, bound'];
  for (const r of s.rows) lines.push(`${`${r.figure} (${r.spec})`.padEnd(30)}  ${cell(r.low)}  |  ${cell(r.high)}`);
  if (s.notVaried.length > 0) lines.push('', 'not varied:', ...s.notVaried.map((f) => `  ${f.figure} (${f.spec}): ${f.why}`));
  return lines.join('\n') + '\n';
}
