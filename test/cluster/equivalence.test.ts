// Same numbers everywhere (M5, M12): the weight-streaming engine on 1, 2, 4 and 8 simulated CS-2 against
// the in-memory reference trainer (src/train/reference.ts, no streaming, same kernels) over 60 steps, SGD
// with momentum and AdamW, on a model with a residual block, LayerNorm, GELU and a sparse layer.
// One system runs exactly the reference's computation: bit-identical. N systems split the batch, so the
// gradient sums (and the loss) are added in another order: equal within named tolerances.
// The workers run compiled JS: `npm run build:ts` (npm test builds first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/engine.js';
import { withTestHooks } from '../../src/cluster/hooks.js';
import { trainReference, type ReferenceResult } from '../../src/train/reference.js';
import { loadDigits } from '../../src/data/index.js';
import type { OptimizerConfig } from '../../src/memoryx/optimizer.js';

/** Relative difference allowed between per-step losses of N systems and the reference (observed ≤ 9e-6). */
const LOSS_RTOL = 1e-4;
/** Absolute difference allowed between final weights (|w| ≤ 1.5 here; observed ≤ 8e-7). */
const WEIGHT_ATOL = 1e-5;

const data = loadDigits();
const model = {
  input: 64,
  layers: [
    { type: 'linear', out: 64 },
    { type: 'relu' },
    { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 64 }, { type: 'gelu' }] },
    { type: 'linear', out: 10, sparsity: 0.5 },
  ],
};
const optimizers: OptimizerConfig[] = [
  { kind: 'sgd', lr: 0.1, momentum: 0.9 },
  { kind: 'adamw', lr: 0.003 },
];
const clusters = new Map<number, Cluster>();

beforeAll(async () => {
  for (const n of [1, 2, 4, 8]) clusters.set(n, await createCluster({ systems: n, fanIn: 2 }));
});
afterAll(async () => {
  for (const c of clusters.values()) await c.close();
});

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe.each(optimizers)('engine vs reference trainer, $kind', (optimizer) => {
  const opts = { steps: 60, batch: 64, optimizer, seed: 3, shuffle: true };
  let ref: ReferenceResult;
  beforeAll(() => {
    ref = trainReference(model, data, opts);
  });

  it('1 system is bit-identical to the reference (losses, weights, test accuracy)', async () => {
    const r = await clusters.get(1)!.train(model, data, opts);
    expect(r.loss).toEqual(ref.loss);
    r.params.forEach((p, l) => expect(bits(p)).toEqual(bits(ref.params[l])));
    expect(r.testAccuracy).toBe(ref.testAccuracy);
  });

  it.each([2, 4, 8])('%i systems match the reference within LOSS_RTOL and WEIGHT_ATOL over 60 steps', async (n) => {
    const r = await clusters.get(n)!.train(model, data, opts);
    expect(r.loss).toHaveLength(60);
    r.loss.forEach((l, i) => expect(Math.abs(l - ref.loss[i]) / ref.loss[i]).toBeLessThanOrEqual(LOSS_RTOL));
    let worst = 0;
    r.params.forEach((p, l) => p.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref.params[l][i])))));
    expect(worst).toBeLessThanOrEqual(WEIGHT_ATOL);
    // It learned: the loss fell and the test accuracy is the reference's (a few ulps cannot flip many argmaxes).
    expect(r.finalLoss).toBeLessThan(0.5 * r.loss[0]);
    expect(Math.abs(r.testAccuracy! - ref.testAccuracy!)).toBeLessThanOrEqual(1 / data.test!.n);
  });
});

