// The sweep file: reading it (JSON or YAML), checking every field before anything runs, and expanding
// it into the cartesian product of run configurations, each with its hash.
//
//   kind: estimate            # estimate | fabric | train | module
//   module: ./my-runner.js    # kind `module` only: a JS module exporting run(config), relative to the file
//   name: gpt3-scaling        # optional label
//   base: {model: gpt3-175b}  # the configuration every run starts from
//   axes:                     # fields to vary (dotted paths set nested fields); last axis varies fastest
//     systems: [1, 2, 4, 8]
//     sparsity: {from: 0, to: 0.9, step: 0.1}
//     merge:                  # special: each value is a mapping of fields set together (e.g. CS-2 vs GPU)
//       - {systems: 16}
//       - {gpu: a100, devices: 1024}
import { existsSync, readFileSync, statSync } from 'node:fs';
import { checkInputFile, parseJsonText } from '../io/files.js';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { MAX_DATA_DEPTH, ValidationError, describe, ownEntry, requireSafeKey, requireSafeTree, shapeError, requireObject, requireArray, requireString } from '../errors.js';
import { moduleDigest, runHash } from './hash.js';
import { RUN_KINDS, type Axis, type Config, type Run, type RunKind, type SweepSpec } from './types.js';

/** The axis whose values are mappings merged into the configuration (several fields varied together). */
export const MERGE_AXIS = 'merge';

/** The most runs one sweep file may expand to (a guard against a typo such as step: 0.0001). */
export const MAX_RUNS = 1_000_000;

const TOP_FIELDS = ['name', 'kind', 'module', 'base', 'axes'] as const;

/** A sweep file that cannot be read or parsed at all (its fields are checked with ValidationError). */
export class SweepFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepFileError';
  }
}

/**
 * Checks for fields whose meaning is the same in every kind of run, applied wherever they appear
 * (in `base` or as an axis); each returns the expectation text when the value is bad.
 */
