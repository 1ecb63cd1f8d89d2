// Parameters of a compiled model on the host: one Float32Array MASTER block per streamed layer (plan.ts),
// PyTorch's default initialisation from a seeded PRNG, conversion between a master block and the
// PyTorch-layout tensors of the state dict, and packing of the WIRE block that is streamed to the systems.
//
// Legend: K = in features, N = out features, nnz = kept weights of a sparse linear.
// PyTorch nn.Linear.weight is [N, K] (out, in); the kernels' W is [K, N]: W[k, n] = weight[n, k].
import { ValidationError, requireObject, requireArray } from '../errors.js';
import { Rng } from '../ref/rng.js';
import { fillColumnStream, fillStream } from '../sparse/stream.js';
import { hashSeed } from './compile.js';
import type { Plan, PlanParam, StreamedLayer, WirePass } from './plan.js';

/** Master blocks, one per streamed layer (layer.paramFloats floats each). */
export type Params = Float32Array[];

/** Zeroed master blocks for a plan. */
export function zeroParams(plan: Plan): Params {
  return plan.layers.map((l) => new Float32Array(l.paramFloats));
}

/** A deep copy of master blocks. */
export function cloneParams(p: Params): Params {
  return p.map((b) => b.slice());
}

/**
 * PyTorch's default initialisation, seeded: nn.Linear weight and bias uniform in [-1/sqrt(in), 1/sqrt(in))
 * (kaiming_uniform with a = sqrt(5) gives that bound), LayerNorm weight 1 and bias 0. Each parameter draws
 * from its own generator seeded by hash(seed, name), over the full dense [out, in] tensor in PyTorch
 * order; a sparse weight keeps the draws at its kept positions (so a mask does not move other values).
 */
export function initParams(plan: Plan, seed: number): Params {
  requireArray('plan.params', requireObject('plan', plan).params); // a Plan from compileModel
  const out = zeroParams(plan);
  for (const p of plan.params) {
    const block = out[p.layer];
    if (p.init.kind === 'constant') {
      block.fill(p.init.value, p.offset, p.offset + p.size);
      continue;
    }
    if (p.init.kind === 'tied') continue; // copied from its source below
    const rng = new Rng(hashSeed(seed, p.name));
    const dense = new Float32Array(p.torchSize);
    const init = p.init;
    if (init.kind === 'normal') for (let i = 0; i < dense.length; i++) dense[i] = rng.normal(0, init.std);
    else for (let i = 0; i < dense.length; i++) dense[i] = rng.uniform(-init.bound, init.bound);
    setFromTorch(p, block, dense);
  }
  syncTied(plan, out);
  return out;
}

/** Copies every tied parameter's values from its source (the tied head's block mirrors the embedding's wte). */
export function syncTied(plan: Plan, params: Params): void {
  for (const p of plan.params) {
    if (p.tiedTo < 0) continue;
    const src = plan.params[p.tiedTo];
    params[p.layer].set(params[src.layer].subarray(src.offset, src.offset + src.size), p.offset);
  }
}

/** The parameter `p` of a master block as a tensor in its file layout (dense; zeros at masked positions). */
export function toTorch(p: PlanParam, block: Float32Array): Float32Array {
  requireObject('param', p);
  const t = new Float32Array(p.torchSize);
  if (p.layout === 'vector' || p.layout === 'table' || (p.layout === 'conv1d' && !p.sparse)) {
    t.set(block.subarray(p.offset, p.offset + p.size));
    return t;
  }
  const [K, N] = kernelShape(p);
  if (p.sparse) {
    const { rows, cols, nnz } = p.sparse;
    const at = fileIndex(p, K, N);
    for (let i = 0; i < nnz; i++) t[at(rows[i], cols[i])] = block[p.offset + i];
  } else {
    for (let k = 0; k < K; k++) {
      const row = p.offset + k * N;
      for (let n = 0; n < N; n++) t[n * K + k] = block[row + n];
    }
  }
  return t;
}

/**
 * Sets parameter `p` of a master block from a tensor in its file layout. For a sparse weight only the kept
 * positions are read: the mask decides, values at masked positions are ignored (they stay exactly 0).
 */