describe('determinism', () => {
  it('the same 4-system run twice is bit-identical (fixed reduce order, whatever the thread timing)', async () => {
    const opts = { steps: 20, batch: 48, optimizer: { kind: 'adamw', lr: 0.01 } as OptimizerConfig, seed: 9, shuffle: true };
    const a = await clusters.get(4)!.train(model, data, opts);
    const b = await clusters.get(4)!.train(model, data, opts);
    expect(b.loss).toEqual(a.loss);
    a.params.forEach((p, l) => expect(bits(b.params[l])).toEqual(bits(p)));
  });

  it('prefetch (main-thread work overlapped with the systems) changes no bit against the serial chain', async () => {
    const opts = { steps: 8, batch: 48, optimizer: { kind: 'adamw', lr: 0.01 } as OptimizerConfig, seed: 5, shuffle: true, evaluate: false };
    for (const n of [1, 4]) {
      const a = await clusters.get(n)!.train(model, data, { ...opts, prefetch: false });
      const b = await clusters.get(n)!.train(model, data, opts);
      expect(b.loss).toEqual(a.loss);
      a.params.forEach((p, l) => expect(bits(b.params[l])).toEqual(bits(p)));
    }
  });

  it('the reduce gives the same bits on the systems\' threads (by slices) as on the main thread', async () => {
    const opts = { steps: 6, batch: 48, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 } as OptimizerConfig, seed: 2, evaluate: false };
    for (const n of [2, 8]) {
      const a = await clusters.get(n)!.train(model, data, { ...opts, reduceOn: 'main' });
      const b = await clusters.get(n)!.train(model, data, { ...opts, reduceOn: 'systems' });
      const c = await clusters.get(n)!.train(model, data, { ...opts, reduceOn: 'systems', prefetch: false });
      for (const r of [b, c]) {
        expect(r.loss).toEqual(a.loss);
        a.params.forEach((p, l) => expect(bits(r.params[l])).toEqual(bits(p)));
        expect(r.bytesReduced).toBe(a.bytesReduced);
      }
    }
  });

  it('no system keeps weights past a command: poisoning each broadcast slot after use changes no bit', async () => {
    const opts = { steps: 6, batch: 48, optimizer: { kind: 'adamw', lr: 0.01 } as OptimizerConfig, seed: 9, evaluate: false };
    const a = await clusters.get(4)!.train(model, data, opts);
    const b = await clusters.get(4)!.train(model, data, withTestHooks(opts, { poisonBroadcast: true }));
    expect(b.loss.every(Number.isFinite)).toBe(true);
    expect(b.loss).toEqual(a.loss);
    a.params.forEach((p, l) => expect(bits(b.params[l])).toEqual(bits(p)));
  });

  it('bytes: each layer streams twice a step (once for all systems), each gradient is reduced once', async () => {
    const r = await clusters.get(2)!.train(model, data, { steps: 3, batch: 32, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false });
    const { compileModel } = await import('../../src/model/compile.js');
    const plan = compileModel(model);
    // once forward (a sparse weight in the column layout, N + 2·nnz words) and once backward (rows, K + 2·nnz)
    const wire = plan.layers.reduce((a, L) => a + 4 * (L.fwdWireWords + L.wireWords), 0);
    const grad = plan.layers.reduce((a, L) => a + 4 * L.paramFloats, 0);
    expect(r.bytesStreamed).toBe(3 * wire);
    expect(r.bytesReduced).toBe(3 * grad);
    expect(r.bytesGradientsSent).toBe(2 * 3 * grad);
    // fan-in 2, 2 systems: two leaf links and the root link; every link carried every broadcast
    expect(r.swarmx.levels).toEqual([2, 1]);
    for (const link of r.swarmx.links) expect(link.bytesDown).toBe(3 * wire);
  });

  it('records every event of a step per layer (and per system for compute), with bytes and FLOP (issue 6 hook)', async () => {
    const { compileModel } = await import('../../src/model/compile.js');
    const plan = compileModel(model);
    const events: import('../../src/cluster/events.js').StepEvent[] = [];
    const r = await clusters.get(2)!.train(model, data, { steps: 2, batch: 33, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false, onEvent: (e) => events.push(e) });
    const L = plan.layers.length;
    const count = (k: string) => events.filter((e) => e.kind === k).length;
    expect([count('streamFwd'), count('streamBwd'), count('gradOut'), count('reduce'), count('update')]).toEqual([2 * L, 2 * L, 2 * L, 2 * L, 2 * L]);
    expect([count('forward'), count('backward')]).toEqual([2 * 2 * L, 2 * 2 * L]);
    const sum = (k: string, f: 'bytes' | 'flop') => events.filter((e) => e.kind === k).reduce((a, e) => a + e[f], 0);
    expect(sum('streamFwd', 'bytes') + sum('streamBwd', 'bytes')).toBe(r.bytesStreamed);
    expect(sum('update', 'bytes')).toBe(r.bytesReduced);
    // forward FLOP: 2 per weight (nnz for the sparse layer) per sample, 33 samples shared 17 + 16
    const macs = plan.ops.reduce((a, op) => a + (op.kind === 'linear' ? (op.sparse ? op.sparse.nnz : op.inWidth * op.outWidth) : 0), 0);
    expect(sum('forward', 'flop')).toBe(2 * 2 * macs * 33);
    expect(events.filter((e) => e.kind === 'forward' && e.system === 1).reduce((a, e) => a + e.flop, 0)).toBe(2 * 2 * macs * 16);
    for (const e of events) expect(e.endMs).toBeGreaterThanOrEqual(e.startMs);
  });
});
