// GPT-2 model descriptions: the Hugging Face config importer (counts, names, refusals), the compiled plan
// (tied head, HF state-dict names and layouts) and the parameter conversions.
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/model/compile.js';
import { gpt2ConfigOf, gpt2ParamCount, importGpt2Config } from '../../src/model/hf.js';
import { gptPreset } from '../../src/model/load.js';
import { initParams, setFromTorch, stateDict, toTorch } from '../../src/model/params.js';
import { validateModel } from '../../src/model/validate.js';
import { activationLayout, checkActivationBudget } from '../../src/nn/memory.js';
import { CapacityError } from '../../src/errors.js';

/** GPT-2 small as published (Hugging Face `gpt2` config.json, dropout set to 0). */
const GPT2_SMALL = {
  model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_layer: 12, n_embd: 768, n_head: 12, n_inner: null, n_positions: 1024, n_ctx: 1024,
  vocab_size: 50257, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', initializer_range: 0.02, bos_token_id: 50256, eos_token_id: 50256,
  attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, summary_type: 'cls_index', task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
};

describe('Hugging Face GPT-2 config importer', () => {
  it('counts GPT-2 small exactly: 124,439,808 parameters (the model card), in closed form and compiled', () => {
    const imp = importGpt2Config(GPT2_SMALL);
    expect(imp.params).toBe(124_439_808);
    const plan = compileModel(imp.spec);
    expect(plan.torchParams).toBe(124_439_808);
    expect(imp.ignored).toEqual(['architectures', 'bos_token_id', 'eos_token_id', 'summary_type', 'task_specific_params']);
  });

  it('counts an untied head once more (V·C) and n_inner when given', () => {
    expect(gpt2ParamCount(2, 8, 20, 4, 10, false) - gpt2ParamCount(2, 8, 20, 4, 10, true)).toBe(80);
    const imp = importGpt2Config({ ...GPT2_SMALL, n_layer: 2, n_inner: 1000, tie_word_embeddings: false });
    expect(compileModel(imp.spec).torchParams).toBe(imp.params);
  });

  it('names every parameter as GPT2LMHeadModel does, in its layouts (Conv1D [in, out])', () => {
    const plan = compileModel(gptPreset('gpt-nano')!);
    const names = plan.params.filter((p) => p.tiedTo < 0).map((p) => `${p.name} [${p.torchShape}]`);
    expect(names.slice(0, 4)).toEqual(['transformer.wte.weight [256,64]', 'transformer.wpe.weight [64,64]', 'transformer.h.0.ln_1.weight [64]', 'transformer.h.0.ln_1.bias [64]']);
    expect(names).toContain('transformer.h.1.attn.c_attn.weight [64,192]');
    expect(names).toContain('transformer.h.1.mlp.c_proj.weight [256,64]');
    expect(names[names.length - 1]).toBe('transformer.ln_f.bias [64]');
    expect(names.some((n) => n.startsWith('lm_head'))).toBe(false);
    const tied = plan.layers[plan.layers.length - 1];
    expect(tied.tiedTo).toEqual({ layer: 0, offset: 0 });
  });

  it('refuses what it cannot model, by name', () => {
    expect(() => importGpt2Config({ ...GPT2_SMALL, attn_pdrop: 0.1 })).toThrow(/attn_pdrop: expected 0: dropout.*got 0.1/);
    // omitted is 0.1 to Hugging Face (GPT2Config's default): it trained here without dropout, without a word
    const { resid_pdrop: _, ...noResid } = GPT2_SMALL;
    expect(() => importGpt2Config(noResid)).toThrow(/^config\.json: resid_pdrop: expected 0, stated: an omitted resid_pdrop is 0\.1 to Hugging Face \(GPT2Config's default\).*\(add "resid_pdrop": 0\)/);
    expect(importGpt2Config(noResid, { purpose: 'estimate' }).params).toBe(importGpt2Config(GPT2_SMALL).params);
    expect(() => importGpt2Config({ ...GPT2_SMALL, rotary_dim: 64 })).toThrow(/rotary_dim.*unknown field/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, tie_word_embeddings: 'no' })).toThrow(/tie_word_embeddings: expected true or false, got "no"/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, activation_function: 'relu' })).toThrow(/activation_function/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, n_head: 7 })).toThrow(/n_head: expected a divisor of n_embd 768, got 7/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, model_type: 'llama' })).toThrow(/model_type/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, scale_attn_by_inverse_layer_idx: true })).toThrow(/scale_attn_by_inverse_layer_idx/);
  });

  it('bounds sizes in closed form before building anything (n_layer 1e9 and 1e6 refused at once)', () => {
    const t0 = performance.now();
    expect(() => importGpt2Config({ ...GPT2_SMALL, n_layer: 1e9 })).toThrow(/n_layer/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, n_layer: 1e6 })).toThrow(/n_layer/);
    expect(() => importGpt2Config({ ...GPT2_SMALL, n_layer: 4000 })).toThrow(/n_layer: .*estimate.*got 4000/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('writes back the config it read (config.json beside --save)', () => {
    const spec = importGpt2Config({ ...GPT2_SMALL, n_layer: 3, tie_word_embeddings: false }).spec;
    const c = gpt2ConfigOf(spec)!;
    expect(c).toMatchObject({ model_type: 'gpt2', n_layer: 3, n_embd: 768, n_head: 12, n_inner: 3072, n_positions: 1024, vocab_size: 50257, tie_word_embeddings: false });
    expect(importGpt2Config(c).params).toBe(importGpt2Config({ ...GPT2_SMALL, n_layer: 3, tie_word_embeddings: false }).params);
  });
});

