// The weight-streaming training engine: createCluster({ systems }) → cluster.train(model, data, opts).
// Per step, for every streamed layer: MemoryX streams its weights → SwarmX broadcasts them (one shared
// slot, no copy per system) → the N CS-2 workers compute forward; then the loss; then in reverse order the
// weights stream AGAIN → each worker computes delta + gradient into its gradient region → SwarmX sums the
// regions up its fixed tree → MemoryX updates that layer at once. A step is a MemoryX transaction: a
// system that throws or dies rolls it back, the step is retried (bounded), or the run stops with a clear
// error and the last checkpoint intact.
// Legend: N = systems, L = streamed layers, B = global batch, b_w = samples of system w, P_l = floats of layer l.
import { Piscina } from 'piscina';
import { createHash } from 'node:crypto';
import { ValidationError, requireInt, requireNumber, requireOneOf } from '../errors.js';
import { compileModel } from '../model/compile.js';
import { initParams, type Params } from '../model/params.js';
import type { Plan } from '../model/plan.js';
import { activationLayout, checkActivationBudget } from '../nn/memory.js';
import { BatchOrder, fillBatch, systemShare } from '../data/batches.js';
import type { Dataset, Split } from '../data/dataset.js';
import { distModule } from '../paths.js';
import { createMemory, defaultFlavor, Wasm, type Flavor } from '../wasm/module.js';
import { MemoryX, memoryxLayers } from '../memoryx/store.js';
import { createUpdater } from '../memoryx/update.js';
import { resolveOptimizer, stateArrays, type OptimizerConfig } from '../memoryx/optimizer.js';
import { planTiers } from '../memoryx/tiers.js';
import { loadCheckpoint, saveCheckpoint, CheckpointError, checkResume } from '../memoryx/checkpoint.js';
import { checkFiniteStep } from '../memoryx/finite.js';
import { planLayout } from '../swarmx/layout.js';
import { SwarmX } from '../swarmx/swarm.js';
import { CMD, controlLayout, type FaultInjection, type WorkerInit } from './protocol.js';
import { Systems, SystemFault } from './systems.js';
import { layerFlop, nowMs, type StepEvent, type EventKind } from './events.js';
import { CostRecorder } from './costs.js';
import { PIPELINE_MODES, schedule, type LayerCost, type PipelineMode, type Resource } from '../timeline/schedule.js';
import { summarize, type TimelineSummary } from '../timeline/summary.js';
import { toTrace, writeTrace } from '../timeline/trace.js';
import { hardwareRates } from '../perf/rates.js';
import { defaultSpecs, type Specs } from '../perf/specs.js';

/** WSE-2 on-chip SRAM: 40 GB (Cerebras WSE-2 announcement; docs FACTS.md). */
export const WSE2_SRAM_BYTES = 40e9;

export interface ClusterOptions {
  /** Simulated CS-2 systems, one worker thread each (1..64). */
  systems: number;
  /** SwarmX fan-in: children summed per tree node (default 4: a SwarmX node does 1:4 broadcast-reduce). */
  fanIn?: number;
  /** Wafer SRAM for the activations of one system, bytes (default 40e9, the WSE-2's 40 GB). */
  waferSramBytes?: number;
  /** MemoryX DRAM tier budget for weights + optimizer state, bytes (default: unlimited, all in DRAM). */
  dramBytes?: number;
  /** MemoryX flash tier file (default: a temp file). */
  flashPath?: string;
  /** Times a failed step is retried from MemoryX state before the run stops (default 2). */
  retries?: number;
  /** WASM build (default: WEIGHTSTREAM_WASM or release). */
  flavor?: Flavor;
}

