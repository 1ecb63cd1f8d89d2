// bench/args.ts: a bench's command line is checked before it measures or writes anything. Benches run for
// minutes and then replace their committed results file, so an unknown flag (a typo, `--help` before it
// was one) used to run the full bench and overwrite bench/results/*.json.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs, parseIntFlag, usageText, type FlagSpec } from '../../bench/args.js';
import { resultsFile } from '../../bench/results-file.js';
import { UsageError } from '../../src/cli/common.js';
import { rootPath } from '../../src/paths.js';

const SPEC = {
  quick: { type: 'boolean', help: 'fewer rounds' },
  'no-wafer': { type: 'boolean', help: 'skip the wafer' },
  base: { type: 'string', help: '<dir> the base build' },
} satisfies Record<string, FlagSpec>;

const refusal = (args: string[]) => {
  try {
    parseBenchArgs(SPEC, args);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(args)}`);
};

describe('bench command lines', () => {
  it('reads declared flags, absent ones as false or undefined', () => {
    expect(parseBenchArgs(SPEC, [])).toEqual({ help: false, quick: false, 'no-wafer': false, base: undefined });
    expect(parseBenchArgs(SPEC, ['--quick', '--base', '../b', '--no-wafer'])).toEqual({ help: false, quick: true, 'no-wafer': true, base: '../b' });
    expect(parseBenchArgs(SPEC, ['--base=../c']).base).toBe('../c');
    expect(parseBenchArgs(SPEC, ['-h']).help).toBe(true);
  });

  it('refuses anything undeclared with one line naming it', () => {
    expect(refusal(['--quik'])).toBe('unknown option --quik (known: --quick, --no-wafer, --base, --help)');
    expect(refusal(['-q'])).toMatch(/^unknown option -q /);
    expect(refusal(['--quick=1'])).toBe('--quick takes no value, got "1"');
    expect(refusal(['--base'])).toBe('--base needs a value');
    expect(refusal(['--base='])).toBe('--base needs a value');
    expect(refusal(['quick'])).toMatch(/^unexpected argument "quick"/);
    expect(refusal(['--', '--quick'])).toMatch(/^unexpected argument "--quick"/);
    for (const args of [['--quik'], ['--quick=1'], ['--base'], ['x']]) expect(refusal(args).split('\n')).toHaveLength(1);
  });

  it('reads integers and refuses the rest', () => {
    expect(parseIntFlag('reps', undefined, 5)).toBe(5);
    expect(parseIntFlag('reps', '7', 5)).toBe(7);
    expect(parseIntFlag('threads', '2', 2, 2)).toBe(2);
    expect(parseIntFlag('reps', '1e3', 5)).toBe(1000); // as `weightstream` reads an integer option (parseInteger)
    for (const v of ['0', '-1', '1.5', 'x', '', ' ', '9007199254740993']) expect(() => parseIntFlag('reps', v, 5)).toThrow(UsageError);
    expect(() => parseIntFlag('threads', '1', 2, 2)).toThrow('--threads: expected an integer >= 2, got "1"');
  });

  it('lists every flag and its value in the usage', () => {
    const text = usageText('fabric', 'What it does.', SPEC);
    expect(text).toContain('usage: node dist/bench/fabric.js [flags]');
    expect(text).toMatch(/--quick +fewer rounds/);
    expect(text).toMatch(/--base <dir> +the base build/);
    expect(text).toMatch(/--help, -h +this text; runs nothing/);
  });
});

/** The bench entry points that write results: each must read its command line through bench/args.ts. */
const writers = readdirSync(rootPath('bench')).filter((f) => f.endsWith('.ts') && readFileSync(rootPath('bench', f), 'utf8').includes('writeJsonAtomic('));

describe('every bench that writes results', () => {
  it('reads its flags through benchArgs, never process.argv', () => {
    expect(writers.length).toBeGreaterThanOrEqual(14);
    for (const f of writers) {
      const src = readFileSync(rootPath('bench', f), 'utf8');
      expect(src, f).toContain("from './args.js'");
      expect(src, f).toMatch(/benchArgs\('[a-z0-9-]+'/);
      expect(src.replace(/sys\.argv/g, ''), f).not.toContain('process.argv');
      // and names its file through resultsFile, but for two whose names came first (committed: kernels.<sections>.json, training-scaling-<C>core.quick.json)
      if (!['kernels.ts', 'training-scaling.ts'].includes(f)) expect(src, f).toMatch(/resultsFile\('[a-z0-9-]+'/);
    }
  });

  it('a full run writes <name>.json, a partial run a git-ignored file beside it', () => {
    expect(resultsFile('fabric')).toBe(rootPath('bench', 'results', 'fabric.json'));
    expect(resultsFile('fabric', false)).toBe(rootPath('bench', 'results', 'fabric.json'));
    expect(resultsFile('fabric', 'quick')).toBe(rootPath('bench', 'results', 'fabric-quick.json'));
    expect(resultsFile('fabric-skew', 'threads')).toBe(rootPath('bench', 'results', 'fabric-skew-threads.json'));
    const ignored = (path: string) => spawnSync('git', ['-C', rootPath(), 'check-ignore', '-q', path]).status;
    if (ignored(rootPath('package.json')) === 1) { // a git checkout (0 ignored, 1 not ignored, 128 no repository)
      for (const name of ['fabric', 'estimate', 'sweep', 'queue', 'training']) expect(ignored(resultsFile(name, 'quick')), name).toBe(0);
      expect(ignored(resultsFile('fabric'))).toBe(1);
    }
  });

  const built = (f: string) => rootPath('dist', 'bench', f.replace(/\.ts$/, '.js'));
  const fingerprint = () => {
    const dir = rootPath('bench', 'results');
    return Object.fromEntries(readdirSync(dir).map((f) => [f, `${statSync(`${dir}/${f}`).mtimeMs} ${createHash('sha256').update(readFileSync(`${dir}/${f}`)).digest('hex')}`]));
  };

  it.skipIf(!existsSync(built('fabric.ts')))('a typo or --help stops each one at once, and no results file changes', () => {
    const before = fingerprint();
    for (const f of writers) {
      const typo = spawnSync(process.execPath, [built(f), '--quik'], { encoding: 'utf8', timeout: 30_000 });
      expect(typo.status, `${f}: ${typo.stderr}`).toBe(2);
      expect(typo.stderr.trim(), f).toMatch(/^bench\/[a-z0-9-]+: unknown option --quik \(known: .*--help\)$/);
      const help = spawnSync(process.execPath, [built(f), '--help'], { encoding: 'utf8', timeout: 30_000 });
      expect(help.status, `${f}: ${help.stderr}`).toBe(0);
      expect(help.stdout, f).toMatch(/^usage: node dist\/bench\/[a-z0-9-]+\.js \[flags\]\n/);
    }
    expect(fingerprint()).toEqual(before);
  });
});

describe('scripts that write committed files', () => {
  it('refuse a flag they do not know, before writing anything', () => {
    const img = rootPath('docs', 'img');
    const before = readdirSync(img).map((f) => `${f} ${statSync(`${img}/${f}`).mtimeMs}`);
    const shots = spawnSync(process.execPath, [rootPath('scripts', 'screenshots.mjs'), '--helpx'], { encoding: 'utf8', timeout: 30_000 });
    expect(shots.status, shots.stderr).toBe(2);
    expect(shots.stderr.trim()).toMatch(/^screenshots: Unknown option '--helpx' \(usage: /);
    expect(shots.stdout).not.toContain('running the demo');
    expect(readdirSync(img).map((f) => `${f} ${statSync(`${img}/${f}`).mtimeMs}`)).toEqual(before);
    const abi = spawnSync(process.execPath, [rootPath('scripts', 'fabric-abi.mjs'), '--chek'], { encoding: 'utf8', timeout: 30_000 });
    expect(abi.status, abi.stderr).toBe(2);
    expect(abi.stderr.trim()).toBe('fabric-abi: unknown argument "--chek" (usage: node scripts/fabric-abi.mjs [--check])');
  });
});
