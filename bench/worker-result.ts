// A bench's one-shot worker thread: started with its data, it posts one result and is terminated
// (bench/independent.ts's trainers, bench/lockstep.ts's workers).
import { Worker } from 'node:worker_threads';

/** Starts the worker script at `url` with `workerData`; resolves with its first message (then ends it), rejects on its error. */
export function workerResult<T>(url: URL, workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = new Worker(url, { workerData });
    t.once('message', (m: T) => {
      resolve(m);
      void t.terminate();
    });
    t.once('error', reject);
  });
}
