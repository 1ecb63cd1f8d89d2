// The at-scale layer list of the decoder families (src/perf/decoder-layers.ts): what streams and what
// computes for grouped-query attention, gated MLPs, RMSNorm, sliding windows and mixtures of experts,
// checked against closed forms, and the estimate running on each shipped config.
import { describe, expect, it } from 'vitest';
import { attentionFlop } from '../../src/perf/decoder-layers.js';
import { estimate } from '../../src/perf/estimate.js';
import { estimateGpu } from '../../src/perf/gpu.js';
import { hfConfigNames } from '../../src/perf/hf-models.js';
import { resolveModel } from '../../src/perf/models.js';

const d = 4096;

describe('decoder layers', () => {
  it('Llama-2-7B: dense FLOP per token = 6·(P − embedding) + attention, per the closed form', () => {
    const m = resolveModel('llama-2-7b', 'causal', 2048);
    const T = 2048, L = 32, V = 32000;
    const matmulParams = m.params - V * d - L * 2 * d - d; // embedding (a gather) and norms compute no matmul FLOP
    const attn = L * 3 * (2 * T * d); // causal forward 2·T·d, backward twice that
    let flop = 0;
    for (const l of m.layers) flop += l.fwdFlop + l.deltaFlop + l.gradFlop;
    expect(flop).toBe(6 * matmulParams + attn);
    expect(m.contextTokens).toBe(2048);
  });

  it('grouped-query attention streams (h + 2g)·a for q, k, v; RMSNorm streams a gain only', () => {
    const m = resolveModel('llama-3-8b');
    const qkv = m.layers.find((l) => l.name === 'h0.qkv')!;
    expect([qkv.in, qkv.out, qkv.matWeights, qkv.vecWeights]).toEqual([d, (32 + 16) * 128, d * 6144, 0]);
    const ln = m.layers.find((l) => l.name === 'h0.ln1')!;
    expect([ln.params, ln.vecWeights]).toEqual([d, d]);
    expect(m.layers.find((l) => l.name === 'h0.gate_up')!.out).toBe(2 * 14336);
  });

  it('Mixtral: every expert streams and is stored, only the top-k compute', () => {
    const m = resolveModel('mixtral-8x7b-v0.1', 'causal', 4096);
    const up = m.layers.find((l) => l.name === 'h0.experts.up')!;
    const down = m.layers.find((l) => l.name === 'h0.experts.down')!;
    const f = 14336;
    expect(up.matWeights).toBe(8 * d * 2 * f);
    expect(up.params).toBe(8 * d * 2 * f);
    expect(up.fwdFlop).toBe(2 * 2 * d * 2 * f); // k = 2 experts of 2·d·2f each
    expect(down.matWeights).toBe(8 * f * d);
    expect(down.gradFlop).toBe(2 * 2 * f * d);
    expect(m.layers.find((l) => l.name === 'h0.router')!.params).toBe(d * 8);
    // FLOP per token are those of a 12.9 B dense model (2 of 8 experts), far below 6 x 46.7 B
    let flop = 0;
    for (const l of m.layers) if (l.kind !== 'attention') flop += l.fwdFlop;
    const active = m.params - 32 * 6 * d * 3 * f; // 6 idle experts of 3·d·f per layer
    expect(flop).toBe(2 * (active - 32000 * d - 32 * 2 * d - d));
  });

  it('a sliding window bounds the attention FLOP: W − W²/(2T) keys per token, T/2 when W >= T', () => {
    const mistral = resolveModel('mistral-7b-v0.1').arch!;
    expect(attentionFlop(mistral, 4096, 'causal')).toBe(4 * d * 2048);
    expect(attentionFlop(mistral, 32768, 'causal')).toBe(4 * d * (4096 - (4096 * 4096) / (2 * 32768)));
    expect(attentionFlop({ ...mistral, slidingWindow: null }, 32768, 'causal')).toBe(4 * d * 16384);
    expect(attentionFlop(mistral, 2048, 'full')).toBe(2 * attentionFlop(mistral, 2048, 'causal'));
  });

  it('GPT-J: one LayerNorm per block (parallel), an lm_head bias of V', () => {
    const m = resolveModel('gpt-j-6b');
    expect(m.layers.filter((l) => l.name.startsWith('h0.') && l.kind === 'norm').length).toBe(1);
    const head = m.layers.find((l) => l.name === 'head')!;
    expect([head.params, head.vecWeights]).toEqual([d * 50400 + 50400, 50400]);
  });

  it('every shipped config estimates on 2 systems and reports its ignored fields', () => {
    for (const name of hfConfigNames()) {
      const m = resolveModel(name, 'causal', 2048);
      const e = estimate(m, { systems: 2, batchTokens: 2048 * 64, trainTokens: 1e9 });
      expect(e.params, name).toBe(m.params);
      expect(e.stepSeconds, name).toBeGreaterThan(0);
      expect(m.ignoredFields!.length, name).toBeGreaterThan(0);
    }
  });

  it('--seq-len past the positions is refused by name', () => {
    expect(() => resolveModel('gpt-j-6b', 'causal', 4096)).toThrow(/seqLen: expected an integer in \[1, 2048\].*got 4096/);
    expect(() => resolveModel('gpt3-xl', 'causal', 4096)).toThrow(/seqLen: expected an integer in \[1, 2048\]/);
    // a shorter context keeps the learned position table (parameters) and shrinks the attention
    expect(resolveModel('gpt3-xl', 'causal', 1024).params).toBe(resolveModel('gpt3-xl').params);
  });
});

describe('training FLOP of a mixture of experts and of a sliding window', () => {
  it("Mixtral: 6·P·D takes the parameters a token computes with (2 of 8 experts), on the CS-2 and the GPU side alike", () => {
    const m = resolveModel('mixtral-8x7b-v0.1');
    const L = 32, f = 14336, E = 8, k = 2;
    const active = m.params - L * (E - k) * 3 * d * f; // each expert a gated MLP: gate, up, down d·f each
    expect(active).toBe(12_879_925_248); // Mixtral's published ~12.9 B active parameters
    const D = 1e11;
    expect(estimate(m, { systems: 128, batchTokens: 4194304, trainTokens: D }).trainFlop).toBe(6 * active * D);
    const g = estimateGpu(m, { gpu: 'h100', devices: 64, batchTokens: 4194304, trainTokens: D });
    expect(g.trainFlop).toBe(6 * active * D); // it counted all 46.7 B: 3.2x the work a token does
    expect(g.countedFlop).toBe((6 * active + 12 * L * d * 32768) * D);
  });
  it('Mistral: the GPU attention term reads the 4,096-token window, not the 32,768 positions', () => {
    const m = resolveModel('mistral-7b-v0.1');
    const g = estimateGpu(m, { gpu: 'h100', devices: 64, batchTokens: 4194304, trainTokens: 1e10 });
    expect(g.countedFlop).toBe((6 * m.params + 12 * 32 * d * 4096) * 1e10);
  });
});
