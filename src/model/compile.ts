// Compiles a model description into a Plan (plan.ts): validates it, flattens residual blocks into
// begin/end ops, names every parameter as PyTorch's nn.Sequential state dict does, builds the masks and
// stream skeletons of sparse layers, and groups the ops into streamed layers.
//
// State-dict naming: the top-level layer list is an nn.Sequential, so layer i's parameters are "i.weight",
// "i.bias" (param-free layers take an index too). A residual block is a module whose attribute `inner` is
// an nn.Sequential of its layers: layer j inside residual i is "i.inner.j.weight".
//
// Streamed layers: op list [linear0, relu, res_begin, linear1, relu, linear2, res_end] becomes
// layer 0 = [linear0, relu, res_begin], layer 1 = [linear1, relu], layer 2 = [linear2, res_end]:
// each op with weights starts a layer and takes the param-free ops after it; param-free ops before the
// first op with weights join layer 0.
import { ValidationError, requireObject } from '../errors.js';
import { columnSkeleton, columnStreamWords, encodeSkeleton, randomMask, streamPositions, streamWords } from '../sparse/stream.js';
import type { LayerSpec, ModelSpec } from './types.js';
import { validateModel } from './validate.js';
import type { PlanOp, PlanParam, Plan, SparseStructure, StreamedLayer } from './plan.js';

/** Validates and compiles a model description (a parsed JSON object or a ModelSpec). */
export function compileModel(raw: unknown): Plan {
  const spec = validateModel(raw);
  const b = new PlanBuilder(spec.maskSeed ?? 0);
  const classes = b.walk(spec.layers, 'layers', '', spec.input);
  const { ops, params } = b;
  const layers = groupLayers(ops, params);
  let maxWidth = spec.input;
  for (const op of ops) maxWidth = Math.max(maxWidth, op.outWidth);
  const tokens = ops[0].kind === 'embedding';
  return {
    spec,
    input: spec.input,
    classes,
    loss: spec.loss ?? 'softmax_cross_entropy',
    ops,
    params,
    layers,
    paramFloats: layers.reduce((s, l) => s + (l.tiedTo ? 0 : l.paramFloats), 0),
    wireWords: layers.reduce((s, l) => s + l.wireWords, 0),
    fwdWireWords: layers.reduce((s, l) => s + l.fwdWireWords, 0),
    torchParams: params.reduce((s, p) => s + (p.tiedTo >= 0 ? 0 : p.torchSize), 0),
    maxWidth,
    seqLen: tokens ? spec.seqLen! : 1,
    inputKind: tokens ? 'tokens' : 'features',
  };
}

/** The fields of an op every kind has: its index, where it is in the description, its module name. */
type OpBase = Pick<PlanOp, 'index' | 'path' | 'module' | 'inWidth' | 'layer'>;

/** Flattens a layer list into ops and parameters, in order; each layer type's method returns the width after it. */
class PlanBuilder {
  readonly ops: PlanOp[] = [];
  readonly params: PlanParam[] = [];
  private wte = -1;

  constructor(private readonly modelSeed: number) {}

  walk(layers: LayerSpec[], path: string, prefix: string, width: number): number {
    layers.forEach((l, i) => {
      const p = `${path}[${i}]`;
      const module = ('name' in l && l.name) || `${prefix}${i}`;
      width = this.layer(l, { index: this.ops.length, path: p, module, inWidth: width, layer: -1 }, width);
    });
    return width;
  }

  private layer(l: LayerSpec, base: OpBase, width: number): number {
    switch (l.type) {
      case 'linear':
        return this.linear(l, base, width);
      case 'relu':
      case 'gelu':
        this.ops.push({ ...base, kind: l.type, outWidth: width });
        return width;
      case 'layernorm': {
        const gamma = this.addParam(vectorParam(`${base.module}.weight`, width, this.ops.length, { kind: 'constant', value: 1 }));
        const beta = this.addParam(vectorParam(`${base.module}.bias`, width, this.ops.length, { kind: 'constant', value: 0 }));
        this.ops.push({ ...base, kind: 'layernorm', outWidth: width, eps: l.eps ?? 1e-5, gamma, beta });
        return width;
      }
      case 'residual':
        return this.residual(l, base, width);
      case 'embedding':
        return this.embedding(l, base);
      case 'attention':
        this.ops.push({ ...base, kind: 'attention', outWidth: width / 3, heads: l.heads });
        return width / 3;
      case 'lm_head':
        return this.lmHead(l, base, width);
    }
  }

