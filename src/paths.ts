// Where the package's own files are, whether running from src/ (vitest) or dist/src/ (the CLI):
// build output (.wasm), compiled JS for worker threads, and shipped data.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'asconfig.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('weightstream: cannot find the package root (package.json beside asconfig.json)');
}

/** The package root directory. */
export const packageRoot = findRoot();

/** Path of a file under the package root. */
export function rootPath(...parts: string[]): string {
  return join(packageRoot, ...parts);
}

/**
 * Path of the compiled JS for a module under src/, e.g. distModule('cs2/worker') -> dist/src/cs2/worker.js.
 * Worker threads always load compiled JS (run `npm run build` first; `npm test` does).
 */
export function distModule(srcRelative: string): string {
  const p = join(packageRoot, 'dist', 'src', srcRelative + '.js');
  if (!existsSync(p)) throw new Error(`weightstream: ${p} is missing: run \`npm run build\` first`);
  return p;
}
