// `weightstream sweep FILE`: runs every configuration of a sweep file on a pool of worker threads,
// appending one JSON line per run to the results file; rerunning it resumes where it stopped.
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { createProgress } from './progress.js';
import { UsageError, emit, inputPathError, option, outputError, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';
import { DEFAULT_STOP_GRACE_SECONDS } from '../sweep/types.js';
import { queued } from './sweep-queue.js';
import { stopOnSignals, sweepSummaryText } from './sweep-text.js';

export interface SweepCliOptions extends CommonOptions {
  workers?: number;
  out?: string;
  csv?: string;
  retryFailed?: boolean;
  dryRun?: boolean;
  timeout?: number;
  stopGrace?: number;
  queue?: string;
  queueName?: string;
}

/** Default results file: the sweep file's name with .results.jsonl, in the current directory. */
function defaultOut(file: string): string {
  return basename(file, extname(file)) + '.results.jsonl';
}

export function register(program: Command): void {
  const cmd = program
    .command('sweep')
    .summary('run a sweep file in parallel (JSON lines)')
    .description('run a sweep file (JSON or YAML: a base configuration, the run kind and axes to vary) in parallel; results are appended as JSON lines, and a rerun skips what is already done')
    .argument('<file>', 'sweep file (.yaml, .yml or .json)')
    .addOption(option('--workers <n>', 'worker threads (default: one per core)', parseInteger('--workers', 1, 1024)))
    .addOption(option('--out <results.jsonl>', 'results file, appended to (default: <file name>.results.jsonl)'))
    .addOption(option('--csv <file>', 'also write all results flattened to CSV'))
    .addOption(option('--timeout <seconds>', 'stop a run that takes longer and record a TimeoutError', parseNumber('--timeout', 0.001, 1e7)))
    .addOption(option('--stop-grace <seconds>', `after ^C or a signal, how long the runs in flight have to finish (default ${DEFAULT_STOP_GRACE_SECONDS}); those still going are then stopped, unwritten (a rerun runs them)`, parseNumber('--stop-grace', 0, 1e7)))
    .addOption(option('--queue <url>', 'run through a Redis queue instead: redis://[user:pass@]host:port[/db], rediss://... (TLS), or env:NAME\n(the URL read from environment variable NAME, so no password shows in ps); start workers with `weightstream worker`'))
    .addOption(option('--queue-name <name>', 'name of the queue in Redis, when several sweeps share one server (default: sweep)'))
    .option('--retry-failed', 'also rerun configurations whose recorded result is an error')
    .option('--dry-run', 'check the file and count the runs, run nothing');
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream sweep examples/sweeps/estimate-scaling.yaml --out scaling.jsonl --csv scaling.csv',
    'weightstream sweep examples/sweeps/fabric-sparsity.yaml --workers 2 --timeout 600',
    'weightstream sweep my-sweep.json --dry-run --json',
    'weightstream sweep my-sweep.yaml --out runs.jsonl   # run again after a crash: only the missing runs run',
    'weightstream sweep big.yaml --out big.jsonl --queue env:WEIGHTSTREAM_QUEUE   # WEIGHTSTREAM_QUEUE=redis://:PASS@host:6379; then weightstream worker on each host',
  ]);
  cmd.action(async (file: string, opts: SweepCliOptions) => {
    const { expandSweep, filesNamedIn, loadSweepFile, pendingRuns, readResults, runSweep, validateRuns } = await import('../sweep/index.js');
    let spec;
    try {
      spec = loadSweepFile(file);
    } catch (e) {
      throw inputPathError(e, file); // no such file: a bad argument
    }
    const out = opts.out ?? defaultOut(file);
    const { checkOutputs } = await import('../io/files.js');
    const named = filesNamedIn(spec, file).map((f) => ({ label: `the file of ${f.field}:`, path: f.path }));
    const inputs = [{ label: 'sweep file', path: file }, ...(spec.module ? [{ label: 'module', path: spec.module }] : []), ...named];
    try {
      checkOutputs({ inputs, outputs: [{ label: '--out', path: out }, ...(opts.csv ? [{ label: '--csv', path: opts.csv }] : [])] });
    } catch (e) {
      throw outputError(e); // --out or --csv refused: a bad flag
    }
    if (opts.queue !== undefined) return queued(spec, file, out, opts);
    if (opts.queueName !== undefined) throw new UsageError('--queue-name: applies only with --queue');
    if (opts.dryRun) {
      const runs = expandSweep(spec);
      await validateRuns(spec, runs);
      const pending = pendingRuns(runs, existsSync(out) ? readResults(out) : [], opts.retryFailed).length;
      const result = { name: spec.name, kind: spec.kind, out, runs: runs.length, pending, skipped: runs.length - pending };
      emit(opts, result, () => `sweep ${spec.name ?? file} (${spec.kind}): ${runs.length} runs, ${pending} to run, ${runs.length - pending} already in ${out}`);
      return;
    }
    const grace = opts.stopGrace ?? DEFAULT_STOP_GRACE_SECONDS;
    const stop = stopOnSignals(`stopping after the runs in flight, or in ${grace} s those still going (a second ^C or signal stops now); rerun to resume`);
    let progress: ReturnType<typeof createProgress> | undefined;
    try {
      const summary = await runSweep(spec, {
        out, workers: opts.workers, csv: opts.csv, retryFailed: opts.retryFailed, signal: stop.signal, timeoutSeconds: opts.timeout, stopGraceSeconds: grace,
        onLockWait: opts.quiet ? undefined : (m) => process.stderr.write(`weightstream: ${m}\n`),
        onProgress: (done, total, failed) => {
          progress ??= createProgress({ label: 'sweep', total, quiet: opts.quiet, unit: 'runs' });
          progress.update(done, failed ? `(${failed} failed)` : '');
        },
      });
      progress?.stop();
      emit(opts, summary, () => {
        const rate = summary.ran ? ` in ${summary.wallSeconds.toFixed(1)} s (${summary.runsPerSecond.toFixed(summary.runsPerSecond < 10 ? 2 : 0)} runs/s, ${summary.workers} worker${summary.workers === 1 ? '' : 's'})` : '';
        return sweepSummaryText(`${spec.name ?? file} (${spec.kind})`, summary, out, rate);
      });
      if (summary.notRun > 0) {
        process.stderr.write(`weightstream: error: interrupted with ${summary.notRun} runs not run: run the same command again to resume\n`);
        process.exitCode = 1;
      }
    } finally {
      stop.dispose();
    }
  });
}