describe('GPT layers in the engine\'s own description', () => {
  const hand = {
    seqLen: 8,
    layers: [
      { type: 'embedding', vocab: 16, positions: 8, out: 12 },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 36 }, { type: 'attention', heads: 3 }, { type: 'linear', out: 12 }] },
      { type: 'layernorm' },
      { type: 'lm_head' },
    ],
  };

  it('compiles a GPT written by hand: input is 1 token id per column, T columns per sample, classes = vocab', () => {
    const plan = compileModel(hand);
    expect(plan.inputKind).toBe('tokens');
    expect(plan.seqLen).toBe(8);
    expect(plan.input).toBe(1);
    expect(plan.classes).toBe(16);
    expect(plan.ops.map((o) => o.kind)).toEqual(['embedding', 'residual_begin', 'layernorm', 'linear', 'attention', 'linear', 'residual_end', 'layernorm', 'lm_head']);
  });

  it('refuses misplaced or misshapen GPT layers by path', () => {
    const bad = (layers: unknown[], extra = {}) => () => validateModel({ ...hand, ...extra, layers });
    expect(bad([{ type: 'linear', out: 12 }, hand.layers[0], hand.layers[3]], { input: 4 })).toThrow(/layers\[1\]\.type.*first layer/);
    expect(bad([hand.layers[0], { type: 'linear', out: 30 }, { type: 'attention', heads: 4 }, { type: 'lm_head' }])).toThrow(/layers\[2\]\.heads: expected a divisor.*got 4/);
    expect(bad([hand.layers[0], hand.layers[3], hand.layers[2]])).toThrow(/layers\[1\]\.type.*last layer/);
    expect(bad(hand.layers, { seqLen: 9 })).toThrow(/seqLen: expected an integer in \[1, 8\], got 9/);
    expect(() => validateModel({ input: 4, layers: [{ type: 'linear', out: 12 }, { type: 'attention', heads: 2 }] })).toThrow(/layers\[1\]\.type.*embedding/);
  });

  it('keeps the tied head\'s values equal to wte after init, and Conv1D tensors untransposed', () => {
    const plan = compileModel(gptPreset('gpt-nano')!);
    const p = initParams(plan, 3);
    const head = plan.layers[plan.layers.length - 1];
    expect(Array.from(p[head.index])).toEqual(Array.from(p[0].subarray(0, 256 * 64)));
    const attn = plan.params.find((q) => q.name === 'transformer.h.0.attn.c_attn.weight')!;
    const t = toTorch(attn, p[attn.layer]);
    // Conv1D [in, out] is the kernels' W [K, N] itself: the tensor is the block's slice, element for element
    expect(Array.from(t)).toEqual(Array.from(p[attn.layer].subarray(attn.offset, attn.offset + attn.size)));
    const copy = new Float32Array(p[attn.layer].length);
    setFromTorch(attn, copy, t);
    expect(Array.from(copy.subarray(attn.offset, attn.offset + attn.size))).toEqual(Array.from(t));
    expect([...stateDict(plan, p).keys()]).not.toContain('lm_head.weight');
  });

  it('inits GPT-2 style: std 0.02, residual projections 0.02/sqrt(2·n_layer), zero biases', () => {
    const plan = compileModel(gptPreset('gpt-micro')!);
    const p = initParams(plan, 1);
    const std = (name: string) => {
      const q = plan.params.find((x) => x.name === name)!;
      const v = p[q.layer].subarray(q.offset, q.offset + q.size);
      let s = 0;
      for (const x of v) s += x * x;
      return Math.sqrt(s / v.length);
    };
    expect(std('transformer.h.0.mlp.c_fc.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.mlp.c_proj.weight')).toBeCloseTo(0.02 / Math.sqrt(8), 3);
    expect(std('transformer.h.0.mlp.c_fc.bias')).toBe(0);
  });
});

describe('the wafer budget of a GPT', () => {
  it('counts the attention scores S·H·T·T and refuses a batch that does not fit, naming what to change', () => {
    const plan = compileModel(gptPreset('gpt-nano')!); // T 64, H 4, 2 attention layers
    const fits = activationLayout(plan, 8);
    const att = fits.buffers.filter((b) => b.name.startsWith('att[')).reduce((s, b) => s + b.bytes, 0);
    expect(att).toBe(2 * 8 * 4 * 64 * 64 * 4); // two layers of [S, H, T, T] floats: 1,048,576 bytes
    expect(() => checkActivationBudget(plan, 8, fits.bytes - 1)).toThrow(CapacityError);
    expect(() => checkActivationBudget(plan, 8, fits.bytes - 1)).toThrow(/activations of 8 sequences need.*at most 7 sequences per system.*attention scores \(S·H·T·T, T = 64\) take 1048576 bytes.*shorter sequence/);
    expect(checkActivationBudget(plan, 8, fits.bytes).bytes).toBe(fits.bytes);
  });
});
