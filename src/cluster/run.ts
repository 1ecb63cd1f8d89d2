// The set-up and tear-down of one training run: the memory map of the ONE shared memory (MemoryX | broadcast
// slots | N worker regions, src/protocol/memory-map.ts), MemoryX (weights + optimizer state) and SwarmX on
// the main thread, the N CS-2 systems (worker tasks) and the recorder of what each step moved and computed.
// close() stops the systems and closes MemoryX, whatever happened before (written once, here).
// Legend: N = systems, L = streamed layers, B = global batch, b = samples of one system (at most cap).
import type { Piscina } from 'piscina';
import { activationLayout, checkActivationBudget, type ActivationLayout } from '../nn/memory.js';
import type { Params } from '../model/params.js';
import type { Plan } from '../model/plan.js';
import { systemShare } from '../data/batches.js';
import { createMemory, Wasm, type Flavor } from '../wasm/module.js';
import { MemoryX, memoryxAllocations, recordBytesOf } from '../memoryx/store.js';
import { memoryxLayers, type MxLayer } from '../memoryx/layers.js';
import { createUpdater } from '../memoryx/update.js';
import { stateArrays } from '../memoryx/optimizer.js';
import { planTiers, type TierPlan } from '../memoryx/tiers.js';
import { PIPELINE_SLOTS, planLayout, type LayoutRequest, type SharedLayout } from '../protocol/memory-map.js';
import { CapacityError } from '../errors.js';
import { controlLayout, type WorkerInit } from '../protocol/cs2.js';
import { SwarmX } from '../swarmx/swarm.js';
import { Systems } from './systems.js';
import { layerFlop, nowMs, type EventKind, type StepEvent } from './events.js';
import { CostRecorder } from './costs.js';
import type { Settings } from './options.js';

/** What the run needs of the cluster (its resolved ClusterOptions). */
export interface RunCluster {
  systems: number;
  fanIn: number;
  waferSramBytes: number;
  dramBytes?: number;
  flashPath?: string;
  flavor: Flavor;
}

/** Bytes of each Wasm instance's scratch region in a worker (kernel temporaries: packed panels and the like). */
const WORKER_SCRATCH_BYTES = 2 << 20;
/** Arena allocations are 64-byte aligned: each one may waste up to this much before it. */
const ALIGN_PAD = 64;

/**
 * Bytes of MemoryX's arena: what it allocates (store.ts memoryxAllocations: the DRAM tier's records and staging slot,
 * the tied layers' gradient buffers) plus one alignment pad per allocation and one for the arena's own start.
 */
export function memoryxArenaBytes(layers: MxLayer[], tiers: TierPlan): number {
  const a = memoryxAllocations(layers, tiers);
  return a.bytes + ALIGN_PAD * (a.count + 1);
}

/**
 * Bytes of a worker's arena: its scratch and its activations (act.bytes, each buffer already 16-byte rounded
 * inside it), plus alignment pads: one per activation buffer (headroom) and 4 for the arena's start, the
 * scratch region, the activation block and a spare.
 */
export function workerArenaBytes(act: ActivationLayout): number {
  return WORKER_SCRATCH_BYTES + act.bytes + ALIGN_PAD * (act.buffers.length + 4);
}

export class Run {
  readonly N: number;
  /** Most samples one system holds: the largest share of a step (an evaluation chunk is the same size). */
  readonly cap: number;
  readonly layout: SharedLayout;
  readonly memory: WebAssembly.Memory;
  readonly mx: MemoryX;
  readonly swarm: SwarmX;
  readonly sys: Systems;
  readonly recorder: CostRecorder;
  /** Per broadcast slot, the seq of the last command that reads it: it is rewritten once every system did that one. */
  readonly slotReaders: number[];

