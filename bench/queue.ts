// What does the Redis queue cost? Runs per second of an at-scale `estimate` sweep (runs of ~0.1 ms) and
// a small cycle-level `fabric` sweep (runs of ~20 ms) through BullMQ on a private redis-server with 1
// and 2 `weightstream worker` processes (one thread each), against the local pool with 1 and 2 threads
// in the same run. Per-job overhead = (queued wall - local wall) x lanes / runs: the extra time each job
// costs one lane. Below it: the run length from which the queue's overhead is under 10 %.
// Prints a table and writes bench/results/queue.json (atomically; --quick: queue-quick.json).
// Run: npm run build && node dist/bench/queue.js [--quick]   (needs Debian's redis-server)
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';
import { runSweep, validateSweep, expandSweep } from '../src/sweep/index.js';
import { runQueuedSweep } from '../src/sweep/queue/coordinator.js';
import type { SweepSpec } from '../src/sweep/types.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';
import { scratchDir, stopWithBench } from './scratch.js';

const ARGS = benchArgs('queue', 'What the Redis queue costs: sweeps through BullMQ on a private redis-server against the local pool; writes bench/results/queue.json.', {
  quick: { type: 'boolean', help: 'fewer sparsities and seeds, one repetition; writes queue-quick.json' },
});

const { quick } = ARGS;
const reps = quick ? 1 : 3;
const dir = scratchDir('ws-bench-queue-');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sweeps: Record<string, SweepSpec> = {
  estimate: validateSweep({ kind: 'estimate', base: { model: 'gpt3-175b' }, axes: { systems: { from: 1, to: 192 }, sparsity: quick ? [0, 0.5] : [0, 0.5, 0.75, 0.9, 0.95] } }),
  fabric: validateSweep({ kind: 'fabric', base: { rows: 16, cols: 16, batch: 64, in: 128, out: 128, pass: 'forward' }, axes: { sparsity: [0, 0.5, 0.75, 0.9, 0.95, 0.98], seed: quick ? [1, 2] : [1, 2, 3, 4] } }),
};

