// `weightstream train` as a user runs it (a child process on the compiled CLI): --json fields, the
// safetensors save/init round trip, checkpoint + resume, and usage errors (exit 2, one line naming the flag).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'ws-train-cli-'));
const common = ['train', '--model', 'mlp', '--data', 'digits', '--batch', '32', '--optimizer', 'adamw', '--lr', '0.01', '--shuffle', '--seed', '2'];

describe('weightstream train', () => {
  it('--json prints one object with the documented fields', () => {
    const r = cli(...common, '--systems', '2', '--steps', '12', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.loss).toHaveLength(12);
    expect(j.finalLoss).toBe(j.loss[11]);
    expect(j.testAccuracy).toBeGreaterThan(0);
    expect(j.systems).toBe(2);
    expect(j.steps).toBe(12);
    expect(j.bytesStreamed).toBe(12 * 2 * 4 * 19210);
    expect(j.bytesReduced).toBe(12 * 4 * 19210);
    expect(j.wallSeconds).toBeGreaterThan(0);
  });

  it('--save then --init reproduces the weights; --checkpoint then --resume continues the same run', () => {
    const saved = join(dir, 'w.safetensors');
    const full = JSON.parse(cli(...common, '--steps', '10', '--json', '--save', saved).stdout);
    const ck = join(dir, 'run.ckpt');
    const first = JSON.parse(cli(...common, '--steps', '6', '--json', '--checkpoint', ck).stdout);
    expect(first.loss).toEqual(full.loss.slice(0, 6));
    const rest = JSON.parse(cli(...common, '--steps', '10', '--json', '--resume', ck, '--save', join(dir, 'w2.safetensors')).stdout);
    expect(rest.loss).toEqual(full.loss);
    expect(rest.resumedFrom).toBe(6);
    // zero more steps from the saved weights: the test accuracy of the saved model is the full run's
    const again = JSON.parse(cli(...common, '--steps', '0', '--json', '--init', saved).stdout);
    expect(again.testAccuracy).toBe(full.testAccuracy);
  });

  it('without --json: progress on stderr (plain lines off a terminal) and a readable summary on stdout', () => {
    const r = cli(...common, '--systems', '2', '--steps', '3');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^train: 3\/3 steps loss \d+\.\d{4}$/m);
    expect(r.stdout).toMatch(/^trained mlp on digits: 3 steps of 32 samples on 2 CS-2 systems$/m);
    expect(r.stdout).toMatch(/test accuracy \d+\.\d\d %/);
    expect(cli(...common, '--steps', '3', '--quiet').stderr).toBe('');
  });

  it('usage errors exit 2 with one line naming the flag and the value', () => {
    const a = cli('train', '--systems', '0');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--systems: expected an integer in \[1, 64\], got "0"/);
    const b = cli('train', '--optimizer', 'lamb');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--optimizer: expected one of sgd, adamw, got "lamb"/);
    const c = cli('train', '--resume', join(dir, 'nope.ckpt'), '--steps', '1');
    expect(c.code).toBe(2); // README: a path that names no readable file is a usage error
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
    expect(c.stderr).toMatch(/--resume: expected a readable checkpoint file \(ENOENT\), got ".*nope\.ckpt"/); // the input files' own check (src/io/files.ts)
    const i = cli('train', '--init', dir, '--steps', '1');
    expect([i.code, i.stderr.trim()]).toEqual([2, `weightstream: error: --init: expected a file, not a directory, got ${JSON.stringify(dir)}`]);
  });
});
