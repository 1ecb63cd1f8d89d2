// The main thread's handle on N simulated CS-2: the shared memory and control block of one run, one
// long-lived Piscina task per system, queueing commands in the control block's ring and waiting until every
// system has done a given one (Atomics, src/protocol/cs2.ts), and noticing a system that failed (threw) or
// died (its thread exited). What main does once every system is done with a command (its events, a test's
// poison) is handed to publish and runs in command order as main observes the completions.
import type { Piscina } from 'piscina';
import { CMD, CMD_NAMES, CTL, ERROR_BYTES, F64, F64_STRIDE, REC, RING, STATUS, WSLOT, controlLayout, rec, timeIndex, wslot, type ControlLayout, type WorkerInit, type WorkerResult } from '../protocol/cs2.js';

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
  /** REDUCE: the seq of the BACKWARD every system must have done first; BACKWARD: of the last REDUCE reading its buffer. */
  after?: number;
  /** REDUCE with an update (MemoryX's handOff): the record slot written. */
  ptr?: number;
  /** REDUCE with an update (MemoryX's handOff): the distance to the slot read, the optimizer step (0: no update). */
  from?: number;
  t?: number;
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
  /** Commands published (for reports); the last one's seq. */
  commands = 0;
  /** Commands whose onDone ran (every system had done them). */
  private settled = 0;
  /** Per ring record: what the command is (for messages) and what main runs once every system did it. */
  private readonly what: string[] = new Array(RING).fill('command');
  private readonly onDone: Array<((seq: number) => void) | null> = new Array(RING).fill(null);
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
  /**
   * Publishes a command to every system and returns when all have done it. Throws a SystemFault naming the
   * first system (in system order) that failed a command or died.
   */
  async command(cmd: number, f: CommandFields = {}): Promise<void> {
    await this.waitFor(await this.publish(cmd, f));
  }

  /**
   * Queues a command for every system and returns its seq without waiting for it (first waiting, if the
   * ring is full, for the command RING places back). `onDone` runs on the main thread once every system has
   * done it (in command order, inside a later waitFor or publish).
   */
  async publish(cmd: number, f: CommandFields = {}, onDone?: (seq: number) => void): Promise<number> {
    const seq = this.commands + 1;
    if (seq > RING) await this.waitLive(seq - RING);
    const c = this.ctl;
    const put = (k: number, v: number) => Atomics.store(c, rec(this.cl, seq, k), v);
    put(REC.CMD, cmd);
    put(REC.LAYER, f.layer ?? -1);
    put(REC.SLOT, f.slot ?? 0);
    put(REC.STEP, f.step ?? -1);
    put(REC.ATTEMPT, f.attempt ?? 0);
    put(REC.ARG, f.arg ?? 0);
    put(REC.BATCH, f.batch ?? 0);
    put(REC.ARG2, f.after ?? 0);
    put(REC.PTR, f.ptr ?? 0);
    put(REC.FROM, f.from ?? 0);
    put(REC.T, f.t ?? 0);
    this.what[seq % RING] = `${CMD_NAMES[cmd] ?? 'command'}${f.layer !== undefined && f.layer >= 0 ? ` of layer ${f.layer}` : ''}`;
    this.onDone[seq % RING] = onDone ?? null;
    this.commands = seq;
    Atomics.store(c, CTL.SEQ, seq);
    Atomics.notify(c, CTL.SEQ);
    return seq;
  }

  /**
   * Waits until every system has done command seq, runs the onDone of every command done so far, and
   * throws a SystemFault naming the first system (in system order) that failed a command or died.
   */
  async waitFor(seq: number): Promise<void> {
    const c = this.ctl;
    // Why wait: the main thread needs command seq done by every system (a slot to reuse, a gradient to
    // reduce) and has nothing else to do.
    await this.waitUntil(() => this.minDone() >= seq, () => {
      if (this.dead.size === 0) return;
      const [w, why] = [...this.dead.entries()].sort((a, b) => a[0] - b[0])[0];
      throw new SystemFault(w, true, `system ${w} died during ${this.what[Math.min(seq, Atomics.load(c, wslot(w, WSLOT.LAST_SEQ)) + 1) % RING]}: ${why}`);
    });
    this.settle();
    for (let w = 0; w < this.n; w++) {
      if (Atomics.load(c, wslot(w, WSLOT.STATUS)) === STATUS.FAILED) {
        const cmd = Atomics.load(c, wslot(w, WSLOT.FAIL_CMD));
        const layer = Atomics.load(c, wslot(w, WSLOT.FAIL_LAYER));
        throw new SystemFault(w, false, `system ${w} failed ${CMD_NAMES[cmd] ?? 'command'}${layer >= 0 ? ` of layer ${layer}` : ''}: ${this.errorText(w)}`);
      }
    }
  }

  /**
   * Abandons a failed attempt: every live system runs (or skips) what is queued; a REDUCE waiting for a
   * failed or dead system gives up. The queued commands' onDone are dropped. Never throws.
   */
  async abandon(): Promise<void> {
    const c = this.ctl;
    Atomics.store(c, CTL.ABORT, 1);
    Atomics.notify(c, CTL.DONE);
    await this.waitLive(this.commands);
    Atomics.store(c, CTL.ABORT, 0);
    // the live systems are idle: the failures of this attempt are reported, the retry starts clean
    for (let w = 0; w < this.n; w++) {
      if (!this.dead.has(w) && Atomics.load(c, wslot(w, WSLOT.STATUS)) === STATUS.FAILED) Atomics.store(c, wslot(w, WSLOT.STATUS), STATUS.READY);
    }
    this.onDone.fill(null);
    this.settled = this.commands;
  }

  /**
   * Waits until every live system has done command seq (a dead one is skipped: the next waitFor reports
   * it); never throws. Used for ring space and to drain an abandoned attempt.
   */
  private async waitLive(seq: number): Promise<void> {
    const c = this.ctl;
    // Why wait: the live systems must get through command seq first.
    await this.waitUntil(() => {
      for (let w = 0; w < this.n; w++) if (!this.dead.has(w) && Atomics.load(c, wslot(w, WSLOT.LAST_SEQ)) < seq) return false;
      return true;
    });
  }

  /**
   * Waits on DONE (each completion adds to it and notifies) until `ready()`. The wait is bounded: between
   * slices the event loop can deliver the rejection of a task whose thread died (it would never count itself
   * done), and `afterSlice` may then throw.
   */
  private async waitUntil(ready: () => boolean, afterSlice?: () => void): Promise<void> {
    const c = this.ctl;
    for (;;) {
      const done = Atomics.load(c, CTL.DONE);
      if (ready()) return;
      if (Atomics.wait(c, CTL.DONE, done, WAIT_SLICE_MS) === 'timed-out') {
        await new Promise((r) => setImmediate(r));
        afterSlice?.();
      }
    }
  }

  /** Epoch-ms start and end of system w's command seq (valid until the command RING places later is published). */
  commandTimes(w: number, seq: number): [number, number] {
    const i = timeIndex(w, seq);
    return [this.f64[i], this.f64[i + 1]];
  }

  /** The last command every system has done. */
  private minDone(): number {
    let m = Infinity;
    for (let w = 0; w < this.n; w++) m = Math.min(m, Atomics.load(this.ctl, wslot(w, WSLOT.LAST_SEQ)));
    return m;
  }

  /** Runs, in command order, the onDone of every command that every system has done. */
  private settle(): void {
    const upTo = Math.min(this.minDone(), this.commands);
    while (this.settled < upTo) {
      const seq = ++this.settled;
      const f = this.onDone[seq % RING];
      this.onDone[seq % RING] = null;
      f?.(seq);
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
