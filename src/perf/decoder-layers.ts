// The per-layer list of a decoder architecture from a Hugging Face config (src/model/hf): GPT-J,
// GPT-NeoX/Pythia, Llama, Mistral, Mixtral — grouped-query attention, gated (SwiGLU) MLPs, RMSNorm,
// rotary positions, parallel blocks and mixtures of experts. GPT-2 keeps gptLayers (layers.ts), so the
// GPT-2/GPT-3 figures do not move. Everything is per TOKEN.
//
// Legend: d = width, h = query heads, g = key/value heads, a = head width, f = MLP inner width (per expert),
// T = context tokens, W = sliding window, V = vocabulary, E = experts, k = experts per token, e = activation bytes.
import type { DecoderArch } from '../model/hf.js';
import { ACT_BYTES, layer, linear, norm, type PerfLayer } from './layers.js';

import { requireObject } from '../errors.js';
/**
 * Attention score FLOP per token and layer, forward (backward: twice): 4·(h·a) per key attended (QKᵀ and
 * A·V, 2 FLOP per multiply-add). Causal: T/2 keys on average (Kaplan et al. 2020's 2·T·d); with a sliding
 * window W < T a token at position i sees min(i, W) keys: on average W − W²/(2T) (continuous form, equal
 * to T/2 at W = T). 'full' computes the masked half too: twice the causal figure.
 */
export function attentionFlop(a: DecoderArch, T: number, attention: 'causal' | 'full'): number {
  const W = a.slidingWindow;
  const keys = W === null || W >= T ? T / 2 : W - (W * W) / (2 * T);
  return (attention === 'full' ? 2 : 1) * 4 * a.nHead * a.headDim * keys;
}

/** One expert-bank matmul: E matrices K×N stream and are stored; each token computes k of them. */
function experts(name: string, block: number, a: DecoderArch, K: number, N: number, actBytes: number): PerfLayer {
  const { experts: E, expertsPerToken: k } = a;
  const bias = a.mlpBias ? N : 0;
  const flop = 2 * K * N * k;
  return layer({
    name, kind: 'linear', block, in: K, out: N, params: E * (K * N + bias), matWeights: E * K * N, vecWeights: E * bias, sparsifiable: true,
    streamFwd: true, streamBwd: true, gradOut: true, fwdFlop: flop, deltaFlop: flop, gradFlop: flop, flopScalesWithWeights: true, actBytes, experts: E,
  });
}

/** The MLP of one block: plain (up, act, down), gated (gate+up as one d→2f stream, act·mul, down), or a bank of experts after a router. */
function mlp(a: DecoderArch, p: string, b: number): PerfLayer[] {
  const { dModel: d, dFF: f } = a;
  const e = ACT_BYTES;
  const up = a.gatedMlp ? 2 * f : f;
  const act = layer({ name: p + (a.gatedMlp ? 'swiglu' : 'act'), kind: 'activation', block: b, in: up, out: f, actBytes: e * up });
  if (a.experts > 1) {
    const k = a.expertsPerToken;
    return [
      { ...linear(p + 'router', b, d, a.experts, false, e * d), sparsifiable: false }, // the router stays dense under --sparsity
      experts(p + 'experts.up', b, a, d, up, e * d),
      { ...act, actBytes: k * e * up },
      experts(p + 'experts.down', b, a, f, d, k * e * f),
    ];
  }
  return [linear(p + (a.gatedMlp ? 'gate_up' : 'fc1'), b, d, up, a.mlpBias, e * d), act, linear(p + (a.gatedMlp ? 'down' : 'fc2'), b, f, d, a.mlpBias, e * f)];
}

/**
 * The layers of a decoder: embedding (V·d, + P·d learned positions; a gather), L blocks of [norm1, qkv
 * d→(h+2g)·a, attention, o h·a→d, norm2 (not GPT-J: one norm feeds both branches), MLP], final norm, head
 * d→V (tied: streams V·d, owns nothing; GPT-J's bias is its own). A parallel block (GPT-J, NeoX) runs the
 * same layers from the same input: the streamed weights and FLOP are those of the sequential order.
 * Norms: LayerNorm gain and shift (2d), RMSNorm gain only (d). Rotary positions: no parameters, their
 * elementwise FLOP not counted (as GELU's). Activation bytes: each layer keeps its input (e per value),
 * attention its q, k, v; each block's input is its recompute checkpoint.
 */
