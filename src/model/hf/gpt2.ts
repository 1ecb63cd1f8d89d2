// Hugging Face GPT-2 `config.json` as a model description: the importer that turns one into the engine's
// own description (types.ts), and the writer that turns a description back into a config.json that
// `GPT2LMHeadModel.from_pretrained(dir)` loads. Every field of the config is either used, listed as not
// changing the network (ignored, and reported), or refused by name: nothing that changes the network is
// ever silently dropped.
//
// GPT-2 (pre-LayerNorm): x = wte[ids] + wpe[pos]; per block i: x += c_proj(attn(c_attn(ln_1(x)))),
// x += mlp.c_proj(gelu(mlp.c_fc(ln_2(x)))); logits = ln_f(x) · wteᵀ (tied) or lm_head(ln_f(x)).
// Legend: L = n_layer, C = n_embd, H = n_head, I = n_inner (default 4C), P = n_positions, V = vocab_size.
import { ValidationError, requireBool, requireInt, requireNumber, requireObject, requireArray } from '../../errors.js';
import type { LayerSpec, ModelSpec } from '../types.js';
import { MAX_POSITIONS, MAX_VOCAB, MAX_WIDTH } from '../validate.js';

/** Largest n_layer accepted (a closed-form bound checked before anything is built). */
export const MAX_LAYERS = 4096;
/** Largest parameter count the functional level builds (fp32 master + AdamW state = 12 bytes each). */
export const MAX_FUNCTIONAL_PARAMS = 1e9;

/** Fields that do not change the network (tokenizer ids, bookkeeping, generation, double-head options). */
const IGNORED = [
  '_name_or_path', 'architectures', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'transformers_version', 'torch_dtype',
  'use_cache', 'task_specific_params', 'output_past', 'summary_activation', 'summary_first_dropout', 'summary_proj_to_labels',
  'summary_type', 'summary_use_proj', 'id2label', 'label2id', 'n_special', 'predict_special_tokens', 'return_dict',
  'output_hidden_states', 'output_attentions', 'tokenizer_class', 'prefix', 'max_length', 'do_sample',
];
/** Fields used to build the network (or its init). */
const USED = [
  'model_type', 'n_layer', 'n_embd', 'n_head', 'n_inner', 'n_positions', 'n_ctx', 'vocab_size', 'layer_norm_epsilon',
  'activation_function', 'tie_word_embeddings', 'initializer_range', 'attn_pdrop', 'resid_pdrop', 'embd_pdrop',
  'scale_attn_weights', 'scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn', 'add_cross_attention',
];
/** Activations that are GPT-2's tanh GELU (the kernels' form). */
const TANH_GELU = ['gelu_new', 'gelu_pytorch_tanh'];

/** What importing a config did besides the description: the fields it ignored (they change nothing modelled). */
export interface HfImport {
  spec: ModelSpec;
  ignored: string[];
  /** The parameters the config determines (tied head counted once), in closed form. */
  params: number;
  /** The shape read (for the at-scale model). */
  shape: { L: number; C: number; H: number; I: number; P: number; V: number; tied: boolean };
}

/** Dropout fields: refused for training (no bit-for-bit match), ignored for estimates (no effect on time or capacity). */
const DROPOUT = ['attn_pdrop', 'resid_pdrop', 'embd_pdrop'];

/** True when a parsed JSON object looks like a Hugging Face config (has model_type). */
export function isHfConfig(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.prototype.hasOwnProperty.call(raw, 'model_type');
}

/** Parameters of a GPT-2 in closed form: wte + wpe + L·(2 LN + attention + MLP) + ln_f (+ lm_head when untied). */
export function gpt2ParamCount(L: number, C: number, I: number, P: number, V: number, tied: boolean): number {
  Object.entries({ n_layer: L, n_embd: C, n_inner: I, n_positions: P, vocab_size: V }).forEach(([k, v]) => requireInt(k, v, 1));
  if (typeof tied !== 'boolean') throw new ValidationError('tie_word_embeddings', tied, 'expected true or false');
  const block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * I + I) + (I * C + C);
  return V * C + P * C + L * block + 2 * C + (tied ? 0 : V * C);
}

/**
 * A GPT-2 config.json (parsed) → the engine's description. `seqLen` = tokens per training sequence
 * (default n_positions). `path` names the file in errors.
 */
