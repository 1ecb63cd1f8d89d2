// Hugging Face configs of the families people train (GPT-J, GPT-NeoX/Pythia, Llama 2/3, Mistral, Mixtral):
// the parameter counts the shipped config.json files (specs/hf, sources in its README) determine must equal
// the published ones exactly; unmodelled fields are refused by name, harmless ones listed as ignored.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decoderParamCount, gpt2ParamCount, importGpt2Config, importHfConfig } from '../../src/model/hf.js';
import { loadModelFile } from '../../src/model/load.js';
import { rootPath } from '../../src/paths.js';
import { resolveModel } from '../../src/perf/models.js';

const config = (name: string) => JSON.parse(readFileSync(rootPath('specs', 'hf', `${name}.json`), 'utf8')) as Record<string, unknown>;

/**
 * Published counts, each with where it is published:
 * - gpt-j-6b: 6,050,882,784 = sum of numel over GPTJForCausalLM's parameters, as printed by a public run of
 *   `transformers` on EleutherAI/gpt-j-6b ("# of params: 6050882784"). The model card's n_parameters
 *   6,053,381,344 is mesh-transformer-jax's own count, 2,498,560 above any tensor the config describes.
 * - pythia-*: the Pythia model cards (huggingface.co/EleutherAI/pythia-160m etc.): "Non-Embedding Params"
 *   85,056,000 / 1,208,602,624 / 6,444,163,072 plus embed_in and embed_out (2·V·d each untied); the
 *   card's naming table gives the totals 162,322,944 / 1,414,647,808 / 6,857,302,016.
 * - llama-2-7b: model.safetensors.index.json of meta-llama/Llama-2-7b-hf, total_size 13,476,839,424 bytes =
 *   2 B (fp16) x 6,738,415,616 + 8,192 bytes of rotary inv_freq buffers that checkpoint stores (not parameters).
 * - llama-7b (LLaMA 1, huggyllama/llama-7b): the same tensors as Llama-2-7B (only the positions, 2048, and
 *   rms_norm_eps differ), so the same 6,738,415,616; the LLaMA paper (Touvron et al. 2023, Table 2) rounds it to 6.7B.
 * - llama-3-8b: meta-llama/Meta-Llama-3-8B index total_size 16,060,522,496 bytes = 2 B (bf16) x 8,030,261,248.
 * - mistral-7b-v0.1: mistralai/Mistral-7B-v0.1 index total_size 14,483,464,192 bytes = 2 B x 7,241,732,096.
 * - mixtral-8x7b-v0.1: mistralai/Mixtral-8x7B-v0.1 index total_size 93,405,585,408 bytes = 2 B x 46,702,792,704.
 */
const PUBLISHED: Record<string, number> = {
  'gpt-j-6b': 6_050_882_784,
  'pythia-160m': 162_322_944,
  'pythia-1.4b': 1_414_647_808,
  'pythia-6.9b': 6_857_302_016,
  'llama-7b': 6_738_415_616,
  'llama-2-7b': 6_738_415_616,
  'llama-3-8b': 8_030_261_248,
  'mistral-7b-v0.1': 7_241_732_096,
  'mixtral-8x7b-v0.1': 46_702_792_704,
};

describe('Hugging Face families: parameter counts', () => {
  for (const [name, count] of Object.entries(PUBLISHED)) {
    it(`${name}: the closed form and the at-scale layer list both give the published ${count.toLocaleString('en-US')}`, () => {
      const imp = importHfConfig(config(name), { path: name });
      expect(imp.params).toBe(count);
      expect(resolveModel(name).params).toBe(count);
    });
  }

  it('Pythia non-embedding counts from the cards: total - 2·V·d', () => {
    for (const [name, nonEmb] of [['pythia-160m', 85_056_000], ['pythia-1.4b', 1_208_602_624], ['pythia-6.9b', 6_444_163_072]] as const) {
      const a = importHfConfig(config(name)).arch;
      expect(PUBLISHED[name] - 2 * a.vocab * a.dModel).toBe(nonEmb);
    }
  });

  it('GPT-2 through the dispatcher: the same count as its own importer (tied and untied)', () => {
    const gpt2 = { model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, n_layer: 12, n_embd: 768, n_head: 12, n_positions: 1024, vocab_size: 50257 };
    expect(importHfConfig(gpt2).params).toBe(124_439_808);
    expect(importHfConfig({ ...gpt2, tie_word_embeddings: false }).params).toBe(gpt2ParamCount(12, 768, 3072, 1024, 50257, false));
    expect(importHfConfig(gpt2).params).toBe(importGpt2Config(gpt2).params);
  });

  it('each modelled field moves the count by its closed-form amount', () => {
    const llama = config('llama-2-7b');
    const base = importHfConfig(llama).params;
    const d = 4096, f = 11008, L = 32, V = 32000;
    expect(importHfConfig({ ...llama, num_key_value_heads: 8 }).params).toBe(base - L * 2 * d * (d - 1024)); // GQA: k, v shrink to 8 heads of 128
    expect(importHfConfig({ ...llama, tie_word_embeddings: true }).params).toBe(base - V * d);
    expect(importHfConfig({ ...llama, attention_bias: true }).params).toBe(base + L * (3 * d + d));
    expect(importHfConfig({ ...llama, mlp_bias: true }).params).toBe(base + L * (2 * f + d));
    expect(importHfConfig({ ...llama, head_dim: 64 }).params).toBe(base - L * 4 * d * (d - 2048));
    const mixtral = config('mixtral-8x7b-v0.1');
    expect(importHfConfig({ ...mixtral, num_local_experts: 4 }).params).toBe(PUBLISHED['mixtral-8x7b-v0.1'] - 32 * 4 * (3 * d * 14336 + d));
    // top-k changes what computes, never what is stored
    expect(importHfConfig({ ...mixtral, num_experts_per_tok: 1 }).params).toBe(PUBLISHED['mixtral-8x7b-v0.1']);
    const neox = config('pythia-160m');
    expect(importHfConfig({ ...neox, attention_bias: false }).params).toBe(PUBLISHED['pythia-160m'] - 12 * (3 * 768 + 768));
    expect(importHfConfig({ ...neox, use_parallel_residual: false }).params).toBe(PUBLISHED['pythia-160m']);
  });

  it('decoderParamCount is the closed form for a hand-counted toy Llama (d 8, f 12, 4 heads of 2, 2 kv heads, V 10, 2 layers)', () => {
    const imp = importHfConfig({ model_type: 'llama', hidden_size: 8, intermediate_size: 12, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 10 });
    // per layer: q 64 + k 32 + v 32 + o 64 + gate/up/down 3·96 + 2 norms 16 = 496; embed 80, head 80, final norm 8
    expect(imp.params).toBe(80 + 2 * 496 + 8 + 80);
    expect(decoderParamCount(imp.arch)).toBe(imp.params);
  });
});

