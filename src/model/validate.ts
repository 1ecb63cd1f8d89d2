// Full validation of a model description before anything runs: every field is checked and the first fault
// is a ValidationError naming its path (`layers[3].out`, `layers[2].layers[0].sparsity`) and its value.
// Returns a normalised copy with every default filled in (bias true, eps 1e-5, loss, maskSeed).
import { ValidationError, requireBool, requireInt, requireNumber, requireOneOf, shapeError } from '../errors.js';
import { LAYER_TYPES, LOSS_TYPES, type LayerSpec, type ModelSpec } from './types.js';

/** Largest width we accept for one layer (features); keeps K·N and masks within typed-array limits. */
export const MAX_WIDTH = 1 << 20;
/** Largest K·N of one linear layer (elements). */
export const MAX_LINEAR_ELEMENTS = 1 << 30;

/** Largest vocabulary, positions and heads we accept (a closed-form bound before anything is allocated). */
export const MAX_VOCAB = 1 << 22;
export const MAX_POSITIONS = 1 << 16;

const MODEL_KEYS = ['name', 'input', 'seqLen', 'layers', 'loss', 'maskSeed'];
/** Most layers in one model, counting those inside residual blocks (set-up grows with it; 16x a deep GPT). */
export const MAX_LAYERS = 10_000;
/** Deepest nesting of residual blocks. */
export const MAX_NESTING = 32;
/** Most parameters of one model (floats): with optimizer state and gradients it must fit 32-bit WASM memory. */
export const MAX_MODEL_PARAMS = 1 << 28;

const LAYER_KEYS: Record<string, string[]> = {
  linear: ['type', 'out', 'bias', 'sparsity', 'maskSeed', 'mask', 'conv1d', 'initStd', 'name'],
  relu: ['type'],
  gelu: ['type'],
  layernorm: ['type', 'eps', 'name'],
  residual: ['type', 'layers'],
  embedding: ['type', 'vocab', 'positions', 'out', 'initStd', 'name'],
  attention: ['type', 'heads'],
  lm_head: ['type', 'tied', 'initStd', 'name'],
};

/** What validating a list of layers knows on the way: the embedding (if any) the LM head ties to. */
interface Ctx {
  embedding: { vocab: number; out: number } | null;
  /** Layers and parameters so far (closed-form bounds before anything is allocated). */
  layers: number;
  params: number;
}

/** Validates a model description (any parsed JSON) and returns it normalised. */
export function validateModel(raw: unknown, path = 'model'): ModelSpec {
  const m = requireObject(path, raw);
  rejectUnknownKeys(path, m, MODEL_KEYS);
  if (!Array.isArray(m.layers)) throw new ValidationError(join(path, 'layers'), m.layers, 'expected an array of layers');
  const first = m.layers[0] as { type?: unknown } | undefined;
  const tokens = typeof first === 'object' && first !== null && first.type === 'embedding';
  // a model that starts with an embedding reads one token id per column: input 1 (may be omitted)
  const input = tokens ? requireInt(join(path, 'input'), m.input ?? 1, 1, 1) : requireInt(join(path, 'input'), m.input, 1, MAX_WIDTH);
  if (m.name !== undefined && typeof m.name !== 'string') throw new ValidationError(join(path, 'name'), m.name, 'expected a string');
  const loss = m.loss === undefined ? 'softmax_cross_entropy' : requireOneOf(join(path, 'loss'), m.loss, LOSS_TYPES);
  const maskSeed = m.maskSeed === undefined ? 0 : requireInt(join(path, 'maskSeed'), m.maskSeed, 0, 0xffffffff);
  if (m.layers.length === 0) throw new ValidationError(join(path, 'layers'), m.layers, 'expected at least one layer');
  const ctx: Ctx = { embedding: null, layers: 0, params: 0 };
  const { layers, width, weighted } = validateLayers(m.layers, 'layers', input, ctx, 0);
  let seqLen: number | undefined;
  if (layers[0].type === 'embedding') {
    const P = layers[0].positions;
    seqLen = m.seqLen === undefined ? P : requireInt(join(path, 'seqLen'), m.seqLen, 1, P);
  } else if (m.seqLen !== undefined && m.seqLen !== 1) {
    throw new ValidationError(join(path, 'seqLen'), m.seqLen, 'expected 1 (or no seqLen) for a model that does not start with an embedding');
  }
  if (weighted === 0) throw new ValidationError('layers', m.layers, 'expected at least one layer with weights (linear or layernorm)');
  if (width < 2) throw new ValidationError('layers', width, 'expected the last layer to output >= 2 classes for softmax cross-entropy');
  const out: ModelSpec = { input, layers, loss, maskSeed };
  if (seqLen !== undefined) out.seqLen = seqLen;
  if (m.name !== undefined) out.name = m.name as string;
  return out;
}