export function importGpt2Config(raw: unknown, opts: { seqLen?: number; path?: string; purpose?: 'train' | 'estimate'; maxParams?: number } = {}): HfImport {
  const train = (opts.purpose ?? 'train') === 'train';
  const path = opts.path ?? 'config.json';
  const f = (k: string) => `${path}: ${k}`;
  const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  // the at-scale model also takes a bare GPT-2-style config (n_layer, n_embd, ...) without model_type
  if (!isHfConfig(raw) && !(isObject && !train)) throw new ValidationError(f('model_type'), '(missing)', 'expected a Hugging Face config.json with model_type "gpt2"');
  const c = raw as Record<string, unknown>;
  if (c.model_type !== 'gpt2' && (train || c.model_type !== undefined)) throw new ValidationError(f('model_type'), c.model_type, train ? 'expected "gpt2": the functional level trains GPT-2-family configs; `weightstream estimate --model FILE` takes this one' : 'expected "gpt2" (the functional level trains GPT-2-style decoders)');
  const ignored: string[] = [];
  for (const k of Object.keys(c)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new ValidationError(f(k), '(present)', 'expected no prototype keys');
    if (IGNORED.includes(k)) ignored.push(k);
    else if (!USED.includes(k)) throw new ValidationError(f(k), c[k], 'unknown field: it may change the network, and unsupported fields are refused rather than ignored');
  }
  const L = requireInt(f('n_layer'), c.n_layer, 1, MAX_LAYERS);
  const C = requireInt(f('n_embd'), c.n_embd, 1, MAX_WIDTH);
  const H = requireInt(f('n_head'), c.n_head, 1, C);
  if (C % H !== 0) throw new ValidationError(f('n_head'), H, `expected a divisor of n_embd ${C}`);
  const I = c.n_inner === undefined || c.n_inner === null ? 4 * C : requireInt(f('n_inner'), c.n_inner, 1, MAX_WIDTH);
  const P = requireInt(f('n_positions'), c.n_positions ?? 1024, 1, MAX_POSITIONS);
  if (c.n_ctx !== undefined && c.n_ctx !== P) throw new ValidationError(f('n_ctx'), c.n_ctx, `expected n_positions ${P} (n_ctx is its old name)`);
  const V = requireInt(f('vocab_size'), c.vocab_size ?? 50257, 2, MAX_VOCAB);
  const eps = requireNumber(f('layer_norm_epsilon'), c.layer_norm_epsilon ?? 1e-5, Number.MIN_VALUE, 1);
  const act = c.activation_function ?? 'gelu_new';
  if (typeof act !== 'string' || !TANH_GELU.includes(act)) throw new ValidationError(f('activation_function'), act, `expected ${TANH_GELU.join(' or ')} (GPT-2's tanh GELU)`);
  const tied = c.tie_word_embeddings === undefined ? true : requireBool(f('tie_word_embeddings'), c.tie_word_embeddings);
  const std = requireNumber(f('initializer_range'), c.initializer_range ?? 0.02, Number.MIN_VALUE, 1e3);
  for (const k of DROPOUT) {
    if (!train && c[k] !== undefined) ignored.push(k);
    else if (train && c[k] === undefined) {
      // Hugging Face's GPT2Config reads an omitted one as 0.1: a GPT2LMHeadModel of this file trains with dropout
      throw new ValidationError(f(k), c[k], `expected 0, stated: an omitted ${k} is 0.1 to Hugging Face (GPT2Config's default), and dropout cannot match an ordinary trainer bit for bit (add "${k}": 0)`);
    } else if (train && c[k] !== 0) {
      throw new ValidationError(f(k), c[k], 'expected 0: dropout cannot match an ordinary trainer bit for bit, so it is refused rather than applied or ignored (set it to 0)');
    }
  }
  requireFlag(f, c, 'scale_attn_weights', true);
  requireFlag(f, c, 'scale_attn_by_inverse_layer_idx', false);
  requireFlag(f, c, 'reorder_and_upcast_attn', false);
  requireFlag(f, c, 'add_cross_attention', false);
  const params = gpt2ParamCount(L, C, I, P, V, tied);
  const max = opts.maxParams ?? MAX_FUNCTIONAL_PARAMS;
  if (params > max) {
    const hint = train ? '; use `weightstream estimate` for models at scale' : '';
    throw new ValidationError(f('n_layer'), L, `expected at most ${max.toExponential(0)} parameters (this config has ${params.toExponential(3)})${hint}`);
  }
  const seqLen = opts.seqLen === undefined ? P : requireInt('seqLen', opts.seqLen, 1, P);
  return { spec: gpt2Spec({ L, C, H, I, P, V, eps, tied, std }, seqLen), ignored, params, shape: { L, C, H, I, P, V, tied } };
}

