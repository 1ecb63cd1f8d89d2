// Registry entries for the GPT block's kernels (causal attention forward/backward, token + position
// embedding forward/backward) against src/ref/attention.ts and src/ref/embedding.ts with the named
// tolerances of attention.ts and embedding.ts. FLOP counts are nominal: the two products of attention
// (2·hd per query-key pair each, causal pairs only), one add per embedding value (two in the backward).
// Shapes: attention { nSeq, T, C, H } (hd = C/H); embedding { n, T, C, V }.
import { registerKernels, type KernelVariant, type PreparedKernel, type Shape } from './registry.js';
import { Rng, randomF32 } from '../ref/rng.js';
import { attentionBackwardRef, attentionForwardRef } from '../ref/attention.js';
import { embeddingBackwardRef, embeddingForwardRef } from '../ref/embedding.js';
import * as attn from './attention.js';
import * as emb from './embedding.js';
import { compareArrays, worst } from './compare.js';
import { randInt, scope } from './registry-dense.js';

/** T = 1, hd not a multiple of 4 (1, 3, 5), H = 1, nSeq = 1..3, T not a multiple of 4 or 8 (tile tails), and a few regular ones. */
const ATTN_EDGES: Shape[] = [
  { nSeq: 1, T: 1, C: 4, H: 1 }, { nSeq: 2, T: 1, C: 8, H: 2 }, { nSeq: 2, T: 3, C: 1, H: 1 }, { nSeq: 2, T: 7, C: 6, H: 2 },
  { nSeq: 3, T: 5, C: 5, H: 1 }, { nSeq: 1, T: 13, C: 12, H: 4 }, { nSeq: 2, T: 16, C: 32, H: 4 }, { nSeq: 3, T: 33, C: 20, H: 4 },
  { nSeq: 1, T: 64, C: 64, H: 2 }, { nSeq: 2, T: 12, C: 8, H: 2 }, { nSeq: 1, T: 4, C: 3, H: 1 }, { nSeq: 3, T: 8, C: 4, H: 1 },
];
const attnRandom = (r: () => number): Shape => {
  const H = randInt(r, 1, 4);
  return { nSeq: randInt(r, 1, 3), T: randInt(r, 1, 40), C: H * randInt(r, 1, 16), H };
};
/** Attention's useful FLOP: q·k and P·v, 2·hd each per causal pair, over all heads and sequences. */
const attnFlop = ({ nSeq, T, C }: Shape): number => 2 * nSeq * C * T * (T + 1);

const attentionFwdVariant = (variant: attn.AttentionVariant): KernelVariant => ({
  name: `attention-fwd-causal-${variant}-simd`,
  op: 'attention-fwd',
  area: 'nn',
  tolerance: attn.ATTENTION_FWD_REL_TOL,
  edgeShapes: ATTN_EDGES,
  randomShape: attnRandom,
  prepare(w, shape, { seed }): PreparedKernel {
    const { nSeq, T, C, H } = shape;
    const n = nSeq * T;
    const s = scope(w);
    const QKV = randomF32(3 * C * n, seed);
    const qkv = s.f32(QKV);
    const out = s.f32(C * n);
    const att = s.f32(nSeq * H * T * T);
    const [outR, attR] = [new Float32Array(C * n), new Float32Array(nSeq * H * T * T)];
    return {
      run: () => attn.attentionForward(w, out, att, qkv, nSeq, T, C, H, variant),
      runReference: () => attentionForwardRef(outR, attR, QKV, nSeq, T, C, H),
      compare: () => worst(compareArrays(w.f32(out, C * n), outR), compareArrays(w.f32(att, nSeq * H * T * T), attR)),
      flop: attnFlop(shape),
      effFlop: attnFlop(shape),
      dispose: s.dispose,
    };
  },
});

const attentionBwdVariant = (variant: attn.AttentionVariant): KernelVariant => ({
  name: `attention-bwd-causal-${variant}-simd`,
  op: 'attention-bwd',
  area: 'nn',
  tolerance: attn.ATTENTION_BWD_REL_TOL,
  edgeShapes: ATTN_EDGES,
  randomShape: attnRandom,
  prepare(w, shape, { seed }): PreparedKernel {
    const { nSeq, T, C, H } = shape;
    const n = nSeq * T;
    const s = scope(w);
    const QKV = randomF32(3 * C * n, seed);
    const DOUT = randomF32(C * n, seed + 1);
    // att as the forward saves it (from the reference, so both sides start from the same P)
    const ATT = new Float32Array(nSeq * H * T * T);
    attentionForwardRef(new Float32Array(C * n), ATT, QKV, nSeq, T, C, H);
    const [qkv, dout, att] = [s.f32(QKV), s.f32(DOUT), s.f32(ATT)];
    const dqkv = s.f32(3 * C * n);
    const scratch = s.f32(attn.attentionScratchFloats(T));
    const dR = new Float32Array(3 * C * n);
    const part = (a: Float32Array, i: number): Float32Array => a.subarray(i * C * n, (i + 1) * C * n);
    return {
      run: () => attn.attentionBackward(w, dqkv, dout, qkv, att, scratch, nSeq, T, C, H, variant),
      runReference: () => attentionBackwardRef(dR, DOUT, QKV, ATT, nSeq, T, C, H),
      // dq, dk and dv each against their own scale
      compare: () => {
        const d = w.f32(dqkv, 3 * C * n);
        return worst(...[0, 1, 2].map((i) => compareArrays(part(d, i), part(dR, i))));
      },
      flop: 2 * attnFlop(shape),
      effFlop: 2 * attnFlop(shape),
      dispose: s.dispose,
    };
  },
});