const COMMON_FIELDS: Record<string, (v: unknown) => string | undefined> = {
  systems: (v) => (Number.isInteger(v) && (v as number) >= 1 ? undefined : 'expected a positive integer'),
  sparsity: (v) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : 'expected a number in [0, 1)'),
  seed: (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'expected a non-negative integer'),
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and parses a sweep file (.json as JSON, anything else as YAML), then validates it. */
export function loadSweepFile(file: string): SweepSpec {
  requireString('file', file);
  let text: string;
  try {
    if (existsSync(file)) checkInputFile(file, 'sweep', 'sweep file'); // a FIFO or /dev/zero is refused unread
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new SweepFileError(`${file}: cannot read the sweep file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const data = extname(file).toLowerCase() === '.json' ? parseSweepJson(text, file) : parseSweepYaml(text, file);
  return validateSweep(data, { baseDir: dirname(resolve(file)), source: file });
}

/** A .json sweep file; a key given twice in one object is refused, as YAML refuses it (JSON.parse kept the last: an axis was lost). */
function parseSweepJson(text: string, file: string): unknown {
  const data = parseJsonText(text, 'sweep file', file);
  if (yamlNesting(text) > MAX_YAML_NESTING) return data; // too deep for the YAML parser; the validator refuses its depth
  try {
    parseYaml(text, { logLevel: 'error', uniqueKeys: true }); // JSON is YAML: its parser finds the duplicate and where
  } catch (e) {
    if (e instanceof YAMLParseError && e.code === 'DUPLICATE_KEY') {
      const where = e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
      throw new SweepFileError(`${file}${where}: a key given twice in one object (JSON would keep the last value and drop the first)`);
    }
  }
  return data;
}

/** Nesting we let the YAML parser see (a sweep needs MAX_DATA_DEPTH; the parser is safe far past this). */
const MAX_YAML_NESTING = 256;

/**
 * An upper bound on the nesting of YAML text, without parsing it: the deepest `[`/`{` outside quotes and
 * comments, plus the deepest block nesting (a line's indentation and its leading `- ` items).
 */
function yamlNesting(text: string): number {
  let flow = 0;
  let deepest = 0;
  let quote = '';
  let comment = false;
  let lineStart = true;
  let block = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') { comment = false; lineStart = true; block = 0; if (quote === "'") quote = ''; continue; }
    if (comment) continue;
    if (quote) { if (ch === '\\' && quote === '"') i++; else if (ch === quote) quote = ''; continue; }
    if (lineStart && (ch === ' ' || ch === '-' || ch === '\t')) { block++; deepest = Math.max(deepest, flow + block); continue; }
    lineStart = false;
    if (ch === '#') comment = true;
    else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') deepest = Math.max(deepest, ++flow + block);
    else if ((ch === ']' || ch === '}') && flow > 0) flow--;
  }
  return deepest;
}

/**
 * YAML text → data. The error says where (line:column) and why, never quoting the file (the parser's
 * message ends with an excerpt of the line); nesting too deep for the parser's stack is said as such.
 */
function parseSweepYaml(text: string, file: string): unknown {
  // the parser recurses per level, and 2,300 nested `[` abort the process (V8 out of memory), so deep text is refused unparsed
  if (yamlNesting(text) > MAX_YAML_NESTING) throw new SweepFileError(`${file}: not valid YAML: nested too deeply to parse (a sweep file needs at most ${MAX_DATA_DEPTH} levels)`);
  try {
    return parseYaml(text, { logLevel: 'error' }); // no warnings on stderr: they quote the line
  } catch (e) {
    if (e instanceof RangeError || /Maximum call stack/.test((e as Error).message)) throw new SweepFileError(`${file}: not valid YAML: nested too deeply to parse (a sweep file needs at most ${MAX_DATA_DEPTH} levels)`);
    const where = e instanceof YAMLParseError && e.linePos ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
    // the parser's code (BLOCK_SCALAR_HEADER → "block scalar header"), not its message: that may quote the text
    const why = e instanceof YAMLParseError ? e.code.toLowerCase().replace(/_/g, ' ') : 'unreadable';
    throw new SweepFileError(`${file}${where}: not valid YAML (${why})`);
  }
}

/** Checks a parsed sweep file; a bad field is a ValidationError naming it (e.g. `axes.systems[2]`). */
export function validateSweep(data: unknown, opts: { baseDir?: string; source?: string } = {}): SweepSpec {
  // anything but a mapping is not a sweep file (a password file parses as one YAML string): not quoted
  if (!isPlainObject(data)) throw shapeError('(sweep file)', data, 'expected a mapping with kind, base and axes');
  for (const k of Object.keys(data)) {
    if (!(TOP_FIELDS as readonly string[]).includes(k)) throw new ValidationError(k, data[k], `unknown field (expected one of ${TOP_FIELDS.join(', ')})`);
  }
  const kind = data.kind;
  if (typeof kind !== 'string' || !(RUN_KINDS as readonly string[]).includes(kind)) {
    throw new ValidationError('kind', kind, `expected one of ${RUN_KINDS.join(', ')}`);
  }
  if (data.name !== undefined && typeof data.name !== 'string') throw new ValidationError('name', data.name, 'expected a string');

  let module: string | undefined;
  if (kind === 'module') {
    if (typeof data.module !== 'string' || data.module === '') throw new ValidationError('module', data.module, 'expected the path of a JS module exporting run(config)');
    module = resolve(opts.baseDir ?? process.cwd(), data.module);
    if (!existsSync(module)) throw new ValidationError('module', data.module, `expected an existing file (looked for ${module})`);
  } else if (data.module !== undefined) {
    throw new ValidationError('module', data.module, `expected no module for kind ${kind} (only kind: module takes one)`);
  }

  const base = data.base ?? {};
  if (!isPlainObject(base)) throw new ValidationError('base', base, 'expected a mapping (the configuration every run starts from)');
  requireSafeTree('base', base); // no __proto__/constructor/prototype fields, no absurd nesting
  checkCommonFields(base, 'base');

  const axesData = data.axes ?? {};
  if (!isPlainObject(axesData)) throw new ValidationError('axes', axesData, 'expected a mapping of field names to lists of values');
  const axes: Axis[] = [];
  for (const [field, raw] of Object.entries(axesData)) {
    if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(field)) throw new ValidationError(`axes.${field}`, field, 'expected a field name or a dotted path such as optimizer.lr');
    requireSafeKey(`axes.${field}`, field);
    requireSafeTree(`axes.${field}`, raw);
    axes.push({ field, values: axisValues(`axes.${field}`, raw) });
  }
  let count = 1;
  for (const a of axes) count *= a.values.length;
  if (count > MAX_RUNS) throw new ValidationError('axes', `${count} runs`, `expected at most ${MAX_RUNS} runs in one sweep`);

  return { name: data.name as string | undefined, kind: kind as RunKind, module, base: base as Config, axes, source: opts.source };
}

/** The values of one axis: a non-empty list of distinct values, or a range {from, to, step}. */
function axisValues(path: string, raw: unknown): unknown[] {
  let values: unknown[];
  if (Array.isArray(raw)) {
    values = raw;
  } else if (isPlainObject(raw) && 'from' in raw) {
    for (const k of Object.keys(raw)) if (!['from', 'to', 'step'].includes(k)) throw new ValidationError(`${path}.${k}`, raw[k], 'unknown field (a range has from, to and step)');
    const { from, to } = raw;
    const step = raw.step ?? 1;
    if (typeof from !== 'number' || !Number.isFinite(from)) throw new ValidationError(`${path}.from`, from, 'expected a finite number');
    if (typeof to !== 'number' || !Number.isFinite(to) || to < from) throw new ValidationError(`${path}.to`, to, `expected a finite number >= from (${from})`);
    if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0) throw new ValidationError(`${path}.step`, step, 'expected a number > 0');
    const n = Math.floor((to - from) / step + 1e-9) + 1;
    if (n > MAX_RUNS) throw new ValidationError(path, raw, `expected at most ${MAX_RUNS} values`);
    // Each value keeps the decimals of from and step: 0.1 steps do not turn into 0.30000000000000004 (and so into a
    // different hash), and large integers stay exact (toPrecision(12) made 1234567890123 + 1000 into 1234567891120).
    const d = Math.min(100, Math.max(decimals(from), decimals(step)));
    values = Array.from({ length: n }, (_, i) => Number((from + i * step).toFixed(d)));
  } else {
    throw new ValidationError(path, raw, 'expected a non-empty list of values or a range {from, to, step}');
  }
  if (values.length === 0) throw new ValidationError(path, raw, 'expected a non-empty list of values');
  const field = path.slice('axes.'.length);
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    if (v === null || v === undefined) throw new ValidationError(`${path}[${i}]`, v, 'expected a value');
    if (field === MERGE_AXIS && (!isPlainObject(v) || Object.keys(v).length === 0)) throw new ValidationError(`${path}[${i}]`, v, 'expected a mapping of the fields this case sets');
    const check = ownEntry(COMMON_FIELDS, field);
    const bad = check?.(v);
    if (bad) throw new ValidationError(`${path}[${i}]`, v, bad);
    if (isPlainObject(v)) checkCommonFields(v, `${path}[${i}]`);
    const key = JSON.stringify(v);
    const j = seen.get(key);
    if (j !== undefined) throw new ValidationError(`${path}[${i}]`, v, `expected distinct values (same as ${path}[${j}])`);
    seen.set(key, i);
  });
  return values;
}

/** Digits after the point of a number as written (0.25 → 2, 1e-7 → 7, 1200 → 0). */
function decimals(x: number): number {
  const [mantissa, exp] = String(x).split('e');
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - Number(exp ?? 0));
}

function checkCommonFields(obj: Record<string, unknown>, path: string): void {
  for (const [k, v] of Object.entries(obj)) {
    const bad = ownEntry(COMMON_FIELDS, k)?.(v);
    if (bad) throw new ValidationError(`${path}.${k}`, v, bad);
  }
}

/**
 * The files a sweep's runs may read: every string of its base and axes (at any depth) that names an existing
 * regular file, relative to the working directory (as the runs resolve it) or to the sweep file's directory.
 * A model, spec or data file of a run must never be a sweep's output (`--out`, `--csv`). Gives each one's
 * absolute path and the field that names it.
 */
export function filesNamedIn(spec: SweepSpec, sweepFile?: string): Array<{ field: string; path: string }> {
  const dirs = [process.cwd(), ...(sweepFile ? [dirname(resolve(sweepFile))] : [])];
  const found = new Map<string, { field: string; path: string }>();
  const visit = (v: unknown, field: string): void => {
    if (typeof v === 'string') {
      if (v === '' || v.length > 4096 || found.has(v)) return;
      for (const p of isAbsolute(v) ? [v] : dirs.map((d) => resolve(d, v))) {
        try {
          if (statSync(p).isFile()) return void found.set(v, { field, path: p });
        } catch {
          // not a file: a preset name or any other string
        }
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${field}[${i}]`));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) visit(x, `${field}.${k}`);
  };
  visit(spec.base, 'base');
  for (const a of spec.axes) visit(a.values, `axes.${a.field}`);
  return [...found.values()];
}

/** Sets a dotted path in a configuration, creating intermediate mappings. */
export function setPath(config: Config, dotted: string, value: unknown, where: string): void {
  const parts = requireSafeKey(where, dotted).split('.');
  let obj: Record<string, unknown> = config;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = obj[parts[i]];
    if (next === undefined) obj = obj[parts[i]] = {};
    else if (isPlainObject(next)) obj = next;
    else throw new ValidationError(where, dotted, `cannot set a field inside base.${parts.slice(0, i + 1).join('.')} (it is ${describe(next)}, not a mapping)`);
  }
  obj[parts[parts.length - 1]] = structuredClone(value);
}

