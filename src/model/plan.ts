// The compiled form of a model: a flat, ordered list of ops, a parameter table named as PyTorch's
// nn.Sequential state dict, and the "streamed layers" (a unit with weights + the param-free ops after it)
// in which MemoryX streams weights and receives gradients. Types only; compile.ts builds it.
//
// Legend: K = in features of a linear (rows of W), N = out features (columns of W), nnz = kept weights.
// Kernel weight layout: W [K, N] row-major (PyTorch's nn.Linear.weight [out, in] is its transpose).
//
// Per streamed layer, two layouts of its parameters (offsets in the tables below):
//  - MASTER block (Float32Array, `layer.paramFloats` floats): what MemoryX keeps and the optimizer updates,
//    and, with the same offsets, the layer's GRADIENT block that the workers produce and SwarmX reduces.
//    A dense weight is W [K, N] (K·N floats); a sparse weight is its nnz values in stream order
//    (row k ascending, then column ascending); a bias is [N]; LayerNorm gamma, beta are [F].
//  - WIRE block (32-bit words): what is broadcast to the systems. Same as the master block except that a
//    sparse weight is its weight stream (src/sparse/stream.ts), in the layout its pass reads: the BACKWARD
//    wire (`layer.wireWords`, `param.wireOffset`) holds the row layout (K + 2·nnz words: the delta and the
//    gradient walk input rows), the FORWARD wire (`layer.fwdWireWords`, `param.fwdWireOffset`) the column
//    layout (N + 2·nnz words: the forward accumulates an output row in registers). Dense tensors are the
//    same in both.
import type { LossType, ModelSpec } from './types.js';
import type { ColumnSkeleton } from '../sparse/stream.js';

/** Which pass a wire block is streamed for: the forward reads sparse weights output-major, the backward input-major. */
export type WirePass = 'forward' | 'backward';

/** The fixed structure of a sparse weight: its mask and its stream skeleton. */
export interface SparseStructure {
  nnz: number;
  /** 0/1 mask [K, N] (kernel layout). */
  maskKN: Uint8Array;
  /** The stream's K + 2·nnz words with the counts and column deltas filled in and every value word 0. */
  template: Uint32Array;
  /** Row k and column n of the i-th non-zero, stream order (nnz each). */
  rows: Uint32Array;
  cols: Uint32Array;
  /** The column layout's skeleton (N + 2·nnz words) and where each stream-order value goes in it: the forward wire. */
  columns: ColumnSkeleton;
}

export interface OpBase {
  /** Position in plan.ops. */
  index: number;
  /** Where the op comes from in the description, e.g. 'layers[2].layers[0]'. */
  path: string;
  /** PyTorch module name, e.g. '2.inner.0' (residual ops: the residual module, e.g. '2'). */
  module: string;
  inWidth: number;
  outWidth: number;
  /** The streamed layer the op belongs to. */
  layer: number;
}

export interface LinearOp extends OpBase {
  kind: 'linear';
  /** Index in plan.params of the weight, and of the bias (-1: none). */
  weight: number;
  bias: number;
  /** Null for a dense weight. */
  sparse: SparseStructure | null;
}
export interface ActivationOp extends OpBase {
  kind: 'relu' | 'gelu';
}
export interface LayerNormOp extends OpBase {
  kind: 'layernorm';
  eps: number;
  gamma: number;
  beta: number;
}
/** Start of a residual block: an identity that remembers its input for the matching end. */
export interface ResidualBeginOp extends OpBase {
  kind: 'residual_begin';
  end: number;
}
/** End of a residual block: output = inner output + the input of the matching begin. */
export interface ResidualEndOp extends OpBase {
  kind: 'residual_end';
  begin: number;
}
/** Token + position embedding: out [C, n] from token ids (the model's input); wte [V, C], wpe [P, C]. */
export interface EmbeddingOp extends OpBase {
  kind: 'embedding';
  wte: number;
  wpe: number;
  vocab: number;
  positions: number;
}
/** Causal multi-head self-attention: qkv [3C, n] → out [C, n], per sequence of T columns; keeps P [T, T] per head. */
export interface AttentionOp extends OpBase {
  kind: 'attention';
  heads: number;
}
/** The tied LM head: logits [V, n] = wte [V, C] · x [C, n]; `weight` is its tied parameter (tiedTo = the embedding's wte). */
export interface LmHeadOp extends OpBase {
  kind: 'lm_head';
  weight: number;
}
export type PlanOp = LinearOp | ActivationOp | LayerNormOp | ResidualBeginOp | ResidualEndOp | EmbeddingOp | AttentionOp | LmHeadOp;
export type OpKind = PlanOp['kind'];