/** n = 1, repeated ids inside one 4-token block (V = 2), n < T, C and n not multiples of 4. */
const EMB_EDGES: Shape[] = [
  { n: 1, T: 1, C: 1, V: 1 }, { n: 3, T: 2, C: 5, V: 3 }, { n: 8, T: 4, C: 4, V: 2 }, { n: 13, T: 5, C: 7, V: 11 },
  { n: 7, T: 10, C: 9, V: 4 }, { n: 64, T: 16, C: 33, V: 50 }, { n: 256, T: 64, C: 64, V: 5 },
];
const embRandom = (r: () => number): Shape => {
  const n = randInt(r, 1, 100);
  return { n, T: randInt(r, 1, n), C: randInt(r, 1, 70), V: randInt(r, 1, 60) };
};

function embInputs(w: Parameters<KernelVariant['prepare']>[0], { n, T, C, V }: Shape, seed: number) {
  const s = scope(w);
  const rng = new Rng(seed);
  const IDS = Int32Array.from({ length: n }, () => rng.int(V));
  const P = Math.min(n, T);
  return { s, IDS, ids: w.allocI32(n, IDS), P };
}

const embeddingFwdVariant: KernelVariant = {
  name: 'embedding-fwd-gather-simd',
  op: 'embedding-fwd',
  area: 'nn',
  tolerance: emb.EMBEDDING_FWD_REL_TOL,
  edgeShapes: EMB_EDGES,
  randomShape: embRandom,
  prepare(w, shape, { seed }): PreparedKernel {
    const { n, T, C, V } = shape;
    const { s, IDS, ids, P } = embInputs(w, shape, seed);
    const WTE = randomF32(V * C, seed + 1);
    const WPE = randomF32(P * C, seed + 2);
    const [wte, wpe, out] = [s.f32(WTE), s.f32(WPE), s.f32(C * n)];
    const outR = new Float32Array(C * n);
    return {
      run: () => emb.embeddingForward(w, out, ids, wte, wpe, n, T, C, V),
      runReference: () => embeddingForwardRef(outR, IDS, WTE, WPE, n, T, C),
      compare: () => compareArrays(w.f32(out, C * n), outR),
      flop: n * C,
      effFlop: n * C,
      dispose: s.dispose,
    };
  },
};

const embeddingBwdVariant: KernelVariant = {
  name: 'embedding-bwd-scatter-simd',
  op: 'embedding-bwd',
  area: 'nn',
  tolerance: emb.EMBEDDING_BWD_REL_TOL,
  edgeShapes: EMB_EDGES,
  randomShape: embRandom,
  prepare(w, shape, { seed }): PreparedKernel {
    const { n, T, C, V } = shape;
    const { s, IDS, ids, P } = embInputs(w, shape, seed);
    const DOUT = randomF32(C * n, seed + 1);
    const [dout, dwte, dwpe] = [s.f32(DOUT), s.f32(V * C), s.f32(P * C)];
    const [dwteR, dwpeR] = [new Float32Array(V * C), new Float32Array(P * C)];
    return {
      run: () => {
        w.f32(dwte, V * C).fill(0);
        w.f32(dwpe, P * C).fill(0);
        emb.embeddingBackward(w, dwte, dwpe, dout, ids, n, T, C, V);
      },
      runReference: () => {
        dwteR.fill(0);
        dwpeR.fill(0);
        embeddingBackwardRef(dwteR, dwpeR, DOUT, IDS, n, T, C);
      },
      compare: () => worst(compareArrays(w.f32(dwte, V * C), dwteR), compareArrays(w.f32(dwpe, P * C), dwpeR)),
      flop: 2 * n * C,
      effFlop: 2 * n * C,
      dispose: s.dispose,
    };
  },
};

registerKernels(
  ...attn.ATTENTION_VARIANTS.flatMap((v) => [attentionFwdVariant(v), attentionBwdVariant(v)]),
  embeddingFwdVariant,
  embeddingBwdVariant,
);
