// runTrain(config): one training run from a TrainConfig (config.ts), as runEstimate and runFabric are for
// theirs — the data and the model resolved, every field checked (a ValidationError names the config field),
// TRAIN_DEFAULTS filled in, the cluster created, trained and closed, and the ONE summary built that the CLI
// prints (--json) and the sweep kind writes.
import { ValidationError, refuseUnknownFields, renamePath, requireBool } from '../errors.js';
import { resolveData } from '../data/index.js';
import type { TrainData } from '../data/fill.js';
import { resolveTokenData, decodeBytes, encodeBytes, BYTE_VOCAB } from '../data/text.js';
import { checkTokens, type TokenDataset } from '../data/tokens.js';
import { fitTokenModel, loadTokenModel, readsTokens, resolveModel, withSparsity } from '../model/load.js';
import { gpt2ConfigOf } from '../model/hf.js';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic.js';
import { landingPath } from '../io/files.js';
import { generate } from '../train/generate.js';
import { dirname, join } from 'node:path';
import { compileModel } from '../model/compile.js';
import type { Params } from '../model/params.js';
import type { Plan } from '../model/plan.js';
import type { ModelSpec } from '../model/types.js';
import { loadWeights, saveWeights } from '../model/weights-file.js';
import { resolveOptimizer, type OptimizerConfig } from '../memoryx/optimizer.js';
import { loadSpecs, type Specs } from '../perf/specs.js';
import { lockCheckpoint } from '../memoryx/checkpoint.js';
import { createCluster } from './engine.js';
import { checkTrainPaths } from './paths.js';
import { TRAIN_CONFIG_FIELDS, TRAIN_DEFAULTS, type TrainConfig } from './config.js';
import type { TrainResult } from './options.js';

/** A TrainConfig checked, with its data, model and defaults resolved. */
export interface PreparedTrain {
  config: TrainConfig;
  data: TrainData;
  spec: ModelSpec;
  plan: Plan;
  optimizer: OptimizerConfig;
  systems: number;
  steps: number;
  batch: number;
  seed: number;
}

/** What a run reports: `weightstream train --json` prints it; the sweep kind writes it less the timeline. */
export type TrainSummary = Omit<TrainResult, 'params'> & {
  model: string;
  data: string;
  optimizer: OptimizerConfig;
  sparsity: number;
  parameters: { master: number; pytorch: number };
  checkpoint: string | null;
  saved: string | null;
  trace: NonNullable<TrainResult['timeline']>['trace'];
  /** Tokens trained per wall second (samples/s · T; = samples/s for models without a sequence). */
  tokensPerSecond: number;
  /** A language model: the config.json written beside --save, and the text sampled after training. */
  savedConfig: string | null;
  /** prompt: what the model read (the given prompt's last seqLen bytes), promptBytesDropped: the bytes before them it did not. */
  sample: { prompt: string; text: string; promptBytesDropped: number } | null;
};

/** Datasets by (name, seed), for callers that prepare many configurations (a sweep). */
export type DataCache = Map<string, TrainData>;

/** An area's option-style path (`--data`) as a config field (`data`); `optimizer.lr` as `lr`. */
function asField(e: unknown): unknown {
  if (!(e instanceof ValidationError) || !/^(--|optimizer\.)/.test(e.path)) return e;
  const field = e.path.replace(/^--|^optimizer\./, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  return renamePath(e, field);
}

/**
 * Runs `f`, whose errors may name a place inside a file (`/d.safetensors: header length`, `file`): such an
 * error is put under the config field that named the file (`data: /d.safetensors: header length ...`), so
 * that a sweep says `base.data`, not `base./d.safetensors`. Errors already naming a field or option stay.
 */
function under<T>(field: 'model' | 'data', f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ValidationError) || e.path.startsWith('--') || (TRAIN_CONFIG_FIELDS as readonly string[]).includes(e.path)) throw e;
    const err = new ValidationError(`--${field}`, e.value, 'x');
    err.message = `--${field}: ${e.message}`; // the file and the place in it stay in the message
    throw err;
  }
}

function integer(field: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ValidationError(field, v, `expected an integer ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}`);
  return v;
}

