// What meeting every cycle costs on this machine, at a given grain: the ceiling of threads that must all finish
// cycle t before any starts t + 1 (the fabric's bands meet so, bench/fabric-threads.ts). N workers each doing w µs
// of arithmetic a cycle (on 64 KB of their own, in cache) and waiting for the others at every cycle's end, against
// one worker doing N x w µs a cycle alone (`lockstep`), and against the same N workers never meeting
// (`independent`). Independent threads lose only their own CPU's hiccups; lock-step threads lose every hiccup of
// any of them, so on a host whose vCPUs stall now and then the first ratio falls far below the second.
import { workerResult } from './worker-result.js';

/** k units of the probe's arithmetic on `a` (16,384 ints): a dependent sum over a strided walk. */
export function work(a: Int32Array, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) {
    const j = (i * 7) & 16383;
    s += a[j];
    a[j] = s & 1023;
  }
  return s;
}

/** ns a unit of work() takes on this thread, after a warm-up. */
function nsPerUnit(): number {
  const a = new Int32Array(16384).fill(1);
  for (let i = 0; i < 200; i++) work(a, 10_000);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) work(a, 10_000);
  return ((performance.now() - t0) * 1e6) / (200 * 10_000);
}

/** The slowest worker's ms: `workers` workers of k units a cycle for `cycles` cycles, all started at once (they wait for each other to be ready). */
async function runWorkers(workers: number, k: number, cycles: number, mode: 'alone' | 'lock' | 'free'): Promise<number> {
  const sab = new SharedArrayBuffer(4 * (32 * workers + 1));
  const url = new URL('./lockstep-worker.js', import.meta.url);
  const ms = await Promise.all(Array.from({ length: workers }, (_, id) => workerResult<number>(url, { sab, id, workers, k, cycles, mode })));
  return Math.max(...ms);
}

/**
 * One round at `usPerThreadCycle` µs of work a thread a cycle, on `threads` threads, for `cycles` cycles: speed-ups
 * over one thread doing all the work, of threads meeting every cycle and of threads that never meet.
 */
export async function lockstepRound(usPerThreadCycle: number, threads: number, cycles: number): Promise<{ lockstep: number; independent: number }> {
  const k = Math.max(1, Math.round((usPerThreadCycle * 1000) / nsPerUnit()));
  const alone = await runWorkers(1, k * threads, cycles, 'alone');
  const lock = await runWorkers(threads, k, cycles, 'lock');
  const free = await runWorkers(threads, k, cycles, 'free');
  return { lockstep: alone / lock, independent: alone / free };
}
