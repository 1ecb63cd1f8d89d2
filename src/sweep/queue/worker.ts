// A queued sweep's worker process (`weightstream worker`): one BullMQ Worker per run kind it takes,
// all feeding the same local Piscina pool the local sweep uses (src/sweep/worker.ts), so a run on a
// remote host is the same code as a run on this one. Every job is validated (protocol.ts) before it runs.
//
// What the queue guarantees (BullMQ): a job is locked by the worker that took it for lockSeconds,
// renewed every half of it while the run goes on. A worker killed with SIGKILL stops renewing; another
// worker's stall check (every stalledIntervalSeconds) puts the job back to wait, and it runs again
// elsewhere. A run that throws is not a job failure: its error is the result (as in a local sweep).
// A job fails (and is retried, up to `attempts`) only when its worker thread dies or its payload is bad.
import { hostname } from 'node:os';
import { Piscina } from 'piscina';
import { Worker as BullWorker, type Job } from 'bullmq';
import { ranOn } from '../../build.js';
import { distModule } from '../../paths.js';
import type { WorkerReply, WorkerTask } from '../types.js';
import { CLOSE_WAIT_SECONDS, QueueError, atMost, bullConnection, checkRedis, redactUrl, reportOutages } from './connection.js';
import { removeOrphanFlash } from '../../io/cleanup.js';
import { QUEUE_DEFAULTS, QUEUE_KINDS, queueName, validateJob, type JobReply, type QueueKind } from './protocol.js';

/** How long a stop waits for the queues to close while Redis is away, or (the runs in flight ended) for Redis to take their results. */
const CLOSE_WAIT_MS = CLOSE_WAIT_SECONDS * 1000;

export interface QueueWorkerOptions {
  /** Redis URL (already resolved from env:NAME). */
  url: string;
  /** Worker threads of the local pool, and jobs taken at once per kind. */
  concurrency: number;
  kinds: readonly QueueKind[];
  name?: string;
  lockSeconds?: number;
  stalledIntervalSeconds?: number;
  /** Called once per finished job (ok false: the job failed and goes back for another attempt or to failed). */
  onJob?: (kind: string, ok: boolean) => void;
  /** Called with one line when something worth saying happens (connection lost, a job refused). */
  onLog?: (line: string) => void;
}

export interface QueueWorker {
  /** Jobs finished so far. */
  readonly done: number;
  /** Jobs running now. */
  readonly active: number;
  /**
   * Stop taking jobs; resolve when the running ones are finished and handed back. force: release them now (they run again elsewhere).
   * Once no run is in flight, Redis gets CLOSE_WAIT_SECONDS to take what is left; then close rejects with a QueueError saying what
   * it left as it is (a server that does not answer reports no error: it was waited for as long as it lasted).
   */
  close(force?: boolean): Promise<void>;
}

/** Connects (bounded, one line on failure), then takes jobs until close(). */
export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  await checkRedis(o.url);
  const name = o.name ?? QUEUE_DEFAULTS.name;
  const lockMs = (o.lockSeconds ?? QUEUE_DEFAULTS.lockSeconds) * 1000;
  const stalledMs = (o.stalledIntervalSeconds ?? Math.min(QUEUE_DEFAULTS.stalledIntervalSeconds, o.lockSeconds ? o.lockSeconds / 2 : Infinity)) * 1000;
  const pool = new Piscina<WorkerTask, WorkerReply>({ filename: distModule('sweep/worker'), minThreads: o.concurrency, maxThreads: o.concurrency, idleTimeout: 60_000 });
  const connection = bullConnection(o.url);
  const unreachable = reportOutages(connection, o.url, o.onLog);
  let done = 0;
  let active = 0;
  const onIdle: (() => void)[] = []; // close() waiting for the runs in flight to end
  const idle = () => (active === 0 ? Promise.resolve() : new Promise<void>((r) => onIdle.push(r)));
  const here = ranOn();

  const processor = async (job: Job): Promise<JobReply> => {
    let payload;
    try {
      payload = await validateJob(job.data, job.id, o.kinds, here.build);
    } catch (e) {
      o.onLog?.(`refused job ${job.id}: ${(e as Error).message}`);
      // a failed attempt, not a final failure: a worker of another build may refuse what the others run, so the
      // job goes back for its other attempts (any worker may take them); one every worker refuses fails after them
      throw new Error(`refused by the worker on ${hostname()}: ${(e as Error).message}`);
    }
    active++;
    try {
      const [out] = await pool.run({ kind: payload.kind, runs: [{ hash: job.id!, config: payload.config }] });
      return { resultJson: out.resultJson, error: out.error, timings: out.timings, ranOn: here };
    } finally {
      if (--active === 0) for (const r of onIdle.splice(0)) r();
    }
  };

  const workers = o.kinds.map((kind) => {
    const w = new BullWorker(queueName(name, kind, here.build), processor, { // its build's queue: another build's jobs never reach it
      connection, prefix: QUEUE_DEFAULTS.prefix, concurrency: o.concurrency, lockDuration: lockMs, stalledInterval: stalledMs,
      maxStalledCount: QUEUE_DEFAULTS.maxStalledCount, name: `weightstream-worker@${hostname()}:${process.pid}`,
    });
    w.on('completed', () => (done++, o.onJob?.(kind, true)));
    w.on('failed', () => o.onJob?.(kind, false));
    // while Redis is away every queue's connection fails on each retry: the outage is said once, above
    w.on('error', (e) => unreachable() || o.onLog?.(`queue ${queueName(name, kind, here.build)}: ${e.message.split('\n')[0]}`));
    return w;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  return {
    get done() {
      return done;
    },
    get active() {
      return active;
    },
    async close(force = false) {
      // With Redis away, a run in flight cannot hand its result back: leave at once (its job runs again
      // elsewhere once its lock expires), and give closing the queues a few seconds at most.
      const away = unreachable();
      unreachable.stop();
      const closing = Promise.all(workers.map((w) => w.close(force || away)));
      let answered = true;
      if (away) await atMost(closing, CLOSE_WAIT_MS);
      else {
        // the runs in flight end on this host's pool (the CLI bounds them with --stop-grace); what is left then waits on
        // Redis only, and a Redis that does not answer (frozen, packets dropped) reports no error: a few seconds at most
        if (!force) await Promise.race([closing.catch(() => {}), idle()]);
        answered = await atMost(closing, CLOSE_WAIT_MS);
        if (answered) await closing;
      }
      await pool.destroy();
      removeOrphanFlash(); // a run stopped by its timeout (its thread terminated) leaves its MemoryX flash file
      connection.disconnect();
      if (!answered) {
        throw new QueueError(`Redis at ${redactUrl(o.url)} did not answer within ${CLOSE_WAIT_SECONDS} s of the stop: the jobs this worker held are left as they are `
          + `(their locks expire within ${lockMs / 1000} s, then other workers run them again)`);
      }
    },
  };
}

export { QUEUE_KINDS };