/** The number of runs a spec expands to. */
export function runCount(spec: SweepSpec): number {
  return spec.axes.reduce((n, a) => n * a.values.length, 1);
}

/** Expands a spec into its runs: the cartesian product of the axes over the base, last axis fastest. */
export function expandSweep(spec: SweepSpec): Run[] {
  requireArray('sweep.axes', requireObject('sweep', spec).axes); // a SweepSpec from validateSweep
  return [...expandRuns(spec)];
}

/**
 * expandSweep in slices that let a signal in: a million runs take tens of seconds to expand, and ^C
 * must stop that promptly. Throws `onAbort()` when the signal is aborted.
 */
export async function expandSweepAsync(spec: SweepSpec, signal: AbortSignal | undefined, onAbort: (done: number) => Error): Promise<Run[]> {
  const runs: Run[] = [];
  for (const r of expandRuns(spec)) {
    runs.push(r);
    if (runs.length % 1000 === 0) {
      await new Promise((res) => setImmediate(res));
      if (signal?.aborted) throw onAbort(runs.length);
    }
  }
  return runs;
}

/** The runs of a spec, one by one, in expandSweep's order. */
function* expandRuns(spec: SweepSpec): Generator<Run> {
  const total = runCount(spec);
  const module = spec.kind === 'module' && spec.module ? moduleDigest(spec.module) : undefined;
  const first = new Map<string, number[]>(); // run hash -> the axis indices of the first run that has it
  const idx = new Array<number>(spec.axes.length).fill(0);
  for (let r = 0; r < total; r++) {
    const config = structuredClone(spec.base);
    spec.axes.forEach((a, i) => {
      const v = a.values[idx[i]];
      if (a.field === MERGE_AXIS) for (const [k, x] of Object.entries(v as Config)) setPath(config, k, x, `axes.${MERGE_AXIS}[${idx[i]}].${k}`);
      else setPath(config, a.field, v, `axes.${a.field}`);
    });
    const hash = runHash(spec.kind, config, module);
    const twin = first.get(hash);
    if (twin !== undefined) throw sameRun(spec, twin, idx);
    const axisIndex = idx.slice();
    first.set(hash, axisIndex);
    yield { index: r, hash, config, axisIndex };
    for (let i = spec.axes.length - 1; i >= 0; i--) {
      if (++idx[i] < spec.axes[i].values.length) break;
      idx[i] = 0;
    }
  }
}