interface Row {
  kind: string;
  how: string;
  lanes: number;
  runs: number;
  wallSeconds: number;
  runsPerSecond: number;
  /** Queued rows: runs/s relative to the local pool with as many threads as worker processes. */
  vsLocal?: number;
  /** Queued rows: extra milliseconds each job costs one lane. */
  overheadMsPerJob?: number;
  /** Local rows: milliseconds of one run on one lane (wall x lanes / runs). */
  msPerRun?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server (no persistence) and a client that answers once it is up. */
async function startRedis(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = stopWithBench(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    const ok = await c.connect().then(() => c.ping(), () => undefined);
    c.disconnect();
    if (ok === 'PONG') return { url, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start (is Debian\'s redis-server installed?)');
}

/** `lanes` worker processes of one thread each on queue `name`; resolves once each says it is taking jobs. */
async function startWorkers(url: string, name: string, lanes: number): Promise<ChildProcess[]> {
  return Promise.all(Array.from({ length: lanes }, () => new Promise<ChildProcess>((resolve, reject) => {
    const p = stopWithBench(spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'worker', '--queue', url, '--queue-name', name, '--concurrency', '1', '--kinds', 'estimate,fabric'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      if (err.includes('taking')) resolve(p);
    });
    p.on('exit', (code) => reject(new Error(`worker exited (${code}): ${err}`)));
  })));
}

async function timed(f: () => Promise<{ failed: number; ran: number }>, runs: number): Promise<number> {
  const t0 = performance.now();
  const s = await f();
  if (s.failed || s.ran !== runs) throw new Error(`${s.ran} of ${runs} ran, ${s.failed} failed`);
  return (performance.now() - t0) / 1000;
}

/** Local pool and queue with 1 and 2 lanes, measured in turns so other load falls on all alike; medians. */
async function measure(kind: string, spec: SweepSpec, url: string): Promise<Row[]> {
  const runs = expandSweep(spec).length;
  const t: Record<string, number[]> = { local1: [], local2: [], queue1: [], queue2: [] };
  let n = 0;
  for (let r = 0; r < reps; r++) {
    for (const lanes of [1, 2]) {
      t[`local${lanes}`].push(await timed(() => runSweep(spec, { out: join(dir, `l${n++}.jsonl`), workers: lanes }), runs));
      t[`queue${lanes}`].push(await timed(() => runQueuedSweep(spec, { out: join(dir, `q${n++}.jsonl`), url, name: `bench${lanes}` }), runs));
    }
  }
  const rows: Row[] = [];
  for (const lanes of [1, 2]) {
    const local = median(t[`local${lanes}`]);
    const queued = median(t[`queue${lanes}`]);
    rows.push({ kind, how: `local pool, ${lanes} thread${lanes > 1 ? 's' : ''}`, lanes, runs, wallSeconds: local, runsPerSecond: runs / local, msPerRun: (local * lanes * 1000) / runs });
    rows.push({
      kind, how: `queue, ${lanes} worker process${lanes > 1 ? 'es' : ''}`, lanes, runs, wallSeconds: queued, runsPerSecond: runs / queued, vsLocal: local / queued,
      overheadMsPerJob: ((queued - local) * lanes * 1000) / runs,
    });
  }
  return rows;
}

async function main() {
  const loadBefore = loadavg()[0];
  const { url, proc } = await startRedis();
  const workers = [...(await startWorkers(url, 'bench1', 1)), ...(await startWorkers(url, 'bench2', 2))];
  try {
    const rows: Row[] = [];
    for (const [kind, spec] of Object.entries(sweeps)) rows.push(...(await measure(kind, spec, url)));
    // The queue's cost per job, from the short-run sweep (where it dominates): a run of 9x that loses < 10 %.
    const overhead = median(rows.filter((r) => r.kind === 'estimate' && r.overheadMsPerJob !== undefined).map((r) => r.overheadMsPerJob!));
    const breakEven = { overheadMsPerJob: overhead, runMsForUnder10Percent: 9 * overhead, runMsForUnder1Percent: 99 * overhead };
    const load = { before: loadBefore, after: loadavg()[0] };
    console.log(`\nqueued sweep throughput (${quick ? 'quick, 1 repetition' : `median of ${reps}`}; ${cpus().length} cores: ${cpus()[0]?.model ?? ''}; load average ${load.before.toFixed(1)} before, ${load.after.toFixed(1)} after)`);
    console.log('kind      how                            runs    wall s    runs/s  x local  overhead ms/job');
    for (const r of rows) {
      console.log(`${r.kind.padEnd(9)} ${r.how.padEnd(30)} ${String(r.runs).padStart(5)} ${r.wallSeconds.toFixed(2).padStart(9)} ${r.runsPerSecond.toFixed(r.runsPerSecond < 100 ? 1 : 0).padStart(9)} ${(r.vsLocal?.toFixed(2) ?? '').padStart(8)} ${(r.overheadMsPerJob?.toFixed(2) ?? '').padStart(16)}`);
    }
    console.log(`\nqueue overhead ~${overhead.toFixed(2)} ms per job and lane: runs longer than ${breakEven.runMsForUnder10Percent.toFixed(0)} ms lose < 10 %, longer than ${breakEven.runMsForUnder1Percent.toFixed(0)} ms < 1 %`);
    const result = {
      bench: 'queue', when: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, wasm: process.env.WEIGHTSTREAM_WASM ?? 'release', redis: 'redis-server on localhost, no persistence', loadAverage1min: load },
      quick, repetitions: reps,
      sweeps: { estimate: { configurations: expandSweep(sweeps.estimate).length, model: 'gpt3-175b' }, fabric: { configurations: expandSweep(sweeps.fabric).length, layer: '128x128 forward, batch 64', mesh: '16x16' } },
      rows, breakEven,
      notes: 'wall = whole sweep as a user waits for it (local: validation, pool start, runs, lines; queued: validation, enqueue, runs on already started worker processes, collection, lines, queue cleared); lanes = local threads or worker processes (1 thread each); overhead ms/job = (queued wall - local wall) x lanes / runs; the coordinator runs in this process, on the same cores as the workers; variants in turns, medians',
    };
    const out = resultsFile('queue', quick && 'quick');
    writeJsonAtomic(out, result);
    console.log(`wrote ${out}`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
