// The helper thread of the main thread (protocol: src/protocol/helper.ts): runs the slice [lo, hi) of an
// optimizer update (MemoryX's Updater, the same kernels as main's part) or of SwarmX's tree additions, on
// its own Wasm instance over the cluster's shared memory; it allocates nothing. Started by
// src/memoryx/helper.ts as a worker thread (compiled JS: dist/src/memoryx/helper-worker.js).
import { workerData } from 'node:worker_threads';
import { Wasm } from '../wasm/module.js';
import { createUpdater } from './update.js';
import type { ResolvedOptimizer } from './optimizer.js';
import { addSlice } from '../swarmx/swarm.js';
import { HCTL, HJOB, HKIND, HELPER_ERROR_BYTES, helperLayout, type HelperInit } from '../protocol/helper.js';

const init = workerData as HelperInit;
const hl = helperLayout();
const ctl = new Int32Array(init.control, 0, 4);
const job = new Float64Array(init.control, hl.f64Offset, 9);
const errText = new Uint8Array(init.control, hl.errorOffset, HELPER_ERROR_BYTES);
const w = new Wasm({ memory: init.memory, flavor: init.flavor, scratchBytes: 0 });
const updater = createUpdater(w);
const optimizer = init.optimizer as unknown as ResolvedOptimizer;
const grads = [init.reduce.gradPtrs.map((p) => p[0]), init.reduce.gradPtrs.map((p) => p[1])];

let seen = 0;
for (;;) {
  // Why wait: the helper has nothing to do until the main thread publishes a job (SEQ moves).
  if (Atomics.load(ctl, HCTL.SEQ) <= seen) {
    Atomics.wait(ctl, HCTL.SEQ, seen);
    continue;
  }
  seen = Atomics.load(ctl, HCTL.SEQ);
  const kind = job[HJOB.KIND];
  if (kind === HKIND.EXIT) break;
  try {
    run(kind);
  } catch (e) {
    const bytes = new TextEncoder().encode(e instanceof Error ? e.message : String(e)).subarray(0, HELPER_ERROR_BYTES);
    errText.set(bytes);
    Atomics.store(ctl, HCTL.ERROR_LEN, bytes.length);
    Atomics.store(ctl, HCTL.FAILED, seen);
  }
  Atomics.store(ctl, HCTL.DONE, seen);
  Atomics.notify(ctl, HCTL.DONE);
}
Atomics.store(ctl, HCTL.DONE, seen);
Atomics.notify(ctl, HCTL.DONE);

function run(kind: number): void {
  const lo = job[HJOB.LO];
  const hi = job[HJOB.HI];
  if (kind === HKIND.ADD) return addSlice(w, init.reduce.adds, grads[job[HJOB.BUF] & 1], lo, hi);
  if (kind !== HKIND.OPTIMIZE) throw new Error(`memoryx helper: unknown job ${kind}`);
  const at = (ptr: number) => (ptr === 0 ? 0 : ptr + 4 * lo);
  updater.update(optimizer, job[HJOB.T], at(job[HJOB.W]), at(job[HJOB.G]), at(job[HJOB.S1]), at(job[HJOB.S2]), hi - lo);
}