  /** Lays out the shared memory and builds MemoryX, SwarmX and the systems (their tasks start with start()). */
  constructor(
    pool: Piscina,
    readonly cluster: RunCluster,
    readonly plan: Plan,
    readonly s: Settings,
    /** The initial weights, made once the memory's layout is known to fit (a model too large is refused before). */
    init: () => Params,
    private readonly onEvent?: (e: StepEvent) => void,
  ) {
    const N = (this.N = cluster.systems);
    this.cap = systemShare(s.batch, N, 0).count;
    checkActivationBudget(plan, this.cap, cluster.waferSramBytes, `CS-2 wafer SRAM (${N} systems, batch ${s.batch})`);
    const act = activationLayout(plan, this.cap);
    const S = stateArrays(s.optimizer);
    const mxLayers = memoryxLayers(plan);
    // the tiers MemoryX will plan (store.ts owns the record sizes: a tied layer keeps no record of its own)
    const tiers = planTiers(recordBytesOf(mxLayers, S), cluster.dramBytes ?? Infinity, mxLayers.map((L) => L.name));
    const probe = new Wasm({ flavor: cluster.flavor, initialBytes: 1 << 16, scratchBytes: 0 });
    this.layout = pipelineLayout({
      base: probe.arena.start,
      systems: N,
      maxLayerFloats: Math.max(...plan.layers.map((l) => l.paramFloats)),
      maxWireWords: Math.max(...plan.layers.map((l) => Math.max(l.wireWords, l.fwdWireWords))),
      memoryxBytes: memoryxArenaBytes(mxLayers, tiers),
      workerArenaBytes: workerArenaBytes(act),
    });
    this.slotReaders = new Array(this.layout.broadcast.slots).fill(0);
    this.memory = createMemory(this.layout.totalBytes, this.layout.totalBytes);
    const mxWasm = new Wasm({ memory: this.memory, flavor: cluster.flavor, arenaStart: this.layout.memoryx.start, arenaEnd: this.layout.memoryx.end, scratchBytes: 0 });
    this.mx = new MemoryX(mxWasm, mxLayers, init(), createUpdater(mxWasm), { optimizer: s.optimizer, dramBytes: cluster.dramBytes, flashPath: cluster.flashPath });
    this.swarm = new SwarmX(mxWasm, this.layout, cluster.fanIn);
    const control = new SharedArrayBuffer(controlLayout(N).bytes);
    this.sys = new Systems(pool, this.workerInits(control), control);
    this.recorder = new CostRecorder(
      plan.layers.map((_, l) => `L${l}`),
      N,
      // MemoryX's update touches the reduced gradient (the update event's bytes), the fp32 weights and S state arrays
      2 + S,
      plan.layers.map((_, l) => {
        const f = layerFlop(plan, l, 1);
        return f.delta + f.gradient > 0 ? f.delta / (f.delta + f.gradient) : 0;
      }),
    );
  }

  /** The one message each system's task starts with (the memory and the control block are shared). */
  private workerInits(control: SharedArrayBuffer): WorkerInit[] {
    const { layout, swarm, N } = this;
    const model = stripForWorkers(this.plan);
    return layout.workers.map((r, w) => ({
      system: w,
      systems: N,
      memory: this.memory,
      control,
      model,
      region: { gradPtrs: r.gradPtrs, arenaStart: r.arenaStart, arenaEnd: r.arenaEnd },
      broadcast: layout.broadcast,
      maxSamples: this.cap,
      waferSramBytes: this.cluster.waferSramBytes,
      scratchBytes: WORKER_SCRATCH_BYTES,
      flavor: this.cluster.flavor,
      fault: this.s.hooks.faultInjection ?? null,
      reduce: { adds: swarm.tree.adds.map((a) => [a.into, a.from] as [number, number]), gradPtrs: layout.workers.map((r) => r.gradPtrs), root: swarm.tree.root },
      optimizer: this.s.optimizer,
    }));
  }

  /** Records an event (for the timeline read after the run) and hands it to TrainOptions.onEvent. */
  emit(e: StepEvent): void {
    this.recorder.add(e);
    this.onEvent?.(e);
  }

  /** An event of MemoryX / SwarmX work on the main thread, from t0 until now. */
  mainEvent(kind: EventKind, step: number, layer: number, t0: number, bytes: number, flop: number): void {
    this.emit({ step, layer, kind, system: -1, startMs: t0, endMs: nowMs(), bytes, flop });
  }

  /** One event per system for command seq, done (its own start and end), its share of the FLOP. */
  systemEvents(kind: EventKind, step: number, layer: number, seq: number, flopPerSample: number): void {
    for (let w = 0; w < this.N; w++) {
      const [s0, s1] = this.sys.commandTimes(w, seq);
      this.emit({ step, layer, kind, system: w, startMs: s0, endMs: s1, bytes: 0, flop: flopPerSample * systemShare(this.s.batch, this.N, w).count });
    }
  }

  /** Epoch-ms span of command seq over the systems: the first start and the last end. */
  commandSpan(seq: number): [number, number] {
    let t0 = Infinity;
    let t1 = -Infinity;
    for (let w = 0; w < this.N; w++) {
      const [s0, s1] = this.sys.commandTimes(w, seq);
      t0 = Math.min(t0, s0);
      t1 = Math.max(t1, s1);
    }
    return [t0, t1];
  }

  /** Bytes moved so far: weights streamed, gradients reduced, gradients the systems sent. */
  counters(): { streamed: number; reduced: number; sent: number } {
    return { streamed: this.mx.counters.bytesStreamed, reduced: this.swarm.counters.bytesReduced, sent: this.swarm.counters.bytesGradientsIn };
  }

  /** Stops the systems' tasks (if any started) and closes MemoryX (its flash file). */
  async close(): Promise<void> {
    try {
      await this.sys.stop();
    } finally {
      this.mx.close();
    }
  }
}

/** The layout with PIPELINE_SLOTS broadcast slots, or the 2 a step needs where the memory cannot hold more. */
function pipelineLayout(r: LayoutRequest): SharedLayout {
  try {
    return planLayout({ ...r, slots: PIPELINE_SLOTS });
  } catch (e) {
    if (!(e instanceof CapacityError)) throw e;
    return planLayout(r);
  }
}

/** The model description the workers compile (plain data; a plan's explicit masks are kept: they fix the structure). */
function stripForWorkers(plan: Plan): unknown {
  return JSON.parse(JSON.stringify(plan.spec, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
}
