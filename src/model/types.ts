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
   * Explicit 0/1 mask in PyTorch's weight layout [out, in] row-major (out·in entries; non-zero = keep),
   * e.g. `(linear.weight != 0).flatten()`. Excludes `sparsity`.
   */
  mask?: ArrayLike<number>;
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
}

/** y = x + f(x), f a list of layers that keeps the width. PyTorch: a module with `inner = nn.Sequential(...)`. */
export interface ResidualSpec {
  type: 'residual';
  layers: LayerSpec[];
}

export type LayerSpec = LinearSpec | ReluSpec | GeluSpec | LayerNormSpec | ResidualSpec;
export type LayerType = LayerSpec['type'];
export const LAYER_TYPES: readonly LayerType[] = ['linear', 'relu', 'gelu', 'layernorm', 'residual'];

export type LossType = 'softmax_cross_entropy';
export const LOSS_TYPES: readonly LossType[] = ['softmax_cross_entropy'];

export interface ModelSpec {
  /** A name for reports (optional). */
  name?: string;
  /** Input features per sample (> 0). */
  input: number;
  layers: LayerSpec[];
  /** Default 'softmax_cross_entropy'. */
  loss?: LossType;
  /** Base seed for masks without their own maskSeed (default 0). */
  maskSeed?: number;
}
