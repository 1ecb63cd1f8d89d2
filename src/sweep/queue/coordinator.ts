// A queued sweep's coordinator (`weightstream sweep FILE --queue URL`): validates the sweep as a local
// sweep does, enqueues one job per configuration not yet in the results file (job id = the run's hash,
// so enqueueing twice creates nothing), then collects finished jobs and appends each one's line.
//
// Exactly once in the file: a finished job stays in Redis until its line is written and fsync'ed; only
// then is it removed. A coordinator killed between the two finds the hash in the file when restarted
// and only removes the job. Lines are written by this process alone, one write(2) each (results.ts).
import { makeDirs } from '../../io/files.js';
import { dirname, resolve } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { buildId } from '../../build.js';
import { ValidationError, renamePath, requireCallback } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { resultsToCsv } from '../csv.js';
import { ResultsAppender, readResults, readResultsForResume, resultLineText } from '../results.js';
import { acquireLock } from '../../io/lock.js';
import { otherBuildLines, checkSweepOutputs, pendingRuns, validateRuns, type SweepSummary } from '../run.js';
import { expandSweep, locateField } from '../spec.js';
import type { Run, SweepSpec } from '../types.js';
import { CLOSE_WAIT_SECONDS, QueueError, STOPPED, atMost, boundAfterStop, bullConnection, checkRedis, redactUrl, reportOutages, untilStopped } from './connection.js';
import { LEASE_MS, takeCollectorLease } from './lease.js';
import { claimQueue, jobsLeft, releaseQueue } from './owner.js';
import { QUEUE_DEFAULTS, checkQueueable, queueName, sweepId, type JobPayload, type JobReply, type OwnerRecord } from './protocol.js';

/** How long the end of a sweep waits for the queue to close while Redis is away. */
const CLOSE_WAIT_MS = CLOSE_WAIT_SECONDS * 1000;

export interface QueuedSweepOptions {
  out: string;
  /** Redis URL (already resolved from env:NAME). */
  url: string;
  /** --queue-name (default QUEUE_DEFAULTS.name). */
  name?: string;
  retryFailed?: boolean;
  csv?: string;
  /**
   * Lines written this invocation, of `total`, failed among them, worker processes connected (-1: not known). If it
   * throws, collecting stops (the lines written are kept, the jobs not collected stay queued) and runQueuedSweep
   * rejects with its error once the lock is released.
   */
  onProgress?: (done: number, total: number, failed: number, workers: number) => void;
  /**
   * Stops collecting: jobs stay queued (workers go on), a rerun collects them. It does not wait for Redis: what is left
   * to do there (give the collector lease back, close the queue) gets CLOSE_WAIT_SECONDS, then runQueuedSweep rejects
   * with a QueueError saying what it left as it is.
   */
  signal?: AbortSignal;
  /** Called with one line when the connection to Redis drops and when it is back. */
  onLog?: (line: string) => void;
  fsyncSeconds?: number;
  pollMs?: number;
}

export interface QueuedSweepSummary extends SweepSummary {
  queue: string;
  /** Jobs submitted this invocation (one per run not in the file; a job already queued is left as it is). */
  enqueued: number;
}

/** Checks every run with the queue's own rule (no files named), then as a local sweep does; errors name the sweep file's field. */
export async function validateQueuedRuns(spec: SweepSpec, runs: Run[]): Promise<void> {
  await checkQueueable(spec.kind, {});
  for (const run of runs) {
    try {
      await checkQueueable(spec.kind, run.config);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      const where = locateField(spec, run, e.path);
      throw renamePath(e, where);
    }
  }
  await validateRuns(spec, runs);
}