interface Gpt2Shape {
  L: number;
  C: number;
  H: number;
  I: number;
  P: number;
  V: number;
  eps: number;
  tied: boolean;
  std: number;
}

/** The engine's description of a GPT-2, named as Hugging Face's GPT2LMHeadModel state dict. */
function gpt2Spec(g: Gpt2Shape, seqLen: number): ModelSpec {
  const projStd = g.std / Math.sqrt(2 * g.L); // GPT-2 scales the residual projections' init by 1/sqrt(2·n_layer)
  const conv = (name: string, out: number, initStd: number): LayerSpec => ({ type: 'linear', out, conv1d: true, initStd, name });
  const layers: LayerSpec[] = [{ type: 'embedding', vocab: g.V, positions: g.P, out: g.C, initStd: g.std, name: 'transformer' }];
  for (let i = 0; i < g.L; i++) {
    const h = `transformer.h.${i}`;
    layers.push({
      type: 'residual',
      layers: [{ type: 'layernorm', eps: g.eps, name: `${h}.ln_1` }, conv(`${h}.attn.c_attn`, 3 * g.C, g.std), { type: 'attention', heads: g.H }, conv(`${h}.attn.c_proj`, g.C, projStd)],
    });
    layers.push({
      type: 'residual',
      layers: [{ type: 'layernorm', eps: g.eps, name: `${h}.ln_2` }, conv(`${h}.mlp.c_fc`, g.I, g.std), { type: 'gelu' }, conv(`${h}.mlp.c_proj`, g.C, projStd)],
    });
  }
  layers.push({ type: 'layernorm', eps: g.eps, name: 'transformer.ln_f' });
  layers.push(g.tied ? { type: 'lm_head', tied: true } : { type: 'lm_head', tied: false, initStd: g.std });
  return { name: `gpt2-L${g.L}-C${g.C}-H${g.H}`, input: 1, seqLen, layers, loss: 'softmax_cross_entropy' };
}

/**
 * The GPT-2 config.json of a description the importer made (or one of the same shape), for `--save`: with
 * it beside model.safetensors, `GPT2LMHeadModel.from_pretrained(dir)` loads the trained weights.
 * Returns null for a description that is not a GPT-2.
 */
export function gpt2ConfigOf(spec: ModelSpec): Record<string, unknown> | null {
  requireArray('model.layers', requireObject('model', spec).layers);
  const [emb, ...rest] = spec.layers;
  const head = rest[rest.length - 1];
  if (!emb || emb.type !== 'embedding' || !head || head.type !== 'lm_head') return null;
  const blocks = rest.filter((l) => l.type === 'residual');
  if (blocks.length === 0 || blocks.length % 2 !== 0) return null;
  const attn = blocks[0].type === 'residual' ? blocks[0].layers.find((l) => l.type === 'attention') : undefined;
  const mlp = blocks[1].type === 'residual' ? blocks[1].layers.find((l) => l.type === 'linear') : undefined;
  const ln = rest.find((l) => l.type === 'layernorm');
  if (!attn || attn.type !== 'attention' || !mlp || mlp.type !== 'linear') return null;
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    n_layer: blocks.length / 2,
    n_embd: emb.out,
    n_head: attn.heads,
    n_inner: mlp.out,
    n_positions: emb.positions,
    vocab_size: emb.vocab,
    layer_norm_epsilon: ln && ln.type === 'layernorm' ? ln.eps ?? 1e-5 : 1e-5,
    activation_function: 'gelu_new',
    tie_word_embeddings: head.tied !== false,
    initializer_range: emb.initStd ?? 0.02,
    attn_pdrop: 0,
    resid_pdrop: 0,
    embd_pdrop: 0,
  };
}

/** A boolean field that must keep GPT-2's standard value (anything else changes the network and is not modelled). */
function requireFlag(f: (k: string) => string, c: Record<string, unknown>, k: string, want: boolean): void {
  if (c[k] === undefined) return;
  if (requireBool(f(k), c[k]) !== want) throw new ValidationError(f(k), c[k], `expected ${want} (the other setting is not modelled)`);
}
