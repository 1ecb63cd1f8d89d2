// Issue 19: a SIGKILLed sweep's lock never blocks its resume. The real CLI (`weightstream sweep`) runs
// under setsid; once it has written a few more lines its process group gets SIGKILL and the same command
// is rerun at once, 10 times in a row. Every other time the killed sweep's parent is `sleep` (a shell
// exec'd into it), which never reaps it: the resume meets its zombie, which kill(pid, 0) calls alive.
// No resume is refused, no line is lost, none is duplicated, and the last run completes the sweep.
// Linux (/proc, setsid). Needs `npm run build:ts` (the CLI and the pool worker are compiled JS).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { expandSweep, loadSweepFile } from '../../src/sweep/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-lock-resume-'));
const bin = rootPath('bin', 'weightstream.js');
const runner = join(__dirname, 'fixtures', 'runner.mjs');
const parents: ChildProcess[] = [];
afterAll(() => parents.forEach((p) => p.kill('SIGKILL'))); // the zombies go with their parents

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

function procState(pid: number): string | null {
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
}

/**
 * Starts `weightstream sweep` in a new session (setsid: its pid is its process group) from a shell that
 * then becomes `sleep`: the sweep's parent never reaps it. Resolves with the sweep's pid, its stderr file
 * and the parent.
 */
function startSweep(file: string, out: string, i: number): Promise<{ pid: number; stderr: string; parent: ChildProcess }> {
  const stderr = join(dir, `stderr-${i}.txt`);
  const cmd = `setsid "${process.execPath}" "${bin}" sweep "${file}" --out "${out}" --workers 2 2>"${stderr}" >/dev/null & echo $!; exec sleep 300`;
  const parent = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
  parents.push(parent);
  return new Promise((resolve, reject) => {
    parent.stdout!.once('data', (d) => resolve({ pid: Number(String(d).trim()), stderr, parent }));
    parent.on('error', reject);
  });
}

async function waitFor(cond: () => boolean, seconds: number, what: string): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`waited ${seconds} s for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a sweep SIGKILLed and rerun at once, 10 times', () => {
  it('resumes every time (zombie holders included): no resume refused, no line lost, none duplicated', async () => {
    // 600 runs of 20 ms on 2 workers: ~6 s of work, so each of the 10 lives writes a few lines and dies.
    const file = join(dir, 'slow.yaml');
    writeFileSync(file, `kind: module\nmodule: ${runner}\nbase: {sleepMs: 20}\naxes:\n  x: {from: 1, to: 300}\n  y: [1, 2]\n`);
    const out = join(dir, 'slow.jsonl');
    const all = expandSweep(loadSweepFile(file));
    let kept: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 10; i++) {
      const before = lines(out).length;
      const { pid, stderr, parent } = await startSweep(file, out, i);
      // The resume takes the dead sweep's lock (<= 2 s) and writes: 5 more lines (or the sweep ends).
      await waitFor(() => lines(out).length >= Math.min(before + 5, all.length) || procState(pid) === 'Z' || procState(pid) === null, 30, `run ${i} to write`);
      expect(procState(pid), `run ${i} ended before the kill: ${readFileSync(stderr, 'utf8')}`).not.toBe('Z');
      process.kill(-pid, 'SIGKILL'); // its process group (setsid made it the leader)
      await waitFor(() => procState(pid) === 'Z', 10, `run ${i} to die`);
      if (i % 2 === 0) parent.kill('SIGKILL'); // half the time the zombie is reaped (reparented), half the time it stays
      const err = readFileSync(stderr, 'utf8');
      expect(err, `run ${i}`).not.toContain('error');
      const bytes = readFileSync(out);
      // Every line written before this kill is still there, byte for byte; the file ends with a whole line.
      expect(bytes.subarray(0, kept.length).equals(kept), `run ${i} lost lines`).toBe(true);
      expect(bytes.length === 0 || bytes[bytes.length - 1] === 0x0a).toBe(true);
      expect(lines(out).length, `run ${i} wrote nothing`).toBeGreaterThan(before);
      kept = bytes;
    }
    // The zombie of the last kill is still held: the final rerun completes the sweep past it.
    const last = spawnSync(process.execPath, [bin, 'sweep', file, '--out', out, '--workers', '2', '--json', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(last.stderr).toBe('');
    expect(last.status).toBe(0);
    const hashes = lines(out).map((l) => (JSON.parse(l) as { hash: string }).hash);
    expect(new Set(hashes).size).toBe(hashes.length); // no duplicate
    expect(new Set(hashes)).toEqual(new Set(all.map((r) => r.hash))); // none lost
    expect(JSON.parse(last.stdout)).toMatchObject({ runs: all.length, skipped: kept.toString().split('\n').filter(Boolean).length });
  });
});
