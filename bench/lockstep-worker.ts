// One thread of bench/lockstep.ts: `k` units of arithmetic a cycle on a 64 KB array of its own (in cache), for
// `cycles` cycles; in mode 'lock' it then publishes its cycle and waits (spinning) until every other worker has
// published it too, as band threads meet every cycle. Posts its ms from the moment all workers are ready.
// workerData: { sab, id, workers, k, cycles, mode: 'alone' | 'lock' | 'free' }.
import { parentPort, workerData } from 'node:worker_threads';
import { work } from './lockstep.js';

const { sab, id, workers, k, cycles, mode } = workerData as { sab: SharedArrayBuffer; id: number; workers: number; k: number; cycles: number; mode: string };
const s = new Int32Array(sab);
const a = new Int32Array(16384).fill(1);
for (let i = 0; i < 200; i++) work(a, k); // V8 tiers the loop up before the timed cycles
const READY = 32 * workers; // each worker's cycle word on a cache line of its own (32 words apart), then the start count
Atomics.add(s, READY, 1);
while (Atomics.load(s, READY) < workers) { /* every worker ready */ }
const t0 = performance.now();
for (let c = 1; c <= cycles; c++) {
  work(a, k);
  if (mode !== 'lock') continue;
  Atomics.store(s, 32 * id, c);
  for (let o = 0; o < workers; o++) while (Atomics.load(s, 32 * o) < c) { /* the others' cycle c */ }
}
parentPort!.postMessage(performance.now() - t0);
