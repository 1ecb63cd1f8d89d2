// The decoder architecture a Hugging Face config describes, as the at-scale model needs it: one shape
// for every family (GPT-2, GPT-J, GPT-NeoX/Pythia, Llama, Mistral, Mixtral), its parameter count in
// closed form, and the field bookkeeping every importer shares (used, ignored, refused by name).
//
// Legend: L = layers, d = hidden width, h = query heads, g = key/value heads (grouped-query attention;
// g = h is multi-head), a = head width (d/h unless the config says), f = MLP inner width, V = vocabulary,
// P = positions of a learned position table (0 with rotary), E = experts (1 = dense), k = experts per token.
import { ValidationError, requireInt, requireObject } from '../../errors.js';

export type DecoderFamily = 'gpt2' | 'gptj' | 'gpt_neox' | 'llama' | 'mistral' | 'mixtral';
export const DECODER_FAMILIES: readonly DecoderFamily[] = ['gpt2', 'gptj', 'gpt_neox', 'llama', 'mistral', 'mixtral'];

export interface DecoderArch {
  family: DecoderFamily;
  nLayer: number;
  dModel: number;
  nHead: number;
  /** Key/value heads (grouped-query attention); = nHead for multi-head attention. */
  nKvHead: number;
  headDim: number;
  /** MLP inner width f (per expert). */
  dFF: number;
  vocab: number;
  /** The longest sequence the positions allow (n_positions / max_position_embeddings): the default context. */
  maxPositions: number;
  /** Learned position table rows (GPT-2: P); 0 with rotary positions (no parameters). */
  learnedPositions: number;
  /** Rotary dimensions per head (0: none); no parameters, its elementwise FLOP are not counted. */
  rotaryDims: number;
  norm: 'layernorm' | 'rmsnorm';
  /** Norms per block: 2 (attention and MLP each), 1 (GPT-J: one LayerNorm feeds both). */
  normsPerBlock: 1 | 2;
  /** Attention and MLP read the same block input and add to the residual together (GPT-J, NeoX parallel residual). */
  parallel: boolean;
  /** Gated MLP (SwiGLU): gate and up d→f, down f→d (three matrices); else up d→f, down f→d. */
  gatedMlp: boolean;
  qkvBias: boolean;
  outBias: boolean;
  mlpBias: boolean;
  /** Untied output head with a bias (GPT-J's lm_head). */
  headBias: boolean;
  tied: boolean;
  experts: number;
  expertsPerToken: number;
  /** Sliding-window attention width (Mistral), or null (every earlier token). */
  slidingWindow: number | null;
}

/**
 * Parameters of a decoder in closed form (each tensor once; a tied head owns none):
 *   embed      V·d + P·d
 *   attention  d·h·a (q) + 2·d·g·a (k, v) + h·a·d (o) [+ (h + 2g)·a with qkv bias] [+ d with an output bias]
 *   mlp        E · (gated ? 3·d·f : 2·d·f) [+ E·(gated ? 2f + d : f + d) with MLP biases] [+ d·E router when E > 1]
 *   norms      normsPerBlock · (LayerNorm 2d | RMSNorm d) per block, + one final norm
 *   head       untied: V·d; [+ V with a bias (GPT-J), tied or not]
 * total = embed + L·(attention + mlp + norms) + final norm + head.
 */
export function decoderParamCount(a: DecoderArch): number {
  requireObject('arch', a);
  for (const k of ['nLayer', 'dModel', 'nHead', 'nKvHead', 'headDim', 'dFF', 'vocab', 'experts'] as const) requireInt(`arch.${k}`, a[k], 1);
  requireInt('arch.learnedPositions', a.learnedPositions, 0);
  requireInt('arch.normsPerBlock', a.normsPerBlock, 1, 2);
  const { dModel: d, nHead: h, nKvHead: g, headDim: hd, dFF: f, vocab: V, experts: E } = a;
  const normP = a.norm === 'layernorm' ? 2 * d : d;
  const attn = d * h * hd + 2 * d * g * hd + h * hd * d + (a.qkvBias ? (h + 2 * g) * hd : 0) + (a.outBias ? d : 0);
  const expert = expertParams(a);
  const mlp = E * expert + (E > 1 ? d * E : 0);
  const block = attn + mlp + a.normsPerBlock * normP;
  const head = (a.tied ? 0 : V * d) + (a.headBias ? V : 0);
  return V * d + a.learnedPositions * d + a.nLayer * block + normP + head;
}

/** Fields no family's network depends on for time or capacity: tokenizer ids, bookkeeping, dtype, caching, generation. */
export const COMMON_IGNORED = [
  '_name_or_path', 'architectures', 'bos_token_id', 'eos_token_id', 'pad_token_id', 'sep_token_id', 'transformers_version', 'torch_dtype',
  'use_cache', 'tokenizer_class', 'task_specific_params', 'initializer_range', 'return_dict', 'output_hidden_states', 'output_attentions',
  'gradient_checkpointing', 'max_length', 'do_sample', 'id2label', 'label2id', 'prefix', 'pretraining_tp',
];

/**
 * Sorts a config's fields: every key must be `used` by the family's importer or `ignored` (listed in the
 * result); any other key is refused by name (it may change the network, and is not modelled).
 */
export function sortFields(c: Record<string, unknown>, path: string, used: readonly string[], ignored: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of Object.keys(c)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new ValidationError(`${path}: ${k}`, '(present)', 'expected no prototype keys');
    if (ignored.includes(k) || COMMON_IGNORED.includes(k)) out.push(k);
    else if (!used.includes(k)) throw new ValidationError(`${path}: ${k}`, c[k], `unknown field for model_type "${String(c.model_type)}": it may change the network, and fields that are not modelled are refused rather than ignored`);
  }
  return out;
}

/** Largest widths and counts a config may give (checked before anything is built; the at-scale model's bounds). */
export const ARCH_LIMITS = { layers: 10_000, width: 1 << 24, vocab: 1 << 24, positions: 1 << 24, experts: 4096 } as const;

export function requireBool(path: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new ValidationError(path, v, 'expected true or false');
  return v;
}

/** Activations the estimate accepts: an elementwise function (its FLOP are not counted, as GPT-2's GELU). */
export const ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'quick_gelu', 'silu', 'swish', 'relu'];

export function requireActivation(path: string, v: unknown, dflt: string): string {
  const act = v ?? dflt;
  if (typeof act !== 'string' || !ACTIVATIONS.includes(act)) throw new ValidationError(path, act, `expected an elementwise activation (${ACTIVATIONS.join(', ')})`);
  return act;
}

/** One expert's MLP parameters (gated: gate, up and down, 3·d·f; else 2·d·f), with its biases. */
function expertParams(a: DecoderArch): number {
  const { dModel: d, dFF: f } = a;
  return (a.gatedMlp ? 3 * d * f : 2 * d * f) + (a.mlpBias ? (a.gatedMlp ? 2 * f : f) + d : 0);
}

/**
 * Parameters a token computes with: a mixture of experts routes each token to expertsPerToken of its experts,
 * so the others' weights (stored and streamed) do no work for it (Mixtral 8x7B: 12.9 B of 46.7 B). The
 * training FLOP convention 6·P·D takes this P for such a model. Equal to decoderParamCount without experts.
 */
export function decoderActiveParamCount(a: DecoderArch): number {
  return decoderParamCount(a) - a.nLayer * (a.experts - Math.min(a.expertsPerToken, a.experts)) * expertParams(a);
}
