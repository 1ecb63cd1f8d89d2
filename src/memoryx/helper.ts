// The main thread's helper thread, main side (protocol: src/protocol/helper.ts; the thread:
// helper-worker.ts): it runs the upper part [mid, n) of a large elementwise job — MemoryX's optimizer update
// (splitUpdater, an Updater like update.ts's) or SwarmX's tree additions (SwarmX.reduce's `helper`) —
// while the main thread runs [0, mid), so the reduce and update of a large layer, which sit on the step's
// critical path, take about half the wall time. Elementwise jobs: the bits are those of one call.
// Legend: n = floats of the job; mid = splitPoint(n).
import { Worker } from 'node:worker_threads';
import { distModule } from '../paths.js';
import { HCTL, HJOB, HKIND, helperLayout, type HelperInit } from '../protocol/helper.js';
import type { ResolvedOptimizer } from './optimizer.js';
import type { Updater } from './store.js';

/** Jobs of fewer floats run on the main thread alone (a round trip to the helper costs more than half of them). */
export const HELPER_MIN_FLOATS = 1 << 15;

/** Milliseconds main waits for the helper before it says so (a slice takes well under a second). */
const HELPER_TIMEOUT_MS = 60_000;

/** Where a job of n floats is split: the helper takes [mid, n); 16-float aligned (64 bytes). */
export function splitPoint(n: number): number {
  return Math.min(n, Math.ceil(n / 2 / 16) * 16);
}

export class MainHelper {
  private readonly ctl: Int32Array;
  private readonly job: Float64Array;
  private readonly control: SharedArrayBuffer;
  private readonly worker: Worker;
  private seq = 0;
  private error: string | null = null;

  constructor(init: Omit<HelperInit, 'control' | 'optimizer'> & { optimizer: ResolvedOptimizer }) {
    const hl = helperLayout();
    this.control = new SharedArrayBuffer(hl.bytes);
    this.ctl = new Int32Array(this.control, 0, 4);
    this.job = new Float64Array(this.control, hl.f64Offset, 9);
    this.worker = new Worker(distModule('memoryx/helper-worker'), { workerData: { ...init, control: this.control } as HelperInit });
    this.worker.on('error', (e) => (this.error = e.message));
    this.worker.unref();
  }

  /** Starts the slice [lo, hi) of an optimizer update of the layer whose whole block starts at w, g, s1, s2. */
  optimize(t: number, w: number, g: number, s1: number, s2: number, lo: number, hi: number): void {
    const j = this.job;
    j[HJOB.T] = t;
    j[HJOB.W] = w;
    j[HJOB.G] = g;
    j[HJOB.S1] = s1;
    j[HJOB.S2] = s2;
    this.publish(HKIND.OPTIMIZE, lo, hi);
  }

  /** Starts SwarmX's tree additions over floats [lo, hi) of gradient buffer `buf`. */
  add(buf: number, lo: number, hi: number): void {
    this.job[HJOB.BUF] = buf;
    this.publish(HKIND.ADD, lo, hi);
  }

  /** Waits until the helper has done its job; throws if it failed. */
  wait(): void {
    const t0 = performance.now();
    for (;;) {
      const done = Atomics.load(this.ctl, HCTL.DONE);
      if (done >= this.seq) break;
      if (performance.now() - t0 > HELPER_TIMEOUT_MS) throw new Error(`the main thread's helper thread did not answer in ${HELPER_TIMEOUT_MS} ms${this.error ? `: ${this.error}` : ''}`);
      // Why wait: main's own slice is done and the rest of the job is the helper's (it notifies DONE).
      Atomics.wait(this.ctl, HCTL.DONE, done, 100);
    }
    if (Atomics.load(this.ctl, HCTL.FAILED) === this.seq) {
      const len = Atomics.load(this.ctl, HCTL.ERROR_LEN);
      const text = new TextDecoder().decode(new Uint8Array(this.control, helperLayout().errorOffset, len).slice());
      throw new Error(`the main thread's helper thread failed: ${text}`);
    }
  }

  /** Ends the thread. */
  async close(): Promise<void> {
    this.publish(HKIND.EXIT, 0, 0);
    await this.worker.terminate();
  }

  private publish(kind: number, lo: number, hi: number): void {
    this.job[HJOB.KIND] = kind;
    this.job[HJOB.LO] = lo;
    this.job[HJOB.HI] = hi;
    Atomics.store(this.ctl, HCTL.SEQ, ++this.seq);
    Atomics.notify(this.ctl, HCTL.SEQ);
  }
}

/** An Updater that runs [mid, n) of every update of at least HELPER_MIN_FLOATS on the helper, [0, mid) on `local`. */
export function splitUpdater(local: Updater, helper: MainHelper): Updater {
  return {
    update(o: ResolvedOptimizer, t: number, w: number, g: number, s1: number, s2: number, n: number): void {
      if (n < HELPER_MIN_FLOATS) return local.update(o, t, w, g, s1, s2, n);
      const mid = splitPoint(n);
      helper.optimize(t, w, g, s1, s2, mid, n);
      local.update(o, t, w, g, s1, s2, mid);
      helper.wait();
    },
  };
}
