// The properties every malformed input must keep, at the library and at the CLI: an outcome is a
// result or an error of ours (never an internal TypeError/RangeError), within a time bound; at the CLI,
// exit code 0/1/2, one line without a stack trace (no --debug), inputs unchanged, no temporary file left.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { rootPath } from '../../src/paths.js';

/** Error names that mean the code under test broke, not that it refused the input. */
export const INTERNAL = /^(TypeError|RangeError|ReferenceError|SyntaxError|InternalError|AssertionError)$/;

/** The fuzz runs' figures, per target (printed at the end of `npm run fuzz`). */
export const figures: Record<string, { cases: number; accepted: number; refused: number }> = {};

/**
 * Runs `f` on one generated input and checks the library property: it returns, or throws an Error whose
 * name is not an internal one and whose message is one non-empty line naming something, within `boundMs`.
 */
export function libraryProperty(target: string, f: () => unknown, boundMs = 2000): void {
  const fig = (figures[target] ??= { cases: 0, accepted: 0, refused: 0 });
  fig.cases++;
  const t0 = performance.now();
  let thrown: unknown;
  try {
    f();
    fig.accepted++;
  } catch (e) {
    thrown = e;
    fig.refused++;
  }
  const ms = performance.now() - t0;
  if (ms > boundMs) throw new Error(`${target}: took ${ms.toFixed(0)} ms (bound ${boundMs} ms)`);
  if (thrown === undefined) return;
  if (!(thrown instanceof Error)) throw new Error(`${target}: threw a non-Error ${String(thrown)}`);
  if (INTERNAL.test(thrown.name)) throw new Error(`${target}: internal ${thrown.name}: ${thrown.message}`);
  const first = thrown.message.split('\n')[0];
  if (first.trim() === '') throw new Error(`${target}: an error with an empty message (${thrown.name})`);
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** Runs the CLI on generated files in `dir` and checks the CLI properties. Returns the exit code. */
export function cliProperty(target: string, args: string[], dir: string, inputs: string[], tmp: string, boundMs = 60_000): number {
  const fig = (figures[target] ??= { cases: 0, accepted: 0, refused: 0 });
  fig.cases++;
  const before = inputs.map(sha);
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: boundMs, env: { ...process.env, TMPDIR: tmp } });
  const what = `${target}: weightstream ${args.join(' ')}`;
  if (r.status === null) throw new Error(`${what}: no exit within ${boundMs} ms (signal ${r.signal})`);
  if (![0, 1, 2].includes(r.status)) throw new Error(`${what}: exit code ${r.status}: ${r.stderr.slice(0, 300)}`);
  if (r.status === 0) fig.accepted++;
  else fig.refused++;
  if (/\n\s+at .+:\d+:\d+\)?/.test(r.stderr)) throw new Error(`${what}: a stack trace without --debug: ${r.stderr.slice(0, 300)}`);
  if (/\b(TypeError|RangeError|ReferenceError)\b/.test(r.stderr)) throw new Error(`${what}: an internal error: ${r.stderr.slice(0, 300)}`);
  if (r.status !== 0 && !/^weightstream: error: \S/m.test(r.stderr)) throw new Error(`${what}: failed without an error line: ${r.stderr.slice(0, 300)}`);
  inputs.forEach((f, i) => {
    if (sha(f) !== before[i]) throw new Error(`${what}: input ${f} changed`);
  });
  const left = [...readdirSync(dir), ...readdirSync(tmp)].filter((n) => /\.tmp$|\.flash$|\.lock$/.test(n));
  if (left.length) throw new Error(`${what}: left temporary files ${left.join(', ')}`);
  return r.status;
}
