// One parser for every bench's command line. A bench runs for minutes and then replaces its committed
// results file, so a flag it does not know (a typo, `--help`) must stop it before it runs, with one line
// naming the flag, and not be ignored. Built on node:util's parseArgs; what it adds is the refusal of
// anything undeclared (positionals, `--quick=1`) with our one-line messages, and `--help`. Bad values are the
// CLI's UsageError and its integer parser (src/cli/common.ts), so a bench says what `weightstream` would.
import { parseArgs } from 'node:util';
import { UsageError, parseInteger } from '../src/cli/common.js';

/** A flag a bench declares: boolean (present or not) or string (`--name value` or `--name=value`). */
export interface FlagSpec {
  type: 'boolean' | 'string';
  /** What it does, for `--help`; a string flag's value in angle brackets first, e.g. `<dir> the base build`. */
  help: string;
}

export type Flags<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

/** `args` parsed against `spec`; throws UsageError on anything undeclared. `help` is reserved. */
export function parseBenchArgs<T extends Record<string, FlagSpec>>(spec: T, args: string[]): Flags<T> & { help: boolean } {
  const options = Object.fromEntries(Object.entries(spec).map(([name, f]) => [name, { type: f.type }]));
  const { values, tokens } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') throw new UsageError(`unexpected argument ${JSON.stringify(t.value)} (this bench takes only flags; --help lists them)`);
    if (t.kind !== 'option') continue;
    const f = t.name === 'help' ? { type: 'boolean' } : spec[t.name];
    if (!f) throw new UsageError(`unknown option ${t.rawName} (known: ${knownFlags(spec)})`);
    if (f.type === 'boolean' && t.value !== undefined) throw new UsageError(`${t.rawName} takes no value, got ${JSON.stringify(t.value)}`);
    if (f.type === 'string' && (t.value === undefined || t.value === '')) throw new UsageError(`${t.rawName} needs a value`);
  }
  const out: Record<string, unknown> = { help: values.help === true };
  for (const [name, f] of Object.entries(spec)) out[name] = f.type === 'boolean' ? values[name] === true : values[name];
  return out as Flags<T> & { help: boolean };
}

/** `value` as an integer ≥ `min` (the CLI's parseInteger), or `fallback` when the flag was not given; throws UsageError. */
export function parseIntFlag(name: string, value: string | undefined, fallback: number, min = 1): number {
  return value === undefined ? fallback : parseInteger(`--${name}`, min)(value);
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

/** A bench's own refusal of its command line (a required flag missing, a bad list): one line and exit 2. */
export function refuseArgs(bench: string, message: string): never {
  console.error(`bench/${bench}: ${message}`);
  process.exit(2);
}

function exitBadArgs(bench: string, e: unknown): never {
  if (!(e instanceof UsageError)) throw e;
  return refuseArgs(bench, e.message);
}

function knownFlags(spec: Record<string, FlagSpec>): string {
  return [...Object.keys(spec).map((n) => `--${n}`), '--help'].join(', ');
}

function splitValue(help: string): [string, string] {
  const end = help.indexOf('>') + 1;
  return [help.slice(0, end), help.slice(end).trim()];
}