/** Two runs of one configuration (an axis a merge case sets again; one mapping written in two key orders): refused, naming both. */
function sameRun(spec: SweepSpec, earlier: number[], idx: number[]): ValidationError {
  const at = (k: number[]) => spec.axes.map((a, i) => `${a.field}[${k[i]}]`).join(', ');
  return new ValidationError('axes', `${at(earlier)} and ${at(idx)}`, 'expected runs of distinct configurations (these two give the same one: an axis that base or a merge case sets again?)');
}

/**
 * Says where a field of one run's configuration came from, for an error found by the kind's own
 * validator: `axes.systems[2]` when an axis set it, else `base.<path>`.
 */
export function locateField(spec: SweepSpec, run: Run, path: string): string {
  const under = (path: string, f: string) => path === f || path.startsWith(f + '.') || path.startsWith(f + '[');
  for (let i = spec.axes.length - 1; i >= 0; i--) {
    const f = spec.axes[i].field;
    if (f === MERGE_AXIS) {
      const v = spec.axes[i].values[run.axisIndex[i]] as Config;
      const k = Object.keys(v).find((k) => under(path, k));
      if (k !== undefined) return `axes.${MERGE_AXIS}[${run.axisIndex[i]}].${path}`;
      continue;
    }
    if (under(path, f)) {
      return `axes.${f}[${run.axisIndex[i]}]${path.slice(f.length)}`;
    }
  }
  return `base.${path}`;
}
