// One linear layer of a model description as a fabric run's shape: `fabric --model M --layer NAME`
// and the sweep kind's `model`/`layer` fields load the model (a GPT preset, an at-scale GPT preset of
// specs/models such as gpt3-175b or a file of that kind, a Hugging Face GPT-2 config.json or the engine's own
// model JSON), compile it (src/model/compile.ts) and look NAME up among the plan's linears by module name,
// e.g. `transformer.h.0.mlp.c_fc` or `lm_head`. An at-scale GPT (GPT-3 175B has 175 G weights, past what the
// engine compiles) is read from its shape alone: the linears GPT-2's compiled plan would have, by the same
// names (held to compileModel's on the presets small enough to compile). Its spec format belongs to the
// at-scale model (src/perf, which functional code does not import): the caller passes its reader (`atScale`).
//
// Legend: K = in features (rows of W), N = out features (columns of W), B = columns of X (tokens for a
// GPT: one sequence of T tokens is T columns). The tied LM head logits [V, n] = wte [V, C] · x [C, n] is
// the fabric's Y = X W with K = C, N = V.
import { existsSync } from 'node:fs';
import { readInputText } from '../io/files.js';
import { ValidationError } from '../errors.js';
import { compileModel } from '../model/compile.js';
import { hfFamily, importGpt2Config, isHfConfig } from '../model/hf.js';
import { GPT_PRESETS, gptPreset, loadModelFile } from '../model/load.js';
import type { Plan, PlanOp } from '../model/plan.js';
import type { ModelSpec } from '../model/types.js';

/** The shape of one linear of a model, as the fabric maps it. */
export interface ModelLayerShape {
  /** Module name, e.g. 'transformer.h.0.mlp.c_fc', 'lm_head', '2.inner.1'. */
  name: string;
  /** 'lm_head' for the tied head (it streams the embedding's wte); 'linear' otherwise (an untied head included). */
  kind: 'linear' | 'lm_head';
  K: number;
  N: number;
  /** The layer's own fraction of zero weights in the model (0 for a dense layer). */
  sparsity: number;
}

/** An at-scale GPT's shape (the fields of src/perf's GptShape the fabric reads). */
export interface AtScaleGptShape {
  nLayer: number;
  dModel: number;
  dFF: number;
  vocab: number;
  contextTokens: number;
  tiedEmbedding: boolean;
}

/** The at-scale model's reader of its GPT specs (src/perf/models.ts: atScaleReader): a preset's shape by name (null: no such preset), a parsed {kind: "gpt"} spec's, the preset names. */
export interface AtScaleReader {
  preset(name: string): AtScaleGptShape | null;
  fromSpec(raw: unknown, path: string): AtScaleGptShape;
  names(): string[];
}

/** A model as the fabric reads it: its linears by name and the batch a run takes by default. */
export interface FabricModel {
  linears: ModelLayerShape[];
  /** The compiled plan, which names the model's other layers in errors; null for an at-scale GPT (shapes only). */
  plan: Plan | null;
  /** Whether a column of X is a token (a GPT) or a sample. */
  tokens: boolean;
  /** Columns of X when none are given: one sequence of the model's context for a GPT, else FEATURE_BATCH_DEFAULT. */
  batch: number;
}

/** Samples (columns of X) of a fabric run on a feature model when no batch is given: the CLI's default. */
export const FEATURE_BATCH_DEFAULT = 64;

/** How many names an unknown-layer error lists. */
const LISTED = 5;

/** The linears of a plan (block linears, untied and tied heads) in plan order. */
export function linearLayersOf(plan: Plan): ModelLayerShape[] {
  const out: ModelLayerShape[] = [];
  for (const op of plan.ops) {
    if (op.kind === 'linear') {
      const sparsity = op.sparse ? 1 - op.sparse.nnz / (op.inWidth * op.outWidth) : 0;
      out.push({ name: op.module, kind: 'linear', K: op.inWidth, N: op.outWidth, sparsity });
    } else if (op.kind === 'lm_head') {
      out.push({ name: op.module, kind: 'lm_head', K: op.inWidth, N: op.outWidth, sparsity: 0 });
    }
  }
  return out;
}

/**
 * The linear named `name` in the plan (a module name; its state-dict key `NAME.weight` too). Throws a
 * one-line ValidationError at `field` for a name that is not a linear: a layernorm, attention or
 * embedding, a module that holds several layers, or a name the model does not have.
 */
export function linearShapeOf(model: FabricModel, name: string, field = '--layer'): ModelLayerShape {
  const { linears, plan } = model;
  const key = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : name;
  const hit = linears.find((l) => l.name === name) ?? linears.find((l) => l.name === key);
  if (hit) return hit;
  const only = 'only linears map onto the mesh here';
  const other = plan?.ops.find((o) => isNamed(plan, o, name) || isNamed(plan, o, key));
  if (other) throw new ValidationError(field, name, `expected a linear layer (${only}; this is ${kindName(other)})`);
  const inside = linears.filter((l) => l.name.startsWith(`${name}.`));
  if (inside.length > 0) {
    const kinds = plan ? kindsWithin(plan, name, inside) : [];
    const holds = `${kinds.length ? `${kinds.join(', ')} and ` : ''}${inside.length} linear${inside.length > 1 ? 's' : ''}: ${inside.map((l) => l.name).join(', ')}`;
    throw new ValidationError(field, name, `expected a linear layer (${only}; this module holds ${holds})`);
  }
  const few = linears.length <= LISTED ? linears : [...linears.slice(0, LISTED - 1), linears[linears.length - 1]];
  const list = few.map((l) => l.name).join(', ').replace(/, ([^,]+)$/, linears.length > LISTED ? ', ..., $1' : ', $1');
  throw new ValidationError(field, name, `expected the name of one of the model's ${linears.length} linear layer${linears.length > 1 ? 's' : ''} (${list})`);
}

