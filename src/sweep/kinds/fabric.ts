// Run kind `fabric`: one layer's pass on the cycle-level wafer fabric of src/fabric (runFabric), its
// result checked against the reference kernels by the fabric itself. The layer is given by its shape
// (`batch`, `in`, `out`) or by `model` + `layer` (src/fabric/model-layer.ts: K and N from the model's
// linear of that name, `batch` in tokens defaulting to one sequence, `sparsity` to the layer's own).
import { ValidationError } from '../../errors.js';
import type { FabricModel } from '../../fabric/model-layer.js';
import type { Config } from '../types.js';
import { onlyKnown, validationOnly, type KindAdapter } from './common.js';

export const FABRIC_FIELDS = ['rows', 'cols', 'batch', 'in', 'out', 'sparsity', 'pass', 'seed', 'machine', 'check', 'fold', 'model', 'layer'] as const;

export async function fabricAdapter(): Promise<KindAdapter> {
  const [{ runFabric }, { fabricMachine }, { mapLayer }, { loadFabricModel, linearShapeOf }, { FABRIC_CHECKS }, { FOLD_CHOICES }, { atScaleReader }] = await Promise.all([
    import('../../fabric/run.js'), import('../../fabric/defaults.js'), import('../../fabric/mapping.js'), import('../../fabric/model-layer.js'), import('../../fabric/check.js'), import('../../fabric/fold.js'),
    import('../../perf/models.js'),
  ]);
  type Options = Parameters<typeof runFabric>[0];
  const models = new Map<string, FabricModel>(); // one load (and compile) per model file or preset per sweep
  /** The run's options: a model layer's K, N and defaults filled in (fields given in the configuration win). */
  const options = (c: Config): Options => {
    const { model, layer, ...rest } = c as Record<string, unknown>;
    if (model === undefined && layer === undefined) return rest as unknown as Options;
    if (typeof model !== 'string') throw new ValidationError('model', model, 'expected a GPT preset name or a config.json / model JSON file (with layer)');
    if (typeof layer !== 'string') throw new ValidationError('layer', layer, 'expected the module name of one of the model\'s linears, e.g. transformer.h.0.mlp.c_fc');
    for (const k of ['in', 'out'] as const) if (rest[k] !== undefined) throw new ValidationError(k, rest[k], 'expected no in/out with model (the layer gives K and N)');
    let m = models.get(model);
    if (!m) models.set(model, (m = loadFabricModel(model, 'model', atScaleReader)));
    const s = linearShapeOf(m, layer, 'layer');
    return { ...rest, in: s.K, out: s.N, batch: rest.batch ?? m.batch, sparsity: rest.sparsity ?? s.sparsity } as unknown as Options;
  };
  return {
    validate(c) {
      onlyKnown(c, FABRIC_FIELDS, 'fabric');
      const o = options(c);
      if (o.sparsity !== undefined && !(typeof o.sparsity === 'number' && o.sparsity >= 0 && o.sparsity <= 1)) throw new ValidationError('sparsity', o.sparsity, 'expected a number in [0, 1]');
      if (o.check !== undefined && typeof o.check !== 'boolean' && !(FABRIC_CHECKS as readonly unknown[]).includes(o.check)) {
        throw new ValidationError('check', o.check, `expected true, false or one of ${FABRIC_CHECKS.join(', ')} (as fabric --check)`);
      }
      if (o.fold !== undefined && !FOLD_CHOICES.includes(o.fold)) throw new ValidationError('fold', o.fold, 'expected true, false or auto (as fabric --fold)');
      if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0)) throw new ValidationError('seed', o.seed, 'expected an integer >= 0');
      // Shapes, pass and machine as the fabric checks them; a layer too big for the mesh is the run's result.
      validationOnly(() => mapLayer({ B: o.batch, K: o.in, N: o.out }, { rows: o.rows, cols: o.cols }, o.pass ?? 'forward', fabricMachine(o.machine)));
    },
    run(c) {
      return runFabric(options(c)).result;
    },
  };
}