/** Validates a list of layers fed `width` features; returns them normalised, the output width and the count of layers with weights. */
function validateLayers(list: unknown[], path: string, width: number, ctx: Ctx, depth: number): { layers: LayerSpec[]; width: number; weighted: number } {
  const layers: LayerSpec[] = [];
  let weighted = 0;
  if (depth > MAX_NESTING) throw new ValidationError(path, `${depth} levels`, `expected residual blocks nested at most ${MAX_NESTING} deep`);
  for (let i = 0; i < list.length; i++) {
    const p = `${path}[${i}]`;
    if (++ctx.layers > MAX_LAYERS) throw new ValidationError(p, `layer ${ctx.layers}`, `expected at most ${MAX_LAYERS} layers in a model`);
    const l = requireObject(p, list[i]);
    const type = requireOneOf(join(p, 'type'), l.type, LAYER_TYPES);
    rejectUnknownKeys(p, l, LAYER_KEYS[type]);
    const at: Place = { p, width, ctx, depth, first: depth === 0 && i === 0, last: depth === 0 && i === list.length - 1 };
    const v = LAYER_VALIDATORS[type](l, at);
    layers.push(v.spec);
    width = v.width;
    weighted += v.weighted;
  }
  return { layers, width, weighted };
}

/** Where a layer sits: its path, the width it is fed, the context so far, and whether it is the model's first or last layer. */
interface Place {
  p: string;
  width: number;
  ctx: Ctx;
  depth: number;
  first: boolean;
  last: boolean;
}

/** One layer validated: its normalised spec, its output width and its layers with weights (a block's inner ones). */
interface Validated {
  spec: LayerSpec;
  width: number;
  weighted: number;
}

/** The validator of each layer type (its fields were checked against LAYER_KEYS before). */
const LAYER_VALIDATORS: Record<(typeof LAYER_TYPES)[number], (l: Record<string, unknown>, at: Place) => Validated> = {
  linear: validateLinear,
  relu: (_l, { width }) => ({ spec: { type: 'relu' }, width, weighted: 0 }),
  gelu: (_l, { width }) => ({ spec: { type: 'gelu' }, width, weighted: 0 }),
  layernorm: validateLayernorm,
  residual: validateResidual,
  embedding: validateEmbedding,
  attention: validateAttention,
  lm_head: validateLmHead,
};

