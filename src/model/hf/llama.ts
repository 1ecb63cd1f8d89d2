// Hugging Face Llama-family config.json (model_type "llama": Llama 1/2/3; "mistral"; "mixtral": mixture of
// experts) → the decoder architecture. Block (pre-norm, sequential): x += o_proj(attn(rope(q_proj h),
// rope(k_proj h), v_proj h)) with h = input_layernorm(x) (RMSNorm: a gain, no shift); x += mlp(post_attention_layernorm(x)),
// mlp = down_proj(silu(gate_proj y) · up_proj y) (SwiGLU, three matrices). Grouped-query attention:
// k/v project to g = num_key_value_heads heads of a = head_dim (default d/h). Mixtral: each block's MLP
// is E = num_local_experts such MLPs and a router d→E (no bias); every token runs k = num_experts_per_tok.
// Parameters (V, d, f = intermediate_size, h, g, a, L):
//   V·d + L·(2d [2 RMSNorms] + 2·d·h·a + 2·d·g·a [+ (h+2g)·a + d: attention_bias] + E·3·d·f [+ E·(2f + d): mlp_bias] [+ d·E router]) + d + V·d (untied)
// Llama-2-7B 6,738,415,616; Llama-3-8B 8,030,261,248; Mistral-7B-v0.1 7,241,732,096; Mixtral-8x7B 46,702,792,704.
import { ValidationError, requireInt } from '../../errors.js';
import { ARCH_LIMITS, requireActivation, requireBool, sortFields, type DecoderArch, type DecoderFamily } from './arch.js';

const USED_LLAMA = [
  'model_type', 'num_hidden_layers', 'hidden_size', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'intermediate_size',
  'max_position_embeddings', 'vocab_size', 'hidden_act', 'tie_word_embeddings', 'attention_bias', 'mlp_bias',
];
const USED: Record<'llama' | 'mistral' | 'mixtral', string[]> = {
  llama: USED_LLAMA,
  mistral: [...USED_LLAMA, 'sliding_window'],
  mixtral: [...USED_LLAMA, 'sliding_window', 'num_local_experts', 'num_experts_per_tok'],
};
/** Change neither time nor capacity: dropout, epsilon, the rotary base and scaling, router loss settings. */
const IGNORED = [
  'attention_dropout', 'rms_norm_eps', 'rope_theta', 'rope_scaling', 'output_router_logits', 'router_aux_loss_coef', 'router_jitter_noise',
];

export function llamaArch(c: Record<string, unknown>, path: string, family: 'llama' | 'mistral' | 'mixtral'): { arch: DecoderArch; ignored: string[] } {
  const f = (k: string) => `${path}: ${k}`;
  const ignored = sortFields(c, path, USED[family], IGNORED);
  const L = requireInt(f('num_hidden_layers'), c.num_hidden_layers, 1, ARCH_LIMITS.layers);
  const d = requireInt(f('hidden_size'), c.hidden_size, 1, ARCH_LIMITS.width);
  const h = requireInt(f('num_attention_heads'), c.num_attention_heads, 1, d);
  const g = c.num_key_value_heads === undefined || c.num_key_value_heads === null ? h : requireInt(f('num_key_value_heads'), c.num_key_value_heads, 1, h);
  if (h % g !== 0) throw new ValidationError(f('num_key_value_heads'), g, `expected a divisor of num_attention_heads ${h} (grouped-query attention)`);
  if ((c.head_dim === undefined || c.head_dim === null) && d % h !== 0) throw new ValidationError(f('num_attention_heads'), h, `expected a divisor of hidden_size ${d} (or a head_dim)`);
  const a = c.head_dim === undefined || c.head_dim === null ? d / h : requireInt(f('head_dim'), c.head_dim, 1, ARCH_LIMITS.width);
  requireActivation(f('hidden_act'), c.hidden_act, 'silu');
  const E = family === 'mixtral' ? requireInt(f('num_local_experts'), c.num_local_experts ?? 8, 1, ARCH_LIMITS.experts) : 1;
  const k = family === 'mixtral' ? requireInt(f('num_experts_per_tok'), c.num_experts_per_tok ?? 2, 1, E) : 1;
  const window = c.sliding_window === undefined || c.sliding_window === null ? null : requireInt(f('sliding_window'), c.sliding_window, 1, ARCH_LIMITS.positions);
  const attnBias = requireBool(f('attention_bias'), c.attention_bias, false);
  const arch: DecoderArch = {
    family: family as DecoderFamily, nLayer: L, dModel: d, nHead: h, nKvHead: g, headDim: a,
    dFF: requireInt(f('intermediate_size'), c.intermediate_size, 1, ARCH_LIMITS.width),
    vocab: requireInt(f('vocab_size'), c.vocab_size ?? 32000, 2, ARCH_LIMITS.vocab),
    maxPositions: requireInt(f('max_position_embeddings'), c.max_position_embeddings ?? 2048, 1, ARCH_LIMITS.positions),
    learnedPositions: 0, rotaryDims: a, norm: 'rmsnorm', normsPerBlock: 2, parallel: false, gatedMlp: true,
    qkvBias: attnBias, outBias: attnBias, mlpBias: requireBool(f('mlp_bias'), c.mlp_bias, false), headBias: false,
    tied: requireBool(f('tie_word_embeddings'), c.tie_word_embeddings, false), experts: E, expertsPerToken: k, slidingWindow: window,
  };
  return { arch, ignored };
}
