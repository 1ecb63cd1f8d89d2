// `weightstream validate`: every published measurement beside the model's prediction at the calibrated
// efficiency, with the error and the binding resource. One case calibrates; the rest are held out.
import { defaultSpecs, type Specs } from '../specs.js';
import { fmt } from '../units.js';
import { calibrate, type Calibration } from './calibrate.js';
import { loadMeasurements, type MeasurementFile } from './measurements.js';
import { predict } from './predict.js';

export interface ValidationRow {
  case: string;
  system: string;
  systems: number;
  release: string | null;
  source: string;
  sourceKind: string;
  url: string;
  /** 'samples/s' or 'speed-up'. */
  unit: string;
  measured: number;
  predicted: number;
  /** (predicted - measured) / measured. */
  error: number;
  bound: string;
  passes: number;
  role: 'calibration' | 'held out';
}

export interface Validation {
  calibration: Calibration & { specEfficiency: number; note: string };
  rows: ValidationRow[];
}

export function validate(file?: MeasurementFile | string, specs: Specs = defaultSpecs()): Validation {
  const data = typeof file === 'object' ? file : loadMeasurements(file);
  const calCase = data.cases.find((c) => c.id === data.calibration.case)!;
  const cal = calibrate(calCase, specs);
  const rows = data.cases.map((m): ValidationRow => {
    const p = predict(m, cal.efficiency, specs);
    const measured = (m.kind === 'throughput' ? m.measured.samplesPerSecond : m.measured.speedup) as number;
    return {
      case: m.id, system: m.system, systems: m.systems, release: m.release, source: m.source.where, sourceKind: m.source.kind, url: m.source.url,
      unit: m.kind === 'throughput' ? 'samples/s' : `speed-up vs ${m.baseSystems}`, measured, predicted: p.value, error: (p.value - measured) / measured,
      bound: p.binding, passes: p.passes, role: m.id === cal.case ? 'calibration' : 'held out',
    };
  });
  const note = `compute efficiency ${fmt(cal.efficiency)} calibrated on ${cal.case} (software release ${cal.release ?? 'unknown'}, ${cal.system}): it belongs to that release; other releases and systems are held out, and differ by what their software does`;
  return { calibration: { ...cal, specEfficiency: specs.systems[cal.system]?.v.computeEfficiency ?? NaN, note }, rows };
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;

/** The table as text: case, source, measured, predicted, error, bound. */
export function formatValidation(v: Validation): string {
  const head = ['case', 'source', 'measured', 'predicted', 'error', 'bound'];
  const body = v.rows.map((r) => [
    `${r.case}${r.role === 'calibration' ? ' (calibration)' : ''}`,
    `${r.sourceKind}${r.release ? `, release ${r.release}` : ''}`,
    `${fmt(r.measured)} ${r.unit}`,
    `${fmt(r.predicted)}`,
    r.role === 'calibration' ? `${pct(r.error)} (fitted)` : pct(r.error),
    `${r.bound}${r.passes > 1 ? `, ${r.passes} passes` : ''}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  const sources = v.rows.map((r) => `  ${r.case}: ${r.url}`);
  return [v.calibration.note, '', line(head), ...body.map(line), '', 'Sources:', ...sources, ''].join('\n');
}