export interface PlanParam {
  /** State-dict name, e.g. '0.weight', '2.inner.0.bias'. */
  name: string;
  role: 'weight' | 'bias';
  /** Shape in the PyTorch state dict: [out, in] for a linear weight, [in, out] for a Conv1D one, [F] for vectors, [V, C] for tables. */
  torchShape: number[];
  /**
   * How the file tensor maps to the master block: 'vector' and 'table' (embeddings, the tied head) as they
   * are; 'linear' = PyTorch nn.Linear [out, in], the transpose of the kernels' W [K, N]; 'conv1d' = Hugging
   * Face Conv1D [in, out], the kernels' layout itself.
   */
  layout: 'vector' | 'table' | 'linear' | 'conv1d';
  /**
   * Index in plan.params of the parameter whose values this one shares (the tied LM head → the embedding's
   * wte), -1 for none. A tied parameter has no master copy of its own in MemoryX and is not in state dicts.
   */
  tiedTo: number;
  /** Elements of the PyTorch tensor (dense, zeros included). */
  torchSize: number;
  layer: number;
  op: number;
  /** Float offset and count in the layer's master (= gradient) block. */
  offset: number;
  size: number;
  /** Word offset and count in the layer's (backward) wire block. */
  wireOffset: number;
  wireWords: number;
  /** Word offset and count in the layer's forward wire block (differ from the above only around a sparse weight). */
  fwdWireOffset: number;
  fwdWireWords: number;
  /** Set for a sparse linear weight. */
  sparse: SparseStructure | null;
  /** Initial values: PyTorch's defaults (uniform ±1/sqrt(in) for linear weight and bias; LayerNorm 1, 0). */
  init: { kind: 'uniform'; bound: number } | { kind: 'constant'; value: number } | { kind: 'normal'; std: number } | { kind: 'tied' };
}

/** A unit MemoryX streams: one op with weights (linear or layernorm) + the param-free ops around it. */
export interface StreamedLayer {
  index: number;
  /** The op with weights. */
  weightOp: number;
  /** Op indices in execution order (consecutive). */
  ops: number[];
  /** Indices in plan.params. */
  params: number[];
  /** Floats of the master (= gradient) block. */
  paramFloats: number;
  /** Words of the (backward) wire block. */
  wireWords: number;
  /** Words of the forward wire block. */
  fwdWireWords: number;
  /** PyTorch module name of the weight op. */
  module: string;
  /**
   * A layer whose only parameter is tied to another layer's (the tied LM head): MemoryX streams that
   * layer's values at `offset` and adds this layer's gradient to its gradient before that layer's update.
   */
  tiedTo: { layer: number; offset: number } | null;
}

export interface Plan {
  spec: ModelSpec;
  input: number;
  classes: number;
  loss: LossType;
  ops: PlanOp[];
  params: PlanParam[];
  layers: StreamedLayer[];
  /** Master floats over all layers (what MemoryX stores; sparse weights count nnz). */
  paramFloats: number;
  /** Wire words over all layers: backward, forward. */
  wireWords: number;
  fwdWireWords: number;
  /** Parameters of the dense PyTorch model (zeros included). */
  torchParams: number;
  /** Widest activation over the ops, input included (features). */
  maxWidth: number;
  /** Columns per sample: T tokens of a sequence for a model that starts with an embedding, else 1. */
  seqLen: number;
  /** What a column of input is: features (D floats) or one token id. */
  inputKind: 'features' | 'tokens';
}
