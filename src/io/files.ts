// Reading inputs and placing outputs safely: every input is a regular file of a sane size before a byte
// of it is read (a FIFO, /dev/zero or a directory is refused, never read), and every output is checked
// before the work starts: not one of the run's inputs nor another output (through symlinks too), not a
// directory, not a device, in a directory we can write. See docs/reliability.md.
import { accessSync, closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, readSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ValidationError } from '../errors.js';

/** What an input file is; each kind has its own size limit (bytes). */
export type InputKind = 'sweep' | 'model' | 'spec' | 'hf-config' | 'results' | 'report-input' | 'safetensors' | 'checkpoint' | 'csv' | 'text';

/** Largest file of each kind we read (bytes). Text configurations are small; tensors and results are not. */
export const INPUT_LIMITS: Record<InputKind, number> = {
  sweep: 16 << 20, // a sweep file: base + axes, at most 1M runs of short values
  model: 16 << 20, // a model description (JSON)
  spec: 16 << 20, // a hardware spec (JSON)
  'hf-config': 16 << 20, // a Hugging Face config.json
  results: 2 ** 31 - 1, // a sweep's results (JSON Lines): one Buffer, Node's limit for one read
  'report-input': 256 << 20, // a training summary, trace, heatmap or results file for `report`: parsed whole, ~7x its size in memory (an 87 MB trace took 640 MB)
  safetensors: 2 ** 31 - 1, // weights or a dataset
  checkpoint: 2 ** 31 - 1, // MemoryX state
  csv: 256 << 20, // a dataset as CSV text: parsed into strings first, so a tenth of what tensors may be
  text: 128 << 20, // a text corpus for a language model: 4 bytes a token id, then its windows (x (T+1)/stride): 1 GB at the limit
};

/** How an error names a file of each kind (`expected a readable JSON file`). */
const NOUN: Record<InputKind, string> = {
  sweep: 'sweep', model: 'JSON', spec: 'JSON', 'hf-config': 'JSON', results: 'results', 'report-input': 'report input', safetensors: 'safetensors', checkpoint: 'checkpoint', csv: 'CSV', text: 'text',
};

