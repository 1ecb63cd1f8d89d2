// The CLI's conventions, checked for EVERY registered command (commands added later are covered
// automatically: the list comes from buildProgram()): `<cmd> --help` exits 0 and shows Examples;
// --quiet/--debug (and --json) exist; a bad value for a numeric (or choice) option exits 2 with one line on
// stderr naming the option and the value, and no stack trace. Runs the compiled CLI (`npm run build:ts`).
import { spawn } from 'node:child_process';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { UsageError, parseInteger, parseNumber, reportError } from '../../src/cli/common.js';
import { CapacityError, ValidationError } from '../../src/errors.js';
import { rootPath } from '../../src/paths.js';

/** Commands that produce no results object and so need no --json (say why beside each). */
const NO_JSON: string[] = [];

const program = await buildProgram();
const commands: Command[] = program.commands.filter((c) => c.name() !== 'help');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const BAD = 'not-a-number';

/** Options whose parser refuses a bad value with a UsageError naming the option: numbers (and choices). */
function parsedOptions(cmd: Command): Array<{ option: Option; numeric: boolean }> {
  return cmd.options.flatMap((o) => {
    const parse = (o as Option & { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
    if (!parse || !o.required) return [];
    try {
      parse(BAD, undefined);
      return [];
    } catch (e) {
      if (!(e instanceof UsageError) || !e.message.includes(o.long!)) return [];
      return [{ option: o, numeric: /expected (a|an) (finite )?(number|integer)/.test(e.message.replace(JSON.stringify(BAD), '')) }];
    }
  });
}

/** Placeholders for a command's required arguments (the usage error must come before they are used). */
function placeholders(cmd: Command): string[] {
  return cmd.registeredArguments.filter((a) => a.required).map((a) => `placeholder-${a.name()}`);
}

describe('number options', () => {
  it('read decimal numbers as typed, and nothing that Number() would also take', () => {
    const int = parseInteger('--systems', 1);
    const num = parseNumber('--lr', 0);
    for (const [text, n] of [['16', 16], ['+16', 16], ['1e3', 1000], ['1E3', 1000]] as const) expect(int(text), text).toBe(n);
    for (const [text, n] of [['0.5', 0.5], ['.5', 0.5], ['5.', 5], ['2.5e-4', 2.5e-4]] as const) expect(num(text), text).toBe(n);
    for (const bad of ['0x10', '0b11', '0o7', ' 5', '5 ', '', ' ', '1_000', 'Infinity', 'NaN', '1e', '--5', '5e3.2']) {
      expect(() => int(bad), bad).toThrow(`--systems: expected an integer >= 1, got ${JSON.stringify(bad)}`);
      expect(() => num(bad), bad).toThrow(UsageError);
    }
  });
});

describe('CLI conventions, for every command', () => {
  it('has commands registered', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  it('`weightstream --help` lists each command on one line of at most 80 columns (a short summary)', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    const listing = r.stdout.slice(r.stdout.indexOf('\nCommands:\n') + 11).trimEnd().split('\n');
    expect(listing.length).toBe(commands.length + 1); // and help
    for (const c of commands) {
      expect(c.summary(), c.name()).toMatch(/^[^\n]{10,}$/);
      expect(c.description(), c.name()).not.toContain('\n'); // commander wraps it to the terminal
      expect(listing.some((l) => l.startsWith(`  ${c.name()} `) && l.endsWith(c.summary()))).toBe(true);
    }
    for (const l of r.stdout.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
  });

  it.concurrent.each(commands.map((c) => [c.name(), c] as const))('%s: --help exits 0 with examples; --quiet, --debug, --json exist', async (name, cmd) => {
    const r = await cli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: weightstream ${name}`));
    expect(r.stdout).toMatch(/\nExamples:\n\s+\$ weightstream /);
    const longs = cmd.options.map((o) => o.long);
    expect(longs).toContain('--quiet');
    expect(longs).toContain('--debug');
    if (!NO_JSON.includes(name)) expect(longs).toContain('--json');
  });

  const parsed = commands.flatMap((c) => parsedOptions(c).map((p) => [c.name(), p.option.long!, p.numeric ? 'number' : 'choice', c] as const));
  it('every command with a numeric option is covered', () => {
    expect(parsed.some(([, , kind]) => kind === 'number')).toBe(true);
  });
  it.concurrent.each(parsed)('%s %s <bad %s>: exit 2, one line naming the option and the value', async (name, long, _kind, cmd) => {
    const r = await cli([name, ...placeholders(cmd), long, BAD]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^weightstream: error: /);
    expect(lines[0]).toContain(long);
    expect(lines[0]).toContain(JSON.stringify(BAD));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  const withArgs = commands.filter((c) => c.registeredArguments.some((a) => a.required));
  it.concurrent.each(withArgs.map((c) => [c.name(), c] as const))('%s with a required argument missing: exit 2 naming it', async (name, cmd) => {
    const r = await cli([name]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`weightstream: error: missing required argument '${cmd.registeredArguments[0].name()}'`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.concurrent.each(commands.map((c) => [c.name(), c] as const))('%s --no-such-option: exit 2 naming it', async (name, cmd) => {
    const r = await cli([name, ...placeholders(cmd), '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/unknown option '--no-such-option'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('an error line', () => {
  /** The line reportError writes for `e`, and its exit code. */
  function line(e: unknown): { text: string; code: number } {
    const write = process.stderr.write;
    let text = '';
    process.stderr.write = ((s: string) => ((text += s), true)) as typeof process.stderr.write;
    try {
      return { code: reportError(e, false), text };
    } finally {
      process.stderr.write = write;
    }
  }

  it('a refusal of ours is its message, no class name (it read "CapacityError: wafer SRAM: …"); a built-in error keeps its name', () => {
    expect(line(new CapacityError('wafer SRAM: too big'))).toEqual({ text: 'weightstream: error: wafer SRAM: too big\n', code: 1 });
    expect(line(new ValidationError('--systems', -1, 'expected an integer >= 1'))).toEqual({ text: 'weightstream: error: --systems: expected an integer >= 1, got -1\n', code: 1 });
    expect(line(new UsageError('--fold: expected off or auto'))).toEqual({ text: 'weightstream: error: --fold: expected off or auto\n', code: 2 });
    // a TypeError is a defect of ours: its name says so
    expect(line(new TypeError("Cannot read properties of undefined (reading 'x')")).text).toBe("weightstream: error: TypeError: Cannot read properties of undefined (reading 'x')\n");
    expect(line('a thrown string').text).toBe('weightstream: error: a thrown string\n');
  });
});
