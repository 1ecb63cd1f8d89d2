// Training configured once, as plain data: TrainConfig is what `weightstream train`, the sweep kind `train`
// and the API's runTrain take, and TRAIN_DEFAULTS is the ONE set of defaults they share (the CLI's help
// prints them from here). No heavy imports: the CLI reads this file at start-up; run-train.ts runs it.
import type { ModelSpec } from '../model/types.js';
import type { PipelineMode } from '../timeline/schedule.js';
import type { EveryField } from '../errors.js';

export interface TrainConfig {
  /** A preset (mlp, mlp2, resmlp, wide), a model JSON file, or a model description object. */
  model?: string | ModelSpec;
  /** 'digits' (the shipped UCI digits), 'teacher' (a seeded teacher) or a safetensors file with x and y. */
  data?: string;
  /** Simulated CS-2 systems, 1..64. */
  systems?: number;
  /** Training steps (with resume: the total, counting the checkpoint's). */
  steps?: number;
  /** Global batch: samples per step over all systems (at least one per system). */
  batch?: number;
  optimizer?: 'sgd' | 'adamw';
  /** Learning rate (default by optimizer: TRAIN_DEFAULTS.sgd.lr / .adamw.lr). */
  lr?: number;
  /** SGD momentum in [0, 1) (SGD only; default TRAIN_DEFAULTS.sgd.momentum). */
  momentum?: number;
  /** Weight decay (SGD: L2 added to the gradient; AdamW: decoupled). */
  weightDecay?: number;
  /** A seeded unstructured mask of this sparsity in [0, 1) on every linear layer. */
  sparsity?: number;
  /** Seed of the initial weights, of the shuffled order and of the teacher data. */
  seed?: number;
  shuffle?: boolean;
  /** Evaluate test accuracy at the end (default: when the data has a test split). */
  evaluate?: boolean;
  /** SwarmX reduce-tree fan-in. */
  fanIn?: number;
  /** MemoryX DRAM budget for weights + optimizer state, bytes; layers beyond it live on the flash tier. */
  dramBytes?: number;
  /** Wafer SRAM per system for the activations, bytes (default: the WSE-2's 40 GB). */
  waferSramBytes?: number;
  /** Initial weights: a safetensors file (PyTorch nn.Sequential names and layout). */
  init?: string;
  /** Save the trained weights here (safetensors, PyTorch layout). */
  save?: string;
  /** Write MemoryX state here at the end (and every checkpointEvery steps). */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Continue from this checkpoint (bit-identical to an uninterrupted run). */
  resume?: string;
  /** Pipeline of the simulated timeline; 'none' also runs the simulator without prefetch. */
  pipeline?: PipelineMode;
  /** Write the simulated timeline (first 100 steps) as a Chrome Trace Event file here. */
  trace?: string;
  /** Hardware spec JSON files for the simulated durations (replacing, or with "base" amending, built-in ones). */
  spec?: string[];
  /** A language model's tokens per training sequence T (default its n_positions; a token file gives its own). */
  seqLen?: number;
  /** A language model: generate this many tokens from the trained weights after training (default 0). */
  sample?: number;
  /** The text the sample starts from (default the first T/2 bytes of the test split, else of the training data). */
  prompt?: string;
}

/** Every field of a TrainConfig (the CLI's flags are these, kebab-cased). */
export const TRAIN_CONFIG_FIELDS = [
  'model', 'data', 'systems', 'steps', 'batch', 'optimizer', 'lr', 'momentum', 'weightDecay', 'sparsity', 'seed', 'shuffle', 'evaluate',
  'fanIn', 'dramBytes', 'waferSramBytes', 'init', 'save', 'checkpoint', 'checkpointEvery', 'resume', 'pipeline', 'trace', 'spec',
  'seqLen', 'sample', 'prompt',
] as const satisfies ReadonlyArray<keyof TrainConfig>;
// and every field of it (a field added to TrainConfig and not here fails to compile)
const _everyTrainField: EveryField<TrainConfig, typeof TRAIN_CONFIG_FIELDS> = true;
void _everyTrainField;

/**
 * The defaults of a TrainConfig. SGD's momentum is 0.9 here (a trainer's usual choice); the lower-level
 * cluster.train() takes an OptimizerConfig as torch.optim does, where an omitted momentum is torch's 0.
 */
export const TRAIN_DEFAULTS = {
  model: 'mlp',
  data: 'digits',
  /** --data when the model is a language model (a GPT preset or config.json): the shipped text. */
  textData: 'austen',
  systems: 1,
  steps: 100,
  batch: 64,
  optimizer: 'sgd',
  sgd: { lr: 0.1, momentum: 0.9, weightDecay: 0 },
  adamw: { lr: 0.001, weightDecay: 0.01 },
  seed: 0,
  shuffle: false,
  fanIn: 4,
  pipeline: 'full',
} as const;