const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 2 : 0)} MiB`;

/** An input file that cannot be read as one: `code` is the errno code when the system refused it. */
export class InputFileError extends ValidationError {
  constructor(label: string, path: string, expected: string, readonly code?: string) {
    super(label, path, expected);
  }
}

/** The errno code (or message) of a failed fs call, for a one-line error that names the path. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? (err instanceof Error ? err.message : String(e));
}

/**
 * Checks that `path` is a regular file of at most the kind's limit and returns its stats. A FIFO, a
 * device, a socket or a directory is refused before it is opened (opening a FIFO would block, and
 * reading /dev/zero never ends). `label` names the option or field in the error.
 */
export function checkInputFile(path: string, kind: InputKind, label: string = kind): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputFileError(label, path, `expected a readable ${NOUN[kind]} file (${errnoText(e)})`, errnoText(e));
  }
  if (st.isDirectory()) throw new InputFileError(label, path, 'expected a file, not a directory');
  if (!st.isFile()) throw new InputFileError(label, path, 'expected a regular file (not a FIFO, device or socket)');
  const limit = INPUT_LIMITS[kind];
  if (st.size > limit) throw new InputFileError(label, path, `expected a ${NOUN[kind]} file of at most ${mib(limit)}, this one has ${mib(st.size)}`);
  return st;
}

/** Reads an input file after checkInputFile (bytes). */
export function readInputFile(path: string, kind: InputKind, label?: string): Buffer {
  checkInputFile(path, kind, label);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputFileError(label ?? kind, path, `expected a readable ${NOUN[kind]} file (${errnoText(e)})`, errnoText(e));
  }
}

/** Reads an input file after checkInputFile (UTF-8 text). */
export function readInputText(path: string, kind: InputKind, label?: string): string {
  return readInputFile(path, kind, label).toString('utf8');
}

/**
 * `mkdir -p` that always ends: creates the missing directories of `dir` one level at a time. (Node's
 * `mkdirSync(dir, {recursive: true})` never returns under /proc, and says ENOENT on a read-only file
 * system.) Returns why it failed (`mkdir /ro/d: EROFS`, `/x is a file`), or undefined when it did not.
 */
export function makeDirsWhy(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    let st: Stats | undefined;
    try { st = statSync(d); } catch { st = undefined; }
    if (st) {
      if (!st.isDirectory()) return `${d} is a file`;
      break;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue; // made meanwhile
      return `mkdir ${d}: ${errnoText(e)}`;
    }
  }
  return undefined;
}

/** makeDirs for an option: `--out: expected a directory we can create (mkdir /ro/d: EROFS), got "/ro/d"`. */
export function makeDirs(dir: string, label: string, given: string = dir): void {
  const why = makeDirsWhy(dir);
  if (why) throw new ValidationError(label, given, `expected a directory we can create (${why})`);
}

/**
 * Where a path lands: its real path if it exists (symlinks followed), else its real parent + its name; a
 * symlink to a file not there yet lands on that file (a write through it makes the link's target, and the
 * link stays; it replaced the link, and two writers through the link and the target missed each other).
 */
export function landingPath(path: string): string {
  let abs = resolve(path);
  for (let hops = 0; hops < 40; hops++) { // as Linux's MAXSYMLINKS: a loop of links lands where its writes fail (ELOOP)
    try {
      return realpathSync(abs);
    } catch {
      let link: string | undefined;
      try { if (lstatSync(abs).isSymbolicLink()) link = readlinkSync(abs); } catch { link = undefined; }
      if (link === undefined) {
        const parent = dirname(abs);
        return parent === abs ? abs : join(landingPath(parent), basename(abs));
      }
      abs = resolve(dirname(abs), link); // a dangling link: follow it to the file it names
    }
  }
  return abs;
}

/** A file the run reads, or writes (`dir: true`: a directory the run writes files into). */
export interface NamedPath {
  /** The option or field, for the error (`--csv`, `--save`). */
  label: string;
  path: string;
  dir?: boolean;
}

/** The nearest existing ancestor of a path (the directory an output will be created in). */
function existingAncestor(abs: string): string {
  let d = abs;
  for (;;) {
    try {
      statSync(d);
      return d;
    } catch {
      const up = dirname(d);
      if (up === d) return d;
      d = up;
    }
  }
}

function checkOneOutput(o: NamedPath, real: string): void {
  if (o.path === '') throw new ValidationError(o.label, o.path, o.dir ? 'expected a directory path' : 'expected a file path');
  // a file's path ending in a separator names a directory: it passed here when none existed, and the write failed after the run
  if (!o.dir && (o.path.endsWith('/') || o.path.endsWith(sep))) throw new ValidationError(o.label, o.path, 'expected a file path (this one ends in "/", as a directory\'s does)');
  if (!o.dir && ['.', '..'].includes(basename(o.path))) throw new ValidationError(o.label, o.path, `expected a file path (this one ends in "${basename(o.path)}", a directory)`);
  let st: Stats | undefined;
  try {
    st = statSync(real);
  } catch {
    st = undefined;
  }
  if (st) {
    if (o.dir) {
      if (!st.isDirectory()) throw new ValidationError(o.label, o.path, 'expected a directory to write into (this is a file)');
      try { accessSync(real, constants.W_OK); } catch (e) { throw new ValidationError(o.label, o.path, `expected a writable directory (${errnoText(e)})`); }
      return;
    }
    if (st.isDirectory()) throw new ValidationError(o.label, o.path, 'expected a file to write, not a directory');
    if (!st.isFile()) throw new ValidationError(o.label, o.path, 'expected a regular file to write (not a FIFO, device or socket)');
  }
  const at = existingAncestor(o.dir && !st ? real : dirname(real));
  let ast: Stats;
  try { ast = statSync(at); } catch (e) { throw new ValidationError(o.label, o.path, `expected a writable location (${errnoText(e)})`); }
  if (!ast.isDirectory()) throw new ValidationError(o.label, o.path, `expected a location inside a directory (${at} is a file)`);
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new ValidationError(o.label, o.path, `expected a writable directory (${at}: ${errnoText(e)})`);
  }
}

/**
 * Checks a run's outputs before any work: each must land (symlinks followed) on none of the inputs and
 * none of the other outputs, must not be a directory (a file output) nor a FIFO or device, and must be
 * creatable (its nearest existing directory writable). Throws a ValidationError naming the option.
 * A directory output (`dir: true`) clashes with an input inside it whose name `writes(name)` says it
 * writes (report: report.html and *.svg).
 */
export function checkOutputs(o: { inputs: NamedPath[]; outputs: NamedPath[]; writes?: (name: string) => boolean }): void {
  const inputs = o.inputs.map((i) => ({ ...i, real: landingPath(i.path) }));
  const seen: Array<NamedPath & { real: string }> = [];
  const inside = (dir: string, f: string) => dirname(f) === dir && (o.writes?.(basename(f)) ?? true);
  for (const out of o.outputs) {
    const real = landingPath(out.path);
    const clash = inputs.find((i) => i.real === real || (out.dir && inside(real, i.real)));
    if (clash) throw new ValidationError(out.label, out.path, `expected a path that is not an input of this run (it is ${clash.label} ${clash.path})`);
    const other = seen.find((s) => s.real === real || (s.dir && inside(s.real, real)) || (out.dir && inside(real, s.real)));
    if (other) throw new ValidationError(out.label, out.path, `expected a path distinct from ${other.label} ${other.path}`);
    checkOneOutput(out, real);
    seen.push({ ...out, real });
  }
}

/** The first `bytes` bytes of a file (fewer when it is shorter): a format's magic, a page's head. */
export function readHead(path: string, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses JSON text; a syntax error says where (line and column) but never quotes the text, so a file
 * that is not what it claims to be (a password file given as a model) is not echoed.
 */
export function parseJsonText(text: string, label: string, path: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // a byte-order mark some editors write
  } catch (e) {
    throw new ValidationError(label, path, `expected valid JSON (a syntax error${jsonErrorWhere(text, e)})`);
  }
}

/** Where JSON.parse failed, as ` at line L, column C` (or `: it ends early`), never the text around it. */
export function jsonErrorWhere(text: string, e: unknown): string {
  const m = /position (\d+)/.exec((e as Error).message);
  if (m) {
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    return ` at line ${before.split('\n').length}, column ${pos - before.lastIndexOf('\n')}`;
  }
  return /end of JSON input/.test((e as Error).message) ? ': it ends early' : '';
}
