// `weightstream worker --queue URL`: takes the jobs of queued sweeps (`weightstream sweep FILE --queue URL`)
// and runs them on this host's pool of worker threads; run one per host. SIGINT/SIGTERM: stop taking
// jobs, finish the running ones within --stop-grace seconds, exit 0 (past the grace, or at a second signal, it
// exits at once: its jobs run again elsewhere once their lock expires). Once no run is in flight, a Redis that does not
// answer gets CLOSE_WAIT_SECONDS (3 s) to take what is left; then one line says what was left, and exit 1. With --json,
// it prints what it did as one JSON object when it stops.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { queueUrl } from './sweep-queue.js';
import { UsageError, emit, option, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';
import { STOP_SIGNALS, removeOrphanFlash } from '../io/cleanup.js';
import { DEFAULT_STOP_GRACE_SECONDS, MAX_TIMER_MS } from '../sweep/types.js';

interface WorkerCliOptions extends CommonOptions {
  queue?: string;
  queueName?: string;
  concurrency?: number;
  kinds?: string;
  lockSeconds?: number;
  stopGrace?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .summary('run queued sweeps from Redis on this host')
    .description('take the runs of queued sweeps (weightstream sweep FILE --queue URL) from Redis and run them on this host; start one per host, any number of hosts')
    .addOption(option('--queue <url>', 'redis://[user:pass@]host:port[/db], rediss://... (TLS), or env:NAME (the URL read from environment\nvariable NAME, so no password shows in ps) (default: env:WEIGHTSTREAM_QUEUE)'))
    .addOption(option('--queue-name <name>', 'the sweep\'s --queue-name (default: sweep)'))
    .addOption(option('--concurrency <n>', 'worker threads and runs at once (default: one per core)', parseInteger('--concurrency', 1, 1024)))
    .addOption(option('--kinds <list>', 'run kinds to take, comma-separated (default: estimate,fabric,train)'))
    .addOption(option('--lock-seconds <s>', 'how long a job stays locked without news from its worker before it runs elsewhere (default 30)', parseNumber('--lock-seconds', 1, 3600)))
    .addOption(option('--stop-grace <seconds>', `after ^C or a signal, how long the runs in flight have to finish (default ${DEFAULT_STOP_GRACE_SECONDS}); then the worker leaves them to other workers`, parseNumber('--stop-grace', 0, 1e7)));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream worker --queue env:WEIGHTSTREAM_QUEUE   # on every host, with WEIGHTSTREAM_QUEUE=redis://:PASS@redis-host:6379',
    'weightstream worker --queue rediss://:PASS@redis-host:6380 --concurrency 8 --kinds fabric,train',
  ]);
  cmd.action(async (opts: WorkerCliOptions) => {
    const { QUEUE_KINDS, checkQueueName } = await import('../sweep/queue/protocol.js');
    const kinds = [...new Set((opts.kinds ?? QUEUE_KINDS.join(',')).split(',').map((k) => k.trim()))];
    for (const k of kinds) if (!(QUEUE_KINDS as readonly string[]).includes(k)) throw new UsageError(`--kinds: expected a comma-separated list of ${QUEUE_KINDS.join(', ')}, got ${JSON.stringify(k)}`);
    const url = await queueUrl(opts.queue ?? 'env:WEIGHTSTREAM_QUEUE');
    const name = opts.queueName === undefined ? undefined : checkQueueName(opts.queueName);
    const concurrency = opts.concurrency ?? availableParallelism();
    const { startQueueWorker } = await import('../sweep/queue/worker.js');
    const { redactUrl } = await import('../sweep/queue/connection.js');
    const say = (line: string) => opts.quiet || process.stderr.write(`weightstream worker: ${line}\n`);
    const worker = await startQueueWorker({
      url, name, concurrency, kinds: kinds as typeof QUEUE_KINDS[number][], lockSeconds: opts.lockSeconds, onLog: say,
    });
    const { buildId } = await import('../build.js');
    say(`taking ${kinds.join(', ')} runs from ${redactUrl(url)} (queue ${name ?? 'sweep'}, build ${buildId()}: sweeps of this build only), ${concurrency} at once; ^C stops after the runs in flight`);
    const grace = opts.stopGrace ?? DEFAULT_STOP_GRACE_SECONDS;
    const ended = await new Promise<'closed' | 'left' | Error>((resolve) => {
      let stopping = false;
      const onSignal = () => {
        if (stopping) process.exit(0); // second signal: leave now; the jobs' locks expire and they run elsewhere
        stopping = true;
        say(`stopping: finishing the runs in flight within ${grace} s (${worker.done} done so far; signal again to leave them to other workers)`);
        // past the grace, leave the runs still going; none going: closing ends at once, or within a few seconds when
        // Redis does not answer (worker.close bounds that wait itself, and rejects saying what it left)
        const timer = setTimeout(() => worker.active > 0 && resolve('left'), Math.min(grace * 1000, MAX_TIMER_MS));
        worker.close().then(() => resolve('closed'), (e: Error) => resolve(e)).finally(() => clearTimeout(timer));
      };
      for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
    });
    if (ended instanceof Error) {
      // one line, as for any error (also with --quiet); the process leaves now: a connection to a server that does not
      // answer stays open (half-closed), and with it the event loop
      process.stderr.write(`weightstream: error: ${ended.message.split('\n')[0]}\n`);
      process.exit(1);
    }
    const left = ended === 'left';
    const summary = { queue: redactUrl(url), queueName: name ?? 'sweep', kinds, concurrency, runs: worker.done };
    if (left) say(`the runs in flight did not end within ${grace} s: left to other workers (their jobs run again once their lock expires)`);
    emit(opts, summary, () => `weightstream worker: stopped after ${worker.done} run${worker.done === 1 ? '' : 's'}`);
    if (left) {
      removeOrphanFlash(); // the runs' threads end with the process: their MemoryX flash files go with them
      process.exit(0);
    }
  });
}
