// MemoryX on its own: the wire block it streams equals the model's packWire (dense and sparse), a DRAM
// budget smaller than the model puts layers on flash with bit-identical results, a step rolls back exactly,
// and the byte counters count what moved.
import { describe, expect, it } from 'vitest';
import { compileModel, initParams, packWire, type Plan } from '../../src/model/index.js';
import { MemoryX, updateRecord } from '../../src/memoryx/store.js';
import { memoryxLayers } from '../../src/memoryx/layers.js';
import { importGpt2Config } from '../../src/model/hf.js';
import { createUpdater } from '../../src/memoryx/update.js';
import { planTiers } from '../../src/memoryx/tiers.js';
import { Wasm } from '../../src/wasm/module.js';
import { CapacityError } from '../../src/errors.js';
import type { OptimizerConfig } from '../../src/memoryx/optimizer.js';
import { mulberry32 } from '../../src/ref/rng.js';

const spec = {
  input: 20,
  layers: [
    { type: 'linear', out: 32 },
    { type: 'relu' },
    { type: 'linear', out: 24, sparsity: 0.9, maskSeed: 3 },
    { type: 'gelu' },
    { type: 'linear', out: 5 },
  ],
};

function setup(dramBytes: number | undefined, optimizer: OptimizerConfig = { kind: 'adamw', lr: 0.01 }) {
  const plan = compileModel(spec);
  const w = new Wasm({ initialBytes: 8 << 20 });
  const mx = new MemoryX(w, memoryxLayers(plan), initParams(plan, 1), createUpdater(w), { optimizer, dramBytes });
  return { plan, w, mx };
}

/** Seeded gradients for `steps` steps: a Float32Array per layer per step. */
function grads(plan: Plan, steps: number): Float32Array[][] {
  const r = mulberry32(99);
  return Array.from({ length: steps }, () => plan.layers.map((L) => Float32Array.from({ length: L.paramFloats }, () => r() - 0.5)));
}

/** A budget that holds the staging slot (largest record) and the smallest layer: the rest goes to flash. */
function smallBudget(recordBytes: number[]): number {
  return Math.max(...recordBytes) + Math.min(...recordBytes);
}

function runSteps(s: ReturnType<typeof setup>, g: Float32Array[][]) {
  const gp = s.w.allocF32(Math.max(...s.plan.layers.map((L) => L.paramFloats)));
  for (const step of g) {
    s.mx.beginStep();
    for (let l = s.plan.layers.length - 1; l >= 0; l--) {
      s.w.f32(gp, step[l].length).set(step[l]);
      s.mx.update(l, gp);
    }
    s.mx.commitStep();
  }
}

