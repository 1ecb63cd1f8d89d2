// Models for the at-scale estimate: the presets in specs/models/*.json (GPT-3 Table 2.1, Megatron-LM
// 1 T, a derived 120 T), a Hugging Face GPT-2-style config.json, and the training engine's model
// description (src/model) — each turned into a PerfModel: a per-layer list plus the run's token counts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseJsonText, readInputText } from '../io/files.js';
import { basename, join } from 'node:path';
import { ValidationError, requireInt, requireNumber, shapeError, requireString } from '../errors.js';
import type { LayerSpec, ModelSpec } from '../model/types.js';
import { validateModel } from '../model/validate.js';
import { importGpt2Config, type DecoderArch } from '../model/hf.js';
import { decoderActiveParamCount } from '../model/hf/arch.js';
import { contextOf, decoderModelFromHfConfig, hfConfigNames, hfConfigPath, isDecoderConfig } from './hf-models.js';

/** Largest parameter count the at-scale model takes from a config: GPT_LIMITS.params (below), the presets' bound. */
const MAX_SCALE_PARAMS = 1e16;
import { rootPath } from '../paths.js';
import { ACT_BYTES, countParams, gptLayers, type GptShape, type PerfLayer } from './layers.js';
import type { Figure } from './specs.js';

export interface PerfModel {
  name: string;
  title: string;
  /** Where it came from: 'preset', a file path, 'object'. */
  origin: string;
  layers: PerfLayer[];
  /** Parameters (each counted once). */
  params: number;
  /** Tokens per sequence (1 for models without a sequence: a sample is a token). */
  contextTokens: number;
  /** Tokens per optimizer step and in the whole training run, when the description says (else the options must). */
  batchTokens?: number;
  trainTokens?: number;
  /** GPT shape (for attention FLOP conventions and reports), when it is one. */
  gpt?: GptShape;
  /** The attention FLOP convention the layers were built with. */
  attention?: 'causal' | 'full';
  nominalParams?: number;
  /** The training FLOP the source publishes (GPT-3 Table D.1), for checks. */
  publishedTrainFlop?: number;
  /** Figures with sources, as read from the preset file. */
  figures?: Record<string, Figure>;
  /** Config fields read and ignored because they change neither time nor capacity (a Hugging Face config). */
  ignoredFields?: string[];
  /** The decoder architecture of a Hugging Face config other than GPT-2 (GPT-J, NeoX, Llama, Mistral, Mixtral). */
  arch?: DecoderArch;
}

const GPT_FIELDS = {
  nLayer: 'int',
  dModel: 'int',
  nHead: 'int',
  dFF: 'int',
  contextTokens: 'int',
  vocab: 'int',
  tiedEmbedding: 'bool',
  batchTokens: 'num',
  trainTokens: 'num',
} as const;
const GPT_OPTIONAL = { nominalParams: 'num', publishedTrainFlop: 'num' } as const;

/** Bounds on a GPT shape from a file, checked in closed form before any layer is built (GPT-120t: 626 layers, d 126400). */
export const GPT_LIMITS = { nLayer: 10_000, width: 1 << 24, vocab: 1 << 24, contextTokens: 1 << 24, params: 1e16 } as const;

/** Refuses a GPT shape past GPT_LIMITS (each field by name), and one whose parameter count (12·L·d² + ...) passes 1e16. */
function checkGptShape(s: GptShape, at: (p: string) => string, names: Record<'nLayer' | 'dModel' | 'dFF' | 'vocab' | 'contextTokens', string>): void {
  const over = (k: keyof typeof names, v: number, max: number) => {
    if (v > max) throw new ValidationError(at(names[k]), v, `expected at most ${max}`);
  };
  over('nLayer', s.nLayer, GPT_LIMITS.nLayer);
  over('dModel', s.dModel, GPT_LIMITS.width);
  over('dFF', s.dFF, GPT_LIMITS.width);
  over('vocab', s.vocab, GPT_LIMITS.vocab);
  over('contextTokens', s.contextTokens, GPT_LIMITS.contextTokens);
  const d = s.dModel;
  const params = s.nLayer * (4 * d * d + 2 * d * s.dFF + 9 * d + s.dFF) + (s.vocab + s.contextTokens) * d;
  if (params > GPT_LIMITS.params) throw new ValidationError(at(names.nLayer), s.nLayer, `expected a model of at most ${GPT_LIMITS.params.toExponential(0)} parameters (this shape has ${params.toExponential(2)})`);
}

