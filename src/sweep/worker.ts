// The sweep pool's worker (a Piscina worker thread, loaded from dist/ via distModule('sweep/worker')):
// runs a batch of configurations of one kind one after the other and returns one outcome per run.
// A run that throws becomes an outcome with its error; the rest of the batch goes on. Once the sweep's
// stop word is set, no further run of the batch starts.
import { adapterFor } from './kinds/index.js';
import type { RunError, WorkerReply, WorkerTask } from './types.js';

export function toRunError(e: unknown): RunError {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** A result as JSON text (typed arrays become lists; undefined becomes null). */
export function resultJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) && !(x instanceof DataView) ? Array.from(x as unknown as ArrayLike<number>) : x)) ?? 'null';
}

export default async function runBatch(task: WorkerTask): Promise<WorkerReply> {
  const reply: WorkerReply = [];
  let adapter;
  try {
    // Loaded before the clock starts: module loading is not part of any run's time.
    adapter = await adapterFor(task.kind, task.module);
  } catch (e) {
    const err = toRunError(e);
    const startedAt = new Date().toISOString();
    return task.runs.map((r) => ({ hash: r.hash, error: err, timings: { startedAt, wallSeconds: 0 } }));
  }
  const seconds = (t0: number) => Math.round((performance.now() - t0) * 1000) / 1e6; // to the microsecond
  for (const r of task.runs) {
    if (task.stop && Atomics.load(task.stop, 0) !== 0) break; // the sweep stopped: the rest runs on resume
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    try {
      const result = await adapter.run(r.config);
      const wallSeconds = seconds(t0);
      reply.push({ hash: r.hash, resultJson: resultJson(result), timings: { startedAt, wallSeconds } });
    } catch (e) {
      reply.push({ hash: r.hash, error: toRunError(e), timings: { startedAt, wallSeconds: seconds(t0) } });
    }
  }
  return reply;
}
