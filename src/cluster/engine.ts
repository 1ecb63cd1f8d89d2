// The weight-streaming training engine: createCluster({ systems }) → cluster.train(model, data, opts).
// train() reads as the run's outline; each piece lives in a file named for its seam:
//   run.ts       set-up and tear-down: the shared memory map, MemoryX, SwarmX, the N CS-2 systems
//   resume.ts    resume from a checkpoint, and the checkpoints written during the run
//   step.ts      one step, a MemoryX transaction (retried when a system fails): stream, forward, loss,
//                stream again, backward, reduce, update — the prefetch and serial orders written once
//   evaluate.ts  test accuracy (forward passes only)
//   timeline.ts  the simulated timeline, read after the run from the costs the steps recorded
// Legend: N = systems, L = streamed layers, B = global batch.
import { Piscina } from 'piscina';
import { createHash } from 'node:crypto';
import { ValidationError, refuseUnknownFields, requireInt, requireNumber, requireOneOf, requireString, type EveryField } from '../errors.js';
import { compileModel } from '../model/compile.js';
import { initParams } from '../model/params.js';
import type { Plan } from '../model/plan.js';
import { BatchOrder } from '../data/batches.js';
import type { TrainData } from '../data/fill.js';
import { distModule } from '../paths.js';
import { defaultFlavor, FLAVORS, type Flavor } from '../wasm/module.js';
import { resolveTrainOptions, type TrainOptions, type TrainResult } from './options.js';
import { Run } from './run.js';
import { resume, Checkpointer, dataFingerprint } from './resume.js';
import { transaction } from './step.js';
import { evaluate } from './evaluate.js';
import { buildTimeline } from './timeline.js';
import { checkFiniteStep } from '../memoryx/finite.js';

export type { TrainOptions, TrainResult, TraceInfo } from './options.js';

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
  /** Where MemoryX creates its flash tier file (default: a temp file); an existing file is refused, and the file is removed when a run ends. */
  flashPath?: string;
  /** Times a failed step is retried from MemoryX state before the run stops (default 2). */
  retries?: number;
  /** WASM build (default: WEIGHTSTREAM_WASM or release). */
  flavor?: Flavor;
}

export interface Cluster {
  readonly systems: number;
  /**
   * One training run; refused once close() was called. The cluster's systems train one run at a time: a run
   * called while another is in progress starts when the runs called before it have ended (in call order).
   */
  train(model: unknown, data: TrainData, opts: TrainOptions): Promise<TrainResult>;
  /** Stops the runs in progress at their next step (each rejects, saying so; MemoryX's state is whole) and waits for them, then ends the worker threads. */
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
  // close() stops the run in progress at a step's end and waits for it: ending the threads under a run made
  // it retry the step on new ones, and it trained on after close() had returned. Runs go one at a time: two at
  // once shared the N threads, and a system restarted by one run's retry could wait behind the other's tasks,
  // which waited for all N systems: both hung, and close() with them.
  let closing = false;
  let last: Promise<unknown> = Promise.resolve();
  const closed = new Error('cluster: closed (close() was called): create another to train');
  return {
    systems: o.systems,
    train: (model, data, t) => {
      if (closing) return Promise.reject(closed);
      const run = last.then(() => (closing ? Promise.reject(closed) : train(pool, o, model, data, t, () => closing)));
      last = run.then(() => {}, () => {});
      return run;
    },
    close: async () => {
      closing = true;
      await last;
      await pool.destroy();
    },
  };
}

type Resolved = Required<Omit<ClusterOptions, 'flashPath' | 'dramBytes'>> & { flashPath?: string; dramBytes?: number };

/** ClusterOptions' fields: any other is refused (`dramBytez` was accepted and the run was all in DRAM). */
const CLUSTER_FIELDS = ['systems', 'fanIn', 'waferSramBytes', 'dramBytes', 'flashPath', 'retries', 'flavor'] as const;
const _everyClusterField: EveryField<ClusterOptions, typeof CLUSTER_FIELDS> = true;

