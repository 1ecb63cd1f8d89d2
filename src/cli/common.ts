// Conventions every weightstream command follows: --json / --quiet / --debug, exit codes
// 0 (done), 1 (failed), 2 (usage), and errors as one line naming the option or field and the value.
import { statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { renamePath, ValidationError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Options every command accepts. */
export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** A bad command-line option (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Adds --json, --quiet and --debug to a command. */
export function withCommonOptions(cmd: Command, opts: { json?: boolean } = { json: true }): Command {
  if (opts.json !== false) cmd.option('--json', 'print one JSON object with the results on stdout');
  cmd.option('--quiet', 'no progress output on stderr (the result still prints: it is the output)');
  cmd.option('--debug', 'print stack traces on errors');
  return cmd;
}

/** Adds worked examples to a command's --help. */
export function withExamples(cmd: Command, examples: string[]): Command {
  cmd.addHelpText('after', '\nExamples:\n' + examples.map((e) => `  $ ${e}`).join('\n'));
  return cmd;
}

/** A decimal number as typed: sign, digits with an optional fraction, an optional exponent (1e3, 2.5E-4, .5). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses an option as a number; a bad value is a UsageError naming the option and value. */
export function parseNumber(name: string, min = -Infinity, max = Infinity, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    // decimal only: Number() also reads '0x10' as 16, '0b11' as 3 and ignores spaces around the digits.
    // An integer past 2^53 is not one any more (1e30 + 1 === 1e30): refused, not silently used.
    const ok = DECIMAL.test(value) && Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isSafeInteger(n));
    if (!ok) {
      const kind = integer ? 'an integer' : 'a number';
      const below = integer && Number.isInteger(n) && !Number.isSafeInteger(n) ? ' below 2^53' : ''; // said only when that was the fault
      const range = min > -Infinity && max < Infinity ? ` in [${min}, ${max}]` : min > -Infinity ? ` >= ${min}${below}` : max < Infinity ? ` <= ${max}` : below;
      throw new UsageError(`${name}: expected ${kind}${range}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}
export const parseInteger = (name: string, min = -Infinity, max = Infinity) => parseNumber(name, min, max, true);

/** Parses an option as one of a fixed set of strings. */
export function parseChoice<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!choices.includes(value as T)) throw new UsageError(`${name}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  };
}

/** A path option's value: an empty string is refused (it would mean "no file" to one check and the cwd to another). */
export function parsePath(name: string) {
  return (value: string): string => {
    if (value === '') throw new UsageError(`${name}: expected a path, got ""`);
    return value;
  };
}

/** An option with a parser and, optionally, a default shown in --help. A path option (`<file>`, `<dir>`) without a parser refuses "". */
export function option<T>(flags: string, description: string, parse?: (v: string, prev: T) => T, def?: T): Option {
  const o = new Option(flags, description);
  if (!parse && /<[^>]*(file|dir|FILE|\.jsonl)[^>]*>/.test(flags)) parse = parsePath(flags.split(' ')[0]) as unknown as typeof parse;
  if (parse) o.argParser(parse as (v: string, prev: unknown) => unknown);
  if (def !== undefined) o.default(def);
  return o;
}

/** Prints a result: JSON on stdout with --json, else the human-readable text. */
export function emit(opts: CommonOptions, result: unknown, human: () => string): void {
  if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const text = human();
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}

const BUILTIN_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']);

/**
 * The library's refusal of an option's value, as the command line says it: `e` renamed to `flag` and a usage error
 * (exit 2), unless `value` names a file that exists, whose contents the refusal is about: then a failed run (exit 1).
 * README: 1 failed (a bad file among them), 2 usage (a bad flag).
 */
export function flagError(e: ValidationError, flag: string, value: unknown): Error {
  const renamed = renamePath(e, flag);
  if (typeof value === 'string' && isFile(value)) return renamed;
  return new UsageError(renamed.message);
}

/** Whether a path names a regular file (symlinks followed). */
export function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * The refusal of a file named by a positional argument (`sweep FILE`, `report INPUT...`): a usage error (exit 2)
 * when the path names no regular file (missing, a directory, a FIFO), else the file's contents refused (exit 1).
 */
export function inputPathError(e: unknown, path: string): unknown {
  return e instanceof Error && !(e instanceof UsageError) && !isFile(path) ? new UsageError(e.message) : e;
}

/**
 * An output option's refusal before any work (checkOutputs: a directory where a file goes, one path for two
 * outputs or for an output and an input, a place that cannot be written): a value its option refuses, so a
 * usage error (exit 2). README: 2 usage (a bad flag).
 */
export function outputError(e: unknown): unknown {
  return e instanceof ValidationError ? new UsageError(e.message) : e;
}

/** Maps an error to its exit code and prints it as one line (a stack only with --debug). */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const usage = e instanceof UsageError;
  // our refusals' messages say what and where (`wafer SRAM: …`, `b.jsonl: …`): no class name before them; a
  // built-in error's name stays (a TypeError is a defect, and says so)
  const line = BUILTIN_ERRORS.has(e.name) ? `${e.name}: ${e.message}` : e.message;
  process.stderr.write(`weightstream: error: ${line.split('\n')[0]}\n`);
  if (debug && e.stack) process.stderr.write(e.stack + '\n');
  return usage ? EXIT_USAGE : EXIT_FAILED;
}
