// The reference trainer against PyTorch: test/fixtures/torch_<case>.safetensors were written by
// scripts/make_torch_fixture.py (torch 1.13, CPU, one thread) for the cases of torch_cases.json: same
// model (same state-dict names), same initial weights exchanged through safetensors in both directions,
// same data order. We check the first step's gradients, every step's loss and the final weights.
import { existsSync, readFileSync } from 'node:fs';
import { maxRelDiff } from '../helpers/compare.js';
import { describe, expect, test } from 'vitest';
import { loadDigits } from '../../src/data/index.js';
import { readSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { loadWeights, saveWeights, weightsFromTensors } from '../../src/model/weights-file.js';
import { compileModel, initParams, packWire, type Params, type Plan } from '../../src/model/index.js';
import { createExecutor } from '../../src/nn/index.js';
import { fillBatch, BatchOrder } from '../../src/data/batches.js';
import { trainReference } from '../../src/train/reference.js';
import { Wasm } from '../../src/wasm/module.js';
import { rootPath } from '../../src/paths.js';
import type { OptimizerConfig } from '../../src/memoryx/optimizer.js';

// Named tolerances (relative to the largest magnitude of the compared tensor / trajectory). Float32 on
// both sides; the differences come from summation order (torch's BLAS vs our kernels), ~1e-7 per op,
// grown by the training dynamics over the steps.
const GRAD_REL_TOL = 1e-5; // first-step gradients: one forward + backward
const LOSS_REL_TOL = 1e-5; // per-step loss over 30-60 steps (measured <= 3.5e-7)
const WEIGHT_REL_TOL = 2e-5; // final weights after 30-60 steps (measured <= 1.8e-6, AdamW)

interface Case {
  model: unknown;
  optimizer: OptimizerConfig;
  batch: number;
  steps: number;
  init: { from: 'torch' | 'weightstream'; seed: number };
}
const fix = (f: string) => rootPath('test', 'fixtures', f);
const cases: Record<string, Case> = JSON.parse(readFileSync(fix('torch_cases.json'), 'utf8')).cases;
const digits = loadDigits();

function withPrefix(tensors: Map<string, Tensor>, prefix: string): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const [k, v] of tensors) if (k.startsWith(prefix)) m.set(k.slice(prefix.length), v);
  return m;
}

/** The gradient blocks of one step on `params` for step-0 samples, from the shared executor. */
function firstStepGrads(plan: Plan, params: Params, B: number): Params {
  const w = new Wasm();
  const ex = createExecutor(w, plan, B);
  const idx = new BatchOrder(digits.train.n, B).indices(0);
  ex.begin(B);
  fillBatch(digits.train, plan.input, idx, w.f32(ex.inputPtr, plan.input * B), w.i32(ex.labelsPtr, B));
  const wire = plan.layers.map((l) => w.allocF32(Math.max(1, l.wireWords)));
  const fwire = plan.layers.map((l) => w.allocF32(Math.max(1, l.fwdWireWords)));
  plan.layers.forEach((l, i) => packWire(plan, i, params[i], w.f32(wire[i], l.wireWords), 'backward'));
  plan.layers.forEach((l, i) => packWire(plan, i, params[i], w.f32(fwire[i], l.fwdWireWords), 'forward'));
  const grads = plan.layers.map((l) => w.allocF32(Math.max(1, l.paramFloats)));
  for (let l = 0; l < plan.layers.length; l++) ex.forwardLayer(l, fwire[l]);
  ex.loss(B);
  for (let l = plan.layers.length - 1; l >= 0; l--) ex.backwardLayer(l, wire[l], grads[l]);
  return plan.layers.map((l, i) => w.f32(grads[i], l.paramFloats).slice());
}

for (const [name, c] of Object.entries(cases)) {
  describe(`torch fixture ${name}`, () => {
    const plan = compileModel(c.model);
    const wsInit = fix(`ws_init_${name}.safetensors`);
    if (c.init.from === 'weightstream' && process.env.WS_WRITE_FIXTURE_INIT === '1') saveWeights(wsInit, plan, initParams(plan, c.init.seed));
    const file = fix(`torch_${name}.safetensors`);
    const fixture = existsSync(file) ? readSafetensors(file).tensors : null;

    test('the fixture exists (scripts/make_torch_fixture.py)', () => {
      expect(fixture, `${file} missing: run /usr/bin/python3 scripts/make_torch_fixture.py`).not.toBeNull();
    });
    if (!fixture) return;
    const init = weightsFromTensors(plan, withPrefix(fixture, 'init.'), `${file} init.*`);

    if (c.init.from === 'weightstream') {
      test('weightstream -> PyTorch: the weights torch trained from are weightstream\'s initParams, bit for bit', () => {
        const mine = initParams(plan, c.init.seed);
        const fromFile = loadWeights(wsInit, plan);
        for (let l = 0; l < plan.layers.length; l++) {
          expect(Buffer.from(fromFile[l].buffer).equals(Buffer.from(mine[l].buffer))).toBe(true);
          expect(Buffer.from(init[l].buffer).equals(Buffer.from(mine[l].buffer))).toBe(true);
        }
      });
    }

    test(`first-step gradients equal torch's (GRAD_REL_TOL ${GRAD_REL_TOL})`, () => {
      const grads = firstStepGrads(plan, init, c.batch);
      const torchGrads = weightsFromTensors(plan, withPrefix(fixture, 'grads0.'), `${file} grads0.*`);
      for (const p of plan.params) {
        const a = grads[p.layer].subarray(p.offset, p.offset + p.size);
        const b = torchGrads[p.layer].subarray(p.offset, p.offset + p.size);
        expect(maxRelDiff(a, b), p.name).toBeLessThan(GRAD_REL_TOL);
      }
    });

    test(`${c.steps} steps of ${c.optimizer.kind}: losses and final weights equal torch's (LOSS ${LOSS_REL_TOL}, WEIGHT ${WEIGHT_REL_TOL})`, () => {
      const r = trainReference(plan, digits, { steps: c.steps, batch: c.batch, optimizer: c.optimizer, init, evaluate: false });
      const torchLoss = fixture.get('losses')!.data as Float32Array;
      expect(r.loss.length).toBe(torchLoss.length);
      const lossDiff = maxRelDiff(r.loss, torchLoss);
      const final = weightsFromTensors(plan, withPrefix(fixture, 'final.'), `${file} final.*`);
      const diffs = plan.params.map((p) => maxRelDiff(r.params[p.layer].subarray(p.offset, p.offset + p.size), final[p.layer].subarray(p.offset, p.offset + p.size)));
      console.log(`${name}: loss ${torchLoss[0].toFixed(4)} -> ${torchLoss[torchLoss.length - 1].toFixed(4)}; max rel diff loss ${lossDiff.toExponential(2)}, weights ${Math.max(...diffs).toExponential(2)}`);
      expect(lossDiff).toBeLessThan(LOSS_REL_TOL);
      plan.params.forEach((p, i) => expect(diffs[i], p.name).toBeLessThan(WEIGHT_REL_TOL));
      expect(torchLoss[torchLoss.length - 1]).toBeLessThan(torchLoss[0]); // the case does learn
    });
  });
}
