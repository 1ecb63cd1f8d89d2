// The main thread's handle on N simulated CS-2: the shared memory and control block of one run, one
// long-lived Piscina task per system, publishing a command and waiting for every system (Atomics on the
// control block, protocol.ts), and noticing a system that failed (threw) or died (its thread exited).
import type { Piscina } from 'piscina';
import { CMD, CMD_NAMES, CTL, ERROR_BYTES, F64, F64_STRIDE, STATUS, WSLOT, controlLayout, wslot, type ControlLayout, type WorkerInit, type WorkerResult } from '../protocol/cs2.js';

/** A system failed a command (it threw) or died (its thread is gone): the step can be retried. */
export class SystemFault extends Error {
  readonly system: number;
  readonly died: boolean;
  constructor(system: number, died: boolean, message: string) {
    super(message);
    this.name = 'SystemFault';
    this.system = system;
    this.died = died;
  }
}

export interface CommandFields {
  layer?: number;
  slot?: number;
  step?: number;
  attempt?: number;
  arg?: number;
  batch?: number;
}

/** Atomics.waitAsync (Node ≥ 16; typed here because the project's lib is ES2022). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** Milliseconds one Atomics.wait of the main thread may block before the event loop gets a turn. */
const WAIT_SLICE_MS = 50;

export class Systems {
  readonly n: number;
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
  readonly control: SharedArrayBuffer;
  readonly cl: ControlLayout;
  private readonly pool: Piscina;
  private readonly inits: WorkerInit[];
  private readonly tasks: Array<Promise<WorkerResult> | null>;
  private readonly dead = new Map<number, string>();
  /** Commands published (for reports). */
  commands = 0;
  private pending: { cmd: number; layer: number | undefined } | null = null;
  private exiting = false;

  constructor(pool: Piscina, inits: WorkerInit[], control: SharedArrayBuffer) {
    this.pool = pool;
    this.inits = inits;
    this.n = inits.length;
    this.control = control;
    this.cl = controlLayout(this.n);
    this.ctl = new Int32Array(control, 0, this.cl.ints);
    this.f64 = new Float64Array(control, this.cl.f64Offset, this.n * F64_STRIDE);
    this.tasks = inits.map(() => null);
  }

  /** Starts the task of every system (or only `which`) and waits until each is READY or FAILED. */
  async start(which: number[] = this.inits.map((_, i) => i)): Promise<void> {
    Atomics.store(this.ctl, CTL.READY, 0);
    for (const w of which) {
      Atomics.store(this.ctl, wslot(w, WSLOT.STATUS), STATUS.STARTING);
      Atomics.store(this.ctl, wslot(w, WSLOT.ERROR_LEN), 0);
      this.dead.delete(w);
      const t = this.pool.run(this.inits[w]) as Promise<WorkerResult>;
      this.tasks[w] = t;
      t.then(
        () => {
          // A task only returns on CMD.EXIT; any other return means the system is gone.
          if (!this.exiting) this.dead.set(w, 'its task returned without being asked to exit');
        },
        (e: unknown) => {
          this.dead.set(w, e instanceof Error ? e.message : String(e));
        },
      );
    }
    // The tasks start through Piscina's messages, so this wait is asynchronous (the event loop must run).
    for (;;) {
      if (Atomics.load(this.ctl, CTL.READY) >= which.length) break;
      const deadOne = which.find((w) => this.dead.has(w));
      if (deadOne !== undefined) throw new SystemFault(deadOne, true, `system ${deadOne} died while starting: ${this.dead.get(deadOne)}`);
      // Why wait: nothing to do until a system counts itself READY (bounded: a dead start must be noticed).
      const r = waitAsync(this.ctl, CTL.READY, Atomics.load(this.ctl, CTL.READY), WAIT_SLICE_MS);
      if (r.async) await r.value;
    }
    for (const w of which) {
      if (Atomics.load(this.ctl, wslot(w, WSLOT.STATUS)) === STATUS.FAILED) throw new Error(`system ${w} could not start: ${this.errorText(w)}`);
    }
  }

