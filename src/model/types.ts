// The model description as data: what a user writes (JSON or a TS object) to say which network to train.
// One description feeds the reference trainer, the weight-streaming engine and (later) the perf model.
//
// Example (an MLP for the 8x8 digits):
//   { "input": 64,
//     "layers": [ { "type": "linear", "out": 128 }, { "type": "relu" },
//                 { "type": "linear", "out": 10, "sparsity": 0.9, "maskSeed": 7 } ],
//     "loss": "softmax_cross_entropy" }
// The last layer's width is the number of classes.

/** A fully connected layer y = x Wᵀ + b (PyTorch nn.Linear(in, out, bias)). */
export interface LinearSpec {
  type: 'linear';
  /** Output features (> 0). */
  out: number;
  /** With a bias vector (default true). */
  bias?: boolean;
  /** Fraction of weights that are zero, in [0, 1): a seeded unstructured mask. Omit (or 0) for dense. */
  sparsity?: number;
  /** Seed of the mask (default: derived from the model's maskSeed and the layer path). */
  maskSeed?: number;
  /**
   * Explicit 0/1 mask in the weight's file layout row-major (out·in entries; non-zero = keep): PyTorch's
   * [out, in], e.g. `(linear.weight != 0).flatten()`, or [in, out] for a Conv1D weight. Excludes `sparsity`.
   */
  mask?: ArrayLike<number>;
  /**
   * Weight layout in safetensors files: false (default) = PyTorch nn.Linear [out, in]; true = Hugging Face
   * Conv1D [in, out] (GPT-2's c_attn, c_proj, c_fc). Only the file layout changes, not the network.
   */
  conv1d?: boolean;
  /** Initial weights ~ N(0, initStd²) with a zero bias (GPT-2's init) instead of PyTorch's uniform default. */
  initStd?: number;
  /** Module name in state dicts (default the nn.Sequential index path, e.g. '2.inner.0'). */
  name?: string;
}

export interface ReluSpec {
  type: 'relu';
}

/** GELU, tanh approximation: PyTorch nn.GELU(approximate='tanh') (the WASM kernel's form). */
export interface GeluSpec {
  type: 'gelu';
}

/** LayerNorm over the features of each sample (PyTorch nn.LayerNorm(width, eps), affine). */
export interface LayerNormSpec {
  type: 'layernorm';
  /** Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Module name in state dicts (default the nn.Sequential index path). */
  name?: string;
}

/**
 * Token + position embedding (GPT-2's wte + wpe): the model's input is token ids, T per sample (a sequence,
 * `ModelSpec.seqLen`), and its output is out[c, token] = wte[id, c] + wpe[position, c]. Must be the first layer.
 * Parameters `<name>.wte.weight` [vocab, out] and `<name>.wpe.weight` [positions, out] (PyTorch nn.Embedding layouts).
 */
export interface EmbeddingSpec {
  type: 'embedding';
  /** Vocabulary size V (token ids in [0, V)). */
  vocab: number;
  /** Positions P (GPT-2's n_positions): sequences of at most P tokens. */
  positions: number;
  /** Embedding width C. */
  out: number;
  /** Initial weights ~ N(0, initStd²) (default 1, PyTorch nn.Embedding's; GPT-2 uses 0.02). */
  initStd?: number;
  /** Module name (default the index path); GPT-2: 'transformer'. */
  name?: string;
}

/**
 * Causal multi-head self-attention over a fused QKV input (GPT-2's c_attn output): input width 3C (q | k | v,
 * head h = rows h·C/H .. (h+1)·C/H of each), output width C. No weights of its own; its scores stay on the wafer.
 */
export interface AttentionSpec {
  type: 'attention';
  /** Heads H (C divisible by H). */
  heads: number;
}

/**
 * The language-model head: logits [V] per token. Tied (default) = multiplies by the embedding's wte (no
 * weights of its own: MemoryX streams wte again and sums both gradients before one update); untied = a
 * bias-free linear `lm_head.weight` [V, C].
 */
export interface LmHeadSpec {
  type: 'lm_head';
  /** Default true (GPT-2's tie_word_embeddings). */
  tied?: boolean;
  /** Untied: initial weights ~ N(0, initStd²) (default PyTorch's uniform). */
  initStd?: number;
  /** Untied: module name (default 'lm_head'). */
  name?: string;
}

/** y = x + f(x), f a list of layers that keeps the width. PyTorch: a module with `inner = nn.Sequential(...)`. */
export interface ResidualSpec {
  type: 'residual';
  layers: LayerSpec[];
}

export type LayerSpec = LinearSpec | ReluSpec | GeluSpec | LayerNormSpec | ResidualSpec | EmbeddingSpec | AttentionSpec | LmHeadSpec;
export type LayerType = LayerSpec['type'];
export const LAYER_TYPES: readonly LayerType[] = ['linear', 'relu', 'gelu', 'layernorm', 'residual', 'embedding', 'attention', 'lm_head'];

/** Softmax cross-entropy over the last layer's outputs: per sample, or per token (next-token prediction, the mean over all B·T tokens as PyTorch's F.cross_entropy) when T > 1. */
export type LossType = 'softmax_cross_entropy';
export const LOSS_TYPES: readonly LossType[] = ['softmax_cross_entropy'];

export interface ModelSpec {
  /** A name for reports (optional). */
  name?: string;
  /** Input features per sample (> 0). A model that starts with an embedding reads token ids: input is 1. */
  input: number;
  /**
   * Tokens per sample T (a sequence) for a model that starts with an embedding (1 ≤ T ≤ its positions;
   * default its positions). Every other model has T = 1: a sample is one column of features.
   */
  seqLen?: number;
  layers: LayerSpec[];
  /** Default 'softmax_cross_entropy'. */
  loss?: LossType;
  /** Base seed for masks without their own maskSeed (default 0). */
  maskSeed?: number;
}
