// SwarmX: the reduce tree's fixed order (edge cases by name), the in-place reduce over worker regions of
// one shared memory against a plain fold in that order (bit-exact), link byte counts, and the layout.
import { describe, expect, it } from 'vitest';
import { reduceTree } from '../../src/swarmx/tree.js';
import { PIPELINE_SLOTS, planLayout, slotPtr } from '../../src/protocol/memory-map.js';
import { SwarmX, addSlice, reduceSlice } from '../../src/swarmx/swarm.js';
import { Wasm } from '../../src/wasm/module.js';
import { ValidationError, CapacityError } from '../../src/errors.js';
import { mulberry32 } from '../../src/ref/rng.js';

describe('reduceTree', () => {
  it('binary tree of 8: pairs, then pairs of pairs, then the root', () => {
    const t = reduceTree(8, 2);
    expect(t.levelSizes).toEqual([8, 4, 2, 1]);
    expect(t.adds.map((a) => [a.into, a.from])).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [4, 6], [0, 4]]);
    expect(t.links).toHaveLength(15);
  });
  it('fan-in 4 over 5 systems: a node with a single child passes it up', () => {
    const t = reduceTree(5, 4);
    expect(t.levelSizes).toEqual([5, 2, 1]);
    expect(t.adds.map((a) => [a.level, a.into, a.from])).toEqual([[1, 0, 1], [1, 0, 2], [1, 0, 3], [2, 0, 4]]);
  });
  it('one system: no additions, one link to MemoryX', () => {
    const t = reduceTree(1, 4);
    expect(t.adds).toEqual([]);
    expect(t.links.map((l) => l.name)).toEqual(['cs2-0']);
  });
  it('refuses a fan-in below 2, naming it', () => {
    expect(() => reduceTree(4, 1)).toThrow(ValidationError);
    expect(() => reduceTree(4, 1)).toThrow(/^fanIn: expected an integer in \[2, 1024\], got 1/);
  });
});

describe('SwarmX over one shared memory', () => {
  const N = 6;
  const P = 1001;
  const w = new Wasm({ initialBytes: 1 << 20 });
  const layout = planLayout({ base: w.arena.mark(), systems: N, maxLayerFloats: P, maxWireWords: 300, memoryxBytes: 4096, workerArenaBytes: 1024 });
  w.arena.ensure(layout.totalBytes);

  it('lays out disjoint, aligned regions and two broadcast slots', () => {
    const regions = [layout.memoryx, { start: layout.broadcast.ptr, end: layout.broadcast.ptr + 2 * layout.broadcast.slotBytes }, ...layout.workers];
    for (let i = 1; i < regions.length; i++) expect(regions[i].start).toBeGreaterThanOrEqual(regions[i - 1].end);
    for (const r of layout.workers) expect(r.gradPtr % 64).toBe(0);
    expect(slotPtr(layout, 1) - slotPtr(layout, 0)).toBe(layout.broadcast.slotBytes);
    expect(() => planLayout({ base: 0, systems: 64, maxLayerFloats: 1, maxWireWords: 1, memoryxBytes: 1, workerArenaBytes: 2 ** 27 })).toThrow(CapacityError);
  });

  it('lays out as many broadcast slots as asked (the engine asks for PIPELINE_SLOTS), at least 2', () => {
    const req = { base: 1024, systems: N, maxLayerFloats: P, maxWireWords: 300, memoryxBytes: 4096, workerArenaBytes: 1024 };
    const four = planLayout({ ...req, slots: PIPELINE_SLOTS });
    expect(four.broadcast.slots).toBe(4);
    // the slots end where the first worker's region starts: 4 disjoint slots of slotBytes
    expect(four.workers[0].start).toBeGreaterThanOrEqual(four.broadcast.ptr + 4 * four.broadcast.slotBytes);
    expect(four.workers[0].start - planLayout(req).workers[0].start).toBe(2 * four.broadcast.slotBytes);
    expect(slotPtr(four, 5)).toBe(slotPtr(four, 1));
    expect(() => planLayout({ ...req, slots: 1 })).toThrow('slots: expected an integer >= 2, got 1');
  });

  it.each([2, 3, 4])('fan-in %i: the reduce equals a plain fold in the tree order, bit for bit', (fanIn) => {
    const r = mulberry32(fanIn);
    const grads = Array.from({ length: N }, () => Float32Array.from({ length: P }, () => (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4)));
    grads.forEach((g, i) => w.f32(layout.workers[i].gradPtr, P).set(g));
    const s = new SwarmX(w, layout, fanIn);
    const out = w.f32(s.reduce(P), P).slice();
    // the same additions, done by hand on copies, in the tree's order
    const acc = grads.map((g) => g.slice());
    for (const a of s.tree.adds) for (let i = 0; i < P; i++) acc[a.into][i] = Math.fround(acc[a.into][i] + acc[a.from][i]);
    expect(new Uint32Array(out.buffer)).toEqual(new Uint32Array(acc[0].buffer));
    // and the sum is the sum (to float rounding)
    for (let i = 0; i < P; i++) {
      let exact = 0;
      for (const g of grads) exact += g[i];
      expect(Math.abs(out[i] - exact)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(exact)) * N);
    }
    expect(s.counters.bytesReduced).toBe(4 * P);
    expect(s.counters.bytesGradientsIn).toBe(N * 4 * P);
    s.broadcast(1200);
    for (const l of s.links.snapshot()) {
      expect(l.bytesDown).toBe(1200);
      expect(l.bytesUp).toBe(4 * P);
    }
  });

  it.each([1, 3, 6, 7])('the reduce by %i slices (one per system thread) equals the whole reduce bit for bit', (parts) => {
    const r = mulberry32(40 + parts);
    const grads = Array.from({ length: N }, () => Float32Array.from({ length: P }, () => (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4)));
    const s = new SwarmX(w, layout, 3);
    grads.forEach((g, i) => w.f32(layout.workers[i].gradPtrs[1], P).set(g));
    const whole = w.f32(s.reduce(P, 1), P).slice();
    grads.forEach((g, i) => w.f32(layout.workers[i].gradPtrs[1], P).set(g));
    const adds = s.tree.adds.map((a) => [a.into, a.from] as [number, number]);
    let covered = 0;
    for (let k = 0; k < parts; k++) {
      const [lo, hi] = reduceSlice(P, k, parts);
      covered += hi - lo;
      addSlice(w, adds, layout.workers.map((x) => x.gradPtrs[1]), lo, hi);
    }
    expect(covered).toBe(P);
    expect(new Uint32Array(w.f32(layout.workers[0].gradPtrs[1], P).slice().buffer)).toEqual(new Uint32Array(whole.buffer));
  });
});
