// What cluster.train() takes and gives back: the public TrainOptions and TrainResult, and the options
// checked and resolved once (Settings) for the run, the step, the evaluation and the timeline to read.
// Test-only switches are not here: they live in one internal object (hooks.ts).
import { ValidationError, refuseUnknownFields, requireBool, requireCallback, requireInt, requireNumber, requireObject, requireOneOf, shapeError, type EveryField } from '../errors.js';
import { availableParallelism } from 'node:os';
import type { Params } from '../model/params.js';
import type { Plan } from '../model/plan.js';
import { checkDataForPlan, type TrainData } from '../data/fill.js';
import { resolveOptimizer, type OptimizerConfig, type ResolvedOptimizer } from '../memoryx/optimizer.js';
import { PIPELINE_MODES, type LayerCost, type PipelineMode, type Resource } from '../timeline/schedule.js';
import type { TimelineSummary } from '../timeline/summary.js';
import { defaultSpecs, type Specs } from '../perf/specs.js';
import type { StepEvent } from './events.js';
import { testHooks, type TestHooks } from './hooks.js';
import { checkTrainPaths, refuseInitWithResume } from './paths.js';

export interface TrainOptions {
  steps: number;
  /** Global batch B (samples per step over all systems). */
  batch: number;
  /**
   * The optimizer MemoryX runs, as torch.optim names it; omitted fields take torch's defaults (SGD momentum
   * 0). runTrain (src/cluster/config.ts), the CLI and the sweep kind have their own documented defaults.
   */
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
   * Where MemoryX's update of a layer runs in the simulator: 'systems' = each system's thread adds its
   * slice of the gradient and applies the optimizer to the same slice of the layer's record, in one command
   * (a DRAM record of an untied layer; other layers stay on the main thread), 'main' = the main thread
   * updates every layer. The update is elementwise, so the bits are the same. Default: 'systems' when the
   * systems and the main thread together outnumber the cores (or from 4 systems on), 'main' otherwise (the
   * main thread's update then runs beside the systems on a core of its own).
   */
  updateOn?: 'systems' | 'main';
}

export interface TrainResult {
  /** Mean loss of each step run (resumed runs: the steps before the checkpoint come from it). */
  loss: number[];
  /** The last step's loss (the checkpoint's last, for a resumed run with no step left); NaN when no step ran. */
  finalLoss: number;
  testAccuracy: number | null;
  /** Mean loss on the test split (a language model: per token, in nats), null when not evaluated. */
  testLoss: number | null;
  systems: number;
  steps: number;
  batch: number;
  /** Weight bytes MemoryX streamed during this run (each layer twice a step, once for all systems; a resumed run: its steps since the resume, as wallSeconds). */
  bytesStreamed: number;
  /** Reduced gradient bytes delivered to MemoryX during this run (a resumed run: since the resume). */
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

/** TrainOptions checked against the plan, the data and the cluster, with every default filled in. */
export interface Settings {
  steps: number;
  /** Global batch B. */
  batch: number;
  optimizer: ResolvedOptimizer;
  seed: number;
  shuffle: boolean;
  /** The simulator overlaps its main-thread work with the systems' compute. */
  prefetch: boolean;
  /** SwarmX's additions run on the systems' threads (REDUCE command) rather than the main thread. */
  reduceOnSystems: boolean;
  /** MemoryX's update of a layer it can hand off runs on the systems' threads, with that layer's additions. */
  updateOnSystems: boolean;
  evaluate: boolean;
  pipeline: PipelineMode;
  specs: Specs;
  efficiency: number;
  traceMaxSteps: number;
  hooks: TestHooks;
}

/** Checks the options (a ValidationError names the field) and fills in the defaults; N = systems. */
/** Every field of TrainOptions: any other is refused (a misspelt `stpes` would train the default). */
const TRAIN_OPTION_FIELDS = [
  'steps', 'batch', 'optimizer', 'seed', 'shuffle', 'init', 'checkpoint', 'checkpointEvery', 'resume', 'evaluate', 'onStep', 'onEvent',
  'prefetch', 'pipeline', 'specs', 'efficiency', 'trace', 'traceMaxSteps', 'reduceOn', 'updateOn',
] as const satisfies ReadonlyArray<keyof TrainOptions>;
const _everyOption: EveryField<TrainOptions, typeof TRAIN_OPTION_FIELDS> = true;
void _everyOption;

export function resolveTrainOptions(t: TrainOptions, plan: Plan, data: TrainData, N: number): Settings {
  refuseUnknownFields(requireObject('options', t), TRAIN_OPTION_FIELDS, 'a training run'); // the test hooks' key is a symbol
  const steps = requireInt('steps', t.steps, 0);
  const batch = requireInt('batch', t.batch, N);
  const optimizer = resolveOptimizer(t.optimizer);
  const seed = requireInt('seed', t.seed ?? 0, 0, 0xffffffff);
  const pipeline = t.pipeline === undefined ? 'full' : requireOneOf('pipeline', t.pipeline, PIPELINE_MODES);
  const specs = t.specs === undefined ? defaultSpecs() : requireSpecs(t.specs);
  const efficiency = requireNumber('efficiency', t.efficiency ?? specs.cs2.v.computeEfficiency, Number.MIN_VALUE, 1);
  const traceMaxSteps = requireInt('traceMaxSteps', t.traceMaxSteps ?? 100, 1);
  checkFiles(t);
  for (const k of ['onStep', 'onEvent'] as const) requireCallback(k, t[k]);
  checkDataForPlan(plan, data);
  const evaluate = optionalBool(t, 'evaluate');
  if (evaluate && data.test === null) throw new ValidationError('evaluate', evaluate, 'expected data with a test split to evaluate on (this data has none)');
  const reduceOn = t.reduceOn === undefined ? (N >= 4 ? 'systems' : 'main') : requireOneOf('reduceOn', t.reduceOn, ['systems', 'main'] as const);
  const updateOn = t.updateOn === undefined ? (N >= 4 || N + 1 > availableParallelism() ? 'systems' : 'main') : requireOneOf('updateOn', t.updateOn, ['systems', 'main'] as const);
  return {
    steps,
    batch,
    optimizer,
    seed,
    shuffle: optionalBool(t, 'shuffle') ?? false,
    prefetch: optionalBool(t, 'prefetch') ?? pipeline !== 'none',
    reduceOnSystems: reduceOn === 'systems' && N > 1,
    updateOnSystems: updateOn === 'systems',
    evaluate: evaluate ?? data.test !== null,
    pipeline,
    specs,
    efficiency,
    traceMaxSteps,
    hooks: testHooks(t),
  };
}

/** A boolean option as given (a string "false" is refused, not taken as true), or undefined. */
function optionalBool(t: TrainOptions, k: 'shuffle' | 'prefetch' | 'evaluate'): boolean | undefined {
  return t[k] === undefined ? undefined : requireBool(k, t[k]);
}

/**
 * The files: checkpoint and trace are written after the last step, so a bad one is refused before the first
 * (it was refused after the whole run); checkpointEvery needs a checkpoint; a resumed run takes its weights from
 * the checkpoint, so init is refused beside it (it was ignored).
 */
function checkFiles(t: TrainOptions): void {
  refuseInitWithResume(t.init, t.resume); // init here is weights, not a path: checked apart from the files
  checkTrainPaths({ resume: t.resume, checkpoint: t.checkpoint, checkpointEvery: t.checkpointEvery, trace: t.trace });
}

/** Specs as loadSpecs() gives them: the system, MemoryX and SwarmX specs with their values. */
function requireSpecs(v: unknown): Specs {
  const o = requireObject('specs', v);
  for (const k of ['cs2', 'memoryx', 'swarmx'] as const) {
    const spec = o[k];
    if (typeof spec !== 'object' || spec === null || typeof (spec as { v?: unknown }).v !== 'object' || (spec as { v?: unknown }).v === null) {
      throw shapeError(`specs.${k}`, spec, 'expected a spec as loadSpecs() gives it (with its values in v)');
    }
  }
  return v as Specs;
}