  /** Pointers a system reported at READY. */
  inputPtr(w: number): number {
    return Atomics.load(this.ctl, wslot(w, WSLOT.INPUT_PTR));
  }
  labelsPtr(w: number): number {
    return Atomics.load(this.ctl, wslot(w, WSLOT.LABELS_PTR));
  }
  sramBytes(w: number): number {
    return Atomics.load(this.ctl, wslot(w, WSLOT.SRAM_USED));
  }
  setSamples(w: number, b: number): void {
    Atomics.store(this.ctl, wslot(w, WSLOT.SAMPLES), b);
  }
  lossShare(w: number): number {
    return this.f64[w * F64_STRIDE + F64.LOSS_SHARE];
  }
  correct(w: number): number {
    return this.f64[w * F64_STRIDE + F64.CORRECT];
  }
  /** Epoch-ms start and end of system w's last command (for per-system events). */
  commandTimes(w: number): [number, number] {
    return [this.f64[w * F64_STRIDE + F64.T_START], this.f64[w * F64_STRIDE + F64.T_END]];
  }

  /**
   * Publishes a command to every system and returns when all have done it. Throws a SystemFault naming the
   * first system (in system order) that failed it or died.
   */
  async command(cmd: number, f: CommandFields = {}): Promise<void> {
    this.publish(cmd, f);
    await this.wait();
  }

  /** Publishes a command without waiting (the main thread may do MemoryX/SwarmX work meanwhile); then wait(). */
  publish(cmd: number, f: CommandFields = {}): void {
    const c = this.ctl;
    Atomics.store(c, CTL.CMD, cmd);
    Atomics.store(c, CTL.LAYER, f.layer ?? -1);
    Atomics.store(c, CTL.SLOT, f.slot ?? 0);
    if (f.step !== undefined) Atomics.store(c, CTL.STEP, f.step);
    if (f.attempt !== undefined) Atomics.store(c, CTL.ATTEMPT, f.attempt);
    Atomics.store(c, CTL.ARG, f.arg ?? 0);
    if (f.batch !== undefined) Atomics.store(c, CTL.BATCH, f.batch);
    Atomics.store(c, CTL.DONE, 0);
    Atomics.add(c, CTL.SEQ, 1);
    Atomics.notify(c, CTL.SEQ);
    this.commands++;
    this.pending = { cmd, layer: f.layer };
  }

  /** Waits until every system has done the published command; throws a SystemFault as command() does. */
  async wait(): Promise<void> {
    const c = this.ctl;
    const { cmd, layer } = this.pending ?? { cmd: 0, layer: undefined };
    const what = `${CMD_NAMES[cmd] ?? 'command'}${layer !== undefined && layer >= 0 ? ` of layer ${layer}` : ''}`;
    for (;;) {
      const done = Atomics.load(c, CTL.DONE);
      if (done >= this.n) break;
      // Why wait: the main thread has nothing to do until every system finished this command (the last
      // one notifies DONE). The wait is bounded so that, between slices, the event loop can deliver the
      // rejection of a task whose thread died (it would never count itself DONE).
      if (Atomics.wait(c, CTL.DONE, done, WAIT_SLICE_MS) === 'timed-out') {
        await new Promise((r) => setImmediate(r));
        if (this.dead.size > 0) {
          const [w, why] = [...this.dead.entries()].sort((a, b) => a[0] - b[0])[0];
          throw new SystemFault(w, true, `system ${w} died during ${what}: ${why}`);
        }
      }
    }
    this.pending = null;
    for (let w = 0; w < this.n; w++) {
      if (Atomics.load(c, wslot(w, WSLOT.STATUS)) === STATUS.FAILED) {
        throw new SystemFault(w, false, `system ${w} failed ${what}: ${this.errorText(w)}`);
      }
    }
  }

  /** Systems whose thread died (to restart with start([...])). */
  deadSystems(): number[] {
    return [...this.dead.keys()].sort((a, b) => a - b);
  }

  /** Ends every live task (CMD.EXIT) and waits for them. */
  async stop(): Promise<void> {
    const live = this.tasks.map((t, w) => (t && !this.dead.has(w) ? t : null));
    this.exiting = true;
    if (live.some((t) => t)) {
      try {
        await this.command(CMD.EXIT);
      } catch {
        /* a system already gone: nothing to stop */
      }
    }
    await Promise.allSettled(live.filter((t): t is Promise<WorkerResult> => t !== null));
  }

  errorText(w: number): string {
    const len = Atomics.load(this.ctl, wslot(w, WSLOT.ERROR_LEN));
    const bytes = new Uint8Array(this.control, this.cl.errorOffset + w * ERROR_BYTES, Math.min(len, ERROR_BYTES)).slice();
    return new TextDecoder().decode(bytes) || '(no message)';
  }
}
