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
  const exit = process.exit;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof write;
  let result: T | Promise<T>;
  try {
    // nor end the sweep: a module's process.exit() would stop it with nothing said. Only while its code runs
    // synchronously: once it awaits, our own handlers (a second ^C) must be able to exit.
    process.exit = ((code?: number) => {
      throw new Error(`the module called process.exit(${code ?? ''})`);
    }) as typeof process.exit;
    result = fn();
  } catch (e) {
    process.stdout.write = write;
    throw e;
  } finally {
    process.exit = exit;
  }
  try {
    return await result;
  } finally {
    process.stdout.write = write;
  }
}

/** The adapter of a user module (loaded once per thread). */
export function moduleAdapter(file: string): Promise<KindAdapter> {
  let p = userModules.get(file);
  if (!p) {
    const loaded = printsToStderr(() => import(pathToFileURL(file).href) as Promise<UserModule>).catch((e: unknown) => {
      throw new Error(`${file}: the module could not be loaded (${thrown(e)})`);
    });
    p = loaded.then((m) => {
      const def = m.default;
      const run = m.run ?? (typeof def === 'function' ? def : def?.run);
      const validate = m.validate ?? (typeof def === 'object' ? def?.validate : undefined);
      if (typeof run !== 'function') throw new TypeError(`${file}: expected the module to export a function run(config)`);
      return {
        run: (c: Config) => printsToStderr(() => run(c)),
        validate: validate
          ? (c: Config) =>
              printsToStderr(() => validate(c)).catch((e: unknown) => {
                // a bad field (a ValidationError, or one named so with a path) is the sweep's to place; anything else names the module
                const v = e as { name?: unknown; path?: unknown };
                if (e instanceof Error && v.name === 'ValidationError' && typeof v.path === 'string') throw e;
                throw new Error(`${file}: validate(config) threw ${thrown(e)}`);
              })
          : () => {},
      };
    });
    userModules.set(file, p);
  }
  return p;
}

/** What a module threw, in a few words: an Error's name and message, or the value (a string, a number). */
function thrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]}`;
  return typeof e === 'string' ? JSON.stringify(e) : String(e);
}