export interface TrainOptions {
  steps: number;
  /** Global batch B (samples per step over all systems). */
  batch: number;
  optimizer: OptimizerConfig;
  /** Seed of the initial weights and of the shuffled order (default 0). */
  seed?: number;
  shuffle?: boolean;
  /** Initial master blocks (e.g. from --init safetensors); default PyTorch's init from `seed`. */
  init?: Params;
  /** Write a checkpoint here after the last step (and every `checkpointEvery` steps). */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Resume from this checkpoint: runs steps [checkpoint.step, steps). */
  resume?: string;
  /** Evaluate test accuracy at the end (default: when the data has a test split). */
  evaluate?: boolean;
  onStep?: (step: number, loss: number) => void;
  /** Called for every event of every step (issue 6's timeline builds on it). */
  onEvent?: (e: StepEvent) => void;
  /** Tests only: make a system fail at a given step and layer. */
  faultInjection?: FaultInjection;
  /**
   * Overlap MemoryX/SwarmX work on the main thread with the systems' compute (default true): the next
   * layer's weights are streamed, and the previous layer reduced and updated, while the systems compute.
   * The numbers are the same bits either way.
   */
  prefetch?: boolean;
  /**
   * The pipeline of the SIMULATED timeline (issue 6): 'none' (one serial chain), 'coarse' (streams and
   * gradients overlap compute; updates after the backward, a barrier per step) or 'full' (default: each
   * layer's update overlaps the rest of the backward and the next forward). It also sets the simulator's
   * own overlap unless `prefetch` is given: 'none' runs without prefetch, 'coarse' and 'full' with it.
   * Never changes the numbers.
   */
  pipeline?: PipelineMode;
  /** Hardware specs the simulated durations come from (default: specs/hardware, src/perf/specs.ts). */
  specs?: Specs;
  /** CS-2 compute efficiency in (0, 1] for the simulated durations (default: the CS-2 spec's). */
  efficiency?: number;
  /** Write the simulated timeline as a Chrome Trace Event file here (atomically). */
  trace?: string;
  /** Steps drawn in the trace (default 100; later steps repeat the steady state and are left out). */
  traceMaxSteps?: number;
  /**
   * Where SwarmX's additions run in the simulator: 'systems' = every system's thread adds its slice of the
   * floats (REDUCE command, in parallel), 'main' = the main thread adds them all. The tree order per element
   * is the same, so are the bits. Default: 'systems' from 4 systems on (N − 1 additions of P floats are
   * worth splitting), 'main' below (one or two additions cost less than a command round trip and the wake-ups).
   */
  reduceOn?: 'systems' | 'main';
  /**
   * Tests only: after every forward/backward command, overwrite the broadcast slot it read with NaN, so a
   * system that kept (a pointer to) a layer's weights past its command would turn the run into NaN.
   */
  poisonBroadcast?: boolean;
}

export interface TrainResult {
  /** Mean loss of each step run (resumed runs: the steps before the checkpoint come from it). */
  loss: number[];
  finalLoss: number;
  testAccuracy: number | null;
  systems: number;
  steps: number;
  batch: number;
  /** Weight bytes MemoryX streamed during training (each layer twice a step, once for all systems). */
  bytesStreamed: number;
  /** Reduced gradient bytes delivered to MemoryX during training. */
  bytesReduced: number;
  /** Gradient bytes the systems sent into SwarmX (N × bytesReduced). */
  bytesGradientsSent: number;
  wallSeconds: number;
  samplesPerSecond: number;
  /** Final master blocks (copies). */
  params: Params;
  retries: number;
  memoryx: { tiers: string[]; dramBytesUsed: number; flashBytes: number; flashBytesRead: number; flashBytesWritten: number };
  swarmx: { fanIn: number; levels: number[]; links: Array<{ link: string; bytesDown: number; bytesUp: number }> };
  waferSramBytesPerSystem: number;
  resumedFrom: number | null;
  /** The simulated timeline's pipeline mode. */
  pipeline: PipelineMode;
  /** Steady-state simulated seconds per step on the spec'd hardware (null when no step ran). */
  simulatedStepSeconds: number | null;
  /** Per step: simulated seconds the wafers wait, what the pipeline failed to hide (null when no step ran). */
  exposedLatencySeconds: number | null;
  /** Busy fraction of the simulated time per resource (stream, compute, gradOut, reduce, update). */
  utilization: Record<Resource, number> | null;
  /** The whole timeline summary with the per-layer costs it was built from (null when no step ran). */
  timeline: (TimelineSummary & { layers: LayerCost[]; trace: TraceInfo | null }) | null;
}

/** What --trace wrote. */
export interface TraceInfo {
  file: string;
  steps: number;
  events: number;
  bytes: number;
}

