// One parser for every bench's command line. A bench runs for minutes and then replaces its committed
// results file, so a flag it does not know (a typo, `--help`) must stop it before it runs, with one line
// naming the flag, and not be ignored. Built on node:util's parseArgs; what it adds is the refusal of
// anything undeclared (positionals, `--quick=1`) with our one-line messages, `--help`, and integer values.
import { parseArgs } from 'node:util';

/** A flag a bench declares: boolean (present or not) or string (`--name value` or `--name=value`). */
export interface FlagSpec {
  type: 'boolean' | 'string';
  /** What it does, for `--help`; a string flag's value in angle brackets first, e.g. `<dir> the base build`. */
  help: string;
}

export type Flags<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** Bad command line: its message is the one line the bench prints before it exits with 2. */
export class BenchArgsError extends Error {}

/** `args` parsed against `spec`; throws BenchArgsError on anything undeclared. `help` is reserved. */
export function parseBenchArgs<T extends Record<string, FlagSpec>>(spec: T, args: string[]): Flags<T> & { help: boolean } {
  const options = Object.fromEntries(Object.entries(spec).map(([name, f]) => [name, { type: f.type }]));
  const { values, tokens } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') throw new BenchArgsError(`unexpected argument ${JSON.stringify(t.value)} (this bench takes only flags; --help lists them)`);
    if (t.kind !== 'option') continue;
    const f = t.name === 'help' ? { type: 'boolean' } : spec[t.name];
    if (!f) throw new BenchArgsError(`unknown option ${t.rawName} (known: ${knownFlags(spec)})`);
    if (f.type === 'boolean' && t.value !== undefined) throw new BenchArgsError(`${t.rawName} takes no value, got ${JSON.stringify(t.value)}`);
    if (f.type === 'string' && (t.value === undefined || t.value === '')) throw new BenchArgsError(`${t.rawName} needs a value`);
  }
  const out: Record<string, unknown> = { help: values.help === true };
  for (const [name, f] of Object.entries(spec)) out[name] = f.type === 'boolean' ? values[name] === true : values[name];
  return out as Flags<T> & { help: boolean };
}

/** `value` as an integer ≥ `min`, or `fallback` when the flag was not given; throws BenchArgsError. */
export function parseIntFlag(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new BenchArgsError(`--${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

export function usageText<T extends Record<string, FlagSpec>>(bench: string, about: string, spec: T): string {
  const lines = Object.entries(spec).map(([name, f]) => {
    const [value, text] = f.type === 'string' && f.help.startsWith('<') ? splitValue(f.help) : ['', f.help];
    return `  --${name}${value ? ` ${value}` : ''}`.padEnd(24) + text;
  });
  return [`usage: node dist/bench/${bench}.js [flags]`, about, '', ...lines, '  --help, -h'.padEnd(24) + 'this text; runs nothing'].join('\n');
}

/**
 * A bench's flags from process.argv: prints the usage and exits 0 on `--help`, prints one line and exits 2
 * on a bad command line, both before the bench measures or writes anything.
 */
export function benchArgs<T extends Record<string, FlagSpec>>(bench: string, about: string, spec: T, args = process.argv.slice(2)): Flags<T> {
  try {
    const flags = parseBenchArgs(spec, args);
    if (flags.help) {
      console.log(usageText(bench, about, spec));
      process.exit(0);
    }
    return flags;
  } catch (e) {
    return exitBadArgs(bench, e);
  }
}

/** parseIntFlag for a bench's command line: a bad value is one line and exit 2. */
export function benchInt(bench: string, name: string, value: string | undefined, fallback: number, min = 1): number {
  try {
    return parseIntFlag(name, value, fallback, min);
  } catch (e) {
    return exitBadArgs(bench, e);
  }
}

/** For a bench's own checks of a flag's value: the same one line and exit 2. */
export function exitBadArgs(bench: string, e: unknown): never {
  if (!(e instanceof BenchArgsError)) throw e;
  console.error(`bench/${bench}: ${e.message}`);
  process.exit(2);
}

function knownFlags(spec: Record<string, FlagSpec>): string {
  return [...Object.keys(spec).map((n) => `--${n}`), '--help'].join(', ');
}

function splitValue(help: string): [string, string] {
  const end = help.indexOf('>') + 1;
  return [help.slice(0, end), help.slice(end).trim()];
}
