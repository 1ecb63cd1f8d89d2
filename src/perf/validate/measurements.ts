// The published measurements `weightstream validate` holds the at-scale model against
// (specs/validation/measurements.json): each case's system, count, model file, batch, sequence
// length, software release and measured figure, with its source. Loaded and checked here; errors name
// the file and the field.
import { ValidationError, requireInt, requireNumber, requireOneOf } from '../../errors.js';
import { parseJsonText, readInputText } from '../../io/files.js';
import { rootPath } from '../../paths.js';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export type CaseKind = 'throughput' | 'speedup';
export type SourceKind = 'log' | 'paper' | 'press';

export interface Measurement {
  id: string;
  /** throughput: samples/s of one run; speedup: samples/s on `systems` over `baseSystems` (same model and batch). */
  kind: CaseKind;
  /** System spec id: 'cs2', 'cs3'. */
  system: string;
  systems: number;
  baseSystems?: number;
  /** A model file (specs/models or specs/hf): as read, relative to the measurements file or the repository root; once loaded, the path to read. */
  model: string;
  /** Global batch in sequences, and tokens per sequence. */
  batchSeqs: number;
  seqLen: number;
  /** Cerebras software release, or null where not published. */
  release: string | null;
  date: string;
  measured: { samplesPerSecond?: number; speedup?: number; passes?: number };
  source: { kind: SourceKind; where: string; url: string };
  press?: boolean;
  note?: string;
}

export interface MeasurementFile {
  calibration: { case: string; why: string };
  cases: Measurement[];
}

export const MEASUREMENTS_FILE = () => rootPath('specs', 'validation', 'measurements.json');

function str(at: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ValidationError(at, v, 'expected a non-empty string');
  return v;
}

function checkCase(raw: unknown, at: string): Measurement {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(at, raw, 'expected an object');
  const o = raw as Record<string, unknown>;
  const kind = requireOneOf(`${at}.kind`, o.kind, ['throughput', 'speedup'] as const);
  const m = (o.measured ?? {}) as Record<string, unknown>;
  const measured: Measurement['measured'] = {};
  if (kind === 'throughput') measured.samplesPerSecond = requireNumber(`${at}.measured.samplesPerSecond`, m.samplesPerSecond, Number.MIN_VALUE);
  else measured.speedup = requireNumber(`${at}.measured.speedup`, m.speedup, Number.MIN_VALUE);
  if (m.passes !== undefined) measured.passes = requireInt(`${at}.measured.passes`, m.passes, 1);
  const s = (o.source ?? {}) as Record<string, unknown>;
  return {
    id: str(`${at}.id`, o.id),
    kind,
    system: str(`${at}.system`, o.system),
    systems: requireInt(`${at}.systems`, o.systems, 1),
    ...(kind === 'speedup' ? { baseSystems: requireInt(`${at}.baseSystems`, o.baseSystems, 1) } : {}),
    model: str(`${at}.model`, o.model),
    batchSeqs: requireInt(`${at}.batchSeqs`, o.batchSeqs, 1),
    seqLen: requireInt(`${at}.seqLen`, o.seqLen, 1),
    release: o.release === null ? null : str(`${at}.release`, o.release),
    date: str(`${at}.date`, o.date),
    measured,
    source: { kind: requireOneOf(`${at}.source.kind`, s.kind, ['log', 'paper', 'press'] as const), where: str(`${at}.source.where`, s.where), url: str(`${at}.source.url`, s.url) },
    ...(o.press === true ? { press: true } : {}),
    ...(typeof o.note === 'string' ? { note: o.note } : {}),
  };
}

/**
 * A case's model file as a path to read: an absolute path as it is; a relative one from the measurements
 * file's directory when a file is there, else from the repository root (the shipped file's paths, such as
 * specs/hf/..., work from a file anywhere).
 */
function modelPath(model: string, file: string): string {
  if (isAbsolute(model)) return model;
  const beside = resolve(dirname(file), model);
  return existsSync(beside) ? beside : rootPath(model);
}

/** Reads and checks a measurements file (default: the shipped one). */
export function loadMeasurements(file = MEASUREMENTS_FILE()): MeasurementFile {
  const raw = parseJsonText(readInputText(file, 'spec', '--measurements'), '--measurements', file) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || !Array.isArray(raw.cases)) throw new ValidationError(`${file}: cases`, raw?.cases, 'expected a list of cases');
  const cases = raw.cases.map((c, i) => checkCase(c, `${file}: cases[${i}]`));
  cases.forEach((c, i) => {
    const j = cases.findIndex((d) => d.id === c.id);
    if (j < i) throw new ValidationError(`${file}: cases[${i}].id`, c.id, `expected an id of its own (cases[${j}] has it)`);
    c.model = modelPath(c.model, file);
  });
  const cal = (raw.calibration ?? {}) as Record<string, unknown>;
  const id = str(`${file}: calibration.case`, cal.case);
  const named = cases.find((c) => c.id === id);
  if (!named || named.kind !== 'throughput') throw new ValidationError(`${file}: calibration.case`, id, `expected the id of a throughput case (${cases.filter((c) => c.kind === 'throughput').map((c) => c.id).join(', ')})`);
  return { calibration: { case: id, why: str(`${file}: calibration.why`, cal.why) }, cases };
}
