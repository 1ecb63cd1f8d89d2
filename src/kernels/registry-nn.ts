// Registry entries for the nn kernels (bias add/grad, ReLU, GELU-tanh, softmax cross-entropy, LayerNorm
// forward/backward) against src/ref/nn.ts with the named tolerances of nn.ts. Kernels that work in place
// restore their inputs at the start of each run(). FLOP counts are nominal (the arithmetic of the formula).
// Shapes: bias { N, B }; elementwise { n }; softmax { C, B }; LayerNorm { F, B }.
import { registerKernels, type KernelVariant, type PreparedKernel, type Shape } from './registry.js';
import { Rng, randomF32 } from '../ref/rng.js';
import * as ref from '../ref/nn.js';
import * as nn from './nn.js';
import { compareArrays, worst } from './compare.js';
import { randInt, scope } from './registry-dense.js';

const FB_EDGES: Shape[] = [
  { N: 1, B: 1 }, { N: 3, B: 5 }, { N: 17, B: 1 }, { N: 1, B: 33 }, { N: 2000, B: 3 }, { N: 4, B: 1030 }, { N: 64, B: 256 },
];
const fbRandom = (r: () => number): Shape => ({ N: randInt(r, 1, 100), B: randInt(r, 1, 100) });
const N_EDGES: Shape[] = [{ n: 1 }, { n: 3 }, { n: 4 }, { n: 5 }, { n: 16 }, { n: 1023 }, { n: 100_001 }];
const nRandom = (r: () => number): Shape => ({ n: randInt(r, 1, 5000) });
/** Renames { N, B } to the letters a kernel uses. */
const rename = (shapes: Shape[], a: string): Shape[] => shapes.map(({ N, B }) => ({ [a]: N, B }));

const biasAddVariant: KernelVariant = {
  name: 'bias-add-simd',
  op: 'bias-add',
  area: 'nn',
  tolerance: nn.ELEMENTWISE_REL_TOL,
  edgeShapes: FB_EDGES,
  randomShape: fbRandom,
  prepare(w, { N, B }, { seed }): PreparedKernel {
    const s = scope(w);
    const Y0 = randomF32(N * B, seed);
    const Bias = randomF32(N, seed + 1);
    const y = s.f32(Y0);
    const bias = s.f32(Bias);
    const out = new Float32Array(N * B);
    return {
      run: () => {
        w.f32(y, N * B).set(Y0);
        nn.biasAdd(w, y, bias, N, B);
      },
      runReference: () => {
        out.set(Y0);
        ref.biasAddRef(out, Bias, N, B);
      },
      compare: () => compareArrays(w.f32(y, N * B), out),
      flop: N * B,
      effFlop: N * B,
      dispose: s.dispose,
    };
  },
};

const biasGradVariant: KernelVariant = {
  name: 'bias-grad-simd',
  op: 'bias-grad',
  area: 'nn',
  tolerance: nn.BIAS_GRAD_REL_TOL,
  edgeShapes: FB_EDGES,
  randomShape: fbRandom,
  prepare(w, { N, B }, { seed }): PreparedKernel {
    const s = scope(w);
    const DY = randomF32(N * B, seed);
    const dy = s.f32(DY);
    const db = s.f32(N);
    const out = new Float32Array(N);
    return {
      run: () => nn.biasGrad(w, db, dy, N, B),
      runReference: () => ref.biasGradRef(out, DY, N, B),
      compare: () => compareArrays(w.f32(db, N), out),
      flop: N * B,
      effFlop: N * B,
      dispose: s.dispose,
    };
  },
};

type Fwd = (w: Parameters<typeof nn.relu>[0], y: number, x: number, n: number) => void;
type Bwd = (w: Parameters<typeof nn.relu>[0], dx: number, dy: number, x: number, n: number) => void;

function unaryVariant(name: string, op: string, tol: number, flopPer: number, f: Fwd, r: (y: Float32Array, x: Float32Array, n: number) => void): KernelVariant {
  return {
    name, op, area: 'nn', tolerance: tol, edgeShapes: N_EDGES, randomShape: nRandom,
    prepare(w, { n }, { seed }): PreparedKernel {
      const s = scope(w);
      const X = randomF32(n, seed, -4, 4);
      const x = s.f32(X);
      const y = s.f32(n);
      const out = new Float32Array(n);
      return {
        run: () => f(w, y, x, n),
        runReference: () => r(out, X, n),
        compare: () => compareArrays(w.f32(y, n), out),
        flop: flopPer * n,
        effFlop: flopPer * n,
        dispose: s.dispose,
      };
    },
  };
}

function backwardVariant(
  name: string, op: string, tol: number, flopPer: number, f: Bwd,
  r: (dx: Float32Array, dy: Float32Array, x: Float32Array, n: number) => void,
): KernelVariant {
  return {
    name, op, area: 'nn', tolerance: tol, edgeShapes: N_EDGES, randomShape: nRandom,
    prepare(w, { n }, { seed }): PreparedKernel {
      const s = scope(w);
      const X = randomF32(n, seed, -4, 4);
      const DY = randomF32(n, seed + 1);
      const x = s.f32(X);
      const dy = s.f32(DY);
      const dx = s.f32(n);
      const out = new Float32Array(n);
      return {
        run: () => f(w, dx, dy, x, n),
        runReference: () => r(out, DY, X, n),
        compare: () => compareArrays(w.f32(dx, n), out),
        flop: flopPer * n,
        effFlop: flopPer * n,
        dispose: s.dispose,
      };
    },
  };
}

