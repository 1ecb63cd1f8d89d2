// The outside-tool rule itself (test/helpers/outside.ts): a missing tool outside CI is skipped with one
// loud line and recorded; under CI it is a failure; the end-of-run summary names the skipped checks and
// the one apt-get line. "Missing" is simulated by pointing the tool paths at files that do not exist.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import setup, { summarizeSkips } from './global-setup.js';
import { ALL_DEBIAN, SKIPS_ENV, isCI, missing, outside } from './outside.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-outside-'));
const absent = { WEIGHTSTREAM_PYTHON: join(dir, 'no-python'), CHROMIUM: join(dir, 'no-chromium'), WEIGHTSTREAM_REDIS_SERVER: join(dir, 'no-redis') };

afterEach(() => vi.restoreAllMocks());

describe('a missing outside tool', () => {
  it('outside CI: the test is skipped (false), with one loud line naming the package, and recorded', () => {
    const record = join(dir, 'skips.jsonl');
    writeFileSync(record, '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = { ...absent, [SKIPS_ENV]: record };
    expect(outside(['numpy', 'scipy'], 'sparse vs SciPy', env)).toBe(false);
    expect(outside(['chromium'], 'report in Chromium', { ...env, CI: 'false' })).toBe(false); // CI=false is not CI
    expect(outside(['redis-server'], 'queue vs Redis', { ...env, CI: '0' })).toBe(false);
    expect(warn).toHaveBeenCalledTimes(3);
    const line = String(warn.mock.calls[0][0]).trim();
    expect(line).not.toContain('\n');
    expect(line).toContain('SKIPPED sparse vs SciPy: needs numpy, scipy');
    expect(line).toContain('apt-get install -y python3-numpy python3-scipy');
    expect(readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l).what)).toEqual(['sparse vs SciPy', 'report in Chromium', 'queue vs Redis']);
  });

  it('under CI: a failure naming what to install', () => {
    const env = { ...absent, CI: 'true' };
    expect(isCI(env)).toBe(true);
    expect(() => outside(['numpy'], 'dense vs NumPy', env)).toThrow(`dense vs NumPy: needs numpy, but ${absent.WEIGHTSTREAM_PYTHON} does not exist: CI must install Debian's python3-numpy`);
    expect(() => outside(['chromium'], 'report in Chromium', env)).toThrow("CI must install Debian's chromium");
    expect(() => missing('torch', 'nn vs PyTorch', 'python cannot import torch', env)).toThrow("CI must install Debian's python3-torch");
  });

  it('a present tool runs, CI or not', () => {
    const present = { ...absent, CHROMIUM: process.execPath, CI: 'true' }; // any existing file stands for the binary
    expect(outside(['chromium'], 'report in Chromium', present)).toBe(true);
  });
});

describe('the end of the run', () => {
  it('lists the skipped checks and the one apt-get line (packages once each)', () => {
    const text = [
      { what: 'a', tools: ['numpy', 'scipy'], pkgs: ['python3-numpy', 'python3-scipy'] },
      { what: 'b', tools: ['numpy'], pkgs: ['python3-numpy'] },
      { what: 'c', tools: ['chromium'], pkgs: ['chromium'] },
    ].map((s) => JSON.stringify(s)).join('\n');
    const out = summarizeSkips(text);
    expect(out).toContain('  - a (needs numpy, scipy)');
    expect(out.match(/apt-get install/g)).toHaveLength(1);
    expect(out).toContain('apt-get install -y chromium python3-numpy python3-scipy');
    expect(summarizeSkips('')).toBe('');
  });

  it('the global setup hands the record file to the tests and prints the summary at teardown', () => {
    const saved = process.env[SKIPS_ENV];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const teardown = setup();
      expect(process.env[SKIPS_ENV]).toBeTruthy();
      missing('torch', 'nn vs PyTorch', 'python cannot import torch', { ...process.env, CI: '' });
      teardown();
      expect(String(write.mock.calls.at(-1)?.[0])).toContain('apt-get install -y python3-torch');
    } finally {
      if (saved === undefined) delete process.env[SKIPS_ENV];
      else process.env[SKIPS_ENV] = saved;
    }
  });

  it('.ci/run installs, and the README names, every package the rule knows', () => {
    for (const file of [join('.ci', 'run'), 'README.md']) {
      const text = readFileSync(join(__dirname, '..', '..', file), 'utf8');
      for (const pkg of ALL_DEBIAN) expect(text, `${file}: ${pkg}`).toMatch(new RegExp(`apt-get install[^\\n]* ${pkg}( |$)`, 'm'));
    }
  });
});