function validateLinear(l: Record<string, unknown>, { p, width, ctx }: Place): Validated {
  const out = requireInt(join(p, 'out'), l.out, 1, MAX_WIDTH);
  if (width * out > MAX_LINEAR_ELEMENTS) {
    throw new ValidationError(join(p, 'out'), out, `expected in·out <= ${MAX_LINEAR_ELEMENTS} (in = ${width})`);
  }
  const bias = l.bias === undefined ? true : requireBool(join(p, 'bias'), l.bias);
  addParams(ctx, width * out + (bias ? out : 0), join(p, 'out'), out);
  const spec: LayerSpec = { type: 'linear', out, bias };
  if (l.conv1d !== undefined && requireBool(join(p, 'conv1d'), l.conv1d)) spec.conv1d = true;
  if (l.initStd !== undefined) spec.initStd = requireInitStd(join(p, 'initStd'), l.initStd);
  if (l.name !== undefined) spec.name = requireModuleName(join(p, 'name'), l.name);
  if (l.sparsity !== undefined && l.mask !== undefined) {
    throw new ValidationError(join(p, 'mask'), '[...]', 'expected either sparsity or mask, not both');
  }
  if (l.sparsity !== undefined) {
    const s = requireNumber(join(p, 'sparsity'), l.sparsity, 0, 1, true);
    if (s > 0) spec.sparsity = s;
  }
  if (l.maskSeed !== undefined) spec.maskSeed = requireInt(join(p, 'maskSeed'), l.maskSeed, 0, 0xffffffff);
  if (l.mask !== undefined) spec.mask = validateMask(join(p, 'mask'), l.mask, out, width);
  return { spec, width: out, weighted: 1 };
}

function validateLayernorm(l: Record<string, unknown>, { p, width, ctx }: Place): Validated {
  const eps = l.eps === undefined ? 1e-5 : requireNumber(join(p, 'eps'), l.eps, 0);
  if (eps <= 0) throw new ValidationError(join(p, 'eps'), eps, 'expected a positive number');
  const spec: LayerSpec = l.name === undefined ? { type: 'layernorm', eps } : { type: 'layernorm', eps, name: requireModuleName(join(p, 'name'), l.name) };
  addParams(ctx, 2 * width, p, 'layernorm');
  return { spec, width, weighted: 1 }; // layernorm has weights (gamma, beta): it is a streamed layer too
}

function validateResidual(l: Record<string, unknown>, { p, width, ctx, depth }: Place): Validated {
  const lp = join(p, 'layers');
  if (!Array.isArray(l.layers)) throw new ValidationError(lp, l.layers, 'expected an array of layers');
  if (l.layers.length === 0) throw new ValidationError(lp, l.layers, 'expected at least one layer');
  const inner = validateLayers(l.layers, lp, width, ctx, depth + 1);
  if (inner.width !== width) {
    throw new ValidationError(lp, inner.width, `expected the inner layers to output the block's input width ${width} (x + f(x)); their output width`);
  }
  return { spec: { type: 'residual', layers: inner.layers }, width, weighted: inner.weighted };
}

function validateEmbedding(l: Record<string, unknown>, { p, ctx, first }: Place): Validated {
  if (!first) throw new ValidationError(join(p, 'type'), l.type, 'expected an embedding only as the first layer of the model');
  const vocab = requireInt(join(p, 'vocab'), l.vocab, 2, MAX_VOCAB);
  const positions = requireInt(join(p, 'positions'), l.positions, 1, MAX_POSITIONS);
  const out = requireInt(join(p, 'out'), l.out, 1, MAX_WIDTH);
  if (vocab * out > MAX_LINEAR_ELEMENTS) throw new ValidationError(join(p, 'vocab'), vocab, `expected vocab·out <= ${MAX_LINEAR_ELEMENTS} (out = ${out})`);
  addParams(ctx, (vocab + positions) * out, join(p, 'vocab'), vocab);
  const spec: LayerSpec = { type: 'embedding', vocab, positions, out };
  if (l.initStd !== undefined) spec.initStd = requireInitStd(join(p, 'initStd'), l.initStd);
  if (l.name !== undefined) spec.name = requireModuleName(join(p, 'name'), l.name);
  ctx.embedding = { vocab, out };
  return { spec, width: out, weighted: 1 };
}

