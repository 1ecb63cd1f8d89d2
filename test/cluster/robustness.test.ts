// The engine under pressure: a MemoryX DRAM budget smaller than the model (layers stream from the flash
// tier), checkpoint + resume, corrupt checkpoints, injected crashes (a worker that throws, a worker
// thread that dies) and the wafer-SRAM capacity error. Every "same result" here is bit-identical.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster, type TrainOptions, type TrainResult } from '../../src/cluster/engine.js';
import { withTestHooks } from '../../src/cluster/hooks.js';
import { loadDigits, teacherData } from '../../src/data/index.js';
import { trainReference } from '../../src/train/reference.js';
import { compileModel } from '../../src/model/compile.js';
import { loadCheckpoint } from '../../src/memoryx/checkpoint.js';
import { CapacityError } from '../../src/errors.js';

const data = loadDigits();
const model = { input: 64, layers: [{ type: 'linear', out: 96 }, { type: 'relu' }, { type: 'linear', out: 48 }, { type: 'gelu' }, { type: 'linear', out: 10 }] };
const base: TrainOptions = { steps: 16, batch: 40, optimizer: { kind: 'adamw', lr: 0.01 }, seed: 4, shuffle: true, evaluate: false };
const dir = mkdtempSync(join(tmpdir(), 'ws-cluster-'));
let c2: Cluster;
let ref: TrainResult;

beforeAll(async () => {
  c2 = await createCluster({ systems: 2 });
  ref = await c2.train(model, data, base);
});
afterAll(async () => {
  await c2.close();
});

function expectSameRun(r: TrainResult, want: TrainResult) {
  expect(r.loss).toEqual(want.loss);
  r.params.forEach((p, l) => expect(new Uint32Array(p.buffer)).toEqual(new Uint32Array(want.params[l].buffer)));
}

describe('MemoryX tiers in a run', () => {
  it('a DRAM budget smaller than the model (layers on flash) trains bit-identically to all-DRAM', async () => {
    const plan = compileModel(model);
    const records = plan.layers.map((L) => 4 * L.paramFloats * 3); // AdamW: weights + m + v
    const total = records.reduce((a, b) => a + b, 0);
    const dramBytes = Math.max(...records) + Math.min(...records);
    expect(dramBytes).toBeLessThan(total);
    const c = await createCluster({ systems: 2, dramBytes });
    try {
      const r = await c.train(model, data, base);
      expect(r.memoryx.tiers).toContain('flash');
      expect(r.memoryx.dramBytesUsed).toBeLessThanOrEqual(dramBytes);
      expect(r.memoryx.flashBytesRead).toBeGreaterThan(0);
      expectSameRun(r, ref);
    } finally {
      await c.close();
    }
  });
});

