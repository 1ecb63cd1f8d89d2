// MemoryX's optimizer configuration as data (SGD with momentum, AdamW), its validation, and how much
// state each keeps per parameter. The update itself runs on the optimizer kernels (src/kernels) through
// an `Updater` (see memoryx/update.ts), so MemoryX and the in-memory reference trainer share the numbers.
import { ValidationError, requireNumber, requireOneOf, type EveryField } from '../errors.js';

export type OptimizerKind = 'sgd' | 'adamw';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adamw'];

/** SGD with (PyTorch-style) momentum: v = μ·v + g (+ wd·w); w -= lr·v. */
export interface SgdConfig {
  kind: 'sgd';
  lr: number;
  /** μ in [0, 1). 0 = plain SGD (no state kept). Default 0. */
  momentum?: number;
  /** L2 weight decay added to the gradient. Default 0. */
  weightDecay?: number;
}

/** AdamW (Loshchilov & Hutter; PyTorch torch.optim.AdamW): bias-corrected moments, decoupled decay. */
export interface AdamWConfig {
  kind: 'adamw';
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay. Default 0.01 (PyTorch's). */
  weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamWConfig;

/** A config with every default filled in. */
export type ResolvedOptimizer =
  | { kind: 'sgd'; lr: number; momentum: number; weightDecay: number }
  | { kind: 'adamw'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };

/** The fields of each kind: any other is refused (torch.optim's spelling, `weight_decay` or `betas`, was ignored). */
const SGD_FIELDS = ['kind', 'lr', 'momentum', 'weightDecay'] as const;
const ADAMW_FIELDS = ['kind', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const;
const _everySgdField: EveryField<SgdConfig, typeof SGD_FIELDS> = true;
const _everyAdamWField: EveryField<AdamWConfig, typeof ADAMW_FIELDS> = true;
/** What a field named as torch.optim names it is here, or that it is not modelled. */
const TORCH_NAMES: Record<string, string> = {
  weight_decay: 'weightDecay is its name here', betas: 'beta1 and beta2 are its names here', nesterov: 'Nesterov momentum is not modelled',
  dampening: 'dampening is not modelled', amsgrad: 'AMSGrad is not modelled', maximize: 'maximize is not modelled', foreach: 'not an option here', fused: 'not an option here',
};

/** Validates an optimizer config (path names the option, e.g. 'optimizer') and fills in the defaults. */
export function resolveOptimizer(c: OptimizerConfig, path = 'optimizer'): ResolvedOptimizer {
  if (c === null || typeof c !== 'object') throw new ValidationError(path, c, 'expected an object with kind and lr');
  const kind = requireOneOf(`${path}.kind`, c.kind, OPTIMIZER_KINDS);
  const fields: readonly string[] = kind === 'sgd' ? SGD_FIELDS : ADAMW_FIELDS;
  for (const [k, v] of Object.entries(c)) {
    if (!fields.includes(k)) throw new ValidationError(`${path}.${k}`, v, `unknown field for ${kind} (${Object.hasOwn(TORCH_NAMES, k) ? `${TORCH_NAMES[k]}; ` : ''}expected one of ${fields.join(', ')})`);
  }
  const lr = requireNumber(`${path}.lr`, c.lr, 0);
  if (kind === 'sgd') {
    const s = c as SgdConfig;
    return {
      kind,
      lr,
      momentum: requireNumber(`${path}.momentum`, s.momentum ?? 0, 0, 1, true),
      weightDecay: requireNumber(`${path}.weightDecay`, s.weightDecay ?? 0, 0),
    };
  }
  const a = c as AdamWConfig;
  return {
    kind,
    lr,
    beta1: requireNumber(`${path}.beta1`, a.beta1 ?? 0.9, 0, 1, true),
    beta2: requireNumber(`${path}.beta2`, a.beta2 ?? 0.999, 0, 1, true),
    eps: requireNumber(`${path}.eps`, a.eps ?? 1e-8, Number.MIN_VALUE), // the kernel divides by sqrt(v) + eps
    weightDecay: requireNumber(`${path}.weightDecay`, a.weightDecay ?? 0.01, 0),
  };
}

/**
 * State arrays kept per parameter: SGD 1 (the momentum buffer; kept for μ = 0 too, where the kernel uses
 * it as the step direction), AdamW 2 (m, v).
 */
export function stateArrays(o: ResolvedOptimizer): number {
  return o.kind === 'adamw' ? 2 : 1;
}

/** Bytes MemoryX keeps for `floats` master parameters under this optimizer (fp32 weights + state). */
export function stateBytes(o: ResolvedOptimizer, floats: number): number {
  return 4 * floats * (1 + stateArrays(o));
}
