// `weightstream sweep` as a user runs it (the compiled CLI in a child process): --dry-run counts, a bad
// file is one error line naming the field (exit 1), --json prints the summary, --csv writes the table,
// and ^C (SIGINT) stops after the runs in flight: exit 1, whole lines, the rerun finishes the rest.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-sweep-cli-'));
const bin = rootPath('bin', 'weightstream.js');
const runner = join(__dirname, 'fixtures', 'runner.mjs');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('weightstream sweep', () => {
  it('--dry-run counts the runs; --json prints the summary; --csv writes the table; the default output is <name>.results.jsonl', () => {
    const f = file('small.yaml', `kind: module\nmodule: ${runner}\naxes:\n  x: [1, 2, 3]\n  y: [10, 20]\n`);
    const dry = cli('sweep', f, '--dry-run', '--json');
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ runs: 6, pending: 6, skipped: 0, out: 'small.results.jsonl' });
    const run = cli('sweep', f, '--json', '--quiet', '--csv', 'small.csv');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ runs: 6, ran: 6, failed: 0, skipped: 0, out: 'small.results.jsonl', csv: 'small.csv' });
    expect(readFileSync(join(dir, 'small.results.jsonl'), 'utf8').trim().split('\n').length).toBe(6);
    const csv = readFileSync(join(dir, 'small.csv'), 'utf8').trim().split('\r\n');
    expect(csv.length).toBe(7);
    expect(csv[0]).toMatch(/^hash,kind,config\.x,config\.y,result\.product,result\.threadId,error,timings\.startedAt,timings\.wallSeconds,ranOn\.host,ranOn\.build$/);
    const again = cli('sweep', f, '--dry-run');
    expect(again.stdout).toMatch(/6 runs, 0 to run, 6 already in small\.results\.jsonl/);
  });

  it('a bad sweep file: exit 1, one line naming the field, nothing written', () => {
    const f = file('bad.yaml', 'kind: estimate\nbase: {model: gpt3-xl}\naxes:\n  systems: [1, 2, -1]\n');
    const r = cli('sweep', f, '--out', 'bad.jsonl');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('weightstream: error: axes.systems[2]: expected a positive integer, got -1\n');
    expect(existsSync(join(dir, 'bad.jsonl'))).toBe(false);
    const y = file('syntax.yaml', 'kind: [estimate\n');
    const s = cli('sweep', y);
    expect(s.status).toBe(1);
    expect(s.stderr.trimEnd().split('\n').length).toBe(1);
    expect(s.stderr).toMatch(/syntax\.yaml:\d+:\d+: not valid YAML/);
  });

  it('SIGINT stops after the runs in flight: exit 1 saying how to resume; the rerun runs the rest', async () => {
    const f = file('slow.yaml', `kind: module\nmodule: ${runner}\nbase: {sleepMs: 20}\naxes:\n  x: {from: 1, to: 60}\n`);
    const out = join(dir, 'slow.jsonl');
    const child = spawn(process.execPath, [bin, 'sweep', f, '--out', out, '--workers', '2', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => {
      if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 10) {
        child.kill('SIGINT');
        clearInterval(timer);
      }
    }, 5);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearInterval(timer);
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopping after the runs in flight/);
    expect(stderr).toMatch(/interrupted with \d+ runs not run: run the same command again to resume/);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const done = text.trim().split('\n').length;
    expect(done).toBeLessThan(60);
    const rest = cli('sweep', f, '--out', out, '--json', '--quiet');
    expect(JSON.parse(rest.stdout)).toMatchObject({ ran: 60 - done, skipped: done });
  });

  it('one SIGTERM with runs that hang: stopped after --stop-grace, exit 1, no line for them (it waited for ever)', async () => {
    const f = file('hang.yaml', `kind: module\nmodule: ${runner}\nbase: {sleepMs: 600000}\naxes:\n  x: [1, 2]\n`);
    const out = join(dir, 'hang.jsonl');
    const child = spawn(process.execPath, [bin, 'sweep', f, '--out', out, '--workers', '2', '--stop-grace', '1', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 3000)); // both runs started
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect((Date.now() - t0) / 1000).toBeLessThan(15);
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopping after the runs in flight, or in 1 s those still going \(a second \^C or signal stops now\); rerun to resume/);
    expect(stderr).toMatch(/interrupted with 2 runs not run: run the same command again to resume/);
    expect(existsSync(out) ? readFileSync(out, 'utf8') : '').toBe('');
    // a queued sweep's stop leaves its runs to the workers: the option is refused there
    const q = cli('sweep', f, '--out', join(dir, 'q.jsonl'), '--queue', 'redis://127.0.0.1:1', '--stop-grace', '3');
    expect([q.status, q.stderr]).toEqual([2, "weightstream: error: --stop-grace: applies to local sweeps only (a queued sweep's stop leaves its runs to the workers)\n"]);
  }, 60_000);
});