function validateAttention(l: Record<string, unknown>, { p, width, ctx }: Place): Validated {
  const heads = requireInt(join(p, 'heads'), l.heads, 1, MAX_WIDTH);
  if (ctx.embedding === null) throw new ValidationError(join(p, 'type'), l.type, 'expected attention only in a model that starts with an embedding (it attends over the tokens of a sequence)');
  if (width % 3 !== 0) throw new ValidationError(join(p, 'type'), l.type, `expected an input width divisible by 3 (fused q | k | v), got ${width}`);
  if ((width / 3) % heads !== 0) throw new ValidationError(join(p, 'heads'), heads, `expected a divisor of the width ${width / 3} (C = 3C/3 split into heads)`);
  return { spec: { type: 'attention', heads }, width: width / 3, weighted: 0 };
}

function validateLmHead(l: Record<string, unknown>, { p, width, ctx, last }: Place): Validated {
  if (!last) throw new ValidationError(join(p, 'type'), l.type, 'expected lm_head only as the last layer of the model');
  const emb = ctx.embedding;
  if (emb === null) throw new ValidationError(join(p, 'type'), l.type, 'expected an embedding as the first layer (the head predicts its vocabulary)');
  const tied = l.tied === undefined ? true : requireBool(join(p, 'tied'), l.tied);
  if (width !== emb.out) throw new ValidationError(join(p, 'type'), l.type, `expected an input width equal to the embedding width ${emb.out}, got ${width}`);
  if (!tied) addParams(ctx, emb.vocab * width, join(p, 'tied'), tied);
  const spec: LayerSpec = { type: 'lm_head', tied };
  if (!tied && l.initStd !== undefined) spec.initStd = requireInitStd(join(p, 'initStd'), l.initStd);
  if (!tied && l.name !== undefined) spec.name = requireModuleName(join(p, 'name'), l.name);
  if (tied && (l.initStd !== undefined || l.name !== undefined)) throw new ValidationError(join(p, l.name !== undefined ? 'name' : 'initStd'), l.name ?? l.initStd, 'expected no own name or init for a tied head (it uses the embedding\'s wte)');
  return { spec, width: emb.vocab, weighted: 1 };
}

/** An initial weight standard deviation: a positive finite number. */
function requireInitStd(path: string, v: unknown): number {
  return requireNumber(path, v, Number.MIN_VALUE, 1e6);
}

/** Adds a layer's parameters to the running total (closed form, before anything is allocated). */
function addParams(count: { params: number }, n: number, path: string, value: unknown): void {
  count.params += n;
  if (count.params > MAX_MODEL_PARAMS) {
    throw new ValidationError(path, value, `expected at most ${MAX_MODEL_PARAMS} parameters in the model (${count.params} up to here)`);
  }
}

/** An explicit mask: out·in entries of 0/1 in PyTorch's [out, in] layout, with at least one kept weight. */
function validateMask(path: string, v: unknown, out: number, inF: number): Uint8Array {
  const isArrayLike = Array.isArray(v) || ArrayBuffer.isView(v);
  if (!isArrayLike) throw new ValidationError(path, v, `expected an array of ${out}·${inF} = ${out * inF} zeros and ones`);
  const a = v as ArrayLike<unknown>;
  if (a.length !== out * inF) {
    throw new ValidationError(`${path}.length`, a.length, `expected out·in = ${out}·${inF} = ${out * inF} entries ([out, in] row-major)`);
  }
  const m = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x === 0 || x === false) m[i] = 0;
    else if (x === 1 || x === true) m[i] = 1;
    else throw new ValidationError(`${path}[${i}]`, x, 'expected 0 or 1');
  }
  return m;
}

function requireObject(path: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw shapeError(path, v, 'expected an object'); // not quoted: it may be a file that is no model
  return v as Record<string, unknown>;
}

/** A module name for state dicts: dot-separated identifiers, never a prototype key. */
function requireModuleName(path: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(v) || v.split('.').some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype')) {
    throw new ValidationError(path, v, 'expected a module name like transformer.h.0.attn.c_attn');
  }
  return v;
}

function rejectUnknownKeys(path: string, o: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ValidationError(join(path, k), o[k], `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function join(path: string, key: string): string {
  return path === 'model' ? key : `${path}.${key}`;
}