/** Validates a GPT preset object (the specs/models format); errors name the file and the field. */
export function gptModelFromSpec(raw: unknown, file: string, attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  const at = (p: string) => `${file}: ${p}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError(at('(top level)'), raw, 'expected a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.kind !== 'gpt') throw new ValidationError(at('kind'), o.kind, 'expected "gpt"');
  if (typeof o.name !== 'string' || !o.name) throw new ValidationError(at('name'), o.name, 'expected a non-empty string');
  const figs = o.figures as Record<string, unknown> | undefined;
  if (figs === null || typeof figs !== 'object' || Array.isArray(figs)) throw new ValidationError(at('figures'), figs, 'expected an object of {value, source} figures');
  const figures: Record<string, Figure> = {};
  const v: Record<string, number | boolean> = {};
  const all = { ...GPT_FIELDS, ...GPT_OPTIONAL } as Record<string, 'int' | 'num' | 'bool'>;
  for (const key of Object.keys(figs)) if (!Object.hasOwn(all, key)) throw new ValidationError(at(`figures.${key}`), figs[key], `unknown figure (known: ${Object.keys(all).join(', ')})`);
  for (const [key, type] of Object.entries(all)) {
    const f = figs[key] as Record<string, unknown> | undefined;
    if (f === undefined) {
      if (key in GPT_OPTIONAL) continue;
      throw new ValidationError(at(`figures.${key}`), undefined, 'missing figure (expected {"value": ..., "source": "..."})');
    }
    if (f === null || typeof f !== 'object') throw new ValidationError(at(`figures.${key}`), f, 'expected {"value": ..., "source": "..."}');
    if (typeof f.source !== 'string' || !f.source) throw new ValidationError(at(`figures.${key}.source`), f.source, 'expected a non-empty string');
    const p = at(`figures.${key}.value`);
    if (type === 'bool') {
      if (typeof f.value !== 'boolean') throw new ValidationError(p, f.value, 'expected true or false');
      v[key] = f.value;
    } else v[key] = type === 'int' ? requireInt(p, f.value, 1) : requireNumber(p, f.value, 1);
    figures[key] = { value: f.value as number, source: f.source, ...(f.uncertain ? { uncertain: true } : {}) };
  }
  const shape: GptShape = {
    nLayer: v.nLayer as number, dModel: v.dModel as number, nHead: v.nHead as number, dFF: v.dFF as number,
    contextTokens: v.contextTokens as number, vocab: v.vocab as number, tiedEmbedding: v.tiedEmbedding as boolean,
  };
  checkGptShape(shape, at, { nLayer: 'figures.nLayer.value', dModel: 'figures.dModel.value', dFF: 'figures.dFF.value', vocab: 'figures.vocab.value', contextTokens: 'figures.contextTokens.value' });
  // No check that nHead divides dModel: GPT-3 XL's Table 2.1 row (24 heads of 128 for d_model 2048) does
  // not, and heads do not enter the estimate (attention width = d_model, as the parameter counts imply).
  const T = contextOf(shape.contextTokens, seqLen, file);
  const layers = gptLayersAt(shape, attention, T);
  return {
    name: o.name, title: typeof o.title === 'string' ? o.title : o.name, origin: file, layers, params: countParams(layers),
    contextTokens: T, batchTokens: v.batchTokens as number, trainTokens: v.trainTokens as number, gpt: { ...shape, contextTokens: T }, attention,
    nominalParams: v.nominalParams as number | undefined, publishedTrainFlop: v.publishedTrainFlop as number | undefined, figures,
  };
}

/**
 * A Hugging Face GPT-2-style config.json (n_layer, n_embd, n_head, n_positions, vocab_size, n_inner
 * (null = 4·n_embd), tie_word_embeddings (default true)). It has no batch or token count: the options give them.
 */
export function gptModelFromHfConfig(raw: unknown, file: string, attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  // one importer for all three levels (src/model/hf.ts): the same fields used, ignored or refused by name
  const imp = importGpt2Config(raw, { path: file, purpose: 'estimate', maxParams: MAX_SCALE_PARAMS });
  const g = imp.shape;
  const shape: GptShape = { nLayer: g.L, dModel: g.C, nHead: g.H, dFF: g.I, contextTokens: g.P, vocab: g.V, tiedEmbedding: g.tied };
  checkGptShape(shape, (p: string) => `${file}: ${p}`, { nLayer: 'n_layer', dModel: 'n_embd', dFF: 'n_inner', vocab: 'vocab_size', contextTokens: 'n_positions' });
  const T = contextOf(shape.contextTokens, seqLen, file);
  const layers = gptLayersAt(shape, attention, T);
  const o = raw as Record<string, unknown>;
  const name = typeof o._name_or_path === 'string' && o._name_or_path ? o._name_or_path : basename(file, '.json');
  return { name, title: `${name} (Hugging Face config)`, origin: file, layers, params: countParams(layers), contextTokens: T, gpt: { ...shape, contextTokens: T }, attention, ignoredFields: imp.ignored };
}

/**
 * gptLayers with attention over T tokens while the learned position table keeps its P rows (T <= P):
 * equal to gptLayers(shape) when T = P.
 */
function gptLayersAt(shape: GptShape, attention: 'causal' | 'full', T: number): PerfLayer[] {
  if (T === shape.contextTokens) return gptLayers(shape, attention);
  const layers = gptLayers({ ...shape, contextTokens: T }, attention);
  const rows = shape.vocab + shape.contextTokens;
  layers[0] = { ...layers[0], in: rows, params: rows * shape.dModel, matWeights: rows * shape.dModel };
  return layers;
}

/**
 * The training engine's model description (src/model/types.ts), as layers for the estimate: a sample is
 * one token (no sequence); linear layers keep their own sparsity (the --sparsity option fills in the
 * others); a residual block is one recompute group; the first linear computes no input gradient.
 */
export function perfModelFromEngine(spec: ModelSpec, origin = 'object'): PerfModel {
  const m = validateModel(spec);
  const layers: PerfLayer[] = [];
  let block = 0;
  let first = true;
  const walk = (list: LayerSpec[], width: number, prefix: string, inBlock: number | null): number => {
    list.forEach((l, i) => {
      const name = `${prefix}${i}`;
      const b = inBlock ?? ++block;
      const start = layers.length;
      switch (l.type) {
        case 'linear': {
          const K = width;
          const N = l.out;
          const bias = l.bias !== false ? N : 0;
          const fixed = l.mask ? 1 - countNonZero(l.mask) / (K * N) : l.sparsity ?? -1;
          layers.push({
            name: `${name}.linear`, kind: 'linear', in: K, out: N, params: K * N + bias, matWeights: K * N, vecWeights: bias,
            sparsifiable: true, fixedSparsity: fixed, streamFwd: true, streamBwd: true, gradOut: true,
            fwdFlop: 2 * K * N, deltaFlop: first ? 0 : 2 * K * N, gradFlop: 2 * K * N, flopScalesWithWeights: true,
            actBytes: ACT_BYTES * K, block: b, checkpointBytes: 0,
          });
          first = false;
          width = N;
          break;
        }
        case 'relu':
        case 'gelu':
          layers.push(plain(`${name}.${l.type}`, 'activation', width, b));
          break;
        case 'layernorm':
          layers.push({ ...plain(`${name}.layernorm`, 'norm', width, b), params: 2 * width, vecWeights: 2 * width, streamFwd: true, streamBwd: true, gradOut: true });
          break;
        case 'residual':
          width = walk(l.layers, width, `${name}.`, inBlock ?? b);
          break;
      }
      if (inBlock === null && layers.length > start) layers[start].checkpointBytes = ACT_BYTES * inputWidthOf(layers[start]);
    });
    return width;
  };
  walk(m.layers, m.input, 'layers.', null);
  const name = m.name ?? 'model';
  return { name, title: `${name} (training engine description)`, origin, layers, params: countParams(layers), contextTokens: 1 };
}

function inputWidthOf(l: PerfLayer): number {
  return l.in;
}

function plain(name: string, kind: 'activation' | 'norm', width: number, block: number): PerfLayer {
  return {
    name, kind, in: width, out: width, params: 0, matWeights: 0, vecWeights: 0, sparsifiable: false, fixedSparsity: -1,
    streamFwd: false, streamBwd: false, gradOut: false, fwdFlop: 0, deltaFlop: 0, gradFlop: 0, flopScalesWithWeights: false,
    actBytes: ACT_BYTES * width, block, checkpointBytes: 0,
  };
}

function countNonZero(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

const MODELS_DIR = () => rootPath('specs', 'models');
const presetCache = new Map<string, PerfModel>();

/** Names of the shipped presets (specs/models/*.json). */
export function presetNames(): string[] {
  return readdirSync(MODELS_DIR()).filter((n) => n.endsWith('.json')).map((n) => basename(n, '.json')).sort(presetOrder);
}

function presetOrder(a: string, b: string): number {
  const order = ['gpt3-small', 'gpt3-medium', 'gpt3-large', 'gpt3-xl', 'gpt3-2.7b', 'gpt3-6.7b', 'gpt3-13b', 'gpt3-175b', 'gpt-1t', 'gpt-120t'];
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

/** A shipped preset by name (loaded once per attention convention; a --seq-len builds a fresh one). */
export function preset(name: string, attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  const key = `${name}/${attention}`;
  const hit = seqLen === undefined ? presetCache.get(key) : undefined;
  if (hit) return hit;
  const file = join(MODELS_DIR(), `${name}.json`);
  if (!/^[\w.-]+$/.test(name) || !existsSync(file)) throw new ValidationError('--model', name, `expected a preset (${[...presetNames(), ...hfConfigNames()].join(', ')}) or a JSON file`);
  const m = gptModelFromSpec(JSON.parse(readFileSync(file, 'utf8')), join('specs', 'models', `${name}.json`), attention, seqLen);
  m.origin = 'preset';
  if (seqLen === undefined) presetCache.set(key, m);
  return m;
}

/**
 * The fabric's reader of these GPT specs (src/fabric/model-layer.ts's AtScaleReader: the fabric, functional code,
 * does not import this model): a preset's shape by name, or a parsed {"kind": "gpt"} spec's (the fabric reads the file).
 */
export const atScaleReader = {
  preset: (name: string): GptShape | null => (presetNames().includes(name) ? preset(name).gpt! : null),
  fromSpec: (raw: unknown, path: string): GptShape => gptModelFromSpec(raw, path).gpt!,
  names: (): string[] => presetNames(),
};

/** Every preset, in size order. */
export function presets(attention: 'causal' | 'full' = 'causal'): PerfModel[] {
  return presetNames().map((n) => preset(n, attention));
}

/**
 * A model from a parsed object: a GPT preset ({kind: "gpt"}), a Hugging Face config (GPT-2, GPT-J, GPT-NeoX,
 * Llama, Mistral, Mixtral: model_type or architectures; a bare n_layer/n_embd object reads as GPT-2), or an
 * engine description (layers). `seqLen` replaces the context of a sequence model for this run.
 */
export function modelFromObject(raw: unknown, origin = 'object', attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (o.kind === 'gpt') return gptModelFromSpec(raw, origin, attention, seqLen);
    if (('model_type' in o || 'architectures' in o) && isDecoderConfig(o, origin)) return decoderModelFromHfConfig(raw, origin, attention, seqLen);
    if ('n_layer' in o || 'n_embd' in o || 'model_type' in o || 'architectures' in o) return gptModelFromHfConfig(raw, origin, attention, seqLen);
    if ('layers' in o || 'input' in o) {
      if (seqLen !== undefined) throw new ValidationError('seqLen', seqLen, 'expected none for a training-engine description (a sample is one token; it has no sequence)');
      try {
        return perfModelFromEngine(raw as ModelSpec, origin);
      } catch (e) {
        if (e instanceof ValidationError && origin !== 'object') e.message = `${origin}: ${e.message}`;
        throw e;
      }
    }
  }
  // a file that is none of these is not quoted (shapeOf: "a string of 10 characters"), lest a secret be echoed
  throw shapeError(origin === 'object' ? 'model' : origin, raw, 'expected a GPT preset ({"kind": "gpt", ...}), a Hugging Face config.json (GPT-2, GPT-J, GPT-NeoX, Llama, Mistral, Mixtral) or a training-engine model description (input, layers)');
}

/** --model NAME|FILE: a preset name (specs/models, or a shipped Hugging Face config in specs/hf), or a JSON file in any format. */
export function resolveModel(nameOrFile: string, attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  requireString('--model', nameOrFile);
  const shipped = presetNames().includes(nameOrFile) || hfConfigPath(nameOrFile) !== null;
  // a bare name is a shipped model, or else a file of that name (a directory or FIFO is refused as a file)
  if (!nameOrFile.endsWith('.json') && !nameOrFile.includes('/') && (shipped || !existsSync(nameOrFile))) {
    const hf = presetNames().includes(nameOrFile) ? null : hfConfigPath(nameOrFile);
    if (!hf) return preset(nameOrFile, attention, seqLen);
    const m = modelFromObject(parseJsonText(readInputText(hf, 'model', '--model'), '--model', hf), join('specs', 'hf', `${nameOrFile}.json`), attention, seqLen);
    m.origin = 'preset';
    return m;
  }
  if (!existsSync(nameOrFile)) throw new ValidationError('--model', nameOrFile, `expected a preset (${[...presetNames(), ...hfConfigNames()].join(', ')}) or a readable JSON file (ENOENT)`);
  const text = readInputText(nameOrFile, 'model', '--model');
  const raw = parseJsonText(text, '--model', nameOrFile);
  return modelFromObject(raw, nameOrFile, attention, seqLen);
}

/** Parameters a token computes with: all of them, but for a mixture of experts only its routed experts' (6·P·D takes these). */
export function activeParams(model: PerfModel): number {
  return model.arch && model.arch.experts > 1 ? decoderActiveParamCount(model.arch) : model.params;
}