  /** weight [N, K] (or a sparse stream of its non-zeros), bias [N] unless bias: false. */
  private linear(l: Extract<LayerSpec, { type: 'linear' }>, base: OpBase, K: number): number {
    const N = l.out;
    const sparse = sparseStructure(l, K, N, this.modelSeed, base.module, base.path);
    const bound = 1 / Math.sqrt(K);
    const weight = this.addParam({
      name: `${base.module}.weight`,
      role: 'weight',
      torchShape: l.conv1d ? [K, N] : [N, K],
      torchSize: N * K,
      layout: l.conv1d ? 'conv1d' : 'linear',
      op: this.ops.length,
      size: sparse ? sparse.nnz : K * N,
      wireWords: sparse ? streamWords(K, sparse.nnz) : K * N,
      fwdWireWords: sparse ? columnStreamWords(N, sparse.nnz) : K * N,
      sparse,
      init: l.initStd !== undefined ? { kind: 'normal', std: l.initStd } : { kind: 'uniform', bound },
    });
    const biasInit: PlanParam['init'] = l.initStd !== undefined ? { kind: 'constant', value: 0 } : { kind: 'uniform', bound };
    const bias = l.bias === false ? -1 : this.addParam(vectorParam(`${base.module}.bias`, N, this.ops.length, biasInit));
    this.ops.push({ ...base, kind: 'linear', outWidth: N, weight, bias, sparse });
    return N;
  }

  /** residual_begin, the inner layers (named `<module>.inner.<j>`), residual_end pointing at each other. */
  private residual(l: Extract<LayerSpec, { type: 'residual' }>, base: OpBase, width: number): number {
    const begin = this.ops.length;
    this.ops.push({ ...base, kind: 'residual_begin', outWidth: width, end: -1 });
    this.walk(l.layers, `${base.path}.layers`, `${base.module}.inner.`, width);
    const end = this.ops.length;
    this.ops.push({ index: end, path: base.path, module: base.module, inWidth: width, outWidth: width, layer: -1, kind: 'residual_end', begin });
    (this.ops[begin] as { end: number }).end = end;
    return width;
  }

  /** wte [V, C] and wpe [P, C] tables; the tied head reads wte. */
  private embedding(l: Extract<LayerSpec, { type: 'embedding' }>, base: OpBase): number {
    const init: PlanParam['init'] = { kind: 'normal', std: l.initStd ?? 1 };
    const C = l.out;
    this.wte = this.addParam(tableParam(`${base.module}.wte.weight`, l.vocab, C, this.ops.length, init));
    const wpe = this.addParam(tableParam(`${base.module}.wpe.weight`, l.positions, C, this.ops.length, init));
    this.ops.push({ ...base, kind: 'embedding', outWidth: C, wte: this.wte, wpe, vocab: l.vocab, positions: l.positions });
    return C;
  }

  /** Tied: lm_head.weight is wte. Untied: a bias-free nn.Linear(C, V) named lm_head (GPT2LMHeadModel's). */
  private lmHead(l: Extract<LayerSpec, { type: 'lm_head' }>, base: OpBase, width: number): number {
    const V = this.params[this.wte].torchShape[0];
    if (l.tied !== false) {
      const weight = this.addParam({ ...tableParam('lm_head.weight', V, width, this.ops.length, { kind: 'tied' }), tiedTo: this.wte });
      this.ops.push({ ...base, module: 'lm_head', kind: 'lm_head', outWidth: V, weight });
      return V;
    }
    const name = l.name ?? 'lm_head';
    const weight = this.addParam({
      name: `${name}.weight`, role: 'weight', torchShape: [V, width], torchSize: V * width, layout: 'linear', op: this.ops.length,
      size: V * width, wireWords: V * width, sparse: null,
      init: l.initStd !== undefined ? { kind: 'normal', std: l.initStd } : { kind: 'uniform', bound: 1 / Math.sqrt(width) },
    });
    this.ops.push({ ...base, module: name, kind: 'linear', outWidth: V, weight, bias: -1, sparse: null });
    return V;
  }

  private addParam(p: NewParam & { tiedTo?: number; fwdWireWords?: number }): number {
    this.params.push({ tiedTo: -1, fwdWireWords: p.wireWords, ...p, offset: 0, wireOffset: 0, fwdWireOffset: 0, layer: -1 });
    return this.params.length - 1;
  }
}

type NewParam = Omit<PlanParam, 'offset' | 'wireOffset' | 'fwdWireOffset' | 'fwdWireWords' | 'layer' | 'tiedTo'>;

function vectorParam(name: string, n: number, op: number, init: PlanParam['init']): NewParam {
  return { name, role: name.endsWith('.weight') ? 'weight' : 'bias', torchShape: [n], torchSize: n, layout: 'vector', op, size: n, wireWords: n, sparse: null, init };
}

/** A [rows, C] table stored as it is (embeddings, the tied head). */
function tableParam(name: string, rows: number, C: number, op: number, init: PlanParam['init']): NewParam {
  return { name, role: 'weight', torchShape: [rows, C], torchSize: rows * C, layout: 'table', op, size: rows * C, wireWords: rows * C, sparse: null, init };
}