const softmaxVariant: KernelVariant = {
  name: 'softmax-xent-simd',
  op: 'softmax-xent',
  area: 'nn',
  tolerance: nn.SOFTMAX_XENT_REL_TOL,
  edgeShapes: rename(FB_EDGES, 'C'),
  randomShape: (r) => ({ C: randInt(r, 1, 100), B: randInt(r, 1, 100) }),
  prepare(w, { C, B }, { seed }): PreparedKernel {
    const s = scope(w);
    const L = randomF32(C * B, seed, -3, 3);
    const rng = new Rng(seed + 1);
    const Lab = Int32Array.from({ length: B }, () => rng.int(C));
    const logits = s.f32(L);
    const labels = w.allocI32(B, Lab);
    const dl = s.f32(C * B);
    const out = new Float32Array(C * B);
    let loss = NaN;
    let lossRef = NaN;
    return {
      run: () => {
        loss = nn.softmaxCrossEntropy(w, dl, logits, labels, C, B);
      },
      runReference: () => {
        lossRef = ref.softmaxCrossEntropyRef(out, L, Lab, C, B);
      },
      compare: () => worst(compareArrays(w.f32(dl, C * B), out), compareArrays([loss], [lossRef])),
      flop: 6 * C * B,
      effFlop: 6 * C * B,
      dispose: s.dispose,
    };
  },
};

const layerNormVariant: KernelVariant = {
  name: 'layernorm-fwd-simd',
  op: 'layernorm-fwd',
  area: 'nn',
  tolerance: nn.LAYERNORM_REL_TOL,
  edgeShapes: rename(FB_EDGES, 'F'),
  randomShape: (r) => ({ F: randInt(r, 1, 100), B: randInt(r, 1, 100) }),
  prepare(w, { F, B }, { seed }): PreparedKernel {
    const s = scope(w);
    const X = randomF32(F * B, seed, -2, 2);
    const G = randomF32(F, seed + 1, 0.5, 1.5);
    const Be = randomF32(F, seed + 2);
    const x = s.f32(X);
    const gamma = s.f32(G);
    const beta = s.f32(Be);
    const y = s.f32(F * B);
    const mean = s.f32(B);
    const rstd = s.f32(B);
    const [yr, mr, rr] = [new Float32Array(F * B), new Float32Array(B), new Float32Array(B)];
    return {
      run: () => nn.layerNorm(w, y, mean, rstd, x, gamma, beta, F, B, 1e-5),
      runReference: () => ref.layerNormRef(yr, mr, rr, X, G, Be, F, B, 1e-5),
      compare: () => worst(compareArrays(w.f32(y, F * B), yr), compareArrays(w.f32(mean, B), mr), compareArrays(w.f32(rstd, B), rr)),
      flop: 8 * F * B,
      effFlop: 8 * F * B,
      dispose: s.dispose,
    };
  },
};

const layerNormBwdVariant: KernelVariant = {
  name: 'layernorm-bwd-simd',
  op: 'layernorm-bwd',
  area: 'nn',
  tolerance: nn.LAYERNORM_REL_TOL,
  edgeShapes: rename(FB_EDGES, 'F'),
  randomShape: (r) => ({ F: randInt(r, 1, 100), B: randInt(r, 1, 100) }),
  prepare(w, { F, B }, { seed }): PreparedKernel {
    const s = scope(w);
    const X = randomF32(F * B, seed, -2, 2);
    const G = randomF32(F, seed + 1, 0.5, 1.5);
    const DY = randomF32(F * B, seed + 2);
    // mean and rstd as the forward saves them (from the reference, so both sides start from the same values)
    const M = new Float32Array(B);
    const R = new Float32Array(B);
    ref.layerNormRef(new Float32Array(F * B), M, R, X, G, new Float32Array(F), F, B, 1e-5);
    const [x, gamma, dy, mean, rstd] = [s.f32(X), s.f32(G), s.f32(DY), s.f32(M), s.f32(R)];
    const [dx, dg, db] = [s.f32(F * B), s.f32(F), s.f32(F)];
    const [dxr, dgr, dbr] = [new Float32Array(F * B), new Float32Array(F), new Float32Array(F)];
    return {
      run: () => nn.layerNormBackward(w, dx, dg, db, dy, x, mean, rstd, gamma, F, B),
      runReference: () => ref.layerNormBackwardRef(dxr, dgr, dbr, DY, X, M, R, G, F, B),
      compare: () => worst(compareArrays(w.f32(dx, F * B), dxr), compareArrays(w.f32(dg, F), dgr), compareArrays(w.f32(db, F), dbr)),
      flop: 14 * F * B,
      effFlop: 14 * F * B,
      dispose: s.dispose,
    };
  },
};

registerKernels(
  biasAddVariant,
  biasGradVariant,
  unaryVariant('relu-fwd-simd', 'relu-fwd', nn.ELEMENTWISE_REL_TOL, 1, nn.relu, ref.reluRef),
  backwardVariant('relu-bwd-simd', 'relu-bwd', nn.ELEMENTWISE_REL_TOL, 1, nn.reluBackward, ref.reluBackwardRef),
  unaryVariant('gelu-tanh-fwd-simd', 'gelu-fwd', nn.GELU_REL_TOL, 20, nn.gelu, ref.geluRef),
  backwardVariant('gelu-tanh-bwd-simd', 'gelu-bwd', nn.GELU_REL_TOL, 30, nn.geluBackward, ref.geluBackwardRef),
  softmaxVariant,
  layerNormVariant,
  layerNormBwdVariant,
);
