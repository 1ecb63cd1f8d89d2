// The kinds of sweep run and, for each, how one configuration is checked (main thread, before anything
// runs) and run (in a pool worker). Each kind calls its area's public API; nothing is simulated here.
//   estimate  the at-scale time/capacity model (src/perf)
//   fabric    the cycle-level wafer fabric (src/fabric)
//   train     functional training on simulated CS-2 (src/cluster)
//   module    a user's JS module exporting run(config) (and optionally validate(config))
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../errors.js';
import type { Config, RunKind } from './types.js';

export interface KindAdapter {
  /** Throws a ValidationError naming the field (a path inside the configuration) when the configuration is bad. */
  validate(config: Config): Promise<void> | void;
  /**
   * Whether validate() is cheap enough to call on every configuration before a sweep starts (default
   * true). When false, it is called on every value of every axis (the other axes at their first value),
   * and an error that only a combination of values triggers is recorded in that run's line instead.
   */
  validateAll?: boolean;
  /** Runs one configuration and returns its JSON-able result. */
  run(config: Config): Promise<unknown> | unknown;
}

interface UserModule {
  run?: (config: Config) => unknown;
  default?: ((config: Config) => unknown) | { run?: (config: Config) => unknown; validate?: (config: Config) => void };
  validate?: (config: Config) => void;
}

const userModules = new Map<string, Promise<KindAdapter>>();

/** The adapter of a user module (loaded once per thread). */
function moduleAdapter(file: string): Promise<KindAdapter> {
  let p = userModules.get(file);
  if (!p) {
    p = import(pathToFileURL(file).href).then((m: UserModule) => {
      const def = m.default;
      const run = m.run ?? (typeof def === 'function' ? def : def?.run);
      const validate = m.validate ?? (typeof def === 'object' ? def?.validate : undefined);
      if (typeof run !== 'function') throw new TypeError(`${file}: expected the module to export a function run(config)`);
      return { run, validate: validate ?? (() => {}) };
    });
    userModules.set(file, p);
  }
  return p;
}

/** Refuses fields the kind does not know (a typo would otherwise be silently ignored). */
function onlyKnown(config: Config, known: readonly string[], kind: string): void {
  for (const k of Object.keys(config)) {
    if (!known.includes(k)) throw new ValidationError(k, config[k], `unknown field for a ${kind} run (expected one of ${known.join(', ')})`);
  }
}

/** Only the bad-input errors of a check count at validation; a capacity limit, say, is the run's result. */
function validationOnly(check: () => unknown): void {
  try {
    check();
  } catch (e) {
    if (e instanceof ValidationError) throw e;
  }
}

/** An option-style path from an area's CLI-facing error (`--model`) as a configuration field (`model`). */
function asField(e: unknown): unknown {
  if (e instanceof ValidationError && e.path.startsWith('--')) {
    const field = e.path.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const err = new ValidationError(field, e.value, 'x');
    err.message = field + e.message.slice(e.path.length);
    return err;
  }
  return e;
}

// ---- estimate: src/perf (runEstimate: the configuration-as-data entry the estimate CLI uses too) ------

/** The fields of perf's EstimateConfig, plus `assumptions` (keep the assumptions list in the line). */
export const ESTIMATE_FIELDS = [
  'model', 'systems', 'sparsity', 'tokens', 'batchTokens', 'spec', 'gpu', 'devices', 'efficiency', 'recompute', 'precision',
  'optimizer', 'attention', 'detail', 'assumptions',
] as const;

async function estimateAdapter(): Promise<KindAdapter> {
  const { runEstimate } = await import('../perf/run.js');
  const run = (c: Config) => {
    onlyKnown(c, ESTIMATE_FIELDS, 'estimate');
    const { assumptions: keep, ...config } = c;
    if (keep !== undefined && typeof keep !== 'boolean') throw new ValidationError('assumptions', keep, 'expected true or false');
    let out: { assumptions?: string[] };
    try {
      out = runEstimate(config as unknown as Parameters<typeof runEstimate>[0]);
    } catch (e) {
      throw asField(e);
    }
    // The assumptions are the same text for every run of a sweep: kept only when asked, to keep lines small.
    if (keep !== true) delete out.assumptions;
    return out;
  };
  // The authoritative check is the estimate itself (~0.1-1 ms): too dear for every run of a 10,000-run sweep.
  return { run, validate: (c) => validationOnly(() => run(c)), validateAll: false };
}

// ---- fabric: src/fabric ------------------------------------------------------------------------------

export const FABRIC_FIELDS = ['rows', 'cols', 'batch', 'in', 'out', 'sparsity', 'pass', 'seed', 'machine', 'check'] as const;

async function fabricAdapter(): Promise<KindAdapter> {
  const [{ runFabric }, { fabricMachine }, { mapLayer }] = await Promise.all([
    import('../fabric/run.js'), import('../fabric/defaults.js'), import('../fabric/mapping.js'),
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

// ---- train: src/cluster ------------------------------------------------------------------------------

export const TRAIN_FIELDS = [
  'model', 'data', 'systems', 'steps', 'batch', 'optimizer', 'lr', 'momentum', 'weightDecay', 'sparsity', 'seed', 'shuffle',
  'fanIn', 'dramBytes', 'waferSramBytes', 'evaluate',
] as const;

/** The same defaults as `weightstream train`: mlp on the shipped digits, 1 system, 100 steps of 64, SGD. */
async function trainAdapter(): Promise<KindAdapter> {
  const [{ resolveData }, { resolveModel, withSparsity }, { compileModel }, { createCluster }, { resolveOptimizer }] = await Promise.all([
    import('../data/index.js'), import('../model/load.js'), import('../model/compile.js'), import('../cluster/engine.js'), import('../memoryx/optimizer.js'),
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

const builtin: Partial<Record<RunKind, () => Promise<KindAdapter>>> = {
  estimate: estimateAdapter,
  fabric: fabricAdapter,
  train: trainAdapter,
};
const loaded = new Map<RunKind, Promise<KindAdapter>>();

/** The adapter for a kind; kind `module` needs the module's path. */
export async function adapterFor(kind: RunKind, module?: string): Promise<KindAdapter> {
  if (kind === 'module') {
    if (!module) throw new TypeError('kind module: no module path');
    return moduleAdapter(module);
  }
  const load = builtin[kind];
  if (!load) throw new Error(`kind ${kind}: not available in this build`);
  let p = loaded.get(kind);
  if (!p) loaded.set(kind, (p = load()));
  return p;
}
