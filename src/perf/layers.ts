// The per-layer description the at-scale model works on: one entry per layer, in forward order, with
// its parameters, the weights it streams, its FLOP per token and its activation bytes per token.
// Builders: a GPT decoder (presets, Hugging Face GPT-2 config.json) and the training engine's model
// description (src/model). Everything here is per TOKEN (a sample, for models without a sequence).
//
// Legend: d = d_model, f = d_ff, h = heads, T = context tokens, V = vocabulary, L = layers,
// K = in features, N = out features, e = activation element bytes (FP16: 2).

export type PerfLayerKind = 'embedding' | 'linear' | 'attention' | 'norm' | 'activation' | 'head';

export interface PerfLayer {
  name: string;
  kind: PerfLayerKind;
  /** K and N of a matmul layer (the width for others). */
  in: number;
  out: number;
  /** Parameters this layer owns (counted once; a tied LM head owns none). */
  params: number;
  /** Matrix weights streamed per pass (K·N; V·d for a tied head); dense count. */
  matWeights: number;
  /** Vector weights streamed with it (biases, LayerNorm gain and shift); never sparse. */
  vecWeights: number;
  /** Whether the estimate's --sparsity applies to matWeights (the transformer blocks' linears). */
  sparsifiable: boolean;
  /** A sparsity fixed by the model description (overrides the option), or -1. */
  fixedSparsity: number;
  /** Weights streamed in the forward pass / in the backward pass. */
  streamFwd: boolean;
  streamBwd: boolean;
  /** Gradients sent to MemoryX (for matWeights + vecWeights). */
  gradOut: boolean;
  /** Dense FLOP per token: forward, delta (input gradient), weight gradient. Matmul FLOP scale with non-zeros. */
  fwdFlop: number;
  deltaFlop: number;
  gradFlop: number;
  /** Whether the FLOP scale with the weights' non-zeros (matmuls); attention's do not. */
  flopScalesWithWeights: boolean;
  /** Bytes per token kept for the backward pass when nothing is recomputed. */
  actBytes: number;
  /** Recompute group (a transformer block, a residual block, or the layer alone). */
  block: number;
  /** Bytes per token of the group's input, kept under full recomputation (set on the group's first layer). */
  checkpointBytes: number;
  /** Mixture of experts: how many experts' matrices (each in x out) matWeights holds; FLOP are per token (top-k). */
  experts?: number;
}

export interface GptShape {
  nLayer: number;
  dModel: number;
  nHead: number;
  dFF: number;
  contextTokens: number;
  vocab: number;
  tiedEmbedding: boolean;
}

/** Activation bytes per element (FP16/BF16 activations). */
export const ACT_BYTES = 2;

/**
 * Activation bytes per token of one transformer block, without recomputation: 34·d·e/2 = 34 d for FP16
 * (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", eq. 1:
 * s·b·h·(34 + 5·a·s/h); the 5·a·s/h term — attention scores — is taken as recomputed, flash-style).
 * Split: LN1 in 2d, QKV in 2d, Q,K,V 6d, proj in 2d + dropout mask d, LN2 in 2d, fc1 in 2d,
 * GELU in 8d, fc2 in 8d + dropout mask d (f = 4d; the GELU/fc2 terms scale with f).
 */
export const KORTHIKANTI_BYTES_PER_D = 34;

export function layer(p: Partial<PerfLayer> & Pick<PerfLayer, 'name' | 'kind' | 'block'>): PerfLayer {
  return {
    in: 0,
    out: 0,
    params: 0,
    matWeights: 0,
    vecWeights: 0,
    sparsifiable: false,
    fixedSparsity: -1,
    streamFwd: false,
    streamBwd: false,
    gradOut: false,
    fwdFlop: 0,
    deltaFlop: 0,
    gradFlop: 0,
    flopScalesWithWeights: false,
    actBytes: 0,
    checkpointBytes: 0,
    ...p,
  };
}