function resolveCluster(c: ClusterOptions): Resolved {
  if (c === null || typeof c !== 'object') throw new ValidationError('cluster', c, 'expected an object with systems');
  refuseUnknownFields(c, CLUSTER_FIELDS, 'a cluster');
  return {
    systems: requireInt('systems', c.systems, 1, 64),
    fanIn: requireInt('fanIn', c.fanIn ?? 4, 2, 64),
    waferSramBytes: requireNumber('waferSramBytes', c.waferSramBytes ?? WSE2_SRAM_BYTES, 1),
    dramBytes: c.dramBytes === undefined ? undefined : requireNumber('dramBytes', c.dramBytes, 0),
    flashPath: c.flashPath === undefined ? undefined : requireString('flashPath', c.flashPath),
    retries: requireInt('retries', c.retries ?? 2, 0, 100),
    flavor: c.flavor === undefined ? defaultFlavor() : requireOneOf('flavor', c.flavor, FLAVORS),
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

/** One training run on the cluster's N systems (cluster.train). */
async function train(pool: Piscina, o: Resolved, model: unknown, data: TrainData, t: TrainOptions, closed: () => boolean): Promise<TrainResult> {
  const wall0 = performance.now();
  const plan = compileModel(model);
  const s = resolveTrainOptions(t, plan, data, o.systems);
  const B = s.batch;
  const order = new BatchOrder(data.train.n, B, { shuffle: s.shuffle, seed: s.seed });
  // the data's fingerprint costs a pass over it (~0.5 s a GB): only where a checkpoint is read or written
  const dataOrder = { seed: s.seed, shuffle: s.shuffle, batch: B, ...(t.resume || t.checkpoint ? { data: dataFingerprint(data) } : {}) };
  const fingerprint = planFingerprint(plan);
  const run = new Run(pool, o, plan, s, () => t.init ?? initParams(plan, s.seed), t.onEvent);
  try {
    const { startStep, loss } = t.resume ? resume(run.mx, t.resume, fingerprint, dataOrder, s.steps) : { startStep: 0, loss: [] as number[] };
    const counters0 = run.counters();
    const checkpoints = new Checkpointer(run.mx, t.checkpoint, t.checkpointEvery, fingerprint, dataOrder);
    await run.sys.start();
    let retries = 0;
    const idx = new Int32Array(B);
    for (let step = startStep; step < s.steps; step++) {
      if (closed()) throw new Error(`cluster: closed during training: stopped before step ${step} of ${s.steps}; MemoryX held ${step === 0 ? 'the initial weights' : `the state after step ${step - 1}`}${checkpoints.describe()}`);
      order.indices(step, idx);
      const r = await transaction(run, data.train, step, idx, o.retries, (e) =>
        new Error(`training stopped at step ${step}: ${e.message}; gave up after ${o.retries} retries; MemoryX holds the state after step ${step - 1} (no half-applied update)${checkpoints.describe()}`),
      );
      loss.push(r.loss);
      retries += r.retries;
      // a non-finite loss stops the run naming the step and layer; the weights are scanned when a checkpoint is due and at the end
      const due = step === s.steps - 1 || (!!t.checkpointEvery && (step + 1) % t.checkpointEvery === 0);
      checkFiniteStep(step, r.loss, run.mx, due);
      // one turn of the event loop per step: the systems' waits may never yield to it (their commands end
      // within a wait slice), and signals (^C), timers and the progress bar are delivered only there
      await new Promise((resolve) => setImmediate(resolve));
      t.onStep?.(step, r.loss);
      checkpoints.afterStep(step + 1, loss);
    }
    checkpoints.atEnd(Math.max(s.steps, startStep), loss);
    const counters1 = run.counters();
    const trainSeconds = (performance.now() - wall0) / 1000;
    const test = s.evaluate && data.test ? await evaluate(run, data.test) : null;
    const testAccuracy = test ? test.accuracy : null;
    const timeline = buildTimeline(run.recorder, s, o.systems, trainSeconds, t.trace);
    const { mx, swarm } = run;
    return {
      loss,
      finalLoss: loss.length ? loss[loss.length - 1] : NaN,
      testAccuracy,
      testLoss: test ? test.loss : null,
      systems: o.systems,
      steps: s.steps,
      batch: B,
      bytesStreamed: counters1.streamed - counters0.streamed,
      bytesReduced: counters1.reduced - counters0.reduced,
      bytesGradientsSent: counters1.sent - counters0.sent,
      wallSeconds: (performance.now() - wall0) / 1000,
      samplesPerSecond: ((s.steps - startStep) * B) / trainSeconds,
      params: plan.layers.map((_, l) => mx.values(l)),
      retries,
      memoryx: {
        tiers: mx.tiers.tier.slice(),
        dramBytesUsed: mx.tiers.dramBytesUsed,
        flashBytes: mx.tiers.flashBytes,
        flashBytesRead: mx.counters.flashBytesRead,
        flashBytesWritten: mx.counters.flashBytesWritten,
      },
      swarmx: { fanIn: o.fanIn, levels: swarm.tree.levelSizes.slice(), links: swarm.links.snapshot() },
      waferSramBytesPerSystem: run.sys.sramBytes(0),
      resumedFrom: t.resume ? startStep : null,
      pipeline: s.pipeline,
      simulatedStepSeconds: timeline?.simulatedStepSeconds ?? null,
      exposedLatencySeconds: timeline?.exposedLatencySeconds ?? null,
      utilization: timeline?.utilization ?? null,
      timeline,
    };
  } finally {
    await run.close();
  }
}
