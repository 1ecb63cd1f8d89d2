// One simulated CS-2, run as ONE long-lived Piscina task per training run: it imports the cluster's shared
// WebAssembly.Memory, keeps the activations of its share of the batch in its own region (bounded by the
// wafer-SRAM budget), and runs the commands the main thread publishes in the control block (src/protocol/cs2.ts):
// forward of a layer as its weights arrive in a broadcast slot, the loss, backward of a layer with its
// weights streamed AGAIN (it never keeps weights from one layer to the next: it only ever reads the slot
// named by the current command), writing its gradient block into its gradient region for SwarmX. It runs
// the queued commands in order, each as soon as main publishes it (no barrier with the other systems).
// Loaded as compiled JS (dist/src/cs2/worker.js) by src/cluster/engine.ts.
import { compileModel } from '../model/compile.js';
import { createExecutor, type Executor } from '../nn/executor.js';
import { Wasm } from '../wasm/module.js';
import { addSlice, reduceSlice } from '../swarmx/swarm.js';
import { updateRecord, type Updater } from '../memoryx/store.js';
import { createUpdater } from '../memoryx/update.js';
import { slotPtr } from '../protocol/memory-map.js';
import { CMD, CTL, ERROR_BYTES, F64, F64_STRIDE, REC, STATUS, WSLOT, controlLayout, rec, timeIndex, wslot, type ControlLayout, type WorkerInit, type WorkerResult } from '../protocol/cs2.js';

export default function cs2Worker(init: WorkerInit): WorkerResult {
  const k = controlOf(init);
  const me = init.system;
  const engine = startEngine(init, k);
  // The main thread publishes no command before every system has counted itself in READY (or failed).
  let seen = Atomics.load(k.ctl, CTL.SEQ);
  // a restarted system starts at the current seq: it has "done" every command published before it
  Atomics.store(k.ctl, wslot(me, WSLOT.LAST_SEQ), seen);
  Atomics.add(k.ctl, CTL.READY, 1);
  Atomics.notify(k.ctl, CTL.READY);
  // A system that could not start (no engine) stays in the loop, answering every command as failed, until
  // EXIT, so the main thread never waits for an answer that cannot come.
  const commands = engine && new Commands(init, k, engine);
  let count = 0;
  for (;;) {
    // Why wait: a system has nothing to do until the main thread publishes its next command (SEQ moves).
    if (Atomics.load(k.ctl, CTL.SEQ) <= seen) {
      Atomics.wait(k.ctl, CTL.SEQ, seen);
      continue;
    }
    const seq = ++seen;
    const c = readRecord(k.ctl, k.cl, seq);
    count++;
    k.f64[timeIndex(me, seq)] = performance.timeOrigin + performance.now();
    // a system that failed a command skips the rest of the attempt (main abandons it) until the next STEP
    const skip = c.cmd !== CMD.STEP && c.cmd !== CMD.EXIT && c.cmd !== CMD.PING && Atomics.load(k.ctl, wslot(me, WSLOT.STATUS)) === STATUS.FAILED;
    try {
      if (!commands && c.cmd !== CMD.EXIT) throw new Error(`cs2 worker ${me} could not start: ${k.errorText()}`);
      if (!skip) commands?.run(c);
    } catch (e) {
      Atomics.store(k.ctl, wslot(me, WSLOT.FAIL_CMD), c.cmd);
      Atomics.store(k.ctl, wslot(me, WSLOT.FAIL_LAYER), c.layer);
      k.fail(e);
    }
    k.f64[timeIndex(me, seq) + 1] = performance.timeOrigin + performance.now();
    Atomics.store(k.ctl, wslot(me, WSLOT.LAST_SEQ), seq);
    Atomics.add(k.ctl, CTL.DONE, 1);
    Atomics.notify(k.ctl, CTL.DONE);
    if (c.cmd === CMD.EXIT) return { system: me, commands: count, sramBytes: engine ? engine.ex.layout.bytes : 0 };
  }
}

/** A system's views of the control block it shares with main, and how it reports a failure there. */
interface Control {
  ctl: Int32Array;
  cl: ControlLayout;
  /** Per-system doubles: loss shares, correct counts, command times. */
  f64: Float64Array;
  /** Writes the error's text and marks this system FAILED. */
  fail(e: unknown): void;
  /** The error text this system wrote last. */
  errorText(): string;
}