export function decoderLayers(a: DecoderArch, T: number, attention: 'causal' | 'full' = 'causal'): PerfLayer[] {
  requireObject('arch', a);
  const { nLayer: L, dModel: d, vocab: V } = a;
  const e = ACT_BYTES;
  const dq = a.nHead * a.headDim;
  const dqkv = (a.nHead + 2 * a.nKvHead) * a.headDim;
  const normOf = (name: string, b: number, checkpoint: number) => {
    const n = norm(name, b, d, e * d, checkpoint);
    return a.norm === 'rmsnorm' ? { ...n, params: d, vecWeights: d } : n;
  };
  const P = a.learnedPositions;
  const out: PerfLayer[] = [layer({ name: 'embedding', kind: 'embedding', block: 0, in: V + P, out: d, params: (V + P) * d, matWeights: (V + P) * d, streamFwd: true, gradOut: true })];
  const attnFwd = attentionFlop(a, T, attention);
  for (let i = 0; i < L; i++) {
    const b = i + 1;
    const p = `h${i}.`;
    out.push(
      normOf(p + 'ln1', b, e * d),
      linear(p + 'qkv', b, d, dqkv, a.qkvBias, e * d),
      layer({ name: p + 'attention', kind: 'attention', block: b, in: d, out: dq, fwdFlop: attnFwd, deltaFlop: 2 * attnFwd, actBytes: e * dqkv }),
      linear(p + 'o', b, dq, d, a.outBias, e * dq),
    );
    if (a.normsPerBlock === 2) out.push(normOf(p + 'ln2', b, 0));
    out.push(...mlp(a, p, b));
  }
  const last = L + 1;
  out.push(normOf('ln_f', last, e * d));
  const hb = a.headBias ? V : 0;
  out.push(
    layer({
      name: 'head', kind: 'head', block: last, in: d, out: V, params: (a.tied ? 0 : d * V) + hb, matWeights: d * V, vecWeights: hb,
      streamFwd: true, streamBwd: true, gradOut: true, fwdFlop: 2 * d * V, deltaFlop: 2 * d * V, gradFlop: 2 * d * V, flopScalesWithWeights: true,
      actBytes: e * d + e * V,
    }),
  );
  return out;
}

/** The architecture in one assumption line: what the layer list models for this family. */
export function archAssumption(a: DecoderArch, T: number, attention: 'causal' | 'full'): string {
  const attn = a.nKvHead === a.nHead ? `${a.nHead} heads of ${a.headDim}` : `grouped-query attention: ${a.nHead} query heads, ${a.nKvHead} key/value heads of ${a.headDim}`;
  const window = a.slidingWindow === null || a.slidingWindow >= T ? (attention === 'full' ? '4·T·h·a forward (the masked half computed too)' : '2·T·h·a forward (causal)') : `a sliding window of ${a.slidingWindow}: 4·h·a·(W − W²/2T) forward${attention === 'full' ? ', x2 (full)' : ''}`;
  const mlp = a.experts > 1 ? `${a.experts} experts (every expert's weights streamed and stored), ${a.expertsPerToken} computed per token, a router d→${a.experts}` : a.gatedMlp ? 'a gated MLP (gate and up d→f streamed as one, down f→d)' : 'an MLP d→f→d';
  return `architecture (${a.family}): ${attn}; attention score FLOP per token and layer ${window}, backward 2x forward, scores never stored; ${mlp}; ${a.norm === 'rmsnorm' ? 'RMSNorm (a gain)' : 'LayerNorm (gain and shift)'}${a.normsPerBlock === 1 ? ', one per block' : ''}${a.parallel ? '; attention and MLP in parallel from the same input (the same weights and FLOP as in sequence)' : ''}; ${a.rotaryDims > 0 ? 'rotary positions (no parameters, elementwise work not counted)' : 'learned positions'}`;
}
