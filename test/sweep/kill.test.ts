// SIGKILL at any moment: a REAL child process (the compiled CLI, `weightstream sweep`) is killed with
// SIGKILL mid-sweep. Afterwards every line written whole before the kill is still there byte for byte,
// at most the last line is torn, and a rerun cuts exactly that tail and runs the missing configurations.
// Needs `npm run build:ts` (the CLI and the pool worker are compiled JS).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { expandSweep, loadSweepFile } from '../../src/sweep/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-kill-'));
const bin = rootPath('bin', 'weightstream.js');
const runner = join(__dirname, 'fixtures', 'runner.mjs');

function sweepFile(name: string, body: string, kind = `kind: module\nmodule: ${runner}\n`): string {
  const f = join(dir, name);
  writeFileSync(f, kind + body);
  return f;
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

function completeLines(file: string): number {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  return n;
}

/** Starts the sweep, SIGKILLs it once `when()` says so, resolves with the file's bytes after the death. */
function runAndKill(file: string, out: string, when: () => boolean): Promise<{ bytes: Buffer; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'sweep', file, '--out', out, '--workers', '2', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => {
      if (when()) {
        child.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 2);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`the sweep ended before the kill (code ${code}): ${stderr}`));
      resolve({ bytes: existsSync(out) ? readFileSync(out) : Buffer.alloc(0), signal });
    });
  });
}

function checkAfterKill(file: string, out: string, bytes: Buffer) {
  // Every whole line parses. At most the last line is torn: one write() per line, but Linux copies a write
  // into the page cache page by page and stops at a page boundary when a fatal signal is pending, so a
  // SIGKILL can cut a line that crosses a 4 KiB boundary (seen once in the suite). The resume must cut
  // exactly those bytes and rerun that configuration.
  const end = bytes.lastIndexOf(0x0a) + 1;
  const torn = bytes.length - end;
  expect(torn).toBeLessThan(4096);
  const whole = bytes.subarray(0, end);
  const before = whole.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { hash: string });
  const hashes = new Set(before.map((l) => l.hash));
  expect(hashes.size).toBe(before.length);

  const all = expandSweep(loadSweepFile(file));
  const rerun = spawnSync(process.execPath, [bin, 'sweep', file, '--out', out, '--workers', '2', '--json', '--quiet'], { encoding: 'utf8' });
  expect(rerun.stderr).toBe('');
  expect(rerun.status).toBe(0);
  const summary = JSON.parse(rerun.stdout);
  // The rerun cuts the torn tail and runs exactly the missing ones ...
  expect(summary).toMatchObject({ runs: all.length, skipped: before.length, ran: all.length - before.length, truncatedBytes: torn });
  const after = readFileSync(out);
  // ... after every whole line written before the kill, unchanged ...
  expect(after.subarray(0, end).equals(whole)).toBe(true);
  const added = after.subarray(end).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { hash: string });
  expect(added.every((l) => !hashes.has(l.hash))).toBe(true);
  // ... and the file then holds every configuration exactly once.
  const final = [...before, ...added].map((l) => l.hash);
  expect(final.length).toBe(all.length);
  expect(new Set(final)).toEqual(new Set(all.map((r) => r.hash)));
  return before.length;
}

describe('a sweep killed with SIGKILL', () => {
  it.each([1, 30])('after %i lines of a slow sweep: no finished run lost, no torn line, rerun completes the rest', async (k) => {
    const file = sweepFile(`slow-${k}.yaml`, 'base: {sleepMs: 15}\naxes:\n  x: {from: 1, to: 40}\n  y: [1, 2]\n');
    const out = join(dir, `slow-${k}.jsonl`);
    const { bytes } = await runAndKill(file, out, () => completeLines(out) >= k);
    const kept = checkAfterKill(file, out, bytes);
    expect(kept).toBeGreaterThanOrEqual(k);
    expect(kept).toBeLessThan(80);
  });

  it('at random moments of a fast, batched sweep (thousands of lines a second)', async () => {
    let killedMidway = 0;
    for (let i = 0; i < 2; i++) {
      // 12,000 runs, killed at a random point in their first third (lines are ~200 bytes)
      const file = sweepFile(`fast-${i}.yaml`, 'axes:\n  x: {from: 1, to: 6000}\n  y: [1, 2]\n');
      const out = join(dir, `fast-${i}.jsonl`);
      const target = 50 + Math.floor(Math.random() * 3950);
      const { bytes } = await runAndKill(file, out, () => sizeOf(out) >= target * 200);
      const kept = checkAfterKill(file, out, bytes);
      if (kept > 0 && kept < 12000) killedMidway++;
    }
    expect(killedMidway).toBeGreaterThan(0);
  });

  it('mid-way through a real estimate sweep (batched runs of the at-scale model)', async () => {
    // 192 × 16 = 3072 runs, killed after 100..700 lines (~1.7 kB each)
    const file = sweepFile('estimate.yaml', 'base: {model: gpt3-xl}\naxes:\n  systems: {from: 1, to: 192}\n  sparsity: {from: 0, to: 0.9, step: 0.06}\n', 'kind: estimate\n');
    const out = join(dir, 'estimate.jsonl');
    const target = 100 + Math.floor(Math.random() * 600);
    const { bytes } = await runAndKill(file, out, () => sizeOf(out) >= target * 1700);
    const kept = checkAfterKill(file, out, bytes);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(192 * 16);
  });
});
