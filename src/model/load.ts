// Model descriptions from files and by name: a JSON file (validated in full, errors name the file and
// the path inside it), or a preset sized to the data (input width and classes), and the `--sparsity`
// override that puts one seeded sparsity on every linear layer.
import { existsSync } from 'node:fs';
import { parseJsonText, readInputText } from '../io/files.js';
import { ValidationError, ownEntry, requireInt, requireNumber, requireObject, requireArray } from '../errors.js';
import { rootPath } from '../paths.js';
import { importGpt2Config, isHfConfig } from './hf.js';
import type { LayerSpec, ModelSpec } from './types.js';
import { validateModel } from './validate.js';

/** GPT presets: Hugging Face GPT-2 config.json files shipped in specs/gpt (see its README). */
export const GPT_PRESETS = ['gpt-nano', 'gpt-micro', 'gpt-mini'] as const;

/**
 * Reads a model description from a JSON file: the engine's own description, or a Hugging Face GPT-2
 * config.json (model_type "gpt2", imported by hf.ts; `seqLen` = tokens per sequence, default n_positions).
 */
export function loadModelFile(path: string, opts: { seqLen?: number } = {}): ModelSpec {
  const raw = parseJsonText(readInputText(path, 'model', '--model'), '--model', path);
  try {
    if (isHfConfig(raw)) return validateModel(importGpt2Config(raw, { seqLen: opts.seqLen, path }).spec);
    return validateModel(raw);
  } catch (e) {
    if (e instanceof ValidationError && e.message.startsWith(`${path}: `)) throw e;
    if (e instanceof ValidationError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** Presets by name, sized to the data: hidden widths are fixed, input and classes come from the data. */
export const PRESETS: Record<string, (input: number, classes: number) => ModelSpec> = {
  /** One hidden layer of 256: the digits MLP (docs/model.md gives its accuracy). */
  mlp: (input, classes) => ({ name: 'mlp', input, layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: classes }] }),
  /** Two hidden layers (256, 128). */
  mlp2: (input, classes) => ({
    name: 'mlp2',
    input,
    layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: 128 }, { type: 'relu' }, { type: 'linear', out: classes }],
  }),
  /** A residual MLP with LayerNorm and GELU (pre-norm blocks), width 128. */
  resmlp: (input, classes) => ({
    name: 'resmlp',
    input,
    layers: [
      { type: 'linear', out: 128 },
      { type: 'relu' },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 128 }, { type: 'gelu' }, { type: 'linear', out: 128 }] },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 128 }, { type: 'gelu' }, { type: 'linear', out: 128 }] },
      { type: 'layernorm' },
      { type: 'linear', out: classes },
    ],
  }),
  /** A wide MLP (1024, 1024) that keeps the cores busy: the training benchmark's model. */
  wide: (input, classes) => ({
    name: 'wide',
    input,
    layers: [{ type: 'linear', out: 1024 }, { type: 'relu' }, { type: 'linear', out: 1024 }, { type: 'relu' }, { type: 'linear', out: classes }],
  }),
};

/**
 * Whether a model (a preset name, a file, or a description) reads token ids: a GPT preset, a Hugging Face
 * config.json, or a description that starts with an embedding. Unreadable files count as feature models
 * (their own loader reports the error).
 */
export function readsTokens(model: string | ModelSpec): boolean {
  if (typeof model !== 'string') return model.layers?.[0]?.type === 'embedding';
  if ((GPT_PRESETS as readonly string[]).includes(model)) return true;
  if (!existsSync(model)) return false;
  try {
    const raw = JSON.parse(readInputText(model, 'model', '--model'));
    return isHfConfig(raw) || raw?.layers?.[0]?.type === 'embedding';
  } catch {
    return false;
  }
}

/** The spec of a GPT preset by name (null for another name), for sequences of `seqLen` tokens (default its n_positions). */
export function gptPreset(name: string, seqLen?: number): ModelSpec | null {
  if (!(GPT_PRESETS as readonly string[]).includes(name)) return null;
  return { ...loadModelFile(rootPath('specs', 'gpt', `${name}.json`), { seqLen }), name };
}

/**
 * A model for token data (vocab V, sequences of T tokens): a GPT preset or a config.json / description file;
 * its vocabulary must cover V and its positions T.
 */
export function resolveTokenModel(fileOrName: string, vocab: number, seqLen: number): ModelSpec {
  return fitTokenModel(loadTokenModel(fileOrName), vocab, seqLen, fileOrName);
}

/** A GPT preset or a config.json / model JSON file, read once (checked against the data by fitTokenModel). */
export function loadTokenModel(fileOrName: string): ModelSpec {
  const spec = gptPreset(fileOrName, undefined);
  if (spec) return spec;
  if (!existsSync(fileOrName)) throw new ValidationError('--model', fileOrName, `expected a GPT preset (${GPT_PRESETS.join(', ')}) or a config.json / model JSON file for token data`);
  return loadModelFile(fileOrName);
}

/** The model for token data of vocabulary V and sequences of T tokens: its vocabulary must cover V and its positions T. */
export function fitTokenModel(spec: ModelSpec, vocab: number, seqLen: number, name = 'model'): ModelSpec {
  const emb = spec.layers[0];
  if (emb.type !== 'embedding') throw new ValidationError('--model', name, 'expected a model that starts with an embedding for token data');
  if (seqLen > emb.positions) throw new ValidationError('data.seqLen', seqLen, `expected sequences of at most the model's n_positions ${emb.positions}`);
  if (vocab > emb.vocab) throw new ValidationError('data.vocab', vocab, `expected at most the model's vocab_size ${emb.vocab}`);
  return validateModel({ ...spec, seqLen });
}

/** A model from a preset name or a JSON file path; `input`/`classes` size presets (and are checked against files). */
export function resolveModel(fileOrName: string, input: number, classes: number): ModelSpec {
  requireInt('input', input, 1);
  requireInt('classes', classes, 2);
  const preset = ownEntry(PRESETS, fileOrName);
  let spec: ModelSpec;
  if (preset) spec = validateModel(preset(input, classes));
  else if (existsSync(fileOrName)) spec = loadModelFile(fileOrName);
  else throw new ValidationError('--model', fileOrName, `expected a JSON file or a preset (${Object.keys(PRESETS).join(', ')})`);
  if (spec.input !== input) throw new ValidationError('input', spec.input, `expected the data's feature count ${input} (model ${fileOrName})`);
  return spec;
}

/** A copy of the model with `sparsity` (and no explicit mask) on every linear layer; 0 makes them dense. */
export function withSparsity(spec: ModelSpec, sparsity: number): ModelSpec {
  requireArray('model.layers', requireObject('model', spec).layers);
  requireNumber('--sparsity', sparsity, 0, 1, true);
  const map = (layers: LayerSpec[]): LayerSpec[] =>
    layers.map((l) => {
      if (l.type === 'residual') return { ...l, layers: map(l.layers) };
      if (l.type !== 'linear') return { ...l }; // a GPT's embedding and head stay dense; its block linears take the mask
      const { mask: _m, sparsity: _s, ...rest } = l;
      return sparsity > 0 ? { ...rest, sparsity } : rest;
    });
  return validateModel({ ...spec, layers: map(spec.layers) });
}
