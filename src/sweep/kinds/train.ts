// Run kind `train`: functional weight-streaming training on N simulated CS-2 (src/cluster's
// createCluster().train), with the same defaults and the same summary as `weightstream train --json`.
import { ValidationError } from '../../errors.js';
import type { Config } from '../types.js';
import { asField, onlyKnown, type KindAdapter } from './common.js';

export const TRAIN_FIELDS = [
  'model', 'data', 'systems', 'steps', 'batch', 'optimizer', 'lr', 'momentum', 'weightDecay', 'sparsity', 'seed', 'shuffle',
  'fanIn', 'dramBytes', 'waferSramBytes', 'evaluate',
] as const;

/** The same defaults as `weightstream train`: mlp on the shipped digits, 1 system, 100 steps of 64, SGD. */
export async function trainAdapter(): Promise<KindAdapter> {
  const [{ resolveData }, { resolveModel, withSparsity }, { compileModel }, { createCluster }, { resolveOptimizer }] = await Promise.all([
    import('../../data/index.js'), import('../../model/load.js'), import('../../model/compile.js'), import('../../cluster/engine.js'), import('../../memoryx/optimizer.js'),
  ]);
  type Dataset = ReturnType<typeof resolveData>;
  const dataCache = new Map<string, Dataset>();
  const prepare = (c: Config) => {
    onlyKnown(c, TRAIN_FIELDS, 'train');
    const seed = c.seed ?? 0;
    if (!Number.isInteger(seed) || (seed as number) < 0) throw new ValidationError('seed', seed, 'expected an integer >= 0');
    const dataName = c.data ?? 'digits';
    if (typeof dataName !== 'string') throw new ValidationError('data', dataName, 'expected digits, teacher or a safetensors file');
    const key = JSON.stringify([dataName, seed]);
    let data = dataCache.get(key);
    if (!data) {
      try {
        data = resolveData(dataName, { seed: seed as number });
      } catch (e) {
        throw asField(e);
      }
      dataCache.set(key, data);
    }
    const modelName = c.model ?? 'mlp';
    let spec;
    try {
      spec = typeof modelName === 'string' ? resolveModel(modelName, data.features, data.classes) : (modelName as ReturnType<typeof resolveModel>);
      if (c.sparsity !== undefined) spec = withSparsity(spec, c.sparsity as number);
      compileModel(spec);
    } catch (e) {
      throw asField(e);
    }
    const systems = c.systems ?? 1;
    const batch = c.batch ?? 64;
    const steps = c.steps ?? 100;
    if (!Number.isInteger(systems) || (systems as number) < 1 || (systems as number) > 64) throw new ValidationError('systems', systems, 'expected an integer in [1, 64]');
    if (!Number.isInteger(steps) || (steps as number) < 0) throw new ValidationError('steps', steps, 'expected an integer >= 0');
    if (!Number.isInteger(batch) || (batch as number) < (systems as number)) throw new ValidationError('batch', batch, `expected an integer >= systems (${systems})`);
    const kind = c.optimizer ?? 'sgd';
    const optimizer =
      kind === 'sgd' ? { kind: 'sgd' as const, lr: (c.lr ?? 0.1) as number, momentum: (c.momentum ?? 0.9) as number, weightDecay: (c.weightDecay ?? 0) as number }
      : kind === 'adamw' ? { kind: 'adamw' as const, lr: (c.lr ?? 0.001) as number, weightDecay: (c.weightDecay ?? 0.01) as number }
      : undefined;
    if (!optimizer) throw new ValidationError('optimizer', kind, 'expected one of sgd, adamw');
    if (kind !== 'sgd' && c.momentum !== undefined) throw new ValidationError('momentum', c.momentum, 'expected no momentum for adamw');
    try {
      resolveOptimizer(optimizer);
    } catch (e) {
      if (e instanceof ValidationError) {
        const field = e.path.replace(/^optimizer\./, '');
        const err = new ValidationError(field, e.value, 'x');
        err.message = field + e.message.slice(e.path.length);
        throw err;
      }
      throw e;
    }
    for (const k of ['shuffle', 'evaluate'] as const) if (c[k] !== undefined && typeof c[k] !== 'boolean') throw new ValidationError(k, c[k], 'expected true or false');
    return { data, spec, optimizer, systems: systems as number, steps: steps as number, batch: batch as number, seed: seed as number };
  };
  return {
    validate(c) {
      prepare(c);
    },
    async run(c) {
      const p = prepare(c);
      const cluster = await createCluster({ systems: p.systems, fanIn: c.fanIn as number | undefined, dramBytes: c.dramBytes as number | undefined, waferSramBytes: c.waferSramBytes as number | undefined });
      try {
        const r = await cluster.train(p.spec, p.data, {
          steps: p.steps, batch: p.batch, optimizer: p.optimizer, seed: p.seed, shuffle: (c.shuffle as boolean) ?? false, evaluate: c.evaluate as boolean | undefined,
        });
        // The summary `weightstream train --json` prints, less the trained weights.
        return {
          kind: 'train', model: p.spec.name ?? (typeof c.model === 'string' ? c.model : 'model'), data: p.data.name, systems: r.systems, steps: r.steps, batch: r.batch,
          optimizer: p.optimizer, sparsity: c.sparsity ?? 0, loss: r.loss, finalLoss: r.finalLoss, testAccuracy: r.testAccuracy,
          bytesStreamed: r.bytesStreamed, bytesReduced: r.bytesReduced, bytesGradientsSent: r.bytesGradientsSent,
          wallSeconds: r.wallSeconds, samplesPerSecond: r.samplesPerSecond, retries: r.retries, memoryx: r.memoryx, swarmx: r.swarmx,
          waferSramBytesPerSystem: r.waferSramBytesPerSystem,
        };
      } finally {
        await cluster.close();
      }
    },
  };
}