describe('Hugging Face families: dispatch, ignored and refused fields', () => {
  it('dispatches on model_type, else on architectures', () => {
    const { model_type: _t, ...noType } = config('llama-2-7b');
    expect(importHfConfig(noType).family).toBe('llama');
    expect(importHfConfig(config('gpt-j-6b')).family).toBe('gptj');
    expect(importHfConfig(config('mixtral-8x7b-v0.1')).arch.experts).toBe(8);
    expect(() => importHfConfig({ model_type: 'bert', hidden_size: 8 }, { path: 'c.json' })).toThrow(/c\.json: model_type: expected one of gpt2, gptj, gpt_neox, llama, mistral, mixtral.*got "bert"/);
    expect(() => importHfConfig({ architectures: ['T5ForConditionalGeneration'] }, { path: 'c.json' })).toThrow(/c\.json: architectures: expected one of GPT2LMHeadModel/);
  });

  it('lists the fields that change neither time nor capacity', () => {
    expect(importHfConfig(config('llama-3-8b')).ignored.sort()).toEqual(
      ['architectures', 'attention_dropout', 'bos_token_id', 'eos_token_id', 'initializer_range', 'pretraining_tp', 'rms_norm_eps', 'rope_scaling', 'rope_theta', 'torch_dtype', 'transformers_version', 'use_cache'],
    );
    expect(importHfConfig(config('gpt-j-6b')).ignored).toEqual(expect.arrayContaining(['attn_pdrop', 'rotary_dim', 'layer_norm_epsilon', 'tokenizer_class']));
    expect(importHfConfig(config('pythia-160m')).ignored).toEqual(expect.arrayContaining(['rotary_pct', 'rotary_emb_base', 'layer_norm_eps']));
  });

  it('refuses, by name, fields that change the network and are not modelled, and bad values', () => {
    const llama = config('llama-2-7b');
    expect(() => importHfConfig({ ...llama, sliding_window: 4096 }, { path: 'l.json' })).toThrow(/l\.json: sliding_window: unknown field for model_type "llama"/);
    expect(() => importHfConfig({ ...llama, use_sliding_window: true }, { path: 'l.json' })).toThrow(/use_sliding_window: unknown field/);
    expect(() => importHfConfig({ ...llama, num_key_value_heads: 5 }, { path: 'l.json' })).toThrow(/num_key_value_heads: expected a divisor of num_attention_heads 32 \(grouped-query attention\), got 5/);
    expect(() => importHfConfig({ ...llama, hidden_act: 'sparsemax' })).toThrow(/hidden_act: expected an elementwise activation/);
    expect(() => importHfConfig({ ...llama, hidden_size: 0 })).toThrow(/hidden_size: expected an integer/);
    expect(() => importHfConfig({ ...config('mixtral-8x7b-v0.1'), num_experts_per_tok: 9 })).toThrow(/num_experts_per_tok: expected an integer in \[1, 8\], got 9/);
    expect(() => importHfConfig({ ...config('gpt-j-6b'), rotary: false })).toThrow(/rotary: expected true/);
    expect(() => importHfConfig({ ...config('pythia-160m'), num_attention_heads: 7 })).toThrow(/num_attention_heads: expected a divisor of hidden_size 768, got 7/);
  });

  it('the functional level (train) refuses other families in one line that points at estimate', () => {
    expect(() => importHfConfig(config('llama-2-7b'), { path: 'llama.json', purpose: 'train' })).toThrow(
      /^llama\.json: model_type: expected "gpt2": the functional level trains GPT-2-family configs; `weightstream estimate --model FILE` takes this one, got "llama"$/,
    );
    expect(() => loadModelFile(rootPath('specs', 'hf', 'gpt-j-6b.json'))).toThrow(/model_type: expected "gpt2": the functional level trains GPT-2-family configs; `weightstream estimate --model FILE` takes this one, got "gptj"/);
  });
});

describe('Hugging Face families at the fabric level', () => {
  it('fabric --model refuses a non-GPT-2 family in one line naming the family and pointing at estimate', async () => {
    const { loadFabricModel } = await import('../../src/fabric/model-layer.js');
    expect(() => loadFabricModel(rootPath('specs', 'hf', 'mistral-7b-v0.1.json'))).toThrow(/--model: expected a GPT-2-family config or an engine model .*this "mistral" config is for `weightstream estimate`/);
  });
});
