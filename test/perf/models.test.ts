// Models: the GPT-3 presets against the published Table 2.1 / D.1 numbers, the 1 T and 120 T
// configurations, the Hugging Face config import (GPT-2's known parameter count) and the training
// engine's model description, with errors naming the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { gptModelFromHfConfig, perfModelFromEngine, preset, presetNames, presets, resolveModel } from '../../src/perf/models.js';

const GPT3 = ['gpt3-small', 'gpt3-medium', 'gpt3-large', 'gpt3-xl', 'gpt3-2.7b', 'gpt3-6.7b', 'gpt3-13b', 'gpt3-175b'];
// Brown et al. 2020, Table D.1 "Total train compute (flops)" — typed here from the paper, not read from the preset files.
const TABLE_D1: Record<string, number> = {
  'gpt3-small': 2.25e20, 'gpt3-medium': 6.41e20, 'gpt3-large': 1.37e21, 'gpt3-xl': 2.38e21,
  'gpt3-2.7b': 4.77e21, 'gpt3-6.7b': 1.2e22, 'gpt3-13b': 2.31e22, 'gpt3-175b': 3.14e23,
};
const NAMED: Record<string, number> = {
  'gpt3-small': 125e6, 'gpt3-medium': 350e6, 'gpt3-large': 760e6, 'gpt3-xl': 1.3e9, 'gpt3-2.7b': 2.7e9,
  'gpt3-6.7b': 6.7e9, 'gpt3-13b': 13e9, 'gpt3-175b': 175e9, 'gpt-1t': 1e12, 'gpt-120t': 120e12,
};
const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('GPT presets', () => {
  it('lists the eight GPT-3 models, 1 T and 120 T in size order', () => {
    expect(presetNames()).toEqual([...GPT3, 'gpt-1t', 'gpt-120t']);
    const sizes = presets().map((m) => m.params);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
  });

  it.each(GPT3)('%s: 6·N·D within 2 %% of GPT-3 Table D.1, on 300 B tokens', (name) => {
    const m = preset(name);
    expect(m.trainTokens).toBe(300e9);
    expect(m.contextTokens).toBe(2048);
    expect(rel(6 * m.params * (m.trainTokens as number), TABLE_D1[name])).toBeLessThan(0.02);
  });

  it.each(Object.keys(NAMED))('%s: parameter count within 2 %% of its name', (name) => {
    expect(rel(preset(name).params, NAMED[name])).toBeLessThan(0.02);
  });

  it('GPT-3 batch sizes are Table 2.1\'s (0.5 M .. 3.2 M tokens); 1 T takes Megatron-LM\'s 3072 x 2048', () => {
    expect(GPT3.map((n) => preset(n).batchTokens)).toEqual([0.5e6, 0.5e6, 0.5e6, 1e6, 1e6, 2e6, 2e6, 3.2e6]);
    expect(preset('gpt-1t').batchTokens).toBe(3072 * 2048);
    expect(preset('gpt-1t').gpt).toMatchObject({ nLayer: 128, dModel: 25600, nHead: 160 });
  });

  it('params = 12·L·d² + 13·L·d + (V + T)·d + 2·d for a tied GPT (by hand for GPT-3 175B)', () => {
    const L = 96, d = 12288, V = 50257, T = 2048;
    expect(preset('gpt3-175b').params).toBe(12 * L * d * d + 13 * L * d + (V + T) * d + 2 * d);
  });

  it('every figure of every preset has a source', () => {
    for (const m of presets()) for (const [k, f] of Object.entries(m.figures ?? {})) expect(f.source.length, `${m.name}.${k}`).toBeGreaterThan(5);
  });

  it('an unknown preset names --model and the value', () => {
    expect(() => resolveModel('gpt5')).toThrow(ValidationError);
    expect(() => resolveModel('gpt5')).toThrow(/--model: expected a preset \(gpt3-small.*got "gpt5"/);
  });
});

describe('Hugging Face config.json import', () => {
  // GPT-2 small's config.json (Hugging Face "gpt2"); it has 124,439,808 parameters (tied head).
  const gpt2 = { model_type: 'gpt2', n_layer: 12, n_embd: 768, n_head: 12, n_positions: 1024, vocab_size: 50257, n_inner: null };

  it('GPT-2 small: 124,439,808 parameters, n_inner null = 4·n_embd', () => {
    const m = gptModelFromHfConfig(gpt2, 'config.json');
    expect(m.params).toBe(124_439_808);
    expect(m.contextTokens).toBe(1024);
    expect(m.gpt?.dFF).toBe(3072);
    expect(m.batchTokens).toBeUndefined();
  });

  it('n_inner and an untied head change the count', () => {
    expect(gptModelFromHfConfig({ ...gpt2, n_inner: 1024 }, 'c').params).toBe(124_439_808 - 12 * (2 * 768 * 2048 + 2048));
    expect(gptModelFromHfConfig({ ...gpt2, tie_word_embeddings: false }, 'c').params).toBe(124_439_808 + 768 * 50257);
  });

  it('a missing or bad field names the file and the field', () => {
    const { n_embd: _, ...noEmbd } = gpt2;
    expect(() => gptModelFromHfConfig(noEmbd, 'cfg.json')).toThrow(/cfg\.json: n_embd: expected an integer in \[1, \d+\], got undefined/);
    expect(() => gptModelFromHfConfig({ ...gpt2, n_layer: 0 }, 'cfg.json')).toThrow(/cfg\.json: n_layer/);
    expect(() => gptModelFromHfConfig({ ...gpt2, n_head: 7 }, 'cfg.json')).toThrow(/cfg\.json: n_head: expected a divisor of n_embd/);
  });

  it('loads from a file through resolveModel', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-hf-'));
    const f = join(dir, 'config.json');
    writeFileSync(f, JSON.stringify(gpt2));
    expect(resolveModel(f).params).toBe(124_439_808);
  });
});

describe('training-engine model description', () => {
  it('an MLP: parameters and FLOP per sample by hand; the first linear computes no input gradient', () => {
    const m = perfModelFromEngine({ input: 64, layers: [{ type: 'linear', out: 128 }, { type: 'relu' }, { type: 'linear', out: 10, sparsity: 0.9 }] });
    expect(m.params).toBe(64 * 128 + 128 + 128 * 10 + 10);
    expect(m.contextTokens).toBe(1);
    const lin = m.layers.filter((l) => l.kind === 'linear');
    expect(lin.map((l) => [l.in, l.out, l.fwdFlop, l.deltaFlop, l.gradFlop])).toEqual([
      [64, 128, 2 * 64 * 128, 0, 2 * 64 * 128],
      [128, 10, 2 * 128 * 10, 2 * 128 * 10, 2 * 128 * 10],
    ]);
    expect(lin[1].fixedSparsity).toBe(0.9);
    expect(lin[0].fixedSparsity).toBe(-1);
  });

  it('a residual block is one recompute group with its input as checkpoint; layernorm streams 2·width', () => {
    const m = perfModelFromEngine({ input: 32, layers: [{ type: 'linear', out: 64 }, { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 64 }, { type: 'gelu' }] }, { type: 'linear', out: 4 }] });
    const blocks = m.layers.map((l) => l.block);
    expect(blocks).toEqual([1, 2, 2, 2, 3]);
    expect(m.layers[1]).toMatchObject({ kind: 'norm', params: 128, vecWeights: 128, checkpointBytes: 2 * 64 });
  });

  it('errors name the path inside the description', () => {
    expect(() => perfModelFromEngine({ input: 8, layers: [{ type: 'linear', out: -1 }] } as never)).toThrow(/layers\[0\]\.out/);
  });
});