export async function runQueuedSweep(spec: SweepSpec, o: QueuedSweepOptions): Promise<QueuedSweepSummary> {
  const t0 = performance.now();
  checkSweepOutputs(o, spec.module);
  requireCallback('onProgress', o.onProgress); // not a TypeError once the jobs are queued
  requireCallback('onLog', o.onLog);
  const runs = expandSweep(spec);
  await validateQueuedRuns(spec, runs);
  await checkRedis(o.url);
  makeDirs(dirname(resolve(o.out)), '--out', o.out);
  const lock = await acquireLock(o.out, { what: 'sweep', oneName: true }); // the project's one lock (src/io/lock.ts)
  const connection = bullConnection(o.url);
  const unreachable = reportOutages(connection, o.url, o.onLog, ' (a stop does not wait for it; the lines written are kept)');
  // after a stop, each wait on Redis below ends within CLOSE_WAIT_SECONDS in all: a server that does not answer
  // (frozen, packets dropped) reports no error, and was waited for as long as it lasted
  const stop = boundAfterStop(o.signal, CLOSE_WAIT_MS);
  const name = o.name ?? QUEUE_DEFAULTS.name;
  const queue = new Queue<JobPayload, JobReply>(queueName(name, spec.kind, buildId()), { connection, prefix: QUEUE_DEFAULTS.prefix });
  queue.on('error', () => {});
  try {
    const me: OwnerRecord = { sweep: sweepId(spec), name: spec.name, source: spec.source, kind: spec.kind, createdAt: new Date().toISOString(), build: buildId() };
    await stop.wait(claimQueue(connection, name, me));
    const lease = await stop.wait(takeCollectorLease(connection, name, o.out, o.signal));
    try {
      const summary = await collectAll(spec, runs, queue, o, t0);
      if (summary.notRun === 0) await stop.wait(releaseQueue(connection, queue, name, me));
      if (o.csv) writeFileAtomic(o.csv, resultsToCsv(readResults(o.out)));
      return summary;
    } finally {
      unreachable.stop(); // the stop's own line says it, when Redis does not answer it
      const releasing = lease.release();
      await (unreachable() ? atMost(releasing, CLOSE_WAIT_MS) : stop.wait(releasing).catch(() => {}));
    }
  } finally {
    unreachable.stop();
    const closing = queue.close();
    if (stop.expired) void closing.catch(() => {}); // Redis has had its time
    else if (unreachable()) await atMost(closing, CLOSE_WAIT_MS); // it would wait for Redis
    else await stop.wait(closing).catch(() => {});
    connection.disconnect();
    await lock.release();
    if (stop.expired) {
      throw new QueueError(`Redis at ${redactUrl(o.url)} did not answer within ${CLOSE_WAIT_SECONDS} s of the stop: the collector lease and the queued jobs are left as they are `
        + `(the lease expires within ${LEASE_MS / 1000} s; the workers go on); the lines written to ${o.out} are kept: run the same command again to collect the rest`);
    }
  }
}

/** Enqueues what the file lacks, then writes finished jobs' lines until every one is in (or the signal). */
async function collectAll(spec: SweepSpec, runs: Run[], queue: Queue<JobPayload, JobReply>, o: QueuedSweepOptions, t0: number): Promise<QueuedSweepSummary> {
  const { lines, truncatedBytes } = readResultsForResume(o.out);
  const todo = pendingRuns(runs, lines, o.retryFailed);
  const pending = new Map(todo.map((r) => [r.hash, r]));
  const summary: QueuedSweepSummary = {
    name: spec.name, kind: spec.kind, out: o.out, csv: o.csv, runs: runs.length, skipped: runs.length - todo.length, ran: 0, failed: 0, notRun: 0,
    truncatedBytes, workers: 0, tasks: 0, wallSeconds: 0, runsPerSecond: 0, queue: queue.name, enqueued: 0,
    build: buildId(), otherBuilds: otherBuildLines(runs, lines, todo, buildId()),
  };
  const t1 = performance.now();
  const enqueued = await untilStopped(enqueue(queue, spec, todo), o.signal);
  summary.enqueued = enqueued === STOPPED ? 0 : enqueued;
  summary.tasks = todo.length;
  const appender = new ResultsAppender(o.out, o.fsyncSeconds ?? 1);
  const poll = o.pollMs ?? QUEUE_DEFAULTS.pollMs;
  let lastLook = 0;
  try {
    const workers0 = enqueued === STOPPED ? STOPPED : await untilStopped(workersCount(queue), o.signal);
    if (workers0 !== STOPPED) o.onProgress?.(0, todo.length, 0, (summary.workers = workers0));
    // each look at Redis may wait out an outage: a stop ends the loop without it
    const look = async (): Promise<boolean> => {
      const n = (await collect(queue, 'completed', pending, spec.kind, appender, summary, o.signal)) + (await collect(queue, 'failed', pending, spec.kind, appender, summary, o.signal));
      let changed = n > 0;
      if (Date.now() - lastLook > 2000) {
        lastLook = Date.now();
        const workers = await workersCount(queue);
        changed ||= workers !== summary.workers;
        summary.workers = workers;
        // Jobs lost from Redis (a server restarted without persistence, a FLUSHALL): enqueue them again.
        if ((await jobsLeft(queue)) < pending.size) summary.enqueued += await enqueue(queue, spec, [...pending.values()]);
      }
      if (changed) o.onProgress?.(summary.ran, todo.length, summary.failed, summary.workers);
      return n > 0;
    };
    while (pending.size > 0 && !o.signal?.aborted) {
      const got = await untilStopped(look(), o.signal);
      if (got === STOPPED) break;
      if (!got) await sleep(poll, o.signal);
    }
  } finally {
    appender.close();
  }
  summary.notRun = pending.size;
  summary.wallSeconds = (performance.now() - t0) / 1000;
  summary.runsPerSecond = summary.ran / Math.max((performance.now() - t1) / 1000, 1e-9);
  return summary;
}

