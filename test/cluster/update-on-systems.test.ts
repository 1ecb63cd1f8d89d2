// MemoryX's update on the systems' threads (updateOn 'systems', src/cluster/step.ts): each system adds its slice
// of a layer's gradient and updates the same slice of the layer's record in one REDUCE, queued after the next
// layer's backward, with no barrier and nothing on the main thread. The update is elementwise, so every run here
// is bit-identical to the same run with the update on the main thread: an MLP, a GPT with a tied head (the tied
// layers stay on main), records on the flash tier (they stay on main) and sparse weights; with and without
// prefetch. (Faults during it: queue.test.ts.) The workers run compiled JS (npm test builds first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster, type TrainOptions, type TrainResult } from '../../src/cluster/engine.js';
import type { StepEvent } from '../../src/cluster/events.js';
import { loadDigits } from '../../src/data/index.js';
import { loadShippedText } from '../../src/data/text.js';
import { compileModel } from '../../src/model/compile.js';
import { withSparsity } from '../../src/model/load.js';
import { importGpt2Config } from '../../src/model/hf.js';
import type { TrainData } from '../../src/data/fill.js';
import { resolveTrainOptions } from '../../src/cluster/options.js';
import { availableParallelism } from 'node:os';
import { memoryxLayers } from '../../src/memoryx/layers.js';
import { recordBytesOf } from '../../src/memoryx/store.js';

const digits = loadDigits();
const text = loadShippedText({ seqLen: 8, testFraction: 0.1 });
const gpt = importGpt2Config({ model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, n_layer: 2, n_embd: 16, n_head: 2, n_positions: 8, vocab_size: 256 }).spec;
const clusters = new Map<number, Cluster>();

beforeAll(async () => {
  for (const n of [1, 2, 3]) clusters.set(n, await createCluster({ systems: n }));
});
afterAll(async () => {
  for (const c of clusters.values()) await c.close();
});

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function expectSame(r: TrainResult, want: TrainResult) {
  expect(r.loss).toEqual(want.loss);
  r.params.forEach((p, l) => expect(bits(p), `layer ${l}`).toEqual(bits(want.params[l])));
  expect(r.bytesReduced).toBe(want.bytesReduced);
  expect(r.bytesStreamed).toBe(want.bytesStreamed);
  // the simulated timeline is built from the events' bytes and FLOP, not from where the simulator ran them
  expect(r.simulatedStepSeconds).toBe(want.simulatedStepSeconds);
  expect(r.utilization).toEqual(want.utilization);
}

/** Layers whose update ran on the systems' threads in `step` (their update event says so; main's does not). */
function updatedOnSystems(events: StepEvent[], step: number): number[] {
  return events.filter((e) => e.kind === 'update' && e.step === step && e.onSystems).map((e) => e.layer).sort((a, b) => a - b);
}

async function both(n: number, model: unknown, data: TrainData, opts: TrainOptions, dramBytes?: number) {
  const c = dramBytes === undefined ? clusters.get(n)! : await createCluster({ systems: n, dramBytes });
  try {
    const events: StepEvent[] = [];
    const main = await c.train(model, data, { ...opts, updateOn: 'main' });
    const systems = await c.train(model, data, { ...opts, updateOn: 'systems', onEvent: (e) => events.push(e) });
    return { main, systems, onSystems: updatedOnSystems(events, 1) };
  } finally {
    if (dramBytes !== undefined) await c.close();
  }
}

describe("MemoryX's update on the systems' threads", () => {
  it.each([1, 2, 3])('an MLP on %i systems: the same bits as the update on main, with and without prefetch', async (n) => {
    const model = { input: 64, layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: 10 }] };
    const opts: TrainOptions = { steps: 4, batch: 60, optimizer: { kind: 'adamw', lr: 1e-3 }, seed: 4, shuffle: true, evaluate: false };
    for (const prefetch of [true, false]) {
      const r = await both(n, model, digits, { ...opts, prefetch });
      expectSame(r.systems, r.main);
      expect(r.onSystems).toEqual([0, 1, 2]);
    }
  });

  it('a GPT with a tied head: the tied pair stays on main, every other layer is updated on the systems, the same bits', async () => {
    const plan = compileModel(gpt);
    const head = plan.layers.findIndex((L) => L.tiedTo);
    const tiedPair = [plan.layers[head].tiedTo!.layer, head];
    for (const spec of [gpt, withSparsity(gpt, 0.9)]) {
      const r = await both(3, spec, text, { steps: 4, batch: 6, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, seed: 2, evaluate: false });
      expectSame(r.systems, r.main);
      expect(r.onSystems).toEqual(plan.layers.map((_, l) => l).filter((l) => !tiedPair.includes(l)));
    }
  });

  it('records on the flash tier stay on main, DRAM records go to the systems, the same bits', async () => {
    const model = { input: 64, layers: [{ type: 'linear', out: 48 }, { type: 'relu' }, { type: 'linear', out: 32 }, { type: 'relu' }, { type: 'linear', out: 10 }] };
    const records = compileModel(model).layers.map((L) => 4 * L.paramFloats * 3);
    const r = await both(2, model, digits, { steps: 4, batch: 40, optimizer: { kind: 'adamw', lr: 0.01 }, seed: 6, evaluate: false }, Math.max(...records) + Math.min(...records));
    expect(r.systems.memoryx.tiers).toContain('flash');
    expectSame(r.systems, r.main);
    expect(r.onSystems).toEqual(r.systems.memoryx.tiers.flatMap((t, l) => (t === 'dram' ? [l] : [])));
  });

  it('a GPT with a tied head on the flash tier: the same bits as all in DRAM (its set-up failed: "arena full", the tied gradient\'s buffer was not counted)', async () => {
    const opts: TrainOptions = { steps: 3, batch: 6, optimizer: { kind: 'adamw', lr: 0.01 }, seed: 5, evaluate: false };
    const records = recordBytesOf(memoryxLayers(compileModel(gpt)), 2).filter((b) => b > 0);
    const r = await both(2, gpt, text, opts, Math.max(...records) + Math.min(...records));
    expect(r.systems.memoryx.tiers).toContain('flash');
    expectSame(r.systems, r.main);
    expectSame(r.main, await clusters.get(2)!.train(gpt, text, { ...opts, updateOn: 'main' }));
  });

  it('updateOn: a bad value is named; the default is the systems when they and main outnumber the cores, or from 4 systems on', async () => {
    await expect(clusters.get(2)!.train({ input: 64, layers: [{ type: 'linear', out: 10 }] }, digits, { steps: 1, batch: 4, optimizer: { kind: 'sgd', lr: 0.1 }, updateOn: 'gpu' as never })).rejects.toThrow(/^updateOn: expected one of systems, main, got "gpu"/);
    const plan = compileModel({ input: 64, layers: [{ type: 'linear', out: 10 }] });
    const onSystems = (n: number) => resolveTrainOptions({ steps: 0, batch: 8, optimizer: { kind: 'sgd', lr: 0.1 } }, plan, digits, n).updateOnSystems;
    const cores = availableParallelism();
    for (const n of [1, 2, 3, 4, 8]) expect(onSystems(n), `${n} systems on ${cores} cores`).toBe(n >= 4 || n + 1 > cores);
  });
});
