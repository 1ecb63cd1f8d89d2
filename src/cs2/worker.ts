// One simulated CS-2, run as ONE long-lived Piscina task per training run: it imports the cluster's shared
// WebAssembly.Memory, keeps the activations of its share of the batch in its own region (bounded by the
// wafer-SRAM budget), and runs the commands the main thread publishes in the control block (src/protocol/cs2.ts):
// forward of a layer as its weights arrive in a broadcast slot, the loss, backward of a layer with its
// weights streamed AGAIN (it never keeps weights from one layer to the next: it only ever reads the slot
// named by the current command), writing its gradient block into its gradient region for SwarmX.
// Loaded as compiled JS (dist/src/cs2/worker.js) by src/cluster/engine.ts.
import { compileModel } from '../model/compile.js';
import { createExecutor, type Executor } from '../nn/executor.js';
import { Wasm } from '../wasm/module.js';
import { addSlice, reduceSlice } from '../swarmx/swarm.js';
import { CMD, CTL, ERROR_BYTES, F64, F64_STRIDE, STATUS, WSLOT, controlLayout, wslot, type WorkerInit, type WorkerResult } from '../protocol/cs2.js';
import { slotPtr } from '../protocol/memory-map.js';

export default function cs2Worker(init: WorkerInit): WorkerResult {
  const cl = controlLayout(init.systems);
  const ctl = new Int32Array(init.control, 0, cl.ints);
  const f64 = new Float64Array(init.control, cl.f64Offset, init.systems * F64_STRIDE);
  const errText = new Uint8Array(init.control, cl.errorOffset + init.system * ERROR_BYTES, ERROR_BYTES);
  const me = init.system;
  const enc = new TextEncoder();

  const fail = (e: unknown) => {
    const msg = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
    const bytes = enc.encode(msg).subarray(0, ERROR_BYTES);
    errText.set(bytes);
    Atomics.store(ctl, wslot(me, WSLOT.ERROR_LEN), bytes.length);
    Atomics.store(ctl, wslot(me, WSLOT.STATUS), STATUS.FAILED);
  };

  let ex: Executor;
  let wasm: Wasm;
  try {
    wasm = new Wasm({ memory: init.memory, flavor: init.flavor, arenaStart: init.region.arenaStart, arenaEnd: init.region.arenaEnd, scratchBytes: init.scratchBytes });
    ex = createExecutor(wasm, compileModel(init.model), init.maxSamples, { budgetBytes: init.waferSramBytes });
    Atomics.store(ctl, wslot(me, WSLOT.INPUT_PTR), ex.inputPtr);
    Atomics.store(ctl, wslot(me, WSLOT.LABELS_PTR), ex.labelsPtr);
    Atomics.store(ctl, wslot(me, WSLOT.SRAM_USED), ex.layout.bytes);
    Atomics.store(ctl, wslot(me, WSLOT.STATUS), STATUS.READY);
  } catch (e) {
    fail(e);
  }
  // The main thread publishes no command before every system has counted itself in READY (or failed).
  let seen = Atomics.load(ctl, CTL.SEQ);
  Atomics.add(ctl, CTL.READY, 1);
  Atomics.notify(ctl, CTL.READY);
  // A system that could not start stays in the loop (answering every command as failed) until EXIT, so the
  // main thread never waits for an answer that cannot come.
  const broken = Atomics.load(ctl, wslot(me, WSLOT.STATUS)) === STATUS.FAILED;

  let commands = 0;
  let samples = 0;
  for (;;) {
    // Why wait: a system has nothing to do until the main thread publishes the next command (SEQ moves).
    Atomics.wait(ctl, CTL.SEQ, seen);
    const seq = Atomics.load(ctl, CTL.SEQ);
    if (seq === seen) continue;
    seen = seq;
    const cmd = Atomics.load(ctl, CTL.CMD);
    commands++;
    f64[me * F64_STRIDE + F64.T_START] = performance.timeOrigin + performance.now();
    try {
      if (broken && cmd !== CMD.EXIT) throw new Error(`cs2 worker ${me} could not start: ${new TextDecoder().decode(errText.slice(0, Atomics.load(ctl, wslot(me, WSLOT.ERROR_LEN))))}`);
      switch (cmd) {
        case CMD.STEP:
          samples = Atomics.load(ctl, wslot(me, WSLOT.SAMPLES));
          if (samples > 0) ex!.begin(samples);
          Atomics.store(ctl, wslot(me, WSLOT.STATUS), STATUS.READY);
          break;
        case CMD.FORWARD: {
          const layer = Atomics.load(ctl, CTL.LAYER);
          maybeFault(init, ctl, layer, 'forward');
          if (samples > 0) ex!.forwardLayer(layer, slotPtr(init, Atomics.load(ctl, CTL.SLOT)));
          break;
        }
        case CMD.LOSS: {
          const base = me * F64_STRIDE;
          if (samples === 0) {
            f64[base + F64.LOSS_SHARE] = 0;
            f64[base + F64.CORRECT] = 0;
            break;
          }
          const globalBatch = Atomics.load(ctl, CTL.BATCH);
          // This share's part of the mean loss: Σ_b CE_b / globalBatch (main adds the shares in system order).
          f64[base + F64.LOSS_SHARE] = ex!.loss(globalBatch);
          const pred = ex!.predictions();
          const labels = init.memory.buffer;
          const cols = ex!.columns; // one label per column: samples · T tokens for a GPT
          const y = new Int32Array(labels, ex!.labelsPtr, cols);
          let correct = 0;
          for (let i = 0; i < cols; i++) if (pred[i] === y[i]) correct++;
          f64[base + F64.CORRECT] = correct;
          break;
        }
        case CMD.BACKWARD: {
          const layer = Atomics.load(ctl, CTL.LAYER);
          maybeFault(init, ctl, layer, 'backward');
          const gradPtr = init.region.gradPtrs[Atomics.load(ctl, CTL.ARG) & 1];
          const s = Atomics.load(ctl, CTL.SLOT); // -1: a layer whose backward reads no weights (the embedding)
          if (samples > 0) ex!.backwardLayer(layer, s < 0 ? -1 : slotPtr(init, s), gradPtr);
          else new Float32Array(init.memory.buffer, gradPtr, ex!.plan.layers[layer].paramFloats).fill(0);
          break;
        }
        case CMD.REDUCE: {
          const b = Atomics.load(ctl, CTL.ARG) & 1;
          const [lo, hi] = reduceSlice(ex!.plan.layers[Atomics.load(ctl, CTL.LAYER)].paramFloats, me, init.systems);
          addSlice(wasm!, init.reduce.adds, init.reduce.gradPtrs.map((p) => p[b]), lo, hi);
          break;
        }
        case CMD.PING:
        case CMD.EXIT:
          break;
        default:
          throw new Error(`cs2 worker ${me}: unknown command ${cmd}`);
      }
    } catch (e) {
      fail(e);
    }
    f64[me * F64_STRIDE + F64.T_END] = performance.timeOrigin + performance.now();
    Atomics.store(ctl, wslot(me, WSLOT.LAST_SEQ), seq);
    Atomics.add(ctl, CTL.DONE, 1);
    Atomics.notify(ctl, CTL.DONE);
    if (cmd === CMD.EXIT) return { system: me, commands, sramBytes: broken ? 0 : ex!.layout.bytes };
  }
}

/** Fault injection (tests only): fail as configured at (step, layer, pass) on the first `attempts` tries. */
function maybeFault(init: WorkerInit, ctl: Int32Array, layer: number, pass: 'forward' | 'backward'): void {
  const f = init.fault;
  if (!f || f.system !== init.system || f.layer !== layer || (f.pass ?? 'backward') !== pass) return;
  if (Atomics.load(ctl, CTL.STEP) !== f.step || Atomics.load(ctl, CTL.ATTEMPT) >= (f.attempts ?? 1)) return;
  if (f.kind === 'exit') process.exit(70); // the thread dies mid-command (a worker thread's exit ends only itself)
  throw new Error(`injected fault: system ${f.system} at step ${f.step}, ${pass} of layer ${layer}`);
}