describe('checkpoints', () => {
  it('a run resumed from a checkpoint continues bit-identically to an uninterrupted one', async () => {
    const ck = join(dir, 'resume.ckpt');
    const first = await c2.train(model, data, { ...base, steps: 7, checkpoint: ck });
    expect(loadCheckpoint(ck).step).toBe(7);
    expect(first.loss).toEqual(ref.loss.slice(0, 7));
    const rest = await c2.train(model, data, { ...base, resume: ck });
    expect(rest.resumedFrom).toBe(7);
    expectSameRun(rest, ref);
    // the resumed part streamed only its own 9 steps
    expect(rest.bytesStreamed).toBe((ref.bytesStreamed / 16) * 9);
  });

  it('refuses a corrupt or truncated checkpoint, and one of another model, with a clear error', async () => {
    const ck = join(dir, 'bad.ckpt');
    await c2.train(model, data, { ...base, steps: 2, checkpoint: ck });
    const good = readFileSync(ck);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 1;
    writeFileSync(ck, flipped);
    await expect(c2.train(model, data, { ...base, resume: ck })).rejects.toThrow(/bad\.ckpt: corrupt: the SHA-256/);
    writeFileSync(ck, good.subarray(0, good.length >> 1));
    await expect(c2.train(model, data, { ...base, resume: ck })).rejects.toThrow(/bad\.ckpt: truncated/);
    writeFileSync(ck, good);
    const other = { ...model, layers: [{ type: 'linear', out: 32 }, { type: 'relu' }, { type: 'linear', out: 10 }] };
    await expect(c2.train(other, data, { ...base, resume: ck })).rejects.toThrow(/written for a different model/);
    await expect(c2.train(model, data, { ...base, batch: 20, resume: ck })).rejects.toThrow(/data order .* differs/);
    // the same shapes and order, other samples: the loss history would join two datasets
    const otherData = { ...data, train: { ...data.train, x: data.train.x.map((v) => v + 1) } };
    await expect(c2.train(model, otherData, { ...base, resume: ck })).rejects.toThrow(/bad\.ckpt: written for other training data \(fingerprint [0-9a-f]{32}, this run's [0-9a-f]{32}\)/);
  });
});

describe('faults', () => {
  it('a worker that throws mid-backward (after a layer was already updated) is retried from MemoryX state: same result', async () => {
    // backward runs layers 2, 1, 0: layer 2 is updated before system 1 fails at layer 1, so a retry that did
    // not roll back would apply layer 2's update twice.
    const r = await c2.train(model, data, withTestHooks(base, { faultInjection: { system: 1, step: 5, layer: 1, pass: 'backward', kind: 'throw' } }));
    expect(r.retries).toBe(1);
    expectSameRun(r, ref);
  });

  it('a worker thread that dies mid-forward is restarted and the step retried: same result', async () => {
    const r = await c2.train(model, data, withTestHooks(base, { faultInjection: { system: 0, step: 3, layer: 2, pass: 'forward', kind: 'exit' } }));
    expect(r.retries).toBe(1);
    expectSameRun(r, ref);
  });

  it('a fault that outlives the retries stops the run with a clear error; the last checkpoint stays intact', async () => {
    const ck = join(dir, 'fault.ckpt');
    const run = c2.train(
      model,
      data,
      withTestHooks({ ...base, checkpoint: ck, checkpointEvery: 4 }, { faultInjection: { system: 1, step: 10, layer: 0, pass: 'backward', kind: 'throw', attempts: 99 } }),
    );
    await expect(run).rejects.toThrow(
      /training stopped at step 10: system 1 failed backward of layer 0: injected fault.*gave up after 2 retries.*no half-applied update.*fault\.ckpt \(after step 8\) is intact/,
    );
    const saved = loadCheckpoint(ck);
    expect(saved.step).toBe(8);
    // the checkpoint resumes to exactly the uninterrupted run
    const rest = await c2.train(model, data, { ...base, resume: ck });
    expectSameRun(rest, ref);
    // and the cluster still works afterwards
    expectSameRun(await c2.train(model, data, base), ref);
  });
});

describe('wafer SRAM', () => {
  it('activations over the wafer-SRAM budget are a CapacityError saying by how much and what to change', async () => {
    const c = await createCluster({ systems: 2, waferSramBytes: 20_000 });
    try {
      const run = c.train(model, data, { ...base, batch: 64 });
      await expect(run).rejects.toThrow(CapacityError);
      await expect(c.train(model, data, { ...base, batch: 64 })).rejects.toThrow(/32 samples need \d+ bytes.*budget is 20000 bytes: over by \d+ bytes; use at most \d+ samples per system/);
    } finally {
      await c.close();
    }
  });
});

describe('evaluation', () => {
  it('test accuracy over a split that does not fill the last chunk (systems with no samples) equals the reference', async () => {
    const small = teacherData({ samples: 110, features: 16, classes: 4, seed: 3, testFraction: 0.1 }); // 11 test samples
    const m = { input: 16, layers: [{ type: 'linear', out: 32 }, { type: 'relu' }, { type: 'linear', out: 4 }] };
    const opts = { steps: 30, batch: 8, optimizer: { kind: 'sgd', lr: 0.2, momentum: 0.9 } as const, seed: 1 };
    const ref = trainReference(m, small, opts);
    const c = await createCluster({ systems: 8 });
    try {
      const r = await c.train(m, small, opts); // chunks of 8 + 3: five systems hold no sample in the last one
      expect(small.test!.n).toBe(11);
      expect(Math.abs(r.testAccuracy! - ref.testAccuracy!)).toBeLessThanOrEqual(1 / 11);
      expect(r.testAccuracy! * 11).toBeCloseTo(Math.round(r.testAccuracy! * 11), 9);
    } finally {
      await c.close();
    }
  });
});
