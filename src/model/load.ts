// Model descriptions from files and by name: a JSON file (validated in full, errors name the file and
// the path inside it), or a preset sized to the data (input width and classes), and the `--sparsity`
// override that puts one seeded sparsity on every linear layer.
import { existsSync } from 'node:fs';
import { parseJsonText, readInputText } from '../io/files.js';
import { ValidationError, ownEntry, requireInt, requireNumber } from '../errors.js';
import type { LayerSpec, ModelSpec } from './types.js';
import { validateModel } from './validate.js';

/** Reads and validates a model description from a JSON file. */
export function loadModelFile(path: string): ModelSpec {
  const raw = parseJsonText(readInputText(path, 'model', '--model'), '--model', path);
  try {
    return validateModel(raw);
  } catch (e) {
    if (e instanceof ValidationError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** Presets by name, sized to the data: hidden widths are fixed, input and classes come from the data. */
export const PRESETS: Record<string, (input: number, classes: number) => ModelSpec> = {
  /** One hidden layer of 256: the digits MLP (docs/model.md gives its accuracy). */
  mlp: (input, classes) => ({ name: 'mlp', input, layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: classes }] }),
  /** Two hidden layers (256, 128). */
  mlp2: (input, classes) => ({
    name: 'mlp2',
    input,
    layers: [{ type: 'linear', out: 256 }, { type: 'relu' }, { type: 'linear', out: 128 }, { type: 'relu' }, { type: 'linear', out: classes }],
  }),
  /** A residual MLP with LayerNorm and GELU (pre-norm blocks), width 128. */
  resmlp: (input, classes) => ({
    name: 'resmlp',
    input,
    layers: [
      { type: 'linear', out: 128 },
      { type: 'relu' },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 128 }, { type: 'gelu' }, { type: 'linear', out: 128 }] },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 128 }, { type: 'gelu' }, { type: 'linear', out: 128 }] },
      { type: 'layernorm' },
      { type: 'linear', out: classes },
    ],
  }),
  /** A wide MLP (1024, 1024) that keeps the cores busy: the training benchmark's model. */
  wide: (input, classes) => ({
    name: 'wide',
    input,
    layers: [{ type: 'linear', out: 1024 }, { type: 'relu' }, { type: 'linear', out: 1024 }, { type: 'relu' }, { type: 'linear', out: classes }],
  }),
};

/** A model from a preset name or a JSON file path; `input`/`classes` size presets (and are checked against files). */
export function resolveModel(fileOrName: string, input: number, classes: number): ModelSpec {
  requireInt('input', input, 1);
  requireInt('classes', classes, 2);
  const preset = ownEntry(PRESETS, fileOrName);
  let spec: ModelSpec;
  if (preset) spec = validateModel(preset(input, classes));
  else if (existsSync(fileOrName)) spec = loadModelFile(fileOrName);
  else throw new ValidationError('--model', fileOrName, `expected a JSON file or a preset (${Object.keys(PRESETS).join(', ')})`);
  if (spec.input !== input) throw new ValidationError('input', spec.input, `expected the data's feature count ${input} (model ${fileOrName})`);
  return spec;
}

/** A copy of the model with `sparsity` (and no explicit mask) on every linear layer; 0 makes them dense. */
export function withSparsity(spec: ModelSpec, sparsity: number): ModelSpec {
  requireNumber('--sparsity', sparsity, 0, 1, true);
  const map = (layers: LayerSpec[]): LayerSpec[] =>
    layers.map((l) => {
      if (l.type === 'residual') return { ...l, layers: map(l.layers) };
      if (l.type !== 'linear') return { ...l };
      const { mask: _m, sparsity: _s, ...rest } = l;
      return sparsity > 0 ? { ...rest, sparsity } : rest;
    });
  return validateModel({ ...spec, layers: map(spec.layers) });
}
