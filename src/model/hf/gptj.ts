// Hugging Face GPT-J config.json (model_type "gptj", GPTJForCausalLM) → the decoder architecture.
// GPT-J block (parallel): h = ln_1(x); x += out_proj(attn(q_proj h, k_proj h, v_proj h)) + fc_out(gelu(fc_in h));
// rotary positions on rotary_dim of each head; q/k/v/out without bias; fc_in/fc_out with bias; ln_f;
// lm_head untied WITH a bias. Parameters (V = vocab_size, d = n_embd, f = n_inner or 4d, L = n_layer):
//   V·d + L·(2d + 4d² + 2·d·f + f + d) + 2d + V·d + V
// GPT-J-6B: 6,050,882,784 (what PyTorch's GPTJForCausalLM holds). Its model card's 6,053,381,344 is the
// JAX training code's own count, 2,498,560 more than any tensor the config describes.
import { ValidationError, requireInt } from '../../errors.js';
import { ARCH_LIMITS, requireActivation, requireBool, sortFields, type DecoderArch } from './arch.js';

const USED = ['model_type', 'n_layer', 'n_embd', 'n_head', 'n_inner', 'n_positions', 'vocab_size', 'rotary_dim', 'rotary', 'activation_function', 'tie_word_embeddings'];
/** Change neither time nor capacity: dropout, epsilon, scaling flags, the double-head options. */
const IGNORED = [
  'attn_pdrop', 'resid_pdrop', 'embd_pdrop', 'layer_norm_epsilon', 'scale_attn_weights', 'summary_activation', 'summary_first_dropout',
  'summary_proj_to_labels', 'summary_type', 'summary_use_proj',
];

export function gptjArch(c: Record<string, unknown>, path: string): { arch: DecoderArch; ignored: string[] } {
  const f = (k: string) => `${path}: ${k}`;
  const ignored = sortFields(c, path, USED, IGNORED);
  const L = requireInt(f('n_layer'), c.n_layer, 1, ARCH_LIMITS.layers);
  const d = requireInt(f('n_embd'), c.n_embd, 1, ARCH_LIMITS.width);
  const h = requireInt(f('n_head'), c.n_head, 1, d);
  if (d % h !== 0) throw new ValidationError(f('n_head'), h, `expected a divisor of n_embd ${d}`);
  const ff = c.n_inner === undefined || c.n_inner === null ? 4 * d : requireInt(f('n_inner'), c.n_inner, 1, ARCH_LIMITS.width);
  const rot = c.rotary_dim === undefined || c.rotary_dim === null ? d / h : requireInt(f('rotary_dim'), c.rotary_dim, 1, d / h);
  if (!requireBool(f('rotary'), c.rotary, true)) throw new ValidationError(f('rotary'), false, 'expected true (GPT-J without rotary positions has no position encoding at all and is not modelled)');
  requireActivation(f('activation_function'), c.activation_function, 'gelu_new');
  const arch: DecoderArch = {
    family: 'gptj', nLayer: L, dModel: d, nHead: h, nKvHead: h, headDim: d / h, dFF: ff,
    vocab: requireInt(f('vocab_size'), c.vocab_size ?? 50400, 2, ARCH_LIMITS.vocab),
    maxPositions: requireInt(f('n_positions'), c.n_positions ?? 2048, 1, ARCH_LIMITS.positions),
    learnedPositions: 0, rotaryDims: rot, norm: 'layernorm', normsPerBlock: 1, parallel: true, gatedMlp: false,
    qkvBias: false, outBias: false, mlpBias: true, headBias: true, tied: requireBool(f('tie_word_embeddings'), c.tie_word_embeddings, false),
    experts: 1, expertsPerToken: 1, slidingWindow: null,
  };
  // rotary_dim is read (checked) but changes neither time nor capacity: listed as ignored
  return { arch, ignored: c.rotary_dim !== undefined ? [...ignored, 'rotary_dim'] : ignored };
}
