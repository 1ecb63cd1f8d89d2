// The optimizer updates beyond the registry's one-step comparisons: many steps against the reference,
// masks that keep pruned weights and their state exactly zero, PyTorch's known first AdamW step, and
// the facade's errors on bad hyper-parameters and pointers.
import { describe, expect, it } from 'vitest';
import { Wasm } from '../../src/wasm/module.js';
import { randomF32 } from '../../src/ref/rng.js';
import { adamwRef, sgdMomentumRef } from '../../src/ref/optim.js';
import { adamw, sgdMomentum, OPTIM_REL_TOL } from '../../src/kernels/optim.js';
import { randomMask } from '../../src/kernels/registry-optim.js';
import { compareArrays } from '../../src/kernels/compare.js';

const w = new Wasm();

describe('optimizers over many steps with a mask', () => {
  const n = 103; // SIMD body + scalar tail
  const steps = 50;
  const mask = randomMask(n, 0.7, 9)!;

  it('AdamW tracks the reference and pruned weights stay exactly +0 with zero state', () => {
    const mark = w.arena.mark();
    const P0 = randomF32(n, 1);
    const zeros = new Float32Array(n); // the arena reuses released memory: state must start at zero explicitly
    const [p, g, m, v] = [w.allocF32(n, P0), w.allocF32(n), w.allocF32(n, zeros), w.allocF32(n, zeros)];
    const mp = w.arena.alloc(n, 16);
    w.u8(mp, n).set(mask);
    const [pr, mr, vr] = [P0.slice(), new Float32Array(n), new Float32Array(n)];
    for (let t = 1; t <= steps; t++) {
      const G = randomF32(n, 100 + t); // non-zero gradients everywhere, pruned positions included
      w.f32(g, n).set(G);
      const h = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: t };
      adamw(w, p, g, m, v, mp, n, h);
      adamwRef(pr, G, mr, vr, mask, n, h);
    }
    // error compounds over steps: allow each step's tolerance once per step
    expect(compareArrays(w.f32(p, n), pr).maxRelError).toBeLessThanOrEqual(OPTIM_REL_TOL * steps);
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) {
        expect(Object.is(w.f32(p, n)[i], 0), `p[${i}]`).toBe(true);
        expect(w.f32(m, n)[i]).toBe(0);
        expect(w.f32(v, n)[i]).toBe(0);
      } else {
        expect(w.f32(p, n)[i]).not.toBe(0);
      }
    }
    w.arena.release(mark);
  });

  it('SGD with momentum tracks the reference and pruned weights stay exactly +0', () => {
    const mark = w.arena.mark();
    const P0 = randomF32(n, 2);
    const [p, g, buf] = [w.allocF32(n, P0), w.allocF32(n), w.allocF32(n, new Float32Array(n))];
    const mp = w.arena.alloc(n, 16);
    w.u8(mp, n).set(mask);
    const [pr, br] = [P0.slice(), new Float32Array(n)];
    const h = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 };
    for (let t = 1; t <= steps; t++) {
      const G = randomF32(n, 200 + t);
      w.f32(g, n).set(G);
      sgdMomentum(w, p, g, buf, mp, n, h);
      sgdMomentumRef(pr, G, br, mask, n, h);
    }
    expect(compareArrays(w.f32(p, n), pr).maxRelError).toBeLessThanOrEqual(OPTIM_REL_TOL * steps);
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) {
        expect(Object.is(w.f32(p, n)[i], 0), `p[${i}]`).toBe(true);
        expect(w.f32(buf, n)[i]).toBe(0);
      }
    }
    w.arena.release(mark);
  });

  it("AdamW's first step moves each weight by lr·sign(g) (bias correction; PyTorch's known result)", () => {
    const mark = w.arena.mark();
    const n1 = 9;
    const G = Float32Array.from([1, -2, 0.5, -0.25, 3, -4, 8, -0.125, 2]);
    const z = new Float32Array(n1);
    const [p, g, m, v] = [w.allocF32(n1, new Float32Array(n1).fill(1)), w.allocF32(n1, G), w.allocF32(n1, z), w.allocF32(n1, z)];
    adamw(w, p, g, m, v, 0, n1, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 });
    for (let i = 0; i < n1; i++) expect(w.f32(p, n1)[i]).toBeCloseTo(1 - 0.01 * Math.sign(G[i]), 6);
    w.arena.release(mark);
  });

  it('momentum 0 is plain SGD with weight decay', () => {
    const mark = w.arena.mark();
    const P0 = randomF32(10, 3);
    const G = randomF32(10, 4);
    const [p, g, buf] = [w.allocF32(10, P0), w.allocF32(10, G), w.allocF32(10, new Float32Array(10))];
    sgdMomentum(w, p, g, buf, 0, 10, { lr: 0.1, momentum: 0, weightDecay: 0.01 });
    for (let i = 0; i < 10; i++) expect(w.f32(p, 10)[i]).toBeCloseTo(P0[i] - 0.1 * (G[i] + 0.01 * P0[i]), 6);
    w.arena.release(mark);
  });
});