/** A matmul layer x[K] -> y[N] (+ bias): forward 2KN, delta 2KN, gradient 2KN FLOP per token. */
export function linear(name: string, block: number, K: number, N: number, bias: boolean, actBytes: number, o: Partial<PerfLayer> = {}): PerfLayer {
  const b = bias ? N : 0;
  return layer({
    name, kind: 'linear', block, in: K, out: N, params: K * N + b, matWeights: K * N, vecWeights: b, sparsifiable: true,
    streamFwd: true, streamBwd: true, gradOut: true, fwdFlop: 2 * K * N, deltaFlop: 2 * K * N, gradFlop: 2 * K * N,
    flopScalesWithWeights: true, actBytes, ...o,
  });
}

export function norm(name: string, block: number, width: number, actBytes: number, checkpointBytes = 0): PerfLayer {
  return layer({ name, kind: 'norm', block, in: width, out: width, params: 2 * width, vecWeights: 2 * width, streamFwd: true, streamBwd: true, gradOut: true, actBytes, checkpointBytes });
}

/**
 * The layers of a GPT decoder (GPT-2/GPT-3 layout, pre-LayerNorm, biases everywhere):
 * embedding (V·d token + T·d position, a gather: no matmul FLOP; the table is streamed in the forward
 * pass and its gradient sent back), L blocks of [ln1, qkv d→3d, attention, proj d→d, ln2, fc1 d→f,
 * gelu, fc2 f→d], ln_f, head d→V (tied to the token embedding by default: streams V·d, owns nothing).
 * Attention FLOP per token: forward 2·T·d when causal (Kaplan et al. 2020: 2·n_ctx·d_attn), 4·T·d when
 * the masked half is computed too; backward twice the forward.
 */
export function gptLayers(s: GptShape, attention: 'causal' | 'full' = 'causal'): PerfLayer[] {
  const { nLayer: L, dModel: d, dFF: f, contextTokens: T, vocab: V } = s;
  const e = ACT_BYTES;
  const out: PerfLayer[] = [];
  out.push(
    layer({
      name: 'embedding', kind: 'embedding', block: 0, in: V + T, out: d, params: (V + T) * d, matWeights: (V + T) * d,
      streamFwd: true, gradOut: true,
    }),
  );
  const attnFwd = (attention === 'causal' ? 2 : 4) * T * d;
  for (let i = 0; i < L; i++) {
    const b = i + 1;
    const p = `h${i}.`;
    out.push(
      norm(p + 'ln1', b, d, e * d, e * d),
      linear(p + 'qkv', b, d, 3 * d, true, e * d),
      layer({ name: p + 'attention', kind: 'attention', block: b, in: d, out: d, fwdFlop: attnFwd, deltaFlop: 2 * attnFwd, actBytes: 3 * e * d }),
      linear(p + 'proj', b, d, d, true, e * d + d),
      norm(p + 'ln2', b, d, e * d),
      linear(p + 'fc1', b, d, f, true, e * d),
      layer({ name: p + 'gelu', kind: 'activation', block: b, in: f, out: f, actBytes: e * f }),
      linear(p + 'fc2', b, f, d, true, e * f + d),
    );
  }
  const last = L + 1;
  out.push(norm('ln_f', last, d, e * d, e * d));
  out.push(
    layer({
      name: 'head', kind: 'head', block: last, in: d, out: V, params: s.tiedEmbedding ? 0 : d * V, matWeights: d * V,
      streamFwd: true, streamBwd: true, gradOut: true, fwdFlop: 2 * d * V, deltaFlop: 2 * d * V, gradFlop: 2 * d * V, flopScalesWithWeights: true,
      // its input, and the logits until the fused softmax cross-entropy has its gradient
      actBytes: e * d + e * V,
    }),
  );
  return out;
}

/** Total parameters (each counted once). */
export function countParams(layers: readonly PerfLayer[]): number {
  let n = 0;
  for (const l of layers) n += l.params;
  return n;
}
