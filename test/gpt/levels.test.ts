// One description, three levels (issue 13): a GPT-2 config.json read by `train` (the engine) and by
// `estimate` (the at-scale model) gives the same parameters, FLOP and streamed bytes per step (within 1 %),
// and `fabric --model config.json --layer NAME` maps one of its linears onto the mesh.
// What the at-scale model adds on top (not compared here): mixed precision (2-byte weights and gradients
// by default; the comparison sets fp32 and 4-byte indices as the engine streams), recomputation choices,
// the SwarmX tree's latency, the optimizer state it keeps in MemoryX, energy and cost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/engine.js';
import { layerFlop } from '../../src/cluster/events.js';
import { loadShippedText } from '../../src/data/text.js';
import { compileModel } from '../../src/model/compile.js';
import { importGpt2Config } from '../../src/model/hf.js';
import { withSparsity } from '../../src/model/load.js';
import { estimate } from '../../src/perf/estimate.js';
import { gptModelFromHfConfig } from '../../src/perf/models.js';

const config = { model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, n_layer: 2, n_embd: 64, n_head: 4, n_positions: 32, vocab_size: 256 };
const T = 32;
const B = 8; // sequences per step
const data = loadShippedText({ seqLen: T, testFraction: 0 });
let cluster: Cluster;
beforeAll(async () => {
  cluster = await createCluster({ systems: 2 });
});
afterAll(async () => {
  await cluster.close();
});

describe.each([0, 0.9])('train and estimate on one config.json, sparsity %s', (sparsity) => {
  const base = importGpt2Config(config).spec;
  const spec = sparsity > 0 ? withSparsity(base, sparsity) : base;
  const plan = compileModel(spec);
  const perf = gptModelFromHfConfig(config, 'config.json');
  const e = estimate(perf, { systems: 2, sparsity, batchTokens: B * T, trainTokens: B * T, precision: 'fp32', weightBytes: 4, gradBytes: 4, sparseIndexBytes: 4, recompute: 'none' });

  it('parameters: exactly equal (dense count; the sparse non-zeros within 1 %)', () => {
    expect(e.params).toBe(plan.torchParams);
    const nonzero = plan.params.reduce((s, p) => s + (p.tiedTo >= 0 ? 0 : p.size), 0);
    expect(Math.abs(e.paramsNonzero - nonzero) / nonzero).toBeLessThan(0.01);
  });

  it('FLOP of one step: the engine\'s count and the estimate\'s within 1 %', () => {
    let engine = 0;
    for (let l = 0; l < plan.layers.length; l++) {
      const f = layerFlop(plan, l, B);
      engine += f.forward + f.delta + f.gradient;
    }
    expect(Math.abs(e.executedFlop - engine) / engine).toBeLessThan(0.01);
  });

  it('weight bytes streamed in one step: the engine\'s measured bytes and the estimate\'s within 1 %', async () => {
    const r = await cluster.train(spec, data, { steps: 1, batch: B, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false });
    expect(Math.abs(e.stream.bytesPerStep - r.bytesStreamed) / r.bytesStreamed).toBeLessThan(0.01);
  });
});
