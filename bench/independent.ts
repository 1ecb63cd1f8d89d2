// The machine's ceiling for N simulated systems: N reference trainers, each on a thread of its own
// (independent-worker.ts: its own Wasm instance, no streaming, no reduce, no barrier), all at once. What they
// reach together over one of them alone bounds what any N-system engine can reach on the machine's cores in
// the same minutes (bench/training.ts for 2 systems, bench/training-scaling.ts for 1..C).
import { workerResult } from './worker-result.js';

/** Steady-state ms per step of one independent reference trainer of `batch` samples on its own thread. */
function independentThread(batch: number, steps: number, warm: number): Promise<number> {
  return workerResult(new URL('./independent-worker.js', import.meta.url), { batch, steps, warm });
}

/** Samples/s of `n` independent trainers of `batch` samples each, at once: n x batch over the slowest thread's step. */
export async function independentRate(n: number, batch: number, steps: number, warm: number): Promise<number> {
  const ms = await Promise.all(Array.from({ length: n }, () => independentThread(batch, steps, warm)));
  return (1000 * n * batch) / Math.max(...ms);
}