function controlOf(init: WorkerInit): Control {
  const cl = controlLayout(init.systems);
  const ctl = new Int32Array(init.control, 0, cl.ints);
  const errText = new Uint8Array(init.control, cl.errorOffset + init.system * ERROR_BYTES, ERROR_BYTES);
  const me = init.system;
  return {
    ctl, cl, f64: new Float64Array(init.control, cl.f64Offset, init.systems * F64_STRIDE),
    fail(e: unknown) {
      const msg = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
      const bytes = new TextEncoder().encode(msg).subarray(0, ERROR_BYTES);
      errText.set(bytes);
      Atomics.store(ctl, wslot(me, WSLOT.ERROR_LEN), bytes.length);
      Atomics.store(ctl, wslot(me, WSLOT.STATUS), STATUS.FAILED);
    },
    errorText: () => new TextDecoder().decode(errText.slice(0, Atomics.load(ctl, wslot(me, WSLOT.ERROR_LEN)))),
  };
}

/** What a started system computes with: its executor over the cluster's memory and MemoryX's optimizer kernels. */
interface Engine {
  wasm: Wasm;
  ex: Executor;
  /** For a REDUCE that carries MemoryX's update. */
  updater: Updater;
}

/** The system's engine, its input and label pointers and SRAM use published and READY set; null (and FAILED) when it cannot start. */
function startEngine(init: WorkerInit, k: Control): Engine | null {
  try {
    const wasm = new Wasm({ memory: init.memory, flavor: init.flavor, arenaStart: init.region.arenaStart, arenaEnd: init.region.arenaEnd, scratchBytes: init.scratchBytes });
    const ex = createExecutor(wasm, compileModel(init.model), init.maxSamples, { budgetBytes: init.waferSramBytes });
    const updater = createUpdater(wasm);
    const me = init.system;
    Atomics.store(k.ctl, wslot(me, WSLOT.INPUT_PTR), ex.inputPtr);
    Atomics.store(k.ctl, wslot(me, WSLOT.LABELS_PTR), ex.labelsPtr);
    Atomics.store(k.ctl, wslot(me, WSLOT.SRAM_USED), ex.layout.bytes);
    Atomics.store(k.ctl, wslot(me, WSLOT.STATUS), STATUS.READY);
    return { wasm, ex, updater };
  } catch (e) {
    k.fail(e);
    return null;
  }
}

/** The commands of a started system, and the state a STEP sets for the commands after it. */
class Commands {
  /** Samples this system holds in the step (or evaluation batch), the global batch, the step and attempt. */
  private samples = 0;
  private batch = 0;
  private at = { step: -1, attempt: 0 };

  constructor(private readonly init: WorkerInit, private readonly k: Control, private readonly e: Engine) {}

  run(c: CommandRecord): void {
    const { init, e } = this;
    switch (c.cmd) {
      case CMD.STEP:
        return this.step(c);
      case CMD.FORWARD:
        maybeFault(init, this.at, c.layer, 'forward');
        if (this.samples > 0) e.ex.forwardLayer(c.layer, slotPtr(init, c.slot));
        return;
      case CMD.LOSS:
        return this.loss();
      case CMD.BACKWARD:
        return this.backward(c);
      case CMD.REDUCE:
        awaitSystems(this.k.ctl, init.systems, c.arg2);
        return reduceMySlice(e.wasm, init, c, e.ex.plan.layers[c.layer].paramFloats, e.updater);
      case CMD.PING:
      case CMD.EXIT:
        return;
      default:
        throw new Error(`cs2 worker ${init.system}: unknown command ${c.cmd}`);
    }
  }

  private step(c: CommandRecord): void {
    const { ctl } = this.k;
    this.samples = Atomics.load(ctl, wslot(this.init.system, WSLOT.SAMPLES));
    this.batch = c.batch;
    this.at = { step: c.step, attempt: c.attempt };
    if (this.samples > 0) this.e.ex.begin(this.samples);
    Atomics.store(ctl, wslot(this.init.system, WSLOT.STATUS), STATUS.READY);
  }

  /** This share's part of the mean loss, Σ_b CE_b / global batch (main adds the shares in system order), and its correct predictions. */
  private loss(): void {
    const { f64 } = this.k;
    const { ex } = this.e;
    const base = this.init.system * F64_STRIDE;
    if (this.samples === 0) {
      f64[base + F64.LOSS_SHARE] = 0;
      f64[base + F64.CORRECT] = 0;
      return;
    }
    f64[base + F64.LOSS_SHARE] = ex.loss(this.batch);
    const pred = ex.predictions();
    const cols = ex.columns; // one label per column: samples · T tokens for a GPT
    const y = new Int32Array(this.init.memory.buffer, ex.labelsPtr, cols);
    let correct = 0;
    for (let i = 0; i < cols; i++) if (pred[i] === y[i]) correct++;
    f64[base + F64.CORRECT] = correct;
  }

