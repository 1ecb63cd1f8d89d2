// The results file of a sweep (JSON Lines, one run per line) and how it is written so that a crash
// never costs a finished run nor leaves a torn line: the main thread alone appends, each line goes
// out in ONE write(2) of the complete line plus '\n' on a file opened with O_APPEND, and the file is
// fsync'ed periodically and at the end. If a torn last line ever exists anyway (a power cut between
// a partial write and the next), reading the file for a resume finds it and truncates it away.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { readInputFile } from '../io/files.js';
import type { RanOn } from '../build.js';
import type { ResultLine } from './types.js';

/** What an existing results file holds. */
export interface ExistingResults {
  lines: ResultLine[];
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  truncatedBytes: number;
}

/** A results file that is not JSON Lines of sweep results (a line in the middle does not parse). */
export class ResultsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsFileError';
  }
}

function isResultLine(v: unknown): v is ResultLine {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.hash === 'string' && typeof o.kind === 'string' && typeof o.config === 'object' && ('result' in o || 'error' in o);
}

/** How every results line starts (resultLineText writes the hash first). */
const LINE_START = Buffer.from('{"hash":"', 'utf8');

/** Whether the bytes from `start` to the end of `buf` can be the start of a results line cut short. */
function tornLine(buf: Buffer, start: number): boolean {
  const n = Math.min(buf.length - start, LINE_START.length);
  return buf.compare(LINE_START, 0, n, start, start + n) === 0;
}

/**
 * Parses a results file's bytes (or text). A last line without its '\n' is torn (the newline is written in the
 * same call as the line, so a complete line always has one): it is reported, not parsed, when it starts as
 * every results line does; anything else there (a file of one line with no newline: a note, a minified
 * JSON file) means the file is not ours. A bad line anywhere else is an error naming the line.
 */
export function parseResults(data: string | Buffer, file = 'results'): { lines: ResultLine[]; tornBytes: number } {
  // Work in bytes: a torn line may end inside a multi-byte character, which decoding would alter.
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const end = buf.lastIndexOf(0x0a) + 1;
  const tornBytes = buf.length - end;
  if (tornBytes > 0 && !tornLine(buf, end)) {
    const lineNo = end === 0 ? 1 : buf.subarray(0, end).reduce((k, b) => k + (b === 0x0a ? 1 : 0), 1);
    throw new ResultsFileError(`${file}:${lineNo}: not a sweep results line, and no newline ends it (is this a sweep results file?)`);
  }
  const lines: ResultLine[] = [];
  // Line by line over the bytes (a big file never becomes one giant string).
  let lineNo = 0;
  for (let start = 0; start < end; ) {
    const nl = buf.indexOf(0x0a, start);
    const raw = buf.toString('utf8', start, nl);
    start = nl + 1;
    lineNo++;
    if (raw.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new ResultsFileError(`${file}:${lineNo}: not a JSON line (is this a sweep results file?)`);
    }
    if (!isResultLine(v)) throw new ResultsFileError(`${file}:${lineNo}: not a sweep result (expected hash, kind, config and result or error)`);
    lines.push(v);
  }
  return { lines, tornBytes };
}

/** Reads a results file for a resume; a torn last line is cut off the file (truncate) before anything is appended. */
export function readResultsForResume(file: string): ExistingResults {
  if (!existsSync(file)) return { lines: [], truncatedBytes: 0 };
  const buf = readInputFile(file, 'results', 'results file');
  const { lines, tornBytes } = parseResults(buf, file);
  if (tornBytes > 0) {
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, buf.length - tornBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { lines, truncatedBytes: tornBytes };
}

/** Reads a results file without changing it (reports): a torn last line is ignored. */
export function readResults(file: string): ResultLine[] {
  return parseResults(readInputFile(file, 'results', 'results file'), file).lines;
}

/** Appends result lines: one write(2) per complete line, fsync at most every `fsyncSeconds` and on close. */
export class ResultsAppender {
  private fd: number;
  private lastSync = Date.now();
  private dirty = false;
  /** Bytes of whole lines in the file: a failed append is cut back to it. */
  private whole: number;
  /** The error of a failed append: every later append throws it (a line after a torn one fused with it). */
  private failed: ResultsFileError | null = null;
  constructor(
    readonly file: string,
    private readonly fsyncSeconds = 1,
  ) {
    this.fd = openSync(file, 'a');
    this.whole = fstatSync(this.fd).size;
  }

  append(line: ResultLine): void {
    this.appendText(JSON.stringify(line));
  }

  /** Appends one line given as JSON text (no newline inside: JSON.stringify output never has one). */
  appendText(json: string): void {
    if (this.failed) throw this.failed;
    const buf = Buffer.from(json + '\n', 'utf8');
    // One call for the whole line. A short write to a regular file happens on a full disk, or when the
    // process is killed while the kernel copies a line that crosses a page boundary (Linux stops between
    // pages on a fatal signal): the loop finishes the line if we live, and a resume cuts a torn last line.
    // A write that fails leaves part of a line: it is cut off here, and no line is appended after it (the
    // next one fused with the torn part in the middle of the file, and no resume could read the file).
    try {
      let off = writeSync(this.fd, buf, 0, buf.length);
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      this.failed = new ResultsFileError(`${this.file}: cannot append a result (${why}); ${this.cutTorn()}: free space and rerun to resume`);
      throw this.failed;
    }
    this.whole += buf.length;
    this.dirty = true;
    if (Date.now() - this.lastSync >= this.fsyncSeconds * 1000) this.sync();
  }

  /** Cuts a failed append's part line; says what the file holds then. */
  private cutTorn(): string {
    try {
      ftruncateSync(this.fd, this.whole);
      return 'the lines before it are whole';
    } catch (e) {
      return `its part line could not be cut (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a resume cuts it`;
    }
  }

  sync(): void {
    if (!this.dirty) return;
    fsyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
  }
}

/**
 * The text of one results line (no newline): {hash, kind, config, result | error, timings}, with the
 * result's JSON text spliced in as the worker wrote it. A queued sweep writes its lines with this, so
 * they are the same bytes a local sweep writes for the same outcome.
 */
export function resultLineText(
  hash: string, kind: string, config: unknown, out: { resultJson?: string; error?: { name: string; message: string }; timings: unknown }, ranOn?: RanOn,
): string {
  const outcome = out.error ? `"error":${JSON.stringify(out.error)}` : `"result":${out.resultJson ?? 'null'}`;
  const where = ranOn ? `,"ranOn":${JSON.stringify({ host: ranOn.host, build: ranOn.build })}` : '';
  return `{"hash":${JSON.stringify(hash)},"kind":${JSON.stringify(kind)},"config":${JSON.stringify(config)},${outcome},"timings":${JSON.stringify(out.timings)}${where}}`;
}