/** Adds one job per run (id = hash); a job whose id exists is left as it is (BullMQ). Returns how many were submitted. */
async function enqueue(queue: Queue<JobPayload, JobReply>, spec: SweepSpec, runs: Run[]): Promise<number> {
  const build = buildId(); // only workers of this build run the jobs (protocol.ts)
  const opts = { attempts: QUEUE_DEFAULTS.attempts, backoff: { type: 'exponential', delay: QUEUE_DEFAULTS.backoffMs }, removeOnComplete: false, removeOnFail: false };
  for (let i = 0; i < runs.length; i += 1000) {
    const chunk = runs.slice(i, i + 1000);
    await queue.addBulk(chunk.map((r) => ({ name: spec.kind, data: { kind: spec.kind as JobPayload['kind'], config: r.config, build }, opts: { ...opts, jobId: r.hash } })));
  }
  return runs.length;
}

/** Writes the lines of up to 1000 finished jobs in one state, fsyncs, then removes the jobs. Returns how many. */
async function collect(
  queue: Queue<JobPayload, JobReply>, state: 'completed' | 'failed', pending: Map<string, Run>, kind: string, appender: ResultsAppender, summary: SweepSummary,
  signal?: AbortSignal,
): Promise<number> {
  const jobs = (await queue.getJobs([state], 0, 999, true)) as Job<JobPayload, JobReply>[];
  if (jobs.length === 0 || signal?.aborted) return 0; // stopped while Redis answered: the file is closed (its jobs stay for a rerun)
  for (const job of jobs) {
    const run = job.id === undefined ? undefined : pending.get(job.id);
    if (!run) continue; // already in the file (a coordinator died before removing it), or not this sweep's
    const reply = state === 'completed' ? job.returnvalue : failedReply(job);
    appender.appendText(resultLineText(run.hash, kind, run.config, reply, reply.ranOn));
    pending.delete(run.hash);
    summary.ran++;
    if (reply.error) summary.failed++;
  }
  appender.sync(); // the lines are on disk before their jobs leave Redis
  await Promise.all(jobs.map((j) => j.remove().catch(() => {})));
  return jobs.length;
}

/** The line of a job that failed every attempt: its last error, and how many attempts it had. */
function failedReply(job: Job): JobReply {
  const started = job.processedOn ?? job.timestamp;
  const wallSeconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
  const attempts = Math.max(job.attemptsMade, 1);
  return {
    error: { name: 'JobFailed', message: `${job.failedReason ?? 'failed'} (after ${attempts} attempt${attempts === 1 ? '' : 's'})` },
    timings: { startedAt: new Date(started).toISOString(), wallSeconds },
  };
}

/** Worker processes connected (CLIENT LIST); -1 when an ACL user may not list clients (@admin). */
async function workersCount(queue: Queue): Promise<number> {
  return queue.getWorkersCount().catch((e: Error) => (/^NOPERM/.test(e.message) ? -1 : Promise.reject(e)));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