/** Checks a TrainConfig and resolves its data and model (the cheap part of a run: no cluster yet). */
export function prepareTrain(c: TrainConfig, cache?: DataCache): PreparedTrain {
  if (c === null || typeof c !== 'object') throw new ValidationError('config', c, 'expected an object');
  refuseUnknownFields(c, TRAIN_CONFIG_FIELDS, 'a training configuration');
  if (c.spec !== undefined && (!Array.isArray(c.spec) || c.spec.some((f) => typeof f !== 'string'))) throw new ValidationError('spec', c.spec, 'expected a list of spec file paths');
  // save, checkpoint and trace are written after the last step: a bad one is refused now, not after the training
  checkTrainPaths(c);
  const D = TRAIN_DEFAULTS;
  const seed = integer('seed', c.seed ?? D.seed, 0, 0xffffffff);
  const model = c.model ?? D.model;
  const tokens = readsTokens(model);
  const dataName = c.data ?? (tokens ? D.textData : D.data);
  if (typeof dataName !== 'string') throw new ValidationError('data', dataName, 'expected digits, teacher or a safetensors file');
  const seqLen = c.seqLen === undefined ? undefined : integer('seqLen', c.seqLen, 1);
  const key = JSON.stringify([dataName, seed, tokens, seqLen ?? null, typeof model === 'string' ? model : null]);
  try {
    // a language model is read once: its n_positions cuts the text, then it is checked against the data
    const lm = tokens ? (typeof model === 'string' ? under('model', () => loadTokenModel(model)) : model) : null;
    let data = cache?.get(key);
    if (!data) {
      data = under('data', () => (lm ? tokenData(lm, dataName, seqLen) : resolveData(dataName, { seed })));
      cache?.set(key, data);
    }
    // a tokens file's rows fix T; a text is cut at seqLen
    if (seqLen !== undefined && 'kind' in data && data.seqLen !== seqLen) {
      throw new ValidationError('seqLen', seqLen, `expected ${data.seqLen} or none with a tokens file (its rows hold ${data.seqLen + 1} tokens)`);
    }
    let spec: ModelSpec;
    if ('kind' in data) {
      const d = data;
      // a token past the model's vocabulary is the data's, named by tensor, row and position (not "--model: data.vocab")
      const emb = lm!.layers[0];
      if (emb.type === 'embedding' && d.vocab > emb.vocab) under('data', () => checkTokens(d, emb.vocab, d.seqLen));
      spec = under('model', () => fitTokenModel(lm!, d.vocab, d.seqLen, typeof model === 'string' ? model : 'model'));
      under('data', () => checkTokens(d, (spec.layers[0] as { vocab: number }).vocab, (spec.layers[0] as { positions: number }).positions));
    } else {
      const d = data;
      spec = typeof model === 'string' ? under('model', () => resolveModel(model, d.features, d.classes)) : model;
    }
    if (c.sparsity !== undefined) spec = withSparsity(spec, c.sparsity);
    if (c.sample !== undefined) integer('sample', c.sample, 0, 1e6);
    if (c.sample && !tokens) throw new ValidationError('sample', c.sample, 'expected a language model (a GPT preset or config.json) to sample from');
    if (seqLen !== undefined && !tokens) throw new ValidationError('seqLen', seqLen, 'expected a language model (a GPT preset or config.json): only its sequences have a length');
    if (c.prompt !== undefined && !c.sample) throw new ValidationError('prompt', c.prompt, 'expected it only with sample (--sample N): the text a language model continues');
    const plan = compileModel(spec);
    if (c.sample) checkSample(plan, c.sample, c.prompt);
    const systems = integer('systems', c.systems ?? D.systems, 1, 64);
    const steps = integer('steps', c.steps ?? D.steps, 0);
    const batch = c.batch ?? D.batch;
    if (!Number.isInteger(batch) || batch < systems) throw new ValidationError('batch', batch, `expected an integer >= systems (${systems})`);
    const optimizer = optimizerOf(c);
    for (const k of ['shuffle', 'evaluate'] as const) if (c[k] !== undefined) requireBool(k, c[k]);
    if (c.save && gpt2ConfigOf(spec)) configBeside(c.save, c);
    return { config: c, data, spec, plan, optimizer, systems, steps, batch, seed };
  } catch (e) {
    throw asField(e);
  }
}

/**
 * Token data for a language model: the shipped text or a .txt file, cut into sequences of the model's
 * n_positions tokens unless seqLen says fewer, its last tenth held out; or a tokens safetensors file as it
 * is (every row trains unless it has tokens_test: docs/data-tokens.md).
 */
function tokenData(model: ModelSpec, dataName: string, seqLen?: number): TokenDataset {
  const T = seqLen ?? (model.layers[0] as { positions: number }).positions;
  return resolveTokenData(dataName, { seqLen: T, testFraction: 0.1 });
}

