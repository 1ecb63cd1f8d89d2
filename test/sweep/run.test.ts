// Running sweeps in process on the real Piscina pool (dist/src/sweep/worker.js: run `npm run build:ts`
// first), with a user module as the run kind so that the runs' outcomes are known: every run written
// once, resume skips what is done, a failing run records its error and the sweep goes on.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { expandSweep, validateSweep } from '../../src/sweep/spec.js';
import { readResults } from '../../src/sweep/results.js';
import { runSweep } from '../../src/sweep/run.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-run-'));
const spec = (base: Record<string, unknown>, xs = 12) =>
  validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', base, axes: { x: { from: 1, to: xs }, y: [2, 3] } }, { baseDir: __dirname });

describe('runSweep', () => {
  it('runs every configuration once on 2 workers, records errors and goes on, and resumes', async () => {
    const out = join(dir, 'a.jsonl');
    const s = spec({ failAt: 5 });
    const progress: number[] = [];
    const first = await runSweep(s, { out, workers: 2, csv: join(dir, 'a.csv'), onProgress: (d) => progress.push(d) });
    expect(first).toMatchObject({ runs: 24, ran: 24, failed: 2, skipped: 0, notRun: 0, workers: 2 });
    expect(progress.at(-1)).toBe(24);
    const lines = readResults(out);
    expect(lines.length).toBe(24);
    expect(new Set(lines.map((l) => l.hash))).toEqual(new Set(expandSweep(s).map((r) => r.hash)));
    for (const l of lines) {
      const { x, y } = l.config as { x: number; y: number };
      if (x === 5) expect(l.error).toEqual({ name: 'RangeError', message: 'run failed on purpose at x=5' });
      else expect((l.result as { product: number }).product).toBe(x * y);
      expect(l.timings.wallSeconds).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(l.timings.startedAt))).toBe(false);
    }
    // both workers took part
    expect(new Set(lines.filter((l) => l.result).map((l) => (l.result as { threadId: number }).threadId)).size).toBe(2);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\r\n').length).toBe(26);

    const again = await runSweep(s, { out, workers: 2 });
    expect(again).toMatchObject({ runs: 24, ran: 0, skipped: 24 });
    expect(readResults(out).length).toBe(24);

    // a bigger sweep over the same file: only the new configurations run
    const more = await runSweep(spec({ failAt: 5 }, 15), { out, workers: 2 });
    expect(more).toMatchObject({ runs: 30, ran: 6, skipped: 24, failed: 0 });

    // --retry-failed reruns the failed ones (they fail again here), appending new lines
    const retry = await runSweep(s, { out, workers: 1, retryFailed: true });
    expect(retry).toMatchObject({ ran: 2, failed: 2, skipped: 22 });
    expect(readResults(out).length).toBe(32);
  });

  it('reports the worker threads it started (no more than the runs to run), and refuses more than 1024 as --workers does', async () => {
    const out = join(dir, 'workers.jsonl');
    expect(await runSweep(spec({}, 1), { out, workers: 8 })).toMatchObject({ ran: 2, workers: 2 }); // 2 runs: 2 threads, not 8
    expect(await runSweep(spec({}, 1), { out, workers: 8 })).toMatchObject({ ran: 0, workers: 0 }); // nothing to run: no pool
    await expect(runSweep(spec({}, 1), { out, workers: 1e6 })).rejects.toThrow(/^workers: expected an integer in \[1, 1024\], got 1000000$/);
    await expect(runSweep(spec({}, 1), { out, workers: 0 })).rejects.toThrow(/^workers: expected an integer in \[1, 1024\], got 0$/);
  });

  it('batches fast runs into few tasks and still writes every run', async () => {
    const out = join(dir, 'b.jsonl');
    const s = validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', axes: { x: { from: 1, to: 2000 } } }, { baseDir: __dirname });
    const r = await runSweep(s, { out, workers: 2 });
    expect(r.ran).toBe(2000);
    expect(r.tasks).toBeLessThan(200);
    expect(new Set(readResults(out).map((l) => l.hash)).size).toBe(2000);
  });

  it('survives a worker thread that dies: the culprit gets an error line, the rest of its batch runs', async () => {
    const out = join(dir, 'c.jsonl');
    const s = validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', base: { exitAt: 150 }, axes: { x: { from: 1, to: 300 } } }, { baseDir: __dirname });
    const r = await runSweep(s, { out, workers: 2 });
    expect(r).toMatchObject({ ran: 300, failed: 1 });
    const lines = readResults(out);
    expect(lines.length).toBe(300);
    const bad = lines.filter((l) => l.error);
    expect(bad.map((l) => l.config.x)).toEqual([150]);
    expect(bad[0].error!.message).toMatch(/exit/i);
  });

  it('checks every configuration with the kind\'s validator before running anything, naming the axis value', async () => {
    const out = join(dir, 'd.jsonl');
    const s = validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', axes: { x: [1, 2, 'three'] } }, { baseDir: __dirname });
    const err = await runSweep(s, { out, workers: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('axes.x[2]: expected a number, got "three"');
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it('stops scheduling when the signal aborts; what finished is written, the rest runs on resume', async () => {
    const out = join(dir, 'e.jsonl');
    const s = spec({ sleepMs: 20 }, 20);
    const ac = new AbortController();
    const r = await runSweep(s, { out, workers: 2, signal: ac.signal, onProgress: (d) => d >= 6 && ac.abort() });
    expect(r.ran).toBeGreaterThanOrEqual(6);
    expect(r.notRun).toBe(40 - r.ran);
    expect(r.notRun).toBeGreaterThan(0);
    const rest = await runSweep(s, { out, workers: 2 });
    expect(rest).toMatchObject({ ran: 40 - r.ran, skipped: r.ran });
    expect(new Set(readResults(out).map((l) => l.hash)).size).toBe(40);
  });

  it('after a stop, runs no task that was still queued in the pool (only the runs in flight finish)', async () => {
    const out = join(dir, 'e2.jsonl');
    // 2 workers keep 4 tasks of one run in flight: 2 running, 2 queued behind them. Stop when the first ends:
    // it is quick, the others sleep 1.5 s, so the stop word is set long before the other running one ends
    // (two runs ending together could each take up a queued task before the main thread sets it)
    const s = spec({ sleepMs: 1500, fastAt: 1 }, 4);
    const ac = new AbortController();
    const r = await runSweep(s, { out, workers: 2, signal: ac.signal, onProgress: (d) => d >= 1 && ac.abort() });
    // the first; the other one, if its worker had started it (a thread slow to start finds the word set and runs
    // nothing); and at most one that the first's worker took up before the word was set. Without the word: 4
    expect(r.ran).toBeGreaterThanOrEqual(1);
    expect(r.ran).toBeLessThanOrEqual(3);
    expect(r.notRun).toBe(8 - r.ran);
    expect(readResults(out).length).toBe(r.ran);
  });

  it('a stop waits for the runs in flight at most stopGraceSeconds: then it stops them, writes no line for them, and a rerun finds them still to run', async () => {
    const out = join(dir, 'grace.jsonl');
    // x = 1 is quick; the others sleep 30 s (a run that would hang a stop). Stop when the quick one is written.
    const s = spec({ sleepMs: 30_000, fastAt: 1 }, 4);
    const ac = new AbortController();
    const t0 = performance.now();
    const r = await runSweep(s, { out, workers: 2, signal: ac.signal, stopGraceSeconds: 1, onProgress: (d) => d >= 1 && ac.abort() });
    expect((performance.now() - t0) / 1000).toBeLessThan(15); // not the 30 s of the runs in flight
    expect(r.ran).toBe(1);
    expect(r.notRun).toBe(7);
    const lines = readResults(out);
    expect(lines.map((l) => [l.config.x, l.config.y, l.error])).toEqual([[1, 2, undefined]]); // no line for the stopped runs
    // a rerun (stopped at once here) finds the 7 still to run, the quick one done
    const again = await runSweep(spec({ sleepMs: 30_000, fastAt: 1 }, 4), { out, workers: 2, signal: AbortSignal.abort(), stopGraceSeconds: 0 });
    expect(again).toMatchObject({ ran: 0, skipped: 1, notRun: 7 });
    await expect(runSweep(s, { out, workers: 1, stopGraceSeconds: -1 })).rejects.toThrow('stopGraceSeconds: expected a number of seconds >= 0, got -1');
  });

  it('a grace past a timer\'s 24.8 days waits (it overflowed the timer, which fired at once and stopped the runs)', async () => {
    const out = join(dir, 'grace-long.jsonl');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300); // both runs (1.5 s each) in flight
    const r = await runSweep(spec({ sleepMs: 1500 }, 1), { out, workers: 2, signal: ac.signal, stopGraceSeconds: 1e7 });
    expect([r.ran, r.notRun]).toEqual([2, 0]);
  });

  it('stops a run that outlives --timeout, records a TimeoutError, and goes on', async () => {
    const out = join(dir, 'g.jsonl');
    // each x once quick (5 ms) and once hanging (30 s)
    const hang = validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', axes: { x: [1, 2, 3, 4], sleepMs: [5, 30_000] } }, { baseDir: __dirname });
    const t0 = performance.now();
    // 2 s: a run's clock starts at dispatch, so it includes a replacement worker thread's start-up (~1-3 s
    // on a loaded 2-core machine after a timed-out worker is destroyed); 5 ms runs are far inside it
    const r = await runSweep(hang, { out, workers: 2, timeoutSeconds: 2 });
    expect(r).toMatchObject({ ran: 8, failed: 4 });
    for (const l of readResults(out)) {
      if (l.config.sleepMs === 30_000) expect(l.error).toEqual({ name: 'TimeoutError', message: 'no result within 2 s: the run was stopped (--timeout)' });
      else expect((l.result as { product: number }).product).toBe(l.config.x);
    }
    expect((performance.now() - t0) / 1000).toBeLessThan(20); // the hanging runs (30 s) were stopped, not waited for
    await expect(runSweep(hang, { out, workers: 1, timeoutSeconds: 0 })).rejects.toThrow('timeoutSeconds: expected a number of seconds > 0, got 0');
  });

  it('an onProgress that throws stops the sweep as a signal would and rejects with its error: the lock released, whole lines only, a rerun runs the rest', async () => {
    const out = join(dir, 'progress-throws.jsonl');
    // 2 workers keep 4 tasks in flight (2 queued behind the running 2): the first line written calls onProgress, which throws
    const s = spec({ sleepMs: 300, fastAt: 1 }, 4);
    let calls = 0;
    const bug = new Error('bug in my progress bar');
    const err = await runSweep(s, { out, workers: 2, onProgress: () => { calls++; throw bug; } }).catch((e: unknown) => e);
    expect(err).toBe(bug);
    expect(calls).toBe(1); // never called again once it threw
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(existsSync(`${out}.lock.owner`)).toBe(false);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const written = readResults(out).length; // every line parses: no half line
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThan(8); // the queued tasks ran nothing after the stop
    expect(await runSweep(s, { out, workers: 2 })).toMatchObject({ ran: 8 - written, skipped: written });
  });

  it('refuses an onProgress or onLockWait that is not a function before anything runs', async () => {
    const out = join(dir, 'progress-bad.jsonl');
    const bad = { onProgress: 5 } as unknown as { onProgress: () => void };
    await expect(runSweep(spec({}, 1), { out, workers: 1, ...bad })).rejects.toThrow(/^onProgress: expected a function, got 5$/);
    const wait = { onLockWait: 'x' } as unknown as { onLockWait: () => void };
    await expect(runSweep(spec({}, 1), { out, workers: 1, ...wait })).rejects.toThrow(/^onLockWait: expected a function, got "x"$/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an out that is missing, not a string, empty or a directory (and a csv that is out), in one line naming it, before anything runs', async () => {
    const s = spec({}, 1);
    await expect(runSweep(s, {} as never)).rejects.toThrow(/^out: expected a string, got undefined$/);
    await expect(runSweep(s, { out: 5 } as never)).rejects.toThrow(/^out: expected a string, got 5$/);
    await expect(runSweep(s, { out: '' })).rejects.toThrow(/^out: expected a file path, got ""$/);
    const err = await runSweep(s, { out: dir, workers: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe(`out: expected a file to write, not a directory, got ${JSON.stringify(dir)}`);
    expect(existsSync(`${dir}.lock`)).toBe(false);
    const out = join(dir, 'same.jsonl');
    await expect(runSweep(s, { out, csv: out, workers: 1 })).rejects.toThrow(`csv: expected a path distinct from out ${out}, got ${JSON.stringify(out)}`);
  });

  it('one sweep at a time per results file: a live lock refuses, a stale one (its process gone) is taken over', async () => {
    const out = join(dir, 'h.jsonl');
    const s = spec({}, 2);
    // A live process holds it (the lock of src/io/lock.ts, taken by a real process); test/io/lock.test.ts has the other holders.
    const holder = spawn(process.execPath, [join(__dirname, '..', 'io', 'fixtures', 'hold-lock.mjs'), out, 'sweep'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => holder.stdout!.once('data', r));
    await expect(runSweep(s, { out, workers: 1 })).rejects.toThrow(`${out}: another sweep (pid ${holder.pid} on `);
    expect(existsSync(out)).toBe(false);
    holder.kill('SIGKILL'); // a process that has ended, without releasing its lock
    await new Promise((r) => holder.once('exit', r));
    expect(existsSync(`${out}.lock`)).toBe(true);
    expect((await runSweep(s, { out, workers: 1 })).ran).toBe(4);
    expect(existsSync(`${out}.lock`)).toBe(false); // released at the end
  });
});
