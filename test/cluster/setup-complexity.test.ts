// Training set-up is linear in the layer count, checked by counting work rather than timing it: every
// element read of the model's layer list (during validation and compilation) and of the compiled plan's
// layers, params and ops (during the coordinator's set-up: options, fingerprint, initial weights, the shared
// memory map, MemoryX, SwarmX, the systems' start messages; a system's own set-up: compile and executor; the
// reference trainer's) goes through a counting Proxy. A loop over the layers inside a loop over the layers
// reads O(L²) elements: 4x the layers would read ~16x as many; linear set-up reads ~4x.
// (Issue 17, item 9: 1000/2000/4000 layers took 6.8/15/43 s at `train --steps 0`.)
import { describe, expect, it } from 'vitest';
import type Piscina from 'piscina';
import { compileModel } from '../../src/model/compile.js';
import { initParams } from '../../src/model/params.js';
import type { Plan } from '../../src/model/plan.js';
import { Run } from '../../src/cluster/run.js';
import { resolveTrainOptions } from '../../src/cluster/options.js';
import { planFingerprint } from '../../src/cluster/engine.js';
import { createExecutor } from '../../src/nn/executor.js';
import { Wasm } from '../../src/wasm/module.js';
import { trainReference } from '../../src/train/reference.js';
import { teacherData } from '../../src/data/teacher.js';

/** Counts the numeric-index reads of `a` (Array methods such as map or filter read through it too). */
function counting<T>(a: T[], count: { reads: number }): T[] {
  return new Proxy(a, {
    get(target, key, recv) {
      if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) count.reads++;
      return Reflect.get(target, key, recv);
    },
  });
}

/** L linear layers of width 8 with a ReLU between (one sparse in every 4), 8 inputs, 4 classes. */
function deepSpec(L: number, count: { reads: number }): unknown {
  const layers: unknown[] = [];
  for (let i = 0; i < L - 1; i++) {
    layers.push(i % 4 === 3 ? { type: 'linear', out: 8, sparsity: 0.5 } : { type: 'linear', out: 8 });
    layers.push({ type: 'relu' });
  }
  layers.push({ type: 'linear', out: 4 });
  return { input: 8, layers: counting(layers, count), loss: 'softmax_cross_entropy' };
}

/** Element reads of the whole set-up of an L-layer model, before its first step. */
async function setupReads(L: number): Promise<number> {
  const count = { reads: 0 };
  const compiled = compileModel(deepSpec(L, count));
  const plan: Plan = { ...compiled, layers: counting(compiled.layers, count), params: counting(compiled.params, count), ops: counting(compiled.ops, count) };
  const data = teacherData({ features: 8, classes: 4, samples: 80, seed: 1 });
  // the coordinator (src/cluster/engine.ts train() up to the first step; the pool is never asked to run a task here)
  const s = resolveTrainOptions({ steps: 0, batch: 8, optimizer: { kind: 'adamw', lr: 1e-3 } }, plan, data, 2);
  planFingerprint(plan);
  const run = new Run({} as Piscina, { systems: 2, fanIn: 2, waferSramBytes: 40e9, flavor: 'release' }, plan, s, () => initParams(plan, 0));
  await run.close();
  // one system's own set-up (src/cs2/worker.ts): its plan and executor
  createExecutor(new Wasm({ flavor: 'release' }), plan, 4);
  // the reference trainer's set-up
  trainReference(plan, data, { steps: 0, batch: 8, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false });
  return count.reads;
}

describe('training set-up grows linearly with the layer count', () => {
  it('reads ~4x the layer-list elements for 4x the layers (500 → 2000 layers), not ~16x', async () => {
    const small = await setupReads(500);
    const large = await setupReads(2000);
    expect(small).toBeGreaterThan(500 * 3); // the count sees the set-up's loops at all
    expect(large / small).toBeLessThan(4.5);
  }, 120_000);
});
