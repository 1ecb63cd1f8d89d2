// The kinds of sweep run and, for each, how one configuration is checked (main thread, before anything
// runs) and run (in a pool worker). Each kind calls its area's public API; nothing is simulated here.
//   estimate  the at-scale time/capacity model (src/perf)
//   fabric    the cycle-level wafer fabric (src/fabric)
//   train     functional training on simulated CS-2 (src/cluster)
//   module    a user's JS module exporting run(config) (and optionally validate(config))
import { pathToFileURL } from 'node:url';
import type { Config, RunKind } from './types.js';

export interface KindAdapter {
  /** Throws a ValidationError naming the field (a path inside the configuration) when the configuration is bad. */
  validate(config: Config): Promise<void> | void;
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

const builtin: Partial<Record<RunKind, () => Promise<KindAdapter>>> = {};

/** The adapter for a kind; kind `module` needs the module's path. */
export async function adapterFor(kind: RunKind, module?: string): Promise<KindAdapter> {
  if (kind === 'module') {
    if (!module) throw new TypeError('kind module: no module path');
    return moduleAdapter(module);
  }
  const load = builtin[kind];
  if (!load) throw new Error(`kind ${kind}: not available in this build`);
  return load();
}
