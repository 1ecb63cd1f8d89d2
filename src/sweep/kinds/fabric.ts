// Run kind `fabric`: one layer's pass on the cycle-level wafer fabric of src/fabric (runFabric), its
// result checked against the reference kernels by the fabric itself.
import { ValidationError } from '../../errors.js';
import type { Config } from '../types.js';
import { onlyKnown, validationOnly, type KindAdapter } from './common.js';

export const FABRIC_FIELDS = ['rows', 'cols', 'batch', 'in', 'out', 'sparsity', 'pass', 'seed', 'machine', 'check'] as const;

export async function fabricAdapter(): Promise<KindAdapter> {
  const [{ runFabric }, { fabricMachine }, { mapLayer }] = await Promise.all([
    import('../../fabric/run.js'), import('../../fabric/defaults.js'), import('../../fabric/mapping.js'),
  ]);
  type Options = Parameters<typeof runFabric>[0];
  return {
    validate(c) {
      onlyKnown(c, FABRIC_FIELDS, 'fabric');
      const o = c as unknown as Options;
      if (o.sparsity !== undefined && !(typeof o.sparsity === 'number' && o.sparsity >= 0 && o.sparsity <= 1)) throw new ValidationError('sparsity', o.sparsity, 'expected a number in [0, 1]');
      if (o.check !== undefined && typeof o.check !== 'boolean') throw new ValidationError('check', o.check, 'expected true or false');
      if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0)) throw new ValidationError('seed', o.seed, 'expected an integer >= 0');
      // Shapes, pass and machine as the fabric checks them; a layer too big for the mesh is the run's result.
      validationOnly(() => mapLayer({ B: o.batch, K: o.in, N: o.out }, { rows: o.rows, cols: o.cols }, o.pass ?? 'forward', fabricMachine(o.machine)));
    },
    run(c) {
      return runFabric(c as unknown as Options).result;
    },
  };
}