describe('MemoryX', () => {
  it('streams the wire block of each layer exactly as packWire builds it (dense copy, sparse stream)', () => {
    const s = setup(undefined);
    const init = initParams(s.plan, 1);
    for (let l = 0; l < s.plan.layers.length; l++) {
      const L = s.plan.layers[l];
      for (const [pass, words] of [['backward', L.wireWords], ['forward', L.fwdWireWords]] as const) {
        const dst = s.w.allocF32(words);
        const bytes = s.mx.stream(l, dst, pass);
        expect(bytes).toBe(4 * words);
        const want = new Float32Array(words);
        packWire(s.plan, l, init[l], want, pass);
        expect(new Uint32Array(s.w.u32(dst, words))).toEqual(new Uint32Array(want.buffer));
      }
    }
    const total = s.plan.layers.reduce((a, L) => a + 4 * (L.wireWords + L.fwdWireWords), 0);
    expect(s.mx.counters.bytesStreamed).toBe(total);
    // The sparse layer streams K + 2·nnz words backward and N + 2·nnz forward, far fewer than K·N.
    const sp = s.plan.params.find((p) => p.sparse)!;
    expect(sp.wireWords).toBe(32 + 2 * sp.sparse!.nnz);
    expect(sp.fwdWireWords).toBe(24 + 2 * sp.sparse!.nnz);
    expect(sp.sparse!.nnz).toBe(Math.round(0.1 * 32 * 24));
  });

  for (const optimizer of [{ kind: 'sgd', lr: 0.1, momentum: 0.9 }, { kind: 'adamw', lr: 0.01 }] as OptimizerConfig[]) {
    it(`${optimizer.kind}: a DRAM budget smaller than the model (layers on flash) gives bit-identical state`, () => {
      const all = setup(undefined, optimizer);
      const budget = smallBudget(all.mx.tiers.recordBytes);
      expect(budget).toBeLessThan(all.mx.tiers.dramBytesUsed);
      const small = setup(budget, optimizer);
      expect(small.mx.tiers.tier).toContain('flash');
      expect(small.mx.tiers.tier).toContain('dram');
      expect(small.mx.tiers.dramBytesUsed).toBeLessThanOrEqual(budget);
      const g = grads(all.plan, 5);
      runSteps(all, g);
      runSteps(small, g);
      const a = all.mx.snapshot();
      const b = small.mx.snapshot();
      expect(b.t).toBe(5);
      for (let l = 0; l < a.layers.length; l++) expect(new Uint32Array(b.layers[l].record.buffer)).toEqual(new Uint32Array(a.layers[l].record.buffer));
      expect(small.mx.counters.flashBytesWritten).toBeGreaterThan(0);
      expect(all.mx.counters.flashBytesWritten).toBe(0);
      small.mx.close();
    });
  }

  it('rolls a half-applied step back exactly, on both tiers', () => {
    const s = setup(undefined);
    const f = setup(smallBudget(s.mx.tiers.recordBytes));
    expect(f.mx.tiers.tier).toContain('flash');
    for (const x of [s, f]) {
      const g = grads(x.plan, 2);
      runSteps(x, [g[0]]);
      const before = x.mx.snapshot();
      const gp = x.w.allocF32(2000);
      x.mx.beginStep();
      for (const l of [2, 1]) {
        x.w.f32(gp, g[1][l].length).set(g[1][l]);
        x.mx.update(l, gp);
      }
      // Streaming during the step shows the committed (old) weights for flash layers only after rollback; check rollback.
      x.mx.rollbackStep();
      const after = x.mx.snapshot();
      expect(after.t).toBe(before.t);
      for (let l = 0; l < before.layers.length; l++) expect(after.layers[l].record).toEqual(before.layers[l].record);
      x.mx.close();
    }
  });

  it('an update writes the other slot: the step streams committed values, a rollback on either slot leaves the run as if the step never ran', () => {
    for (const budget of [undefined, smallBudget(setup(undefined).mx.tiers.recordBytes)]) {
      const x = setup(budget);
      const clean = setup(budget);
      const g = grads(x.plan, 4);
      const gp = x.w.allocF32(2000);
      const wire = (l: number) => {
        const words = x.plan.layers[l].wireWords;
        const dst = x.w.allocF32(words);
        x.mx.stream(l, dst, 'backward');
        return x.w.u32(dst, words).slice();
      };
      // two committed steps (DRAM layers back on slot 0), then one more (slot 1): a rolled-back step after each
      for (const done of [2, 3]) {
        runSteps(x, done === 2 ? g.slice(0, 2) : [g[2]]);
        const before = x.mx.snapshot();
        const streamed = x.plan.layers.map((_, l) => wire(l));
        x.mx.beginStep();
        for (const l of [2, 1, 0]) {
          x.w.f32(gp, g[3][l].length).set(g[3][l].map((v) => -v));
          x.mx.update(l, gp);
          expect(wire(l), `layer ${l} streams its committed values until the commit`).toEqual(streamed[l]);
          expect(() => x.mx.update(l, gp)).toThrow(/already updated in this step/);
        }
        x.mx.rollbackStep();
        const after = x.mx.snapshot();
        expect(after.t).toBe(before.t);
        for (let l = 0; l < before.layers.length; l++) expect(new Uint32Array(after.layers[l].record.buffer)).toEqual(new Uint32Array(before.layers[l].record.buffer));
      }
      // the steps that did commit give the same bits as a run that never rolled back
      runSteps(x, [g[3]]);
      runSteps(clean, g);
      const a = x.mx.snapshot();
      const b = clean.mx.snapshot();
      for (let l = 0; l < a.layers.length; l++) expect(new Uint32Array(a.layers[l].record.buffer)).toEqual(new Uint32Array(b.layers[l].record.buffer));
      x.mx.close();
      clean.mx.close();
    }
  });

  it('an update handed off and run by slices (updateRecord, as the systems do) gives the bits of update(); rollback and commit see it', () => {
    for (const optimizer of [{ kind: 'adamw', lr: 0.01 }, { kind: 'sgd', lr: 0.1, momentum: 0.9 }] as OptimizerConfig[]) {
      const x = setup(undefined, optimizer);
      const y = setup(undefined, optimizer);
      const g = grads(x.plan, 3);
      const gp = x.w.allocF32(2000);
      const upd = createUpdater(x.w);
      const handOffStep = (step: Float32Array[], rollback: boolean) => {
        x.mx.beginStep();
        for (let l = x.plan.layers.length - 1; l >= 0; l--) {
          const P = x.plan.layers[l].paramFloats;
          x.w.f32(gp, P).set(step[l]);
          expect(x.mx.canHandOff(l)).toBe(true);
          const at = x.mx.handOff(l);
          expect(() => x.mx.update(l, gp), 'no second update while handed off').toThrow(/already updated in this step/);
          expect(() => x.mx.handOff(l)).toThrow(/already updated in this step/);
          if (l === 0) expect(() => x.mx.commitStep(), 'no commit while a handed-off update is open').toThrow(/handed-off update of layer .* is not done/);
          // three uneven slices, the last one first: any split gives the bits of the whole
          const cuts = [0, Math.floor(P / 3), Math.floor((2 * P) / 3) + 1, P];
          for (let k = 2; k >= 0; k--) updateRecord(upd, x.mx.optimizer, at.t, at.ptr, gp, P, at.from, cuts[k], cuts[k + 1]);
          x.mx.handedOffDone(l);
          expect(() => x.mx.handedOffDone(l)).toThrow(/was not handed off/);
        }
        if (rollback) x.mx.rollbackStep();
        else x.mx.commitStep();
      };
      handOffStep(g[0], false);
      handOffStep(g[2], true);
      handOffStep(g[1], false);
      runSteps(y, [g[0], g[1]]);
      const a = x.mx.snapshot();
      const b = y.mx.snapshot();
      expect(a.t).toBe(2);
      for (let l = 0; l < a.layers.length; l++) expect(new Uint32Array(a.layers[l].record.buffer)).toEqual(new Uint32Array(b.layers[l].record.buffer));
      expect(x.mx.counters.updates).toBe(9);
      x.mx.close();
      y.mx.close();
    }
  });

  it('hands off only DRAM records of untied layers: flash records and tied layers stay with update()', () => {
    const s = setup(undefined);
    const f = setup(smallBudget(s.mx.tiers.recordBytes));
    f.mx.beginStep();
    f.mx.tiers.tier.forEach((t, l) => {
      expect(f.mx.canHandOff(l)).toBe(t === 'dram');
      if (t === 'flash') expect(() => f.mx.handOff(l)).toThrow(/is not a DRAM record of an untied layer/);
    });
    f.mx.rollbackStep();
    const gpt = compileModel(importGpt2Config({ model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, n_layer: 1, n_embd: 16, n_head: 2, n_positions: 8, vocab_size: 32 }).spec);
    const w = new Wasm({ initialBytes: 8 << 20 });
    const mx = new MemoryX(w, memoryxLayers(gpt), initParams(gpt, 1), createUpdater(w), { optimizer: { kind: 'sgd', lr: 0.1 } });
    const head = gpt.layers.findIndex((L) => L.tiedTo);
    expect(head).toBeGreaterThan(0);
    expect(mx.canHandOff(head)).toBe(false);
    expect(mx.canHandOff(gpt.layers[head].tiedTo!.layer)).toBe(false);
    expect(gpt.layers.filter((_, l) => mx.canHandOff(l)).length).toBe(gpt.layers.length - 2);
    expect(() => mx.handOff(1)).toThrow(/no open step/);
    s.mx.close();
    f.mx.close();
    mx.close();
  });

  it('refuses a DRAM budget below one layer state with a CapacityError naming the minimum', () => {
    expect(() => planTiers([400, 1000, 200], 900, ['0', '2', '4'])).toThrow(CapacityError);
    expect(() => planTiers([400, 1000, 200], 900, ['0', '2', '4'])).toThrow(/layer 1 \(2\) needs 1000 bytes.*at least 1000/);
    expect(planTiers([400, 1000, 200], 1600, ['0', '2', '4']).tier).toEqual(['dram', 'dram', 'dram']);
    const t = planTiers([400, 1000, 200], 1500, ['0', '2', '4']);
    expect(t.tier).toEqual(['dram', 'flash', 'flash']);
    expect(t.dramBytesUsed).toBe(1400); // 400 resident + the 1000-byte staging slot
  });

  it('updates only the non-zeros of a sparse layer: its gradient and state are nnz long', () => {
    const s = setup(undefined, { kind: 'sgd', lr: 0.5 });
    const l = 1;
    const L = s.plan.layers[l];
    const nnz = s.plan.params[L.params[0]].sparse!.nnz;
    expect(L.paramFloats).toBe(nnz + 24);
    const before = s.mx.values(l);
    const gp = s.w.allocF32(L.paramFloats);
    s.w.f32(gp, L.paramFloats).fill(1);
    s.mx.beginStep();
    s.mx.update(l, gp);
    s.mx.commitStep();
    const after = s.mx.values(l);
    for (let i = 0; i < L.paramFloats; i++) expect(after[i]).toBe(Math.fround(before[i] - 0.5));
    expect(s.mx.counters.bytesGradients).toBe(4 * L.paramFloats);
  });
});
