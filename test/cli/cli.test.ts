// The CLI's conventions, run as a real child process on the compiled CLI: --help, --version,
// exit code 2 and one line on stderr for a usage error.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

export function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('weightstream CLI', () => {
  it('answers --help and --version', () => {
    const h = cli('--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: weightstream/);
    const v = cli('--version');
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('demo --help says what --quick changes: the training steps, not the sweeps', () => {
    const h = cli('demo', '--help');
    expect(h.code).toBe(0);
    const text = h.stdout.replace(/\s+/g, ' ');
    expect(text).toMatch(/--quick shorter training \(digits 200 steps instead of 600, gpt-nano 150 instead of 400\), the same sweeps/);
    expect(text).not.toMatch(/smaller sweep|a third of the time/);
  });

  it('an unknown option is a usage error: exit 2, one line naming it', () => {
    const r = cli('--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/unknown option '--bogus'/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
