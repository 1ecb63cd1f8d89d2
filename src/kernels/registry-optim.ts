// Registry entries for the optimizer updates (SGD with momentum, AdamW) against src/ref/optim.ts with
// OPTIM_REL_TOL. CaseOptions.sparsity, when given, draws a seeded mask with that fraction of pruned
// weights (0 included: a mask that keeps all); without it the kernels run unmasked. Each run() restores
// the weights and state first (the updates are in place), so the bench times include that copy.
// Shapes: SGD { n }; AdamW { n, step }.
import { registerKernels, type KernelVariant, type PreparedKernel } from './registry.js';
import type { Wasm } from '../wasm/module.js';
import { Rng, randomF32 } from '../ref/rng.js';
import { adamwRef, sgdMomentumRef } from '../ref/optim.js';
import { adamw, sgdMomentum, OPTIM_REL_TOL } from './optim.js';
import { compareArrays, worst } from './compare.js';
import { randInt, scope } from './registry-dense.js';

const EDGES = [{ n: 1 }, { n: 3 }, { n: 4 }, { n: 7 }, { n: 16 }, { n: 1025 }, { n: 100_003 }];

/** A seeded mask with a `sparsity` fraction of zeros, or null. */
export function randomMask(n: number, sparsity: number | undefined, seed: number): Uint8Array | null {
  if (sparsity === undefined) return null;
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => (r.next() < sparsity ? 0 : 1));
}

function putMask(w: Wasm, mask: Uint8Array | null): number {
  if (!mask) return 0;
  const p = w.arena.alloc(Math.max(1, mask.length), 16);
  w.u8(p, mask.length).set(mask);
  return p;
}

const sgdVariant: KernelVariant = {
  name: 'sgd-momentum-simd',
  op: 'sgd-momentum',
  area: 'optim',
  tolerance: OPTIM_REL_TOL,
  edgeShapes: EDGES,
  randomShape: (r) => ({ n: randInt(r, 1, 5000) }),
  prepare(w, { n }, { seed, sparsity }): PreparedKernel {
    const s = scope(w);
    const P0 = randomF32(n, seed);
    const G = randomF32(n, seed + 1);
    const Buf0 = randomF32(n, seed + 2, -0.1, 0.1);
    const Mask = randomMask(n, sparsity, seed + 3);
    const [p, g, buf] = [s.f32(P0), s.f32(G), s.f32(Buf0)];
    const mask = putMask(w, Mask);
    const h = { lr: 0.05, momentum: 0.9, weightDecay: 1e-2 };
    const [pr, br] = [new Float32Array(n), new Float32Array(n)];
    return {
      run: () => {
        w.f32(p, n).set(P0);
        w.f32(buf, n).set(Buf0);
        sgdMomentum(w, p, g, buf, mask, n, h);
      },
      runReference: () => {
        pr.set(P0);
        br.set(Buf0);
        sgdMomentumRef(pr, G, br, Mask, n, h);
      },
      compare: () => worst(compareArrays(w.f32(p, n), pr), compareArrays(w.f32(buf, n), br)),
      flop: 5 * n,
      effFlop: 5 * n,
      dispose: s.dispose,
    };
  },
};

const adamwVariant: KernelVariant = {
  name: 'adamw-simd',
  op: 'adamw',
  area: 'optim',
  tolerance: OPTIM_REL_TOL,
  edgeShapes: [...EDGES.map((e) => ({ ...e, step: 1 })), { n: 33, step: 1000 }, { n: 5, step: 2 }],
  randomShape: (r) => ({ n: randInt(r, 1, 5000), step: randInt(r, 1, 10_000) }),
  prepare(w, { n, step }, { seed, sparsity }): PreparedKernel {
    const s = scope(w);
    const P0 = randomF32(n, seed);
    const G = randomF32(n, seed + 1);
    const M0 = randomF32(n, seed + 2, -0.1, 0.1);
    const V0 = step === 1 ? new Float32Array(n) : randomF32(n, seed + 3, 0, 0.01);
    const Mask = randomMask(n, sparsity, seed + 4);
    const [p, g, m, v] = [s.f32(P0), s.f32(G), s.f32(M0), s.f32(V0)];
    const mask = putMask(w, Mask);
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, step };
    const [pr, mr, vr] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    return {
      run: () => {
        w.f32(p, n).set(P0);
        w.f32(m, n).set(M0);
        w.f32(v, n).set(V0);
        adamw(w, p, g, m, v, mask, n, h);
      },
      runReference: () => {
        pr.set(P0);
        mr.set(M0);
        vr.set(V0);
        adamwRef(pr, G, mr, vr, Mask, n, h);
      },
      compare: () => worst(compareArrays(w.f32(p, n), pr), compareArrays(w.f32(m, n), mr), compareArrays(w.f32(v, n), vr)),
      flop: 14 * n,
      effFlop: 14 * n,
      dispose: s.dispose,
    };
  },
};

registerKernels(sgdVariant, adamwVariant);
