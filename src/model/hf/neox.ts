// Hugging Face GPT-NeoX config.json (model_type "gpt_neox": Pythia, GPT-NeoX-20B) → the decoder architecture.
// Block: parallel residual (default) x += attn(input_layernorm(x)) + mlp(post_attention_layernorm(x)),
// or sequential x += attn(ln1 x); x += mlp(ln2 x) (use_parallel_residual false: same tensors, same cost);
// fused query_key_value d→3d and dense d→d with bias (attention_bias, default true); dense_h_to_4h d→f and
// dense_4h_to_h f→d with bias; rotary on rotary_pct of each head (no parameters); final_layer_norm;
// embed_out untied, no bias. Parameters (V = vocab_size, d = hidden_size, f = intermediate_size, L):
//   V·d + L·(4d [2 LayerNorms] + 4d² + 4d [qkv, dense] + 2·d·f + f + d) + 2d + V·d
// pythia-160m 162,322,944; pythia-1.4b 1,414,647,808; pythia-6.9b 6,857,302,016 (their model cards).
import { ValidationError, requireInt, requireNumber } from '../../errors.js';
import { ARCH_LIMITS, requireActivation, requireBool, sortFields, type DecoderArch } from './arch.js';

const USED = [
  'model_type', 'num_hidden_layers', 'hidden_size', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'vocab_size',
  'hidden_act', 'tie_word_embeddings', 'use_parallel_residual', 'attention_bias', 'rotary_pct', 'partial_rotary_factor',
];
/** Change neither time nor capacity: dropout, epsilon, the rotary base and scaling. */
const IGNORED = ['attention_dropout', 'hidden_dropout', 'classifier_dropout', 'layer_norm_eps', 'rotary_emb_base', 'rope_theta', 'rope_scaling'];

export function neoxArch(c: Record<string, unknown>, path: string): { arch: DecoderArch; ignored: string[] } {
  const f = (k: string) => `${path}: ${k}`;
  const ignored = sortFields(c, path, USED, IGNORED);
  const L = requireInt(f('num_hidden_layers'), c.num_hidden_layers, 1, ARCH_LIMITS.layers);
  const d = requireInt(f('hidden_size'), c.hidden_size, 1, ARCH_LIMITS.width);
  const h = requireInt(f('num_attention_heads'), c.num_attention_heads, 1, d);
  if (d % h !== 0) throw new ValidationError(f('num_attention_heads'), h, `expected a divisor of hidden_size ${d}`);
  const pctKey = c.rotary_pct !== undefined ? 'rotary_pct' : 'partial_rotary_factor';
  const pct = requireNumber(f(pctKey), c[pctKey] ?? 0.25, 0, 1);
  requireActivation(f('hidden_act'), c.hidden_act, 'gelu');
  const bias = requireBool(f('attention_bias'), c.attention_bias, true);
  const arch: DecoderArch = {
    family: 'gpt_neox', nLayer: L, dModel: d, nHead: h, nKvHead: h, headDim: d / h,
    dFF: requireInt(f('intermediate_size'), c.intermediate_size ?? 4 * d, 1, ARCH_LIMITS.width),
    vocab: requireInt(f('vocab_size'), c.vocab_size ?? 50432, 2, ARCH_LIMITS.vocab),
    maxPositions: requireInt(f('max_position_embeddings'), c.max_position_embeddings ?? 2048, 1, ARCH_LIMITS.positions),
    learnedPositions: 0, rotaryDims: Math.floor((d / h) * pct), norm: 'layernorm', normsPerBlock: 2,
    parallel: requireBool(f('use_parallel_residual'), c.use_parallel_residual, true), gatedMlp: false,
    qkvBias: bias, outBias: bias, mlpBias: true, headBias: false, tied: requireBool(f('tie_word_embeddings'), c.tie_word_embeddings, false),
    experts: 1, expertsPerToken: 1, slidingWindow: null,
  };
  // the rotary fraction is read (checked) but changes neither time nor capacity: listed as ignored
  return { arch, ignored: c[pctKey] !== undefined ? [...ignored, pctKey] : ignored };
}
