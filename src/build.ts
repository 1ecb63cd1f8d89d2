// This installation's identity, for a result's provenance and the queue's build check: the package's version
// and a hash of what computes a result (the compiled JS of dist/src, the WebAssembly modules, the shipped specs
// and data). Two hosts that built the same commit with the same toolchain share it; an edit to any of those
// files changes it. Read once per process (about 8 MB, tens of ms), on first use.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { packageRoot } from './paths.js';

/** Where a result was computed: the host's name and the build that ran it (see buildId). */
export interface RanOn {
  host: string;
  build: string;
}

/** The files a build is: [root-relative folder or file, the names to take under a folder]. */
const BUILD_PARTS: ReadonlyArray<[string, (name: string) => boolean]> = [
  ['dist/src', (n) => n.endsWith('.js')],
  ['build/release.wasm', () => true],
  ['build/debug.wasm', () => true],
  ['specs', () => true],
  ['data', () => true],
];

let cached: string | undefined;

/** `version+hash`, e.g. `0.1.0+3fa9c21d7e04`, of this installation (read once): see buildIdOf. */
export function buildId(): string {
  return (cached ??= buildIdOf(packageRoot));
}

/** The package at `root`: its version and the first 12 hex digits of a SHA-256 over the build's files (their root-relative paths and bytes, in path order). */
export function buildIdOf(root: string): string {
  const h = createHash('sha256');
  for (const file of buildFiles(root)) {
    h.update(relative(root, file).split(sep).join('/'));
    h.update('\0');
    h.update(readFileSync(file));
    h.update('\0');
  }
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return `${version}+${h.digest('hex').slice(0, 12)}`;
}

/** This process's host and build. */
export function ranOn(): RanOn {
  return { host: hostname(), build: buildId() };
}

function buildFiles(root: string): string[] {
  const files: string[] = [];
  for (const [part, take] of BUILD_PARTS) {
    const p = join(root, part);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile()) files.push(p);
    else if (st?.isDirectory()) walk(p, take, files);
  }
  return files.sort();
}

function walk(dir: string, take: (name: string) => boolean, into: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, take, into);
    else if (e.isFile() && take(e.name)) into.push(p);
  }
}