export function setFromTorch(p: PlanParam, block: Float32Array, t: ArrayLike<number>): void {
  requireObject('param', p);
  if (t.length !== p.torchSize) throw new ValidationError(`${p.name}.length`, t.length, `expected ${p.torchSize} (shape [${p.torchShape}])`);
  if (p.layout === 'vector' || p.layout === 'table' || (p.layout === 'conv1d' && !p.sparse)) {
    for (let i = 0; i < p.size; i++) block[p.offset + i] = t[i];
    return;
  }
  const [K, N] = kernelShape(p);
  if (p.sparse) {
    const { rows, cols, nnz } = p.sparse;
    const at = fileIndex(p, K, N);
    for (let i = 0; i < nnz; i++) block[p.offset + i] = t[at(rows[i], cols[i])];
  } else {
    for (let k = 0; k < K; k++) {
      const row = p.offset + k * N;
      for (let n = 0; n < N; n++) block[row + n] = t[n * K + k];
    }
  }
}

/** [K, N] of a linear weight in the kernels' layout, from its file shape. */
function kernelShape(p: PlanParam): [number, number] {
  return p.layout === 'conv1d' ? [p.torchShape[0], p.torchShape[1]] : [p.torchShape[1], p.torchShape[0]];
}

/** Index in the file tensor of kernel element W[k, n]: [out, in] for nn.Linear, [in, out] for Conv1D. */
function fileIndex(p: PlanParam, K: number, N: number): (k: number, n: number) => number {
  return p.layout === 'conv1d' ? (k, n) => k * N + n : (k, n) => n * K + k;
}

/** The state dict of master blocks: name -> { shape, data } in PyTorch layout. */
export function stateDict(plan: Plan, params: Params): Map<string, { shape: number[]; data: Float32Array }> {
  requireObject('plan', plan);
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const p of plan.params) if (p.tiedTo < 0) m.set(p.name, { shape: p.torchShape.slice(), data: toTorch(p, params[p.layer]) });
  return m;
}

/** The dense W [K, N] of a linear weight (zeros at masked positions), e.g. for tests. */
export function denseWeightKN(p: PlanParam, block: Float32Array): Float32Array {
  const [K, N] = kernelShape(p);
  const W = new Float32Array(K * N);
  if (p.sparse) {
    const { rows, cols, nnz } = p.sparse;
    for (let i = 0; i < nnz; i++) W[rows[i] * N + cols[i]] = block[p.offset + i];
  } else {
    W.set(block.subarray(p.offset, p.offset + K * N));
  }
  return W;
}

/** Words of layer L's wire block for a pass (the forward's differs from the backward's around a sparse weight). */
export function wireWordsOf(L: StreamedLayer, pass: WirePass): number {
  return pass === 'forward' ? L.fwdWireWords : L.wireWords;
}

/** Word offset of parameter p in its layer's wire block for a pass. */
export function wireOffsetOf(p: PlanParam, pass: WirePass): number {
  return pass === 'forward' ? p.fwdWireOffset : p.wireOffset;
}

/**
 * Writes layer `layer`'s wire block for a pass (wireWordsOf(layer, pass) words) from its master block into
 * `wire` (e.g. a view of a shared broadcast buffer or of WASM memory). Dense parameters are copied as they
 * are; a sparse weight becomes its weight stream with the values in their slots: the row layout for the
 * backward, the column layout for the forward (src/sparse/stream.ts).
 */
export function packWire(plan: Plan, layer: number, master: Float32Array, wire: Float32Array, pass: WirePass): void {
  const L = plan.layers[layer];
  const words = wireWordsOf(L, pass);
  if (master.length < L.paramFloats) throw new ValidationError('packWire.master.length', master.length, `expected >= ${L.paramFloats}`);
  if (wire.length < words) throw new ValidationError('packWire.wire.length', wire.length, `expected >= ${words}`);
  for (const pi of L.params) {
    const p = plan.params[pi];
    const at = wireOffsetOf(p, pass);
    if (!p.sparse) {
      wire.set(master.subarray(p.offset, p.offset + p.size), at);
    } else if (pass === 'forward') {
      fillColumnStream(p.sparse.columns, master, p.offset, wire.subarray(at, at + p.fwdWireWords));
    } else {
      fillStream(p.sparse.template, master, p.offset, wire.subarray(at, at + p.wireWords));
    }
  }
}