/** The optimizer of a config with TRAIN_DEFAULTS filled in (checked by MemoryX's own resolveOptimizer). */
function optimizerOf(c: TrainConfig): OptimizerConfig {
  const kind = c.optimizer ?? TRAIN_DEFAULTS.optimizer;
  const { sgd, adamw } = TRAIN_DEFAULTS;
  let o: OptimizerConfig;
  if (kind === 'sgd') o = { kind, lr: c.lr ?? sgd.lr, momentum: c.momentum ?? sgd.momentum, weightDecay: c.weightDecay ?? sgd.weightDecay };
  else if (kind === 'adamw') o = { kind, lr: c.lr ?? adamw.lr, weightDecay: c.weightDecay ?? adamw.weightDecay };
  else throw new ValidationError('optimizer', kind, 'expected one of sgd, adamw');
  if (kind !== 'sgd' && c.momentum !== undefined) throw new ValidationError('momentum', c.momentum, 'expected no momentum for adamw');
  resolveOptimizer(o);
  return o;
}

/** Runs one training configuration; `onStep` sees every step's loss (a progress bar). */
export async function runTrain(config: TrainConfig, opts: RunTrainOptions = {}): Promise<TrainRun> {
  return runPrepared(prepareTrain(config), opts);
}

export interface RunTrainOptions {
  onStep?: (step: number, loss: number) => void;
}

/** The summary, and the trained master blocks (not in the summary: they are the weights). */
export interface TrainRun {
  summary: TrainSummary;
  params: Params;
}

/** Runs a configuration prepareTrain() checked. */
export async function runPrepared(p: PreparedTrain, opts: RunTrainOptions = {}): Promise<TrainRun> {
  const c = p.config;
  const specs = loadSpecs(c.spec ?? []);
  const init = c.init ? loadWeights(c.init, p.plan) : undefined;
  // one run per checkpoint file at a time (src/io/lock.ts): a second is refused, naming the first
  const ckptLock = c.checkpoint ? await lockCheckpoint(c.checkpoint) : undefined;
  let r: TrainResult;
  try {
    r = await trainOn(p, init, specs, opts);
  } finally {
    await ckptLock?.release();
  }
  return summarize(p, r);
}

/** Creates the cluster, trains the prepared configuration on it, and closes it. */
async function trainOn(p: PreparedTrain, init: Params | undefined, specs: Specs, opts: RunTrainOptions): Promise<TrainResult> {
  const c = p.config;
  const cluster = await createCluster({ systems: p.systems, fanIn: c.fanIn ?? TRAIN_DEFAULTS.fanIn, dramBytes: c.dramBytes, waferSramBytes: c.waferSramBytes });
  try {
    return await cluster.train(p.spec, p.data, {
      steps: p.steps,
      batch: p.batch,
      optimizer: p.optimizer,
      seed: p.seed,
      shuffle: c.shuffle ?? TRAIN_DEFAULTS.shuffle,
      evaluate: c.evaluate,
      init,
      checkpoint: c.checkpoint,
      checkpointEvery: c.checkpointEvery,
      resume: c.resume,
      pipeline: c.pipeline ?? TRAIN_DEFAULTS.pipeline,
      specs,
      trace: c.trace,
      onStep: opts.onStep,
    });
  } finally {
    await cluster.close();
  }
}

/** The summary of a finished run, after writing what it saves (weights, config.json) and samples. */
function summarize(p: PreparedTrain, r: TrainResult): TrainRun {
  const c = p.config;
  if (c.save) saveWeights(c.save, p.plan, r.params, { model: JSON.stringify(p.spec), steps: String(r.steps) });
  const savedConfig = c.save ? saveHfConfig(p, c.save) : null;
  const sample = c.sample ? sampleAfter(p, r.params, c.sample, c.prompt) : null;
  const summary: TrainSummary = {
    model: p.spec.name ?? (typeof c.model === 'string' ? c.model : 'model'),
    data: p.data.name,
    systems: r.systems,
    steps: r.steps,
    batch: r.batch,
    optimizer: p.optimizer,
    sparsity: c.sparsity ?? 0,
    loss: r.loss,
    finalLoss: r.finalLoss,
    testAccuracy: r.testAccuracy,
    testLoss: r.testLoss,
    bytesStreamed: r.bytesStreamed,
    bytesReduced: r.bytesReduced,
    bytesGradientsSent: r.bytesGradientsSent,
    wallSeconds: r.wallSeconds,
    samplesPerSecond: r.samplesPerSecond,
    retries: r.retries,
    parameters: { master: p.plan.paramFloats, pytorch: p.plan.torchParams },
    memoryx: r.memoryx,
    swarmx: r.swarmx,
    waferSramBytesPerSystem: r.waferSramBytesPerSystem,
    resumedFrom: r.resumedFrom,
    checkpoint: c.checkpoint ?? null,
    saved: c.save ?? null,
    pipeline: r.pipeline,
    simulatedStepSeconds: r.simulatedStepSeconds,
    exposedLatencySeconds: r.exposedLatencySeconds,
    utilization: r.utilization,
    timeline: r.timeline,
    trace: r.timeline?.trace ?? null,
    tokensPerSecond: r.samplesPerSecond * p.plan.seqLen,
    savedConfig,
    sample,
  };
  return { summary, params: r.params };
}

