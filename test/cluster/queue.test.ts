// The queued commands (src/protocol/cs2.ts: a ring of command records, no barrier per layer): a model deep
// enough that one step publishes more commands than the ring holds (main must wait for ring space), with
// the reduce (and MemoryX's update) on either side and faults while a system waits for the others (a REDUCE,
// or a backward behind their REDUCE, that an abandoned attempt must release). Every "same" here is bit-identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster, type TrainOptions, type TrainResult } from '../../src/cluster/engine.js';
import { withTestHooks } from '../../src/cluster/hooks.js';
import { compileModel } from '../../src/model/compile.js';
import { RING } from '../../src/protocol/cs2.js';
import { loadDigits } from '../../src/data/index.js';
import { trainReference } from '../../src/train/reference.js';

const data = loadDigits();
/** 18 streamed layers: a step is STEP, 18 FORWARD, LOSS, 18 BACKWARD (and 18 REDUCE on the systems). */
const deep = { input: 64, layers: [...Array.from({ length: 17 }, () => [{ type: 'linear', out: 24 }, { type: 'relu' }]).flat(), { type: 'linear', out: 10 }] };
const base: TrainOptions = { steps: 6, batch: 30, optimizer: { kind: 'adamw', lr: 0.01 }, seed: 7, shuffle: true, evaluate: false };
let c1: Cluster;
let c2: Cluster;
let serial: TrainResult;

beforeAll(async () => {
  c1 = await createCluster({ systems: 1 });
  c2 = await createCluster({ systems: 2 });
  serial = await c2.train(deep, data, { ...base, prefetch: false, reduceOn: 'main', updateOn: 'main' });
});
afterAll(async () => {
  await c1.close();
  await c2.close();
});

function expectSame(r: TrainResult, want: { loss: number[]; params: Float32Array[] }) {
  expect(r.loss).toEqual(want.loss);
  r.params.forEach((p, l) => expect(new Uint32Array(p.buffer)).toEqual(new Uint32Array(want.params[l].buffer)));
}

describe('queued commands', () => {
  it('a step longer than the ring: 1 system equals the reference, 2 systems equal their own serial chain', async () => {
    const L = compileModel(deep).layers.length;
    expect(L).toBe(18);
    expect(2 * L + 2).toBeGreaterThan(RING);
    expectSame(await c1.train(deep, data, base), trainReference(deep, data, base));
    for (const updateOn of ['main', 'systems'] as const) {
      for (const reduceOn of ['main', 'systems'] as const) expectSame(await c2.train(deep, data, { ...base, reduceOn, updateOn }), serial);
      expectSame(await c2.train(deep, data, { ...base, reduceOn: 'systems', updateOn, prefetch: false }), serial);
    }
  });

  it('per-system events of queued commands keep their own times (each command its own start and end)', async () => {
    const events: import('../../src/cluster/events.js').StepEvent[] = [];
    await c2.train(deep, data, { ...base, steps: 2, onEvent: (e) => events.push(e) });
    for (const w of [0, 1]) {
      const fwd = events.filter((e) => e.kind === 'forward' && e.system === w && e.step === 1);
      expect(fwd.map((e) => e.layer)).toEqual(Array.from({ length: 18 }, (_, l) => l));
      // a system runs its commands in order: each starts after the previous one ended
      for (let i = 1; i < fwd.length; i++) expect(fwd[i].startMs).toBeGreaterThanOrEqual(fwd[i - 1].endMs);
    }
  });

  it.each([
    ['throws', 'throw', 'main'],
    ['dies', 'exit', 'main'],
    ['throws', 'throw', 'systems'],
    ['dies', 'exit', 'systems'],
  ] as const)('a system that %s in a backward while the other waits in its REDUCE (update on %s): retried, same result', async (_what, kind, updateOn) => {
    // update on the systems: the other system may be in the REDUCE that updates the next layer, or waiting in
    // a backward until the failed one has done its REDUCE (the gradient buffer it would overwrite)
    const opts = { ...base, reduceOn: 'systems' as const, updateOn };
    const r = await c2.train(deep, data, withTestHooks(opts, { faultInjection: { system: 1, step: 3, layer: 9, pass: 'backward', kind } }));
    expect(r.retries).toBe(1);
    expectSame(r, serial);
    // and the cluster still trains afterwards
    expectSame(await c2.train(deep, data, opts), serial);
  });

  it('a system that dies on every attempt: the run stops with a clear error, the survivors exit, the cluster trains again', async () => {
    // the survivor may be anywhere in the queue (or in a REDUCE) when main gives up; stop() must still end every live task
    const dies = withTestHooks(base, { faultInjection: { system: 1, step: 2, layer: 16, pass: 'backward', kind: 'exit', attempts: 99 } });
    await expect(c2.train(deep, data, dies)).rejects.toThrow(/training stopped at step 2: system 1 died during .*gave up after 2 retries/);
    expectSame(await c2.train(deep, data, { ...base, reduceOn: 'main' }), serial);
  });
});