export interface Cluster {
  readonly systems: number;
  train(model: unknown, data: Dataset, opts: TrainOptions): Promise<TrainResult>;
  close(): Promise<void>;
}

/** Creates a cluster of N simulated CS-2 (worker threads) with MemoryX and SwarmX on the main thread. */
export async function createCluster(opts: ClusterOptions): Promise<Cluster> {
  const o = resolveCluster(opts);
  const pool = new Piscina({
    filename: distModule('cs2/worker'),
    minThreads: o.systems,
    maxThreads: o.systems,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
    maxQueue: 'auto',
  });
  return {
    systems: o.systems,
    train: (model, data, t) => train(pool, o, model, data, t),
    close: async () => {
      await pool.destroy();
    },
  };
}

type Resolved = Required<Omit<ClusterOptions, 'flashPath' | 'dramBytes'>> & { flashPath?: string; dramBytes?: number };

function resolveCluster(c: ClusterOptions): Resolved {
  if (c === null || typeof c !== 'object') throw new ValidationError('cluster', c, 'expected an object with systems');
  return {
    systems: requireInt('systems', c.systems, 1, 64),
    fanIn: requireInt('fanIn', c.fanIn ?? 4, 2, 64),
    waferSramBytes: requireNumber('waferSramBytes', c.waferSramBytes ?? WSE2_SRAM_BYTES, 1),
    dramBytes: c.dramBytes === undefined ? undefined : requireNumber('dramBytes', c.dramBytes, 0),
    flashPath: c.flashPath,
    retries: requireInt('retries', c.retries ?? 2, 0, 100),
    flavor: c.flavor ?? defaultFlavor(),
  };
}

/** A fingerprint of a plan's streamed layers (names, sizes, sparse structure): checkpoints carry it. */
export function planFingerprint(plan: Plan): string {
  const h = createHash('sha256');
  for (const p of plan.params) {
    h.update(`${p.name}:${p.torchShape.join('x')}:${p.size}:${p.layer};`);
    if (p.sparse) h.update(new Uint8Array(p.sparse.template.buffer, p.sparse.template.byteOffset, p.sparse.template.byteLength));
  }
  return h.digest('hex').slice(0, 32);
}

