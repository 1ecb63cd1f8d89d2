// Run kind `module`: a user's JS module exporting run(config) (and optionally validate(config)), as a
// named export or on its default export; loaded once per thread.
import { pathToFileURL } from 'node:url';
import type { Config } from '../types.js';
import type { KindAdapter } from './common.js';

interface UserModule {
  run?: (config: Config) => unknown;
  default?: ((config: Config) => unknown) | { run?: (config: Config) => unknown; validate?: (config: Config) => void };
  validate?: (config: Config) => void;
}

const userModules = new Map<string, Promise<KindAdapter>>();

/**
 * Calls a user module's code with this thread's stdout sent to stderr: what it prints (console.log) must
 * not mix into the sweep's own output (`--json` on stdout). Our own code prints nothing while it runs.
 */
async function printsToStderr<T>(fn: () => T | Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

/** The adapter of a user module (loaded once per thread). */
export function moduleAdapter(file: string): Promise<KindAdapter> {
  let p = userModules.get(file);
  if (!p) {
    p = printsToStderr(() => import(pathToFileURL(file).href) as Promise<UserModule>).then((m) => {
      const def = m.default;
      const run = m.run ?? (typeof def === 'function' ? def : def?.run);
      const validate = m.validate ?? (typeof def === 'object' ? def?.validate : undefined);
      if (typeof run !== 'function') throw new TypeError(`${file}: expected the module to export a function run(config)`);
      return {
        run: (c: Config) => printsToStderr(() => run(c)),
        validate: validate ? (c: Config) => printsToStderr(() => validate(c)) : () => {},
      };
    });
    userModules.set(file, p);
  }
  return p;
}

