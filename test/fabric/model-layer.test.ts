// `fabric --model M --layer NAME`: a model's linear by module name gives the fabric run's K and N. The
// shapes are checked against the config's own numbers (n_embd, n_inner, vocab_size), the CLI run against
// runFabric on the same shape, and every bad name is a one-line error.
// Needs `npm run build` (the CLI runs dist/ and the WASM build).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { atScaleGpt, linearLayersOf, linearShapeOf, loadFabricModel } from '../../src/fabric/model-layer.js';
import { compileModel } from '../../src/model/compile.js';
import { importGpt2Config } from '../../src/model/hf.js';
import { atScaleReader, preset } from '../../src/perf/models.js';
import type { GptShape } from '../../src/perf/layers.js';
import { runFabric } from '../../src/fabric/run.js';
import { rootPath } from '../../src/paths.js';
import { fabricAdapter } from '../../src/sweep/kinds/fabric.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-model-layer-'));
const nano = JSON.parse(readFileSync(rootPath('specs', 'gpt', 'gpt-nano.json'), 'utf8')) as { n_layer: number; n_embd: number; vocab_size: number; n_positions: number };

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The ValidationError a call throws (fails the test when it does not throw one). */
function errorOf(f: () => unknown): ValidationError {
  try {
    f();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

describe('linearShapeOf: the linears of a model by name', () => {
  it('gpt-nano: every block linear and the tied head, K and N from n_embd, 4·n_embd and vocab_size', () => {
    const plan = loadFabricModel('gpt-nano');
    const C = nano.n_embd;
    const expected: [string, number, number][] = [];
    for (let i = 0; i < nano.n_layer; i++) {
      const h = `transformer.h.${i}`;
      expected.push([`${h}.attn.c_attn`, C, 3 * C], [`${h}.attn.c_proj`, C, C], [`${h}.mlp.c_fc`, C, 4 * C], [`${h}.mlp.c_proj`, 4 * C, C]);
    }
    expected.push(['lm_head', C, nano.vocab_size]);
    expect(plan.linears.map((l) => [l.name, l.K, l.N])).toEqual(expected);
    expect(linearShapeOf(plan, 'transformer.h.0.mlp.c_fc')).toEqual({ name: 'transformer.h.0.mlp.c_fc', kind: 'linear', K: 64, N: 256, sparsity: 0 });
    expect(linearShapeOf(plan, 'lm_head')).toMatchObject({ kind: 'lm_head', K: C, N: nano.vocab_size });
    expect(linearShapeOf(plan, 'transformer.h.1.attn.c_attn.weight')).toMatchObject({ name: 'transformer.h.1.attn.c_attn', K: C, N: 3 * C });
    expect(plan.batch).toBe(nano.n_positions);
  });

  it('a config.json written here: n_inner, an untied head, and published dropout (does not change a layer\'s shape)', () => {
    const file = join(dir, 'config.json');
    const cfg = { model_type: 'gpt2', n_layer: 3, n_embd: 48, n_head: 3, n_inner: 100, n_positions: 16, vocab_size: 300, tie_word_embeddings: false, attn_pdrop: 0.1, resid_pdrop: 0.1, embd_pdrop: 0.1 };
    writeFileSync(file, JSON.stringify(cfg));
    const plan = loadFabricModel(file);
    expect(plan.linears).toHaveLength(4 * cfg.n_layer + 1);
    expect(linearShapeOf(plan, 'transformer.h.2.mlp.c_fc')).toMatchObject({ K: 48, N: 100 });
    expect(linearShapeOf(plan, 'transformer.h.2.mlp.c_proj')).toMatchObject({ K: 100, N: 48 });
    expect(linearShapeOf(plan, 'lm_head')).toEqual({ name: 'lm_head', kind: 'linear', K: 48, N: 300, sparsity: 0 });
    expect(plan.batch).toBe(16);
  });

  it('a model JSON: nn.Sequential names, the layer\'s own sparsity, 64 samples by default', () => {
    const file = join(dir, 'mlp.json');
    writeFileSync(file, JSON.stringify({ input: 20, layers: [{ type: 'linear', out: 30, sparsity: 0.5 }, { type: 'relu' }, { type: 'layernorm' }, { type: 'linear', out: 5 }] }));
    const plan = loadFabricModel(file);
    const first = linearShapeOf(plan, '0');
    expect(first).toMatchObject({ K: 20, N: 30 });
    expect(first.sparsity).toBeCloseTo(0.5, 2);
    expect(linearShapeOf(plan, '3')).toEqual({ name: '3', kind: 'linear', K: 30, N: 5, sparsity: 0 });
    expect(plan.batch).toBe(64);
    expect(errorOf(() => linearShapeOf(plan, '2')).message).toMatch(/^--layer: expected a linear layer \(only linears map onto the mesh here; this is a layernorm\), got "2"$/);
  });

  it('an unknown name: one line with how many linears there are and a few of them', () => {
    const plan = loadFabricModel('gpt-nano');
    const e = errorOf(() => linearShapeOf(plan, 'transformer.h.9.mlp.c_fc'));
    expect(e.path).toBe('--layer');
    expect(e.message).not.toContain('\n');
    expect(e.message).toContain("one of the model's 9 linear layers");
    expect(e.message).toContain('transformer.h.0.attn.c_attn, transformer.h.0.attn.c_proj');
    expect(e.message).toContain('..., lm_head');
    expect(e.message).toMatch(/got "transformer\.h\.9\.mlp\.c_fc"$/);
  });

  it('not a linear (layernorm, attention, embedding, a block): only linears map onto the mesh here', () => {
    const plan = loadFabricModel('gpt-nano');
    const cases: [string, RegExp][] = [
      ['transformer.h.0.ln_1', /this is a layernorm/],
      ['transformer.ln_f', /this is a layernorm/],
      ['transformer.h.0.attn', /this module holds attention and 2 linears: transformer\.h\.0\.attn\.c_attn, transformer\.h\.0\.attn\.c_proj/],
      ['transformer.wte', /this is an embedding/],
      ['transformer.h.1', /this module holds .*4 linears/],
    ];
    for (const [name, what] of cases) {
      const e = errorOf(() => linearShapeOf(plan, name));
      expect(e.message, name).toContain('only linears map onto the mesh here');
      expect(e.message, name).toMatch(what);
      expect(e.message, name).not.toContain('\n');
    }
  });

  it('a model that is neither a preset nor a file names --model', () => {
    expect(errorOf(() => loadFabricModel('gpt-huge')).message).toMatch(/^--model: expected a GPT preset \(gpt-nano, gpt-micro, gpt-mini\) or a config\.json/);
    expect(errorOf(() => loadFabricModel('gpt-huge', '--model', atScaleReader)).message).toMatch(/^--model: expected a GPT preset \(gpt-nano, gpt-micro, gpt-mini, gpt3-small, .*gpt3-175b.*\) or a config\.json/);
    expect(errorOf(() => loadFabricModel('gpt-huge', 'model')).path).toBe('model');
  });
});

describe('at-scale GPT presets (specs/models): the linears from the shape alone', () => {
  /** The linears of the GPT-2 plan the engine compiles for a GPT shape (small enough to compile). */
  const compiledLinears = (g: GptShape) => linearLayersOf(compileModel(importGpt2Config({
    model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, n_layer: g.nLayer, n_embd: g.dModel, n_head: g.nHead, n_inner: g.dFF, n_positions: g.contextTokens, vocab_size: g.vocab, tie_word_embeddings: g.tiedEmbedding,
  }, { purpose: 'estimate', maxParams: Infinity }).spec));

  it("are the compiled GPT-2 plan's linears, names and shapes, on gpt3-small and on small shapes tied and untied", () => {
    const small = preset('gpt3-small').gpt!;
    expect(atScaleGpt(small).linears).toEqual(compiledLinears(small));
    for (const g of [
      { nLayer: 2, dModel: 32, nHead: 4, dFF: 80, contextTokens: 16, vocab: 100, tiedEmbedding: true },
      { nLayer: 3, dModel: 24, nHead: 2, dFF: 96, contextTokens: 8, vocab: 77, tiedEmbedding: false },
    ]) expect(atScaleGpt(g).linears, JSON.stringify(g)).toEqual(compiledLinears(g));
  });

  it('gpt3-175b by name or as a {kind: "gpt"} file: the MLP layer of any block, the tied head, one sequence of 2048 tokens; a bad name lists the linears', () => {
    const file = join(dir, 'gpt3.json');
    writeFileSync(file, readFileSync(rootPath('specs', 'models', 'gpt3-175b.json')));
    for (const m of [loadFabricModel('gpt3-175b', '--model', atScaleReader), loadFabricModel(file, '--model', atScaleReader)]) {
      expect(m.linears).toHaveLength(4 * 96 + 1);
      expect(linearShapeOf(m, 'transformer.h.95.mlp.c_fc')).toEqual({ name: 'transformer.h.95.mlp.c_fc', kind: 'linear', K: 12288, N: 49152, sparsity: 0 });
      expect(linearShapeOf(m, 'transformer.h.0.mlp.c_proj.weight')).toMatchObject({ K: 49152, N: 12288 });
      expect(linearShapeOf(m, 'lm_head')).toEqual({ name: 'lm_head', kind: 'lm_head', K: 12288, N: 50257, sparsity: 0 });
      expect(m.batch).toBe(2048);
      expect(errorOf(() => linearShapeOf(m, 'transformer.h.96.mlp.c_fc')).message).toMatch(/^--layer: expected the name of one of the model's 385 linear layers \(transformer\.h\.0\.attn\.c_attn, .*, lm_head\)/);
      expect(errorOf(() => linearShapeOf(m, 'transformer.h.3')).message).toMatch(/this module holds 4 linears: transformer\.h\.3\.attn\.c_attn/);
    }
  });
});

describe('weightstream fabric --model --layer', () => {
  it('maps gpt-nano\'s transformer.h.0.mlp.c_fc: K=64, N=256, one sequence of 64 tokens, the same run as --in 64 --out 256', () => {
    const r = cli('fabric', '--model', 'gpt-nano', '--layer', 'transformer.h.0.mlp.c_fc', '--rows', '4', '--cols', '4', '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ in: 64, out: 256, batch: 64, sparsity: 0, rows: 4, cols: 4 });
    expect(j.layer).toEqual({ model: 'gpt-nano', name: 'transformer.h.0.mlp.c_fc', kind: 'linear', K: 64, N: 256, modelSparsity: 0, columns: 'tokens' });
    expect(j.maxAbsError).toBeLessThan(1e-4);
    expect(j.errorBoundRatio).toBeLessThanOrEqual(1);
    const same = runFabric({ rows: 4, cols: 4, batch: 64, in: 64, out: 256 }).result;
    expect(j.cycles).toBe(same.cycles);
    expect(j.fmacs).toBe(64 * 64 * 256);
  });

  it('an at-scale preset by name: gpt3-small\'s transformer.h.11.mlp.c_proj is K=3072, N=768, the run of --in 3072 --out 768', () => {
    const r = cli('fabric', '--model', 'gpt3-small', '--layer', 'transformer.h.11.mlp.c_proj', '--rows', '8', '--cols', '8', '--batch', '16', '--sparsity', '0.9', '--json', '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.layer).toEqual({ model: 'gpt3-small', name: 'transformer.h.11.mlp.c_proj', kind: 'linear', K: 3072, N: 768, modelSparsity: 0, columns: 'tokens' });
    expect(j.cycles).toBe(runFabric({ rows: 8, cols: 8, batch: 16, in: 3072, out: 768, sparsity: 0.9 }).result.cycles);
  });

  it('--batch and --sparsity given win; the head maps as K = n_embd, N = vocab_size', () => {
    const r = cli('fabric', '--model', 'gpt-nano', '--layer', 'lm_head', '--batch', '8', '--sparsity', '0.5', '--rows', '2', '--cols', '4', '--json', '--quiet');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ in: 64, out: 256, batch: 8, sparsity: 0.5 });
    expect(j.layer.kind).toBe('lm_head');
    expect(j.errorBoundRatio).toBeLessThanOrEqual(1);
  });

  it('bad uses: --model with --in/--out or without --layer is a usage error (2); a bad layer name fails (1); one line each', () => {
    const cases: [string[], number, RegExp][] = [
      [['--model', 'gpt-nano', '--layer', 'lm_head', '--in', '64'], 2, /^weightstream: error: --in: not with --model/],
      [['--model', 'gpt-nano', '--layer', 'lm_head', '--out', '64'], 2, /^weightstream: error: --out: not with --model/],
      [['--model', 'gpt-nano'], 2, /^weightstream: error: --model: needs --layer NAME/],
      [['--layer', 'lm_head'], 2, /^weightstream: error: --layer: only with --model/],
      [['--model', 'gpt-nano', '--layer', 'nope'], 1, /^weightstream: error: --layer: expected the name of one of the model's 9 linear layers/],
      [['--model', 'gpt-nano', '--layer', 'transformer.h.0.ln_2'], 1, /only linears map onto the mesh here; this is a layernorm/],
    ];
    for (const [args, code, line] of cases) {
      const r = cli('fabric', ...args, '--quiet');
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(line);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
});

describe('sweep kind fabric: model and layer', () => {
  it('runs a model\'s layer as the same shape given by in/out; refuses in/out with model and names a bad layer', async () => {
    const a = await fabricAdapter();
    const c = { rows: 2, cols: 2, batch: 8, model: 'gpt-nano', layer: 'transformer.h.1.attn.c_attn' };
    await a.validate(c);
    const r = (await a.run(c)) as { in: number; out: number; cycles: number };
    expect(r).toMatchObject({ in: 64, out: 192 });
    expect(r.cycles).toBe(runFabric({ rows: 2, cols: 2, batch: 8, in: 64, out: 192 }).result.cycles);
    await expect(async () => a.validate({ ...c, in: 64 })).rejects.toThrow(/^in: expected no in\/out with model/);
    await expect(async () => a.validate({ ...c, layer: 'transformer.h.1.ln_1' })).rejects.toThrow(/^layer: expected a linear layer \(only linears map onto the mesh here/);
    await expect(async () => a.validate({ rows: 2, cols: 2, layer: 'lm_head' })).rejects.toThrow(/^model: expected a GPT preset name/);
  });
});
