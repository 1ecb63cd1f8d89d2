// Runs a sweep: expands the spec, checks every configuration with its kind's validator before anything
// runs, skips configurations whose hash is already in the results file (resume), and runs the rest on
// a Piscina pool (one worker per core by default), appending one complete JSON line per finished run
// from this thread only (see results.ts for why a SIGKILL never tears a line).
//
// Batching: a Piscina task costs on the order of a millisecond, far more than one `estimate` run, so a
// task carries a batch of runs. The batch size adapts: after each reply it is set so a batch holds
// about `targetBatchSeconds` of work (from the measured seconds per run), never more than a fair share
// of what is left. A slow kind (fabric, train) runs one configuration per task, so a kill loses at most
// the runs in flight; a fast kind loses at most ~targetBatchSeconds of work per worker.
import { checkOutputs, makeDirs } from '../io/files.js';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Piscina } from 'piscina';
import { ValidationError, requireCallback, requireInt, requireObject, requireString } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { ranOn } from '../build.js';
import { distModule } from '../paths.js';
import { resultsToCsv } from './csv.js';
import { adapterFor } from './kinds/index.js';
import { removeOrphanFlash } from '../io/cleanup.js';
import { ResultsAppender, readResults, readResultsForResume, resultLineText } from './results.js';
import { acquireLock, type HeldLock } from '../io/lock.js';
import { expandSweepAsync, locateField, runCount, validateSweep } from './spec.js';
import { DEFAULT_STOP_GRACE_SECONDS, MAX_TIMER_MS, type ResultLine, type Run, type SweepSpec, type WorkerReply, type WorkerTask } from './types.js';
import { toRunError } from './worker.js';

export interface SweepOptions {
  /** The results file (JSON Lines), appended to; created if missing. Required: a file's path (a directory is refused). */
  out: string;
  /**
   * Worker threads, at most: an integer in [1, MAX_SWEEP_WORKERS] (1024, as the CLI's --workers; more is refused, each
   * thread being a Wasm instance with its own memory). Default: one per core. The pool starts no more threads than
   * there are runs to run; the summary's `workers` says how many it started.
   */
  workers?: number;
  /** Also rerun configurations whose latest line is an error (default: every hash present is skipped). */
  retryFailed?: boolean;
  /** Write the whole results file flattened to this CSV when done (atomic). */
  csv?: string;
  /**
   * Called after each batch of lines is written: runs done so far (this invocation), of `total`, failed among them.
   * If it throws, the sweep stops as on `signal` (no new run starts; the runs in flight finish and are written, within
   * stopGraceSeconds), it is not called again, and runSweep rejects with its error once the lock is released.
   */
  onProgress?: (done: number, total: number, failed: number) => void;
  /** Stops scheduling new runs; the runs in flight finish and are written, within stopGraceSeconds. */
  signal?: AbortSignal;
  /**
   * After the signal, how long the runs in flight have to finish (default 30 s): those still going then are stopped
   * (their worker threads ended) and written nowhere, so a rerun runs them. A stop never waits on a hung run.
   */
  stopGraceSeconds?: number;
  /**
   * Longest a run may take, in seconds: a run still going is stopped (its worker thread is ended) and
   * recorded as a TimeoutError. With a timeout, one task per worker is in flight (so a task's clock
   * starts when it starts running, not while it waits in the queue).
   */
  timeoutSeconds?: number;
  /** fsync the results file at most this often (default 1 s) and at the end. */
  fsyncSeconds?: number;
  /** Seconds of work one task should carry (default 0.05). */
  targetBatchSeconds?: number;
  /** Largest batch (default 1024). */
  maxBatch?: number;
  /** Called once if another process's lock on `out` is found and the sweep waits for it to go stale (a line naming the holder). */
  onLockWait?: (message: string) => void;
}

export interface SweepSummary {
  name?: string;
  kind: string;
  out: string;
  csv?: string;
  /** Configurations in the sweep. */
  runs: number;
  /** Skipped because their hash was already in the results file. */
  skipped: number;
  /** Run now (finished and written), of which `failed` recorded an error. */
  ran: number;
  failed: number;
  /** Not run because the sweep was stopped (signal). */
  notRun: number;
  /** Bytes of a torn last line cut from the results file before appending (0 normally). */
  truncatedBytes: number;
  /** Worker threads started: `workers`, or the runs to run if fewer (0 when every run was already in the file). */
  workers: number;
  /** Piscina tasks sent (each a batch of runs). */
  tasks: number;
  wallSeconds: number;
  runsPerSecond: number;
  /** This process's build (src/build.ts), and the results the file keeps for this sweep that another build computed (their lines record it). */
  build: string;
  otherBuilds: { lines: number; builds: string[] };
}