/** Whether an op (not a linear) goes by `name`: its module, or a parameter name without `.weight`/`.bias`. */
function isNamed(plan: Plan, op: PlanOp, name: string): boolean {
  if (op.kind === 'residual_end' || op.kind === 'linear' || op.kind === 'lm_head') return false;
  if (op.module === name) return true;
  return plan.params.some((p) => p.op === op.index && p.name.replace(/\.(weight|bias)$/, '') === name);
}

function kindName(op: PlanOp): string {
  if (op.kind === 'residual_begin') return 'a residual block';
  if (op.kind === 'attention') return 'attention (no weights of its own)';
  return `${/^[aeiou]/.test(op.kind) ? 'an' : 'a'} ${op.kind}`;
}

/** The other kinds of op inside a module that holds `inside` linears (e.g. attention between c_attn and c_proj). */
function kindsWithin(plan: Plan, name: string, inside: ModelLayerShape[]): string[] {
  const at = plan.ops.filter((o) => (o.kind === 'linear' || o.kind === 'lm_head') && inside.some((l) => l.name === o.module)).map((o) => o.index);
  const [lo, hi] = [Math.min(...at), Math.max(...at)];
  const kinds = new Set<string>();
  for (const o of plan.ops) {
    if (o.kind === 'linear' || o.kind === 'lm_head' || o.kind === 'residual_begin' || o.kind === 'residual_end') continue;
    if ((o.index > lo && o.index < hi) || o.module.startsWith(`${name}.`)) kinds.add(o.kind);
  }
  return [...kinds];
}

/**
 * A model for the fabric from a GPT preset name or a JSON file (a Hugging Face GPT-2 config.json or the
 * engine's description), compiled. A config.json is read as `estimate` reads it: dropout and the
 * parameter count do not change one layer's shape, so a published config (dropout 0.1, any size) maps too.
 */
export function loadFabricModel(model: string, field = '--model', atScale?: AtScaleReader): FabricModel {
  const preset = gptPreset(model);
  if (preset) return compiled(compileModel(preset));
  const shape = atScale?.preset(model);
  if (shape) return atScaleGpt(shape);
  if (!existsSync(model)) throw new ValidationError(field, model, `expected a GPT preset (${[...GPT_PRESETS, ...(atScale?.names() ?? [])].join(', ')}) or a config.json / model JSON file`);
  const text = readInputText(model, 'model', field); // a FIFO or /dev/zero is refused unread
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined; // loadModelFile names the file and the reason
  }
  if (atScale && (raw as { kind?: unknown } | undefined)?.kind === 'gpt') return atScaleGpt(atScale.fromSpec(raw, model));
  if (isHfConfig(raw)) {
    const family = hfFamily(raw, model);
    // other families are layer lists of the at-scale model only: the fabric maps linears of a compiled engine model
    if (family !== null && family !== 'gpt2') throw new ValidationError(field, model, `expected a GPT-2-family config or an engine model (the fabric maps linears of compiled models); this "${family}" config is for \`weightstream estimate\``);
  }
  const spec: ModelSpec = isHfConfig(raw) ? importGpt2Config(raw, { path: model, purpose: 'estimate', maxParams: Infinity }).spec : loadModelFile(model);
  return compiled(compileModel(spec));
}

/** A compiled model's linears and default batch. */
function compiled(plan: Plan): FabricModel {
  const tokens = plan.inputKind === 'tokens';
  return { linears: linearLayersOf(plan), plan, tokens, batch: tokens ? plan.seqLen : FEATURE_BATCH_DEFAULT };
}

/**
 * An at-scale GPT from its shape (L blocks of width C, d_ff I, vocabulary V): per block the linears of GPT-2's
 * plan, attn.c_attn [C, 3C], attn.c_proj [C, C], mlp.c_fc [C, I], mlp.c_proj [I, C], then the head [C, V] (the
 * tied head streams the embedding). Dense: the at-scale model's sparsity is a run's choice, not the model's.
 */
export function atScaleGpt(g: AtScaleGptShape): FabricModel {
  const { nLayer: L, dModel: C, dFF: I, vocab: V } = g;
  const linears: ModelLayerShape[] = [];
  const add = (name: string, K: number, N: number, kind: ModelLayerShape['kind'] = 'linear') => linears.push({ name, kind, K, N, sparsity: 0 });
  for (let i = 0; i < L; i++) {
    const h = `transformer.h.${i}`;
    add(`${h}.attn.c_attn`, C, 3 * C);
    add(`${h}.attn.c_proj`, C, C);
    add(`${h}.mlp.c_fc`, C, I);
    add(`${h}.mlp.c_proj`, I, C);
  }
  add('lm_head', C, V, g.tiedEmbedding ? 'lm_head' : 'linear');
  return { linears, plan: null, tokens: true, batch: g.contextTokens };
}
