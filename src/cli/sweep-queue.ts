// `weightstream sweep FILE --queue URL`: the coordinator of a sweep whose runs go through a Redis queue
// to `weightstream worker` processes on any number of hosts (src/sweep/queue/). One progress bar over
// all workers; ^C stops collecting (jobs stay queued and workers go on) and a rerun picks up the results.
import type { SweepSpec } from '../sweep/types.js';
import { createProgress } from './progress.js';
import { UsageError, emit, type CommonOptions } from './common.js';
import { stopOnSignals, sweepSummaryText } from './sweep-text.js';

interface QueuedCliOptions extends CommonOptions {
  queue?: string;
  queueName?: string;
  workers?: number;
  timeout?: number;
  stopGrace?: number;
  csv?: string;
  retryFailed?: boolean;
  dryRun?: boolean;
}

let passwordWarning = false;

/**
 * ioredis warns on each connection (a queue opens several) when a password goes to a Redis that asks for none: this
 * process says it once, in its own words. Other warnings pass through.
 */
function onePasswordWarning(where: string): void {
  if (passwordWarning) return;
  passwordWarning = true;
  let said = false;
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/does not require a password, but a password was supplied/.test(String(args[0]))) return warn(...args);
    if (!said) process.stderr.write(`weightstream: Redis at ${where} asks for no password: the one given is not used (and anyone who reaches the server can use the queue: docs/distributed.md)\n`);
    said = true;
  };
}

/** Resolves --queue (a URL or env:NAME); a bad one is a usage error (exit 2). */
export async function queueUrl(value: string): Promise<string> {
  const { resolveQueueUrl, QueueUrlError, redactUrl } = await import('../sweep/queue/connection.js');
  try {
    const url = resolveQueueUrl(value);
    onePasswordWarning(redactUrl(url));
    return url;
  } catch (e) {
    throw e instanceof QueueUrlError ? new UsageError(e.message) : e;
  }
}

export async function queued(spec: SweepSpec, file: string, out: string, opts: QueuedCliOptions): Promise<void> {
  if (opts.workers !== undefined) throw new UsageError('--workers: applies to local sweeps; with --queue each worker sets its own (weightstream worker --concurrency N)');
  if (opts.timeout !== undefined) throw new UsageError('--timeout: applies to local sweeps only (not yet with --queue)');
  if (opts.stopGrace !== undefined) throw new UsageError('--stop-grace: applies to local sweeps only (a queued sweep\'s stop leaves its runs to the workers)');
  const url = await queueUrl(opts.queue!);
  const { runQueuedSweep, validateQueuedRuns } = await import('../sweep/queue/coordinator.js');
  const { checkQueueName } = await import('../sweep/queue/protocol.js');
  const name = opts.queueName === undefined ? undefined : checkQueueName(opts.queueName);
  if (opts.dryRun) {
    const { expandSweep } = await import('../sweep/spec.js');
    const runs = expandSweep(spec);
    await validateQueuedRuns(spec, runs);
    emit(opts, { name: spec.name, kind: spec.kind, out, runs: runs.length }, () => `sweep ${spec.name ?? file} (${spec.kind}): ${runs.length} runs, each can go through the queue`);
    return;
  }
  const stop = stopOnSignals('stopping; queued jobs stay in Redis and the workers go on: rerun the same command to collect them');
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    const summary = await runQueuedSweep(spec, {
      out, url, name, csv: opts.csv, retryFailed: opts.retryFailed, signal: stop.signal,
      onLog: (line) => opts.quiet || process.stderr.write(`\nweightstream sweep: ${line}\n`), // past the progress line
      onProgress: (done, total, failed, workers) => {
        progress ??= createProgress({ label: 'sweep', total, quiet: opts.quiet, unit: 'runs' });
        const who = workers < 0 ? [] : [`${workers} worker${workers === 1 ? '' : 's'}`];
        const status = [...who, ...(failed ? [`${failed} failed`] : [])].join(', ');
        progress.update(done, status ? `(${status})` : '');
      },
    });
    progress?.stop();
    emit(opts, summary, () => {
      const rate = summary.ran ? ` in ${summary.wallSeconds.toFixed(1)} s (${summary.runsPerSecond.toFixed(summary.runsPerSecond < 10 ? 2 : 0)} runs/s through queue ${summary.queue})` : '';
      return sweepSummaryText(`${spec.name ?? file} (${spec.kind})`, summary, out, rate);
    });
    if (summary.notRun > 0) {
      process.stderr.write(`weightstream: error: stopped with ${summary.notRun} results not collected: run the same command again to collect them\n`);
      process.exitCode = 1;
    }
  } finally {
    stop.dispose();
  }
}