/** Splits the ops into streamed layers and lays out each layer's master and wire blocks. */
function groupLayers(ops: PlanOp[], params: PlanParam[]): StreamedLayer[] {
  const layers: StreamedLayer[] = [];
  const leading: number[] = [];
  for (const op of ops) {
    const hasWeights = op.kind === 'linear' || op.kind === 'layernorm' || op.kind === 'embedding' || op.kind === 'lm_head';
    if (hasWeights) {
      layers.push({ index: layers.length, weightOp: op.index, ops: [...leading, op.index], params: [], paramFloats: 0, wireWords: 0, fwdWireWords: 0, module: op.module, tiedTo: null });
      leading.length = 0;
    } else if (layers.length === 0) {
      leading.push(op.index);
    } else {
      layers[layers.length - 1].ops.push(op.index);
    }
  }
  for (const l of layers) for (const i of l.ops) ops[i].layer = l.index;
  params.forEach((p, i) => {
    const l = layers[ops[p.op].layer];
    p.layer = l.index;
    p.offset = l.paramFloats;
    p.wireOffset = l.wireWords;
    p.fwdWireOffset = l.fwdWireWords;
    l.paramFloats += p.size;
    l.wireWords += p.wireWords;
    l.fwdWireWords += p.fwdWireWords;
    l.params.push(i);
  });
  for (const p of params) {
    if (p.tiedTo < 0) continue;
    const to = params[p.tiedTo];
    layers[p.layer].tiedTo = { layer: to.layer, offset: to.offset };
  }
  return layers;
}

/** Mask and stream skeleton of a sparse linear (null when dense). */
function sparseStructure(l: LayerSpec & { type: 'linear' }, K: number, N: number, modelSeed: number, module: string, path: string): SparseStructure | null {
  let maskKN: Uint8Array;
  if (l.mask && l.conv1d) {
    // explicit mask in the weight's file layout, Conv1D [in = K, out = N]: the kernel layout itself
    maskKN = new Uint8Array(K * N);
    for (let i = 0; i < K * N; i++) maskKN[i] = l.mask[i] ? 1 : 0;
  } else if (l.mask) {
    // explicit mask, PyTorch layout [out = N, in = K] -> kernel layout [K, N]
    maskKN = new Uint8Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) maskKN[k * N + n] = l.mask[n * K + k] ? 1 : 0;
  } else if (l.sparsity !== undefined && l.sparsity > 0) {
    const seed = l.maskSeed ?? hashSeed(modelSeed, module);
    maskKN = randomMask(K, N, l.sparsity, seed);
  } else {
    return null;
  }
  return structureFromMask(maskKN, K, N, path);
}

/** Builds the stream skeleton (counts, deltas, positions) of a 0/1 mask [K, N] (src/sparse/stream.ts encodes it). */
export function structureFromMask(maskKN: Uint8Array, K: number, N: number, path = 'mask'): SparseStructure {
  const skeleton = encodeSkeleton(maskKN, K, N);
  if (skeleton.nnz === 0) throw new ValidationError(path, 0, 'expected a mask that keeps at least one weight (lower the sparsity)');
  const { rows, cols } = streamPositions(skeleton);
  return { nnz: skeleton.nnz, maskKN, template: skeleton.words, rows, cols, columns: columnSkeleton(skeleton.words, K, N) };
}

/** FNV-1a of "seed:name": a stable per-layer seed derived from the model's seed and a module name. */
export function hashSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  const s = `${seed >>> 0}:${name}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A short one-line description of a plan, e.g. for the CLI: residual blocks in parentheses
 * ("residual(layernorm, linear 8->32, gelu, linear 32->8)"), counts exact with thousands separators.
 */
export function describePlan(plan: Plan): string {
  requireObject('plan', plan);
  let text = '';
  let open = true; // at the start, or just after "residual(": no separator before the next part
  for (const o of plan.ops) {
    if (o.kind === 'residual_end') {
      text += ')';
      open = false;
      continue;
    }
    const part = o.kind === 'residual_begin' ? 'residual(' : opText(o);
    text += (open ? '' : ', ') + part;
    open = o.kind === 'residual_begin';
  }
  return `${plan.input} -> ${text} -> ${plan.classes} classes; ${exact(plan.paramFloats)} stored parameters (${exact(plan.torchParams)} dense)`;
}

const exact = (n: number) => n.toLocaleString('en-US');

function opText(o: Plan['ops'][number]): string {
  if (o.kind === 'linear') return `linear ${o.inWidth}->${o.outWidth}${o.sparse ? ` (nnz ${exact(o.sparse.nnz)})` : ''}`;
  if (o.kind === 'embedding') return `embedding ${o.vocab}x${o.outWidth} (+${o.positions} positions)`;
  if (o.kind === 'attention') return `attention ${o.heads} heads`;
  if (o.kind === 'lm_head') return `lm_head (tied) ${o.inWidth}->${o.outWidth}`;
  return o.kind;
}

export type { ModelSpec };