  private backward(c: CommandRecord): void {
    const { init } = this;
    const { ex } = this.e;
    maybeFault(init, this.at, c.layer, 'backward');
    // its gradient buffer may still be read by a REDUCE of the other systems (ARG2: that REDUCE; 0: none)
    if (c.arg2 > 0) awaitSystems(this.k.ctl, init.systems, c.arg2);
    const gradPtr = init.region.gradPtrs[c.arg & 1];
    // slot -1: a layer whose backward reads no weights (the embedding)
    if (this.samples > 0) ex.backwardLayer(c.layer, c.slot < 0 ? -1 : slotPtr(init, c.slot), gradPtr);
    else new Float32Array(init.memory.buffer, gradPtr, ex.plan.layers[c.layer].paramFloats).fill(0);
  }
}

/** One command, as read from its ring record (copied out: main may reuse the record once every system ran it). */
interface CommandRecord {
  cmd: number;
  layer: number;
  slot: number;
  step: number;
  attempt: number;
  arg: number;
  batch: number;
  arg2: number;
  ptr: number;
  from: number;
  t: number;
}

function readRecord(ctl: Int32Array, cl: ControlLayout, seq: number): CommandRecord {
  const f = (k: number) => Atomics.load(ctl, rec(cl, seq, k));
  return { cmd: f(REC.CMD), layer: f(REC.LAYER), slot: f(REC.SLOT), step: f(REC.STEP), attempt: f(REC.ATTEMPT), arg: f(REC.ARG), batch: f(REC.BATCH), arg2: f(REC.ARG2), ptr: f(REC.PTR), from: f(REC.FROM), t: f(REC.T) };
}

/**
 * This system's part of a REDUCE of a P-float layer: its slice of the sum over all systems' gradient blocks
 * (in the tree's order) and, when the command carries MemoryX's update (T > 0), the same slice of the
 * layer's record, from the slice of the sum it just made.
 */
function reduceMySlice(wasm: Wasm, init: WorkerInit, c: CommandRecord, P: number, updater: Updater): void {
  const [lo, hi] = reduceSlice(P, init.system, init.systems);
  const grads = init.reduce.gradPtrs.map((p) => p[c.arg & 1]);
  addSlice(wasm, init.reduce.adds, grads, lo, hi);
  if (c.t > 0) updateRecord(updater, init.optimizer, c.t, c.ptr >>> 0, grads[init.reduce.root], P, c.from, lo, hi);
}

/**
 * Waits until every system has done command `seq` (for a REDUCE: the gradients are complete; for a BACKWARD:
 * the other systems' REDUCE no longer reads its gradient buffer); throws on ABORT.
 */
function awaitSystems(ctl: Int32Array, n: number, seq: number): void {
  for (;;) {
    const done = Atomics.load(ctl, CTL.DONE);
    let all = true;
    for (let w = 0; w < n && all; w++) all = Atomics.load(ctl, wslot(w, WSLOT.LAST_SEQ)) >= seq;
    if (all) return;
    if (Atomics.load(ctl, CTL.ABORT)) throw new Error('the attempt was abandoned while waiting for the other systems');
    // Why wait: the slice of the sum this system adds needs every system's gradient block, and a backward
    // must not overwrite a block another system still adds (each system's completion adds to DONE and
    // notifies); bounded, so an ABORT is seen even if no system moves again.
    Atomics.wait(ctl, CTL.DONE, done, 50);
  }
}

/** Fault injection (tests only): fail as configured at (step, layer, pass) on the first `attempts` tries. */
function maybeFault(init: WorkerInit, at: { step: number; attempt: number }, layer: number, pass: 'forward' | 'backward'): void {
  const f = init.fault;
  if (!f || f.system !== init.system || f.layer !== layer || (f.pass ?? 'backward') !== pass) return;
  if (at.step !== f.step || at.attempt >= (f.attempts ?? 1)) return;
  if (f.kind === 'exit') process.exit(70); // the thread dies mid-command (a worker thread's exit ends only itself)
  throw new Error(`injected fault: system ${f.system} at step ${f.step}, ${pass} of layer ${layer}`);
}