async function train(pool: Piscina, o: Resolved, model: unknown, data: Dataset, t: TrainOptions): Promise<TrainResult> {
  const wall0 = performance.now();
  const plan = compileModel(model);
  const N = o.systems;
  const steps = requireInt('steps', t.steps, 0);
  const B = requireInt('batch', t.batch, N);
  const optimizer = resolveOptimizer(t.optimizer);
  const seed = requireInt('seed', t.seed ?? 0, 0, 0xffffffff);
  const pipeline = t.pipeline === undefined ? 'full' : requireOneOf('pipeline', t.pipeline, PIPELINE_MODES);
  const specs = t.specs ?? defaultSpecs();
  const efficiency = requireNumber('efficiency', t.efficiency ?? specs.cs2.v.computeEfficiency, Number.MIN_VALUE, 1);
  const traceMaxSteps = requireInt('traceMaxSteps', t.traceMaxSteps ?? 100, 1);
  if (plan.input !== data.features) throw new ValidationError('data.features', data.features, `expected the model's input width ${plan.input}`);
  if (plan.classes !== data.classes) throw new ValidationError('data.classes', data.classes, `expected the model's ${plan.classes} output classes`);
  const order = new BatchOrder(data.train.n, B, { shuffle: t.shuffle, seed });
  const fingerprint = planFingerprint(plan);

  // Capacity of one system: the largest share of a step (and of an evaluation chunk, the same size).
  const cap = systemShare(B, N, 0).count;
  checkActivationBudget(plan, cap, o.waferSramBytes, `CS-2 wafer SRAM (${N} systems, batch ${B})`);
  const act = activationLayout(plan, cap);

  // One shared memory: MemoryX | broadcast slots | N worker regions (swarmx/layout.ts).
  const L = plan.layers.length;
  const S = stateArrays(optimizer);
  const recordBytes = plan.layers.map((l) => 4 * l.paramFloats * (1 + S));
  const tiers = planTiers(recordBytes, o.dramBytes ?? Infinity, plan.layers.map((l) => l.module));
  const probe = new Wasm({ flavor: o.flavor, initialBytes: 1 << 16, scratchBytes: 0 });
  const base = probe.arena.start;
  const scratchBytes = 2 << 20;
  const layout = planLayout({
    base,
    systems: N,
    maxLayerFloats: Math.max(...plan.layers.map((l) => l.paramFloats)),
    maxWireWords: Math.max(...plan.layers.map((l) => l.wireWords)),
    memoryxBytes: tiers.dramBytesUsed + 64 * (L + 2),
    workerArenaBytes: scratchBytes + act.bytes + 64 * (act.buffers.length + 4),
  });
  const memory = createMemory(layout.totalBytes, layout.totalBytes);
  const mxWasm = new Wasm({ memory, flavor: o.flavor, arenaStart: layout.memoryx.start, arenaEnd: layout.memoryx.end, scratchBytes: 0 });
  const init = t.init ?? initParams(plan, seed);
  const mx = new MemoryX(mxWasm, memoryxLayers(plan), init, createUpdater(mxWasm), { optimizer, dramBytes: o.dramBytes, flashPath: o.flashPath });
  const swarm = new SwarmX(mxWasm, layout, o.fanIn);
  const reduceOn = t.reduceOn === undefined ? (N >= 4 ? 'systems' : 'main') : requireOneOf('reduceOn', t.reduceOn, ['systems', 'main'] as const);
  const reduceOnSys = reduceOn === 'systems' && N > 1;

  let startStep = 0;
  const loss: number[] = [];
  if (t.resume) {
    let c;
    try {
      c = loadCheckpoint(t.resume);
      if (c.model !== fingerprint) throw new CheckpointError(`checkpoint ${t.resume}: written for a different model (fingerprint ${c.model}, this model ${fingerprint})`);
      checkResume(c, steps, t.resume); // steps left to run, finite state
    } catch (e) {
      mx.close();
      throw e;
    }
    const r = c.rng as { seed?: number; shuffle?: boolean; batch?: number };
    if (r.seed !== seed || r.shuffle !== (t.shuffle ?? false) || r.batch !== B) {
      mx.close();
      throw new CheckpointError(`checkpoint ${t.resume}: its data order (seed ${r.seed}, shuffle ${r.shuffle}, batch ${r.batch}) differs from this run's (seed ${seed}, shuffle ${t.shuffle ?? false}, batch ${B})`);
    }
    try {
      mx.restore(c.memoryx);
    } catch (e) {
      mx.close();
      throw e;
    }
    startStep = c.step;
    const prev = (c.extra?.loss as number[] | undefined) ?? [];
    loss.push(...prev);
  }
  const counters0 = { streamed: mx.counters.bytesStreamed, reduced: swarm.counters.bytesReduced, sent: swarm.counters.bytesGradientsIn };

  const control = new SharedArrayBuffer(controlLayout(N).bytes);
  const spec = stripForWorkers(plan);
  const inits: WorkerInit[] = layout.workers.map((r, w) => ({
    system: w,
    systems: N,
    memory,
    control,
    model: spec,
    region: { gradPtrs: r.gradPtrs, arenaStart: r.arenaStart, arenaEnd: r.arenaEnd },
    broadcast: layout.broadcast,
    maxSamples: cap,
    waferSramBytes: o.waferSramBytes,
    scratchBytes,
    flavor: o.flavor,
    fault: t.faultInjection ?? null,
    reduce: { adds: swarm.tree.adds.map((a) => [a.into, a.from] as [number, number]), gradPtrs: layout.workers.map((r) => r.gradPtrs) },
  }));
  const sys = new Systems(pool, inits, control);
  const recorder = new CostRecorder(
    plan.layers.map((_, l) => `L${l}`),
    N,
    // MemoryX's update touches the reduced gradient (the update event's bytes), the fp32 weights and S state arrays
    2 + S,
    plan.layers.map((_, l) => {
      const f = layerFlop(plan, l, 1);
      return f.delta + f.gradient > 0 ? f.delta / (f.delta + f.gradient) : 0;
    }),
  );
  const onEvent = t.onEvent;
  const emit = (e: StepEvent) => {
    recorder.add(e);
    onEvent?.(e);
  };
  const now = () => nowMs();
  const ev = (kind: EventKind, step: number, layer: number, t0: number, bytes: number, flop: number) => {
    emit({ step, layer, kind, system: -1, startMs: t0, endMs: nowMs(), bytes, flop });
  };
  /** One event per system for the command just done (its own start and end), its share of the FLOP. */
  const evSystems = (kind: EventKind, step: number, layer: number, flopPerSample: number) => {
    for (let w = 0; w < N; w++) {
      const [s0, s1] = sys.commandTimes(w);
      emit({ step, layer, kind, system: w, startMs: s0, endMs: s1, bytes: 0, flop: flopPerSample * systemShare(B, N, w).count });
    }
  };
  let retriesUsed = 0;
  let checkpointStep = -1;
  const writeCheckpoint = (step: number) => {
    if (!t.checkpoint) return;
    saveCheckpoint(t.checkpoint, { step, memoryx: mx.snapshot(), rng: { seed, shuffle: t.shuffle ?? false, batch: B }, model: fingerprint, extra: { loss: loss.slice() } });
    checkpointStep = step;
  };

  try {
    await sys.start();
    const idx = new Int32Array(B);
    for (let step = startStep; step < steps; step++) {
      order.indices(step, idx);
      for (let attempt = 0; ; attempt++) {
        mx.beginStep();
        recorder.begin();
        try {
          const l = await runStep(step, attempt, idx);
          mx.commitStep();
          recorder.commit();
          loss.push(l);
          break;
        } catch (e) {
          mx.rollbackStep();
          if (!(e instanceof SystemFault)) throw e;
          if (attempt >= o.retries) {
            const ck = checkpointStep >= 0 ? `; last checkpoint ${t.checkpoint} (after step ${checkpointStep}) is intact` : t.checkpoint ? '; no checkpoint was written yet' : '';
            throw new Error(`training stopped at step ${step}: ${e.message}; gave up after ${o.retries} retries; MemoryX holds the state after step ${step - 1} (no half-applied update)${ck}`);
          }
          retriesUsed++;
          const dead = sys.deadSystems();
          if (dead.length) await sys.start(dead);
        }
      }
      checkFiniteStep(step, loss[loss.length - 1], mx, step === steps - 1); // NaN/Inf stops the run, naming step and layer
      t.onStep?.(step, loss[loss.length - 1]);
      if (t.checkpoint && t.checkpointEvery && (step + 1) % t.checkpointEvery === 0) writeCheckpoint(step + 1);
    }
    if (t.checkpoint && checkpointStep !== Math.max(steps, startStep)) writeCheckpoint(Math.max(steps, startStep));
    const trained = {
      streamed: mx.counters.bytesStreamed - counters0.streamed,
      reduced: swarm.counters.bytesReduced - counters0.reduced,
      sent: swarm.counters.bytesGradientsIn - counters0.sent,
    };
    const trainSeconds = (performance.now() - wall0) / 1000;
    const evaluate = t.evaluate ?? data.test !== null;
    const testAccuracy = evaluate && data.test ? await evaluateSplit(data.test) : null;
    const timeline = buildTimeline(trainSeconds);
    const wallSeconds = (performance.now() - wall0) / 1000;
    return {
      loss,
      finalLoss: loss.length ? loss[loss.length - 1] : NaN,
      testAccuracy,
      systems: N,
      steps,
      batch: B,
      bytesStreamed: trained.streamed,
      bytesReduced: trained.reduced,
      bytesGradientsSent: trained.sent,
      wallSeconds,
      samplesPerSecond: ((steps - startStep) * B) / trainSeconds,
      params: plan.layers.map((_, l) => mx.values(l)),
      retries: retriesUsed,
      memoryx: {
        tiers: mx.tiers.tier.slice(),
        dramBytesUsed: mx.tiers.dramBytesUsed,
        flashBytes: mx.tiers.flashBytes,
        flashBytesRead: mx.counters.flashBytesRead,
        flashBytesWritten: mx.counters.flashBytesWritten,
      },
      swarmx: { fanIn: o.fanIn, levels: swarm.tree.levelSizes.slice(), links: swarm.links.snapshot() },
      waferSramBytesPerSystem: sys.sramBytes(0),
      resumedFrom: t.resume ? startStep : null,
      pipeline,
      simulatedStepSeconds: timeline?.simulatedStepSeconds ?? null,
      exposedLatencySeconds: timeline?.exposedLatencySeconds ?? null,
      utilization: timeline?.utilization ?? null,
      timeline,
    };
  } finally {
    await sys.stop();
    mx.close();
  }

  /** Streams layer l into the next broadcast slot (MemoryX → SwarmX), recording the event. */
  function streamLayer(step: number, l: number, kind: 'streamFwd' | 'streamBwd'): { slot: number; ptr: number } {
    const t0 = now();
    const s = swarm.takeSlot();
    const bytes = mx.stream(l, s.ptr);
    swarm.broadcast(bytes);
    ev(kind, step, l, t0, bytes, 0);
    return s;
  }

  /**
   * SwarmX's additions of layer l on the systems' threads (each adds its slice, in the tree's order) when
   * they run there; the sum lands in system 0's gradient buffer l mod 2.
   */
  async function reduceOnSystems(step: number, l: number): Promise<void> {
    const P = plan.layers[l].paramFloats;
    // The gradients are already in the systems' regions of the shared memory: "gradient out" moves no
    // bytes in the simulator; the event records what the links would carry (N blocks of 4·P bytes).
    ev('gradOut', step, l, now(), N * 4 * P, 0);
    const t0 = now();
    await sys.command(CMD.REDUCE, { layer: l, arg: l % 2 });
    swarm.count(P, l % 2);
    ev('reduce', step, l, t0, 4 * P, (N - 1) * P);
  }

  /** Reduces layer l's gradients on the main thread (unless the systems did) and lets MemoryX update layer l. */
  function reduceAndUpdate(step: number, l: number): void {
    const P = plan.layers[l].paramFloats;
    let g = layout.workers[swarm.tree.root].gradPtrs[l % 2];
    if (!reduceOnSys) {
      ev('gradOut', step, l, now(), N * 4 * P, 0);
      const t0 = now();
      g = swarm.reduce(P, l % 2);
      ev('reduce', step, l, t0, 4 * P, (N - 1) * P);
    }
    const t0 = now();
    mx.update(l, g);
    ev('update', step, l, t0, 4 * P, 0);
  }

  /**
   * One training step; returns the mean loss. Throws SystemFault when a system fails.
   * With prefetch (default) the main thread overlaps its own work with the systems' compute, never
   * changing what is computed: while the systems run forward(l) MemoryX streams layer l+1 into the other
   * broadcast slot; while they run backward(l), MemoryX updates layer l+1 (its reduced gradient sits in
   * the other gradient buffer; reduced on the main thread here too with reduceOn 'main') and layer l-1 is
   * streamed. Without it, each of these happens after the command (a serial chain). With reduceOn
   * 'systems' (default, N > 1) the systems add their slices right after backward(l).
   */
  async function runStep(step: number, attempt: number, indices: Int32Array): Promise<number> {
    const buf = memory.buffer;
    const pf = t.prefetch ?? pipeline !== 'none';
    for (let w = 0; w < N; w++) {
      const { start, count } = systemShare(B, N, w);
      sys.setSamples(w, count);
      fillBatch(data.train, plan.input, indices.subarray(start, start + count), new Float32Array(buf, sys.inputPtr(w), plan.input * count), new Int32Array(buf, sys.labelsPtr(w), count));
    }
    await sys.command(CMD.STEP, { step, attempt, batch: B });
    // The stream after forward(l): layer l+1, or, after the last layer, layer L-1 again for the backward pass.
    const after = (l: number) => (l + 1 < L ? streamLayer(step, l + 1, 'streamFwd') : streamLayer(step, L - 1, 'streamBwd'));
    let next = streamLayer(step, 0, 'streamFwd');
    for (let l = 0; l < L; l++) {
      const cur = next;
      sys.publish(CMD.FORWARD, { layer: l, slot: cur.slot });
      if (pf) next = after(l);
      await sys.wait();
      if (t.poisonBroadcast) poison(cur.ptr);
      evSystems('forward', step, l, layerFlop(plan, l, 1).forward);
      if (!pf) next = after(l);
    }
    await sys.command(CMD.LOSS, { arg: 0 });
    let total = 0;
    for (let w = 0; w < N; w++) total += sys.lossShare(w);
    let pendingUpdate = -1;
    for (let l = L - 1; l >= 0; l--) {
      const cur = next;
      sys.publish(CMD.BACKWARD, { layer: l, slot: cur.slot, arg: l % 2 });
      if (pf) {
        if (pendingUpdate >= 0) reduceAndUpdate(step, pendingUpdate);
        if (l > 0) next = streamLayer(step, l - 1, 'streamBwd');
      }
      await sys.wait();
      if (t.poisonBroadcast) poison(cur.ptr);
      const f = layerFlop(plan, l, 1);
      evSystems('backward', step, l, f.delta + f.gradient);
      if (reduceOnSys) await reduceOnSystems(step, l);
      if (pf) pendingUpdate = l;
      else {
        reduceAndUpdate(step, l);
        if (l > 0) next = streamLayer(step, l - 1, 'streamBwd');
      }
    }
    if (pf) reduceAndUpdate(step, 0);
    return total;
  }

  /** The simulated timeline of the steps run: measured counts → durations (src/perf/rates.ts) → schedule. */
  function buildTimeline(trainSeconds: number): TrainResult['timeline'] {
    const layers = recorder.layerCosts(hardwareRates(specs, N), efficiency);
    if (!layers) return null;
    const halfDuplex = !specs.cs2.v.ioFullDuplex;
    let trace: TraceInfo | null = null;
    if (t.trace) {
      // a schedule's first k steps do not depend on later ones: the drawn prefix is scheduled alone
      const drawn = Math.min(recorder.steps, traceMaxSteps);
      const sched = schedule(layers, drawn, pipeline, { halfDuplex });
      const tr = toTrace(sched, layers, N, {
        pipeline,
        systems: N,
        stepsRun: recorder.steps,
        stepsDrawn: drawn,
        rule: `the first ${traceMaxSteps} steps are drawn; later ones repeat the steady state`,
        timeUnit: 'simulated microseconds of the spec\'d hardware',
        simulatorWallSecondsPerStep: trainSeconds / recorder.steps,
      });
      const bytes = writeTrace(t.trace, tr);
      trace = { file: t.trace, steps: drawn, events: tr.traceEvents.length, bytes };
    }
    return { ...summarize(layers, recorder.steps, pipeline, { halfDuplex }), layers, trace };
  }

  function poison(ptr: number): void {
    new Float32Array(memory.buffer, ptr, layout.broadcast.slotBytes / 4).fill(NaN);
  }

  /** Test accuracy: forward passes (weights streamed per layer) over the split in chunks of B samples. */
  async function evaluateSplit(split: Split): Promise<number> {
    let correct = 0;
    const buf = memory.buffer;
    for (let from = 0; from < split.n; from += B) {
      const n = Math.min(B, split.n - from);
      const base = Math.floor(n / N);
      const extra = n % N;
      let at = from;
      for (let w = 0; w < N; w++) {
        const count = base + (w < extra ? 1 : 0);
        sys.setSamples(w, count);
        const ids = new Int32Array(count);
        for (let j = 0; j < count; j++) ids[j] = at + j;
        at += count;
        if (count > 0) fillBatch(split, plan.input, ids, new Float32Array(buf, sys.inputPtr(w), plan.input * count), new Int32Array(buf, sys.labelsPtr(w), count));
      }
      await sys.command(CMD.STEP, { step: -1, attempt: 0, batch: n });
      for (let l = 0; l < L; l++) {
        const { slot, ptr } = swarm.takeSlot();
        mx.stream(l, ptr);
        await sys.command(CMD.FORWARD, { layer: l, slot });
      }
      await sys.command(CMD.LOSS, { arg: 1 });
      for (let w = 0; w < N; w++) correct += sys.correct(w);
    }
    return correct / split.n;
  }
}

/** The model description the workers compile (plain data; a plan's explicit masks are kept: they fix the structure). */
function stripForWorkers(plan: Plan): unknown {
  return JSON.parse(JSON.stringify(plan.spec, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
}

