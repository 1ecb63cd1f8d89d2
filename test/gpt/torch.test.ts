// GPT-2 training against PyTorch, step by step: test/fixtures/gpt/<case>/ were written by
// scripts/make_gpt_fixture.py (a plain PyTorch GPT-2 built from the same config.json, trained from the same
// init.safetensors on the same tokens, torch 1.13, float32, CPU). The reference trainer, and the engine on
// 1 system (bit-identical to it), must give the same losses and final weights within the 1e-4.
import { readFileSync } from 'node:fs';
import { maxRelDiff } from '../helpers/compare.js';
import { describe, expect, it } from 'vitest';
import { loadTokenFile } from '../../src/data/tokens.js';
import { readSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { loadWeights, weightsFromTensors } from '../../src/model/weights-file.js';
import { compileModel } from '../../src/model/compile.js';
import { loadModelFile } from '../../src/model/load.js';
import type { LayerSpec, ModelSpec } from '../../src/model/types.js';
import type { OptimizerConfig } from '../../src/memoryx/optimizer.js';
import { weightDiff } from './compare.js';
import { trainReference } from '../../src/train/reference.js';
import { rootPath } from '../../src/paths.js';

// Named tolerances, relative to the largest magnitude of the compared trajectory / tensor (issue 13: 1e-4).
const LOSS_REL_TOL = 1e-4;
const WEIGHT_REL_TOL = 1e-4;

const dir = (c: string, f: string) => rootPath('test', 'fixtures', 'gpt', c, f);

interface Fixture {
  spec: ModelSpec;
  optimizer: OptimizerConfig;
  batch: number;
  steps: number;
  losses: number[];
}

/** The fixture's model (config.json + its masks), optimizer and losses. */
export function loadFixture(c: string): Fixture {
  const r = JSON.parse(readFileSync(dir(c, 'result.json'), 'utf8'));
  let spec = loadModelFile(dir(c, 'config.json'), { seqLen: r.T });
  if (r.sparsity > 0) spec = withMasks(spec, readSafetensors(dir(c, 'masks.safetensors')).tensors);
  const o = r.optimizer;
  const optimizer: OptimizerConfig = o.optimizer === 'sgd' ? { kind: 'sgd', lr: o.lr, momentum: o.momentum, weightDecay: o.weight_decay } : { kind: 'adamw', lr: o.lr, weightDecay: o.weight_decay };
  return { spec, optimizer, batch: r.batch, steps: r.steps, losses: r.losses };
}

/** The description with each masked Conv1D linear given its explicit mask (file layout [in, out]). */
function withMasks(spec: ModelSpec, masks: Map<string, Tensor>): ModelSpec {
  const map = (layers: LayerSpec[]): LayerSpec[] =>
    layers.map((l) => {
      if (l.type === 'residual') return { ...l, layers: map(l.layers) };
      const m = l.type === 'linear' ? masks.get(`mask.${l.name}.weight`) : undefined;
      return m && l.type === 'linear' ? { ...l, mask: m.data as Float32Array } : l;
    });
  return { ...spec, layers: map(spec.layers) };
}

describe.each(['sgd_tied_dense', 'adamw_untied_dense', 'adamw_tied_sparse90'])('GPT-2 vs PyTorch: %s', (c) => {
  const f = loadFixture(c);
  const plan = compileModel(f.spec);
  const data = loadTokenFile(dir(c, 'tokens.safetensors'));
  const init = loadWeights(dir(c, 'init.safetensors'), plan);
  const final = new Map<string, Tensor>();
  for (const [k, v] of readSafetensors(dir(c, 'result.safetensors')).tensors) if (k.startsWith('final.')) final.set(k.slice(6), v);
  const want = weightsFromTensors(plan, final, `${c}/result.safetensors`);

  it(`reference trainer: every step's loss within ${LOSS_REL_TOL} and the final weights within ${WEIGHT_REL_TOL}`, () => {
    const r = trainReference(plan, data, { steps: f.steps, batch: f.batch, optimizer: f.optimizer, init, evaluate: false });
    const lossDiff = maxRelDiff(r.loss, f.losses);
    const w = weightDiff(plan, r.params, want);
    console.log(`${c}: loss ${f.losses[0].toFixed(4)} -> ${f.losses[f.steps - 1].toFixed(4)}; max rel diff: losses ${lossDiff.toExponential(2)}, weights ${w.rel.toExponential(2)} (key biases: ${w.keyBiasAbs.toExponential(2)} absolute)`);
    expect(lossDiff).toBeLessThan(LOSS_REL_TOL);
    expect(w.rel).toBeLessThan(WEIGHT_REL_TOL);
    // the key biases move by float noise only: at most lr per step on each side (Adam), exactly 0-driven for SGD
    expect(w.keyBiasAbs).toBeLessThan(2 * f.optimizer.lr * f.steps);
    expect(r.loss[f.steps - 1]).toBeLessThan(r.loss[0]);
  });
});