/** The latest line of each run hash in a results file's lines (a later line, e.g. a retried run's, wins). */
function latestLines(existing: ResultLine[]): Map<string, ResultLine> {
  const latest = new Map<string, ResultLine>();
  for (const l of existing) latest.set(l.hash, l);
  return latest;
}

/** The lines already in the file (latest per hash) for runs not run again (`todo` lacks them) that another build than `build` computed. */
export function otherBuildLines(runs: Run[], existing: ResultLine[], todo: Run[], build: string): { lines: number; builds: string[] } {
  const latest = latestLines(existing);
  const again = new Set(todo.map((r) => r.hash));
  const builds = new Set<string>();
  let lines = 0;
  for (const { hash } of runs) { // distinct: expandSweep refuses two runs of one configuration
    const other = latest.get(hash)?.ranOn?.build;
    if (again.has(hash) || other === undefined || other === build) continue;
    lines++;
    builds.add(other);
  }
  return { lines, builds: [...builds].sort() };
}

/**
 * Checks every run's configuration with its kind's validator; the error names where the field came from.
 * A validator reports a bad field by throwing a ValidationError (or any Error named 'ValidationError'
 * with a `path` property) whose path is inside the configuration.
 */
export async function validateRuns(spec: SweepSpec, runs: Run[], signal?: AbortSignal): Promise<void> {
  const adapter = await adapterFor(spec.kind, spec.module);
  // Every run, or (for a kind whose check costs a run) the runs that vary one axis from the first run.
  const checked = adapter.validateAll === false ? runs.filter((r) => r.axisIndex.filter((i) => i !== 0).length <= 1) : runs;
  let k = 0;
  for (const run of checked) {
    // A million checks take tens of seconds: let a signal (^C) in every 1000 (an await of a value does not).
    if (++k % 1000 === 0) {
      await new Promise((r) => setImmediate(r));
      if (signal?.aborted) throw new SweepInterrupted(`interrupted while checking the runs (${k} of ${checked.length}); no run started: run the same command again`);
    }
    try {
      await adapter.validate(run.config);
    } catch (e) {
      // Duck-typed: a user module's error, or one from another copy of errors.js, counts as long as it names a path.
      const v = e as ValidationError;
      if (!(e instanceof ValidationError) && !(v?.name === 'ValidationError' && typeof v.path === 'string')) throw e;
      const where = locateField(spec, run, v.path);
      const rest = v.message.startsWith(v.path + ': ') ? v.message.slice(v.path.length + 2) : v.message;
      const err = new ValidationError(where, v.value, rest);
      err.message = `${where}: ${rest}`;
      throw err;
    }
  }
}

/** A sweep stopped by its signal (^C) before any run started. */
export class SweepInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepInterrupted';
  }
}

/** Which of the runs (distinct: expandSweep refuses two of one configuration) still have to run, given the lines already in the results file. */
export function pendingRuns(runs: Run[], existing: ResultLine[], retryFailed = false): Run[] {
  const latest = latestLines(existing);
  return runs.filter((r) => {
    const l = latest.get(r.hash);
    return !l || (retryFailed && l.error !== undefined);
  });
}

/**
 * The results file (and CSV) options, checked as the CLI checks --out and --csv (src/io/files.ts checkOutputs): a
 * path to a file that can be written, not a directory, not the module, the two distinct. Refused in one line naming
 * the option (missing, `out` was Node's 'The "paths[0]" argument must be of type string'; a directory, a lock error
 * about its hard links).
 */
export function checkSweepOutputs(o: { out?: unknown; csv?: unknown }, module?: string): void {
  const out = requireString('out', o.out);
  const csv = o.csv === undefined ? undefined : requireString('csv', o.csv);
  checkOutputs({ inputs: module ? [{ label: 'module', path: module }] : [], outputs: [{ label: 'out', path: out }, ...(csv === undefined ? [] : [{ label: 'csv', path: csv }])] });
}

/** Most worker threads a sweep takes (the CLI's --workers bound too). */
export const MAX_SWEEP_WORKERS = 1024;

