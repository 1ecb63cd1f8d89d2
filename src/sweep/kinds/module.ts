// Run kind `module`: a user's JS module exporting run(config) (and optionally validate(config)), as a
// named export or on its default export; loaded once per thread.
import { pathToFileURL } from 'node:url';
import type { Config } from '../types.js';
import type { KindAdapter } from './common.js';

interface UserModule {
  run?: (config: Config) => unknown;
  default?: ((config: Config) => unknown) | { run?: (config: Config) => unknown; validate?: (config: Config) => unknown };
  /** Throws (or returns false) to refuse a configuration. */
  validate?: (config: Config) => unknown;
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
        run: async (c: Config) => {
          const result = await printsToStderr(() => run(c));
          const problem = notJson(result, 'result');
          if (problem) throw new TypeError(`${file}: run(config) returned what a results line cannot hold: ${problem}`);
          return result;
        },
        validate: validate
          ? async (c: Config) => {
              const verdict = await printsToStderr(() => validate(c)).catch((e: unknown) => {
                // a bad field (a ValidationError, or one named so with a path) is the sweep's to place; anything else names the module
                const v = e as { name?: unknown; path?: unknown };
                if (e instanceof Error && v.name === 'ValidationError' && typeof v.path === 'string') throw e;
                throw new Error(`${file}: validate(config) threw ${thrown(e)}`);
              });
              if (verdict === false) throw new Error(`${file}: validate(config) returned false (it refuses this configuration)`);
            }
          : () => {},
      };
    });
    userModules.set(file, p);
  }
  return p;
}

/**
 * Where a module's result holds a value JSON cannot write as itself (NaN and ±Infinity become null; a
 * function, a symbol or undefined vanishes from an object): its path and value, or undefined when there is
 * none. A result of undefined is allowed (written as null: a run with nothing to report). Typed arrays are
 * lists (resultJson), checked like them; a BigInt throws in JSON.stringify on its own. Plain data has no cycles.
 */
export function notJson(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} is ${v}`;
  if (typeof v === 'function' || typeof v === 'symbol') return `${path} is a ${typeof v}`;
  if (v instanceof Float32Array || v instanceof Float64Array) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    return i < 0 ? undefined : `${path}[${i}] is ${v[i]}`;
  }
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || depth > 64) return undefined;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined; // a Date: written as its text
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = v[i] === undefined ? `${path}[${i}] is undefined` : notJson(v[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const p = x === undefined ? undefined : notJson(x, `${path}.${k}`, depth + 1);
    if (p) return p;
  }
  return undefined;
}

/** What a module threw, in a few words: an Error's name and message, or the value (a string, a number). */
function thrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]}`;
  return typeof e === 'string' ? JSON.stringify(e) : String(e);
}
