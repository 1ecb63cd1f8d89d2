// A plan's weights as safetensors files: the state dict named and laid out as PyTorch's (nn.Sequential
// names, or Hugging Face GPT-2's for a GPT; a tied parameter is left out, as GPT-2's files leave out
// lm_head.weight) in both directions, over the format reader and writer of src/io/safetensors.ts.
import { ValidationError, requireObject, requireString } from '../errors.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../io/safetensors.js';
import type { Plan } from './plan.js';
import { setFromTorch, syncTied, toTorch, zeroParams, type Params } from './params.js';

/** A plan's weights as state-dict tensors (F32, PyTorch layout: linear weight [out, in]). */
export function weightsToTensors(plan: Plan, params: Params): Map<string, Tensor> {
  requireObject('plan', plan);
  const m = new Map<string, Tensor>();
  // a tied parameter (the tied LM head) is not in the state dict: it is its source's tensor (GPT-2's files omit lm_head.weight)
  for (const p of plan.params) if (p.tiedTo < 0) m.set(p.name, { dtype: 'F32', shape: p.torchShape.slice(), data: toTorch(p, params[p.layer]) });
  return m;
}

/** Saves a plan's weights to a safetensors file, named and laid out as PyTorch's state dict. */
export function saveWeights(path: string, plan: Plan, params: Params, metadata?: Record<string, string>): void {
  requireString('path', path);
  requireObject('plan', plan);
  writeSafetensors(path, weightsToTensors(plan, params), { format: 'pt', producer: 'weightstream', ...metadata });
}

/**
 * Master blocks from state-dict tensors: every parameter of the plan must be present, F32, with its
 * PyTorch shape; extra tensors are an error too (a different model). Masked positions of a sparse weight
 * are not read (the model's mask decides). `file` names the source in errors.
 */
export function weightsFromTensors(plan: Plan, tensors: Map<string, Tensor>, file = 'weights'): Params {
  requireObject('plan', plan);
  const out = zeroParams(plan);
  const expected = new Set(plan.params.filter((p) => p.tiedTo < 0).map((p) => p.name));
  for (const name of tensors.keys()) {
    if (!expected.has(name)) throw new ValidationError(`${file}: ${name}`, '(present)', `expected only the model's tensors (${[...expected].join(', ')})`);
  }
  for (const p of plan.params) {
    if (p.tiedTo >= 0) continue;
    const t = tensors.get(p.name);
    if (!t) throw new ValidationError(`${file}: ${p.name}`, '(missing)', `expected an F32 tensor of shape [${p.torchShape}]`);
    if (t.dtype !== 'F32') throw new ValidationError(`${file}: ${p.name}.dtype`, t.dtype, 'expected F32');
    if (t.shape.length !== p.torchShape.length || t.shape.some((d, i) => d !== p.torchShape[i])) {
      throw new ValidationError(`${file}: ${p.name}.shape`, t.shape, `expected [${p.torchShape}]`);
    }
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new ValidationError(`${file}: ${p.name}[${i}]`, data[i], 'expected a finite weight (NaN and Infinity are refused)');
    }
    setFromTorch(p, out[p.layer], data);
  }
  syncTied(plan, out);
  return out;
}

/** Loads a plan's weights from a safetensors file (see weightsFromTensors). */
export function loadWeights(path: string, plan: Plan): Params {
  return weightsFromTensors(plan, readSafetensors(path, '--init').tensors, path);
}
