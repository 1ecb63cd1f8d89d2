// `weightstream estimate` and `weightstream claims` as a user runs them (the compiled CLI in a child
// process; `npm run build:ts` first): --json fields, --help examples, exit codes and one-line errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('weightstream estimate', () => {
  it('--json gives one object with the listed fields', () => {
    const r = cli('estimate', '--model', 'gpt3-175b', '--systems', '192', '--sparsity', '0.9', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    for (const k of ['params', 'trainFlop', 'stepSeconds', 'trainSeconds', 'trainDays', 'tokensPerSecond', 'utilization', 'bound', 'memoryxBytes', 'waferBytesPerSystem', 'assumptions']) {
      expect(o, k).toHaveProperty(k);
    }
    expect(o.systems).toBe(192);
    expect(o.sparsity).toBe(0.9);
    expect(['compute', 'stream', 'reduce', 'update']).toContain(o.bound);
    expect(o.assumptions.length).toBeGreaterThan(10);
  });

  it('--pipeline picks the step schedule (the engine\'s modes): none is slower than full; a bad mode is a usage error naming the option', () => {
    const step = (mode: string) => {
      const r = cli('estimate', '--model', 'gpt3-xl', '--systems', '16', '--pipeline', mode, '--json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).stepSeconds as number;
    };
    expect(step('none')).toBeGreaterThan(step('full'));
    const bad = cli('estimate', '--model', 'gpt3-xl', '--pipeline', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pipeline: expected one of none, coarse, full, got "fast"/);
  });

  it('human output prints the result and every assumption', () => {
    const r = cli('estimate', '--model', 'gpt3-xl', '--systems', '16', '--tokens', '30B', '--batch-tokens', '1M');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/GPT-3 XL 1.3B on 16 CS-2 \(dense\)/);
    expect(r.stdout).toMatch(/time to train/);
    expect(r.stdout).toMatch(/Assumptions:\n {2}- peak 7.5 PFLOP\/s/);
  });

  it('--gpu h200 --devices N gives the GPU comparison on the same model', () => {
    const r = cli('estimate', '--model', 'gpt3-175b', '--gpu', 'h200', '--devices', '1024', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ kind: 'gpu', gpu: 'h200', devices: 1024, utilization: 0.45 });
    expect(o.trainDays).toBeGreaterThan(0);
  });

  it('a Hugging Face config.json and a spec file that amends MemoryX', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-cli-'));
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ n_layer: 12, n_embd: 768, n_head: 12, n_positions: 1024, vocab_size: 50257, n_inner: null }));
    const r = cli('estimate', '--model', cfg, '--systems', '2', '--tokens', '1B', '--batch-tokens', '0.5M', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(124_439_808);
    const spec = join(dir, 'slow.json');
    writeFileSync(spec, JSON.stringify({ base: 'memoryx', figures: { streamGBps: { value: 15, source: 'test' } } }));
    const slow = JSON.parse(cli('estimate', '--model', 'gpt3-175b', '--systems', '192', '--spec', spec, '--json').stdout);
    const base = JSON.parse(cli('estimate', '--model', 'gpt3-175b', '--systems', '192', '--json').stdout);
    expect(slow.stream.GBps).toBe(15);
    expect(slow.trainSeconds).toBeGreaterThan(5 * base.trainSeconds);
  });

  it('a training-engine model description needs --batch-tokens and --tokens, then estimates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-cli-'));
    const f = join(dir, 'mlp.json');
    writeFileSync(f, JSON.stringify({ input: 64, layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: 10 }] }));
    // a model that gives no batch or token count is no fault of its file: the options are missing (exit 2)
    const miss = cli('estimate', '--model', f, '--systems', '1');
    expect(miss.code).toBe(2);
    expect(miss.stderr).toBe(`weightstream: error: --batch-tokens: required: --model ${f} gives no batch size in tokens (or give --batch-seqs)\n`);
    const noTokens = cli('estimate', '--model', f, '--systems', '1', '--batch-tokens', '64');
    expect(noTokens.code).toBe(2);
    expect(noTokens.stderr).toBe(`weightstream: error: --tokens: required: --model ${f} gives no training token count\n`);
    const r = cli('estimate', '--model', f, '--systems', '1', '--batch-tokens', '64', '--tokens', '1M', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).params).toBe(64 * 256 + 256 + 256 * 10 + 10);
  });

  it('--efficiency fabric[:RxC] takes each layer\'s efficiency from the fabric simulator\'s model (never above peak)', () => {
    // against peak (--efficiency 1): the default is the calibrated 0.3046 since issue 15
    const base = JSON.parse(cli('estimate', '--model', 'gpt3-xl', '--systems', '16', '--efficiency', '1', '--json').stdout);
    const r = cli('estimate', '--model', 'gpt3-xl', '--systems', '16', '--efficiency', 'fabric:64x64', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.assumptions.some((a: string) => /compute efficiency: fabric model on a 64x64 mesh/.test(a))).toBe(true);
    expect(o.trainSeconds).toBeGreaterThanOrEqual(base.trainSeconds * (1 - 1e-9));
    const g = cli('estimate', '--model', 'gpt3-xl', '--gpu', 'h100', '--efficiency', 'fabric');
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/--efficiency: "fabric" is for CS-2 estimates/);
  });

  it('--help shows the flags and examples', () => {
    const r = cli('estimate', '--help');
    expect(r.code).toBe(0);
    for (const f of ['--model', '--systems', '--sparsity', '--tokens', '--batch-tokens', '--spec', '--gpu', '--devices', '--json']) expect(r.stdout).toContain(f);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ weightstream estimate --model gpt3-175b --systems 192/);
  });

  it.each([
    [['--model', 'gpt3-175b', '--systems', '-1'], 2, /--systems: expected an integer >= 1, got "-1"/],
    [['--model', 'gpt3-175b', '--systems', '4', '--sparsity', '1'], 2, /--sparsity: expected a number in \[0, 1\), got "1"/],
    [['--model', 'gpt9', '--systems', '4'], 2, /--model: expected a preset .* got "gpt9"/],
    [['--systems', '4'], 2, /--model: required/],
    [['--model', 'gpt3-175b'], 2, /--systems: required/],
    [['--model', 'gpt3-175b', '--systems', '4', '--spec', '/nonexistent.json'], 2, /--spec: expected a readable JSON file \(ENOENT\), got "\/nonexistent.json"/],
    [['--model', 'gpt-120t', '--systems', '1', '--spec', 'test/fixtures/specs/checkpoints-on-wafer.json'], 1, /wafer SRAM: one sequence of 2048 tokens/],
  ])('bad input %j: exit %i, one line naming it', (args, code, re) => {
    const r = cli('estimate', ...(args as string[]));
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(re);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('weightstream claims', () => {
  it('--json: rows for M4, M6, M7, M11 with verdicts, and the scaling curve', () => {
    const r = cli('claims', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.rows.map((x: { mission: string }) => x.mission).sort()).toEqual(['M11', 'M4', 'M6', 'M6', 'M6', 'M7']);
    for (const x of o.rows) expect(['holds', 'holds only if', 'does not hold']).toContain(x.verdict);
    expect(o.scaling.at(-1).systems).toBe(192);
  });

  it('prints the table with verdicts, and --help has examples', () => {
    const r = cli('claims');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[M7-lambda\].*\n.*355/);
    expect(r.stdout).toMatch(/verdict: HOLDS: reproduced within 1 %/);
    expect(r.stdout).toMatch(/Scaling, GPT-3 175B dense/);
    expect(cli('claims', '--help').stdout).toMatch(/Examples:\n {2}\$ weightstream claims/);
  });
});