export async function runSweep(input: SweepSpec | Record<string, unknown>, o: SweepOptions): Promise<SweepSummary> {
  requireObject('options', o);
  const t0 = performance.now();
  // A sweep as written in a file (axes as a mapping) is validated here; a validated one is used as is.
  const spec = Array.isArray((input as SweepSpec | undefined)?.axes) ? (input as SweepSpec) : validateSweep(input);
  checkSweepOutputs(o, spec.module);
  const workers = o.workers === undefined ? Math.min(availableParallelism(), MAX_SWEEP_WORKERS) : requireInt('workers', o.workers, 1, MAX_SWEEP_WORKERS);
  if (o.timeoutSeconds !== undefined && !(o.timeoutSeconds > 0 && Number.isFinite(o.timeoutSeconds))) throw new ValidationError('timeoutSeconds', o.timeoutSeconds, 'expected a number of seconds > 0');
  if (o.stopGraceSeconds !== undefined && !(o.stopGraceSeconds >= 0)) throw new ValidationError('stopGraceSeconds', o.stopGraceSeconds, 'expected a number of seconds >= 0');
  // refused here, not as a TypeError thrown inside the pool's callbacks (it escaped the returned promise)
  requireCallback('onProgress', o.onProgress);
  requireCallback('onLockWait', o.onLockWait);
  const target = o.targetBatchSeconds ?? 0.05;
  const maxBatch = o.maxBatch ?? 1024;

  const runs = await expandSweepAsync(spec, o.signal, (k) => new SweepInterrupted(`interrupted while expanding the runs (${k} of ${runCount(spec)}); no run started: run the same command again`));
  await validateRuns(spec, runs, o.signal);
  makeDirs(dirname(resolve(o.out)), '--out', o.out);
  // One sweep at a time per results file; a killed sweep's lock is taken over (src/io/lock.ts).
  const lock = await acquireLock(o.out, { what: 'sweep', onWait: o.onLockWait, oneName: true });
  try {
    return await runLocked(spec, runs, o, workers, target, maxBatch, t0, lock);
  } finally {
    await lock.release();
  }
}