/**
 * Where a GPT's config.json goes beside `save`, refused before training when a file there is not a GPT-2
 * config (someone's other file: it would be replaced); a GPT-2 config there (an earlier save's, an HF
 * model's) is replaced, as Hugging Face's save_pretrained does, and the --model file itself is kept.
 */
function configBeside(save: string, c: TrainConfig): string {
  const path = join(dirname(save), 'config.json');
  const real = landingPath(path); // symlinks followed: a linked directory's config.json is the same file
  if (isModelFile(c, path)) return path;
  const others: Array<[string, unknown]> = [['data', c.data], ['init', c.init], ['resume', c.resume], ['trace', c.trace], ['checkpoint', c.checkpoint], ...(c.spec ?? []).map((f): [string, unknown] => ['spec', f])];
  for (const [field, v] of others) {
    if (typeof v === 'string' && landingPath(v) === real) throw new ValidationError('save', save, `expected a directory whose config.json may be the GPT's (${path} is this run's ${field} file): save into another directory`);
  }
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return path; // none there
  let v: unknown = null;
  // a config.json is a few hundred bytes: anything else there (a FIFO, a large file) is not one, and is not read
  if (st.isFile() && st.size <= 1 << 20) {
    try {
      v = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      v = null;
    }
  }
  if (typeof v !== 'object' || v === null || (v as { model_type?: unknown }).model_type !== 'gpt2') {
    throw new ValidationError('save', save, `expected a place whose config.json may be replaced by the GPT's (${path} is there and is not a GPT-2 config.json): save into another directory`);
  }
  return path;
}

/** Whether the run's --model is the file at `path` (symlinks followed: `link/config.json` and `cfg/config.json` are one file). */
function isModelFile(c: TrainConfig, path: string): boolean {
  return typeof c.model === 'string' && landingPath(c.model) === landingPath(path);
}

/**
 * A GPT-2's config.json beside its saved weights, so `GPT2LMHeadModel.from_pretrained(dir)` loads them
 * (name the weights model.safetensors). Never over the --model file itself.
 */
function saveHfConfig(p: PreparedTrain, save: string): string | null {
  const config = gpt2ConfigOf(p.spec);
  if (!config) return null;
  const path = configBeside(save, p.config);
  if (isModelFile(p.config, path)) return null; // it is already there: the input
  writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n');
  return path;
}

/**
 * Refuses, before training, a sample that could only fail after it: samples are printed as bytes, so the
 * model's vocabulary must be bytes (at most 256 ids), and a prompt must have a byte and only bytes below it.
 */
function checkSample(plan: Plan, sample: number, prompt?: string): void {
  const V = plan.classes;
  if (V > BYTE_VOCAB) throw new ValidationError('sample', sample, `expected a model whose tokens are bytes (vocab_size <= ${BYTE_VOCAB}) to print its sample; this one has ${V}`);
  if (prompt === undefined) return;
  const ids = encodeBytes(prompt);
  if (ids.length === 0) throw new ValidationError('prompt', prompt, 'expected at least one character to continue');
  const i = ids.findIndex((b) => b >= V);
  if (i >= 0) throw new ValidationError('prompt', prompt, `expected bytes below the model's vocab_size ${V}: byte ${i} is ${ids[i]}`);
}

/** `sample` tokens generated from the trained weights after a prompt (bytes tokenizer). */
function sampleAfter(p: PreparedTrain, params: Params, n: number, prompt?: string): { prompt: string; text: string; promptBytesDropped: number } {
  const data = p.data as TokenDataset;
  const T = p.plan.seqLen;
  let ids: Int32Array;
  if (prompt !== undefined) ids = encodeBytes(prompt);
  else {
    const from = data.test ?? data.train;
    ids = from.tokens.slice(0, Math.max(1, Math.floor(T / 2)));
  }
  // the model reads the last T tokens, the context it trained at (positions past it were never trained)
  const dropped = Math.max(0, ids.length - T);
  if (dropped > 0) ids = ids.slice(dropped);
  const out = generate(p.plan, params, ids, { maxNewTokens: n, temperature: 0.8, topK: 40, seed: p.seed });
  return { prompt: decodeBytes(ids), text: decodeBytes(out.subarray(ids.length)), promptBytesDropped: dropped };
}