describe('optimizers from another copy (from ≠ 0, how MemoryX updates a record into its other slot)', () => {
  const n = 103; // SIMD body + scalar tail
  const mask = randomMask(n, 0.7, 11)!;
  // one record [p | s1 | s2] in place, and the same record in slot 0 updated into slot 1 (from = -slot bytes)
  for (const kind of ['adamw', 'sgd'] as const) {
    it(`${kind}: writes the bits the in-place update writes and leaves the source slot as it was`, () => {
      const mark = w.arena.mark();
      const rec = new Float32Array(3 * n);
      rec.set(randomF32(n, 5));
      rec.set(randomF32(2 * n, 6).map((x) => Math.abs(x) * 0.01), n); // state: v must not be negative
      const G = randomF32(n, 7);
      const g = w.allocF32(n, G);
      const mp = w.arena.alloc(n, 16);
      w.u8(mp, n).set(mask);
      const inPlace = w.allocF32(3 * n, rec);
      const slots = w.allocF32(6 * n, new Float32Array(6 * n).fill(NaN));
      w.f32(slots, 3 * n).set(rec);
      const out = slots + 12 * n;
      const from = slots - out;
      const run = (at: number, d: number) =>
        kind === 'adamw'
          ? adamw(w, at, g, at + 4 * n, at + 8 * n, mp, n, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 }, d)
          : sgdMomentum(w, at, g, at + 4 * n, mp, n, { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 }, d);
      run(inPlace, 0);
      run(out, from);
      const used = kind === 'adamw' ? 3 * n : 2 * n;
      expect(new Uint32Array(w.f32(out, used).slice().buffer)).toEqual(new Uint32Array(w.f32(inPlace, used).slice().buffer));
      expect(new Uint32Array(w.f32(slots, 3 * n).slice().buffer)).toEqual(new Uint32Array(rec.buffer));
      expect(new Uint32Array(w.f32(inPlace, used).slice().buffer)).not.toEqual(new Uint32Array(rec.slice(0, used).buffer));
      w.arena.release(mark);
    });
  }

  it('a source that overlaps what is written, or a misaligned distance, is refused by name', () => {
    const mark = w.arena.mark();
    const [p, g, m, v] = [w.allocF32(16), w.allocF32(16), w.allocF32(16), w.allocF32(16)];
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
    expect(() => adamw(w, p, g, m, v, 0, 16, h, 8)).toThrow(/^adamw\.p: output range .* overlaps adamw\.p \(from\)/);
    expect(() => adamw(w, p, g, m, v, 0, 16, h, 2)).toThrow(/^adamw\.from: 2 is not a 4-byte aligned byte distance$/);
    expect(() => sgdMomentum(w, p, g, m, 0, 16, { lr: 0.1, momentum: 0.9, weightDecay: 0 }, -w.memory.buffer.byteLength)).toThrow(/^sgdMomentum\.p \(from\):/);
    w.arena.release(mark);
  });
});

describe('optim facade: bad input names the argument', () => {
  const [p, g, m, v] = [w.allocF32(16), w.allocF32(16), w.allocF32(16), w.allocF32(16)];
  const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
  const end = w.memory.buffer.byteLength;

  it('hyper-parameters', () => {
    expect(() => adamw(w, p, g, m, v, 0, 16, { ...h, step: 0 })).toThrow(/^adamw\.step: expected an integer in \[1, \d+\], got 0$/);
    expect(() => adamw(w, p, g, m, v, 0, 16, { ...h, beta2: 1 })).toThrow(/^adamw\.beta2: expected a number in \[0, 1\), got 1$/);
    expect(() => adamw(w, p, g, m, v, 0, 16, { ...h, eps: 0 })).toThrow(/^adamw\.eps:/);
    expect(() => adamw(w, p, g, m, v, 0, 16, { ...h, lr: -1 })).toThrow(/^adamw\.lr:/);
    expect(() => sgdMomentum(w, p, g, m, 0, 16, { lr: 0.1, momentum: 1.5, weightDecay: 0 })).toThrow(/^sgdMomentum\.momentum:/);
    expect(() => sgdMomentum(w, p, g, m, 0, 16, { lr: NaN, momentum: 0.9, weightDecay: 0 })).toThrow(/^sgdMomentum\.lr:/);
  });

  it('sizes, pointers, a mask outside memory, aliasing', () => {
    expect(() => adamw(w, p, g, m, v, 0, 0, h)).toThrow(/^adamw\.n: expected an integer >= 1, got 0$/);
    expect(() => adamw(w, p, g, m, end - 8, 0, 16, h)).toThrow(/^adamw\.v: range/);
    expect(() => adamw(w, p, g, m, v, end - 4, 16, h)).toThrow(/^adamw\.mask: range/);
    expect(() => adamw(w, p, p, m, v, 0, 16, h)).toThrow(/^adamw\.p: output range .* overlaps adamw\.g/);
    expect(() => sgdMomentum(w, p, g, p + 8, 0, 16, { lr: 0.1, momentum: 0.9, weightDecay: 0 })).toThrow(/^sgdMomentum\.p: .*overlaps sgdMomentum\.buf/);
  });
});