async function runLocked(spec: SweepSpec, runs: Run[], o: SweepOptions, workers: number, target: number, maxBatch: number, t0: number, lock: HeldLock): Promise<SweepSummary> {
  const { lines, truncatedBytes } = readResultsForResume(o.out);
  const todo = pendingRuns(runs, lines, o.retryFailed);
  const here = ranOn(); // this host and build: the pool's threads run this process's code
  const summary: SweepSummary = {
    name: spec.name, kind: spec.kind, out: o.out, csv: o.csv, runs: runs.length, skipped: runs.length - todo.length,
    ran: 0, failed: 0, notRun: 0, truncatedBytes, workers: 0, tasks: 0, wallSeconds: 0, runsPerSecond: 0, build: here.build, otherBuilds: otherBuildLines(runs, lines, todo, here.build),
  };

  const appender = new ResultsAppender(o.out, o.fsyncSeconds ?? 1);
  const write = (run: Run, out: WorkerReply[number]) => {
    lock.assertHeld(); // never append once another process has taken the file over
    appender.appendText(resultLineText(run.hash, spec.kind, run.config, out, here));
    summary.ran++;
    if (out.error) summary.failed++;
  };

  let pool: Piscina<WorkerTask, WorkerReply> | undefined;
  const t1 = performance.now();
  try {
    if (todo.length > 0) {
      const threads = Math.min(workers, todo.length); // no idle threads for a handful of runs
      summary.workers = threads; // what runs, not what was asked (workers: 8 for 2 runs started 2)
      pool = new Piscina<WorkerTask, WorkerReply>({ filename: distModule('sweep/worker'), minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
      await schedule(pool, spec, todo, threads, target, maxBatch, write, summary, o);
    }
  } finally {
    appender.close();
    await pool?.destroy();
    removeOrphanFlash(); // a run stopped by --timeout (its thread terminated) leaves its MemoryX flash file
  }
  summary.notRun = todo.length - summary.ran;
  summary.wallSeconds = (performance.now() - t0) / 1000;
  summary.runsPerSecond = summary.ran / Math.max((performance.now() - t1) / 1000, 1e-9);
  if (o.csv) writeFileAtomic(o.csv, resultsToCsv(readResults(o.out)));
  return summary;
}

/** Keeps 2 tasks per worker (1 with a timeout) in flight until every run is written (or the signal stops new ones). */
function schedule(
  pool: Piscina<WorkerTask, WorkerReply>, spec: SweepSpec, todo: Run[], workers: number, target: number, maxBatch: number,
  write: (run: Run, out: WorkerReply[number]) => void, summary: SweepSummary, o: SweepOptions,
): Promise<void> {
  let next = 0;
  let inFlight = 0;
  let secondsPerRun = NaN; // moving average of measured run times
  const retry: Run[] = []; // runs of a batch whose worker died: rerun one by one
  let fatal: unknown;
  const perWorker = o.timeoutSeconds ? 1 : 2;
  // Tasks queued in the pool behind the running ones would still run after a stop: the stop word tells
  // every task's worker to start no further run (src/sweep/types.ts, WorkerTask.stop).
  const stop = new Int32Array(new SharedArrayBuffer(4));
  // the runs in flight at a stop have stopGraceSeconds to end; then `ended` stops them (not written: a rerun runs them)
  const ended = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  let stopped = false;
  const onStop = () => {
    if (stopped) return;
    stopped = true;
    Atomics.store(stop, 0, 1);
    grace = setTimeout(() => ended.abort(), Math.min((o.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS) * 1000, MAX_TIMER_MS));
  };
  if (o.signal?.aborted) onStop();
  else o.signal?.addEventListener('abort', onStop, { once: true });
  // A write that failed (disk full ...) or an onProgress that threw: stop as a signal would, then reject with it.
  const fail = (e: unknown) => {
    fatal ??= e;
    onStop();
  };
  let progressThrew = false;
  const progress = () => {
    if (progressThrew || !o.onProgress) return;
    try {
      o.onProgress(summary.ran, todo.length, summary.failed);
    } catch (e) {
      progressThrew = true; // the caller's callback is broken: never call it again
      fail(e);
    }
  };

  const batchSize = () => {
    if (!Number.isFinite(secondsPerRun)) return 1;
    const want = Math.floor(target / Math.max(secondsPerRun, 1e-7));
    const fair = Math.ceil((todo.length - next) / (workers * 4));
    return Math.max(1, Math.min(want, fair, maxBatch));
  };

  return new Promise<void>((resolve, reject) => {
    const finish = () => {
      o.signal?.removeEventListener('abort', onStop);
      clearTimeout(grace);
      return fatal ? reject(fatal) : resolve();
    };
    const pump = () => {
      while (!fatal && !o.signal?.aborted && inFlight < workers * perWorker && (retry.length > 0 || next < todo.length)) {
        const batch = retry.length > 0 ? [retry.shift()!] : todo.slice(next, (next += batchSize()));
        inFlight++;
        summary.tasks++;
        const started = new Date().toISOString();
        const signal = o.timeoutSeconds ? AbortSignal.timeout(o.timeoutSeconds * 1000 * batch.length) : undefined;
        pool
          .run({ kind: spec.kind, module: spec.module, runs: batch.map((r) => ({ hash: r.hash, config: r.config })), stop }, { signal: signal ? AbortSignal.any([signal, ended.signal]) : ended.signal })
          .then(
            (reply) => {
              reply.forEach((out, i) => write(batch[i], out));
              if (reply.length === 0) return; // stopped before its first run
              const secs = reply.reduce((s, x) => s + x.timings.wallSeconds, 0) / Math.max(reply.length, 1);
              secondsPerRun = Number.isFinite(secondsPerRun) ? 0.7 * secondsPerRun + 0.3 * secs : secs;
            },
            (err) => {
              if (ended.signal.aborted && signal?.aborted !== true) return; // stopped after the grace: a rerun runs it
              // The task itself failed (its worker thread died, or it ran out of time): isolate the culprit by
              // rerunning the batch one run per task.
              if (batch.length > 1) return void retry.push(...batch);
              const timedOut = signal?.aborted === true;
              const error = timedOut ? { name: 'TimeoutError', message: `no result within ${o.timeoutSeconds} s: the run was stopped (--timeout)` } : toRunError(err);
              const wallSeconds = timedOut ? o.timeoutSeconds! : 0;
              write(batch[0], { hash: batch[0].hash, error, timings: { startedAt: started, wallSeconds } });
            },
          )
          .catch(fail) // a write failed (disk full ...): stop
          .finally(() => {
            inFlight--;
            progress();
            pump();
          });
      }
      if (inFlight === 0) finish();
    };
    pump();
  });
}
