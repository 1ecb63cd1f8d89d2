// Loads weightstream's WebAssembly module (build/release.wasm or build/debug.wasm), compiled once per
// thread and flavor, and instantiates it over a host-owned shared memory. Every buffer a kernel touches
// is allocated here on the host side (see arena.ts): kernels never allocate.
import { readFileSync } from 'node:fs';
import { rootPath } from '../paths.js';
import { Arena, type WasmArena } from './arena.js';
import { ValidationError, requireInt, shapeOf } from '../errors.js';

export type Flavor = 'release' | 'debug';
/** The module's builds (asconfig.json targets). */
export const FLAVORS: readonly Flavor[] = ['release', 'debug'];

/** Page size of WebAssembly memory in bytes. */
export const WASM_PAGE_BYTES = 65536;
/** The module's declared maximum (asconfig.json maximumMemory), in pages: 4 GiB. */
export const MODULE_MAX_PAGES = 65536;

/** The flavor used when none is asked for: WEIGHTSTREAM_WASM=debug|release, else release. */
export function defaultFlavor(): Flavor {
  const env = process.env.WEIGHTSTREAM_WASM;
  if (env === undefined || env === '') return 'release';
  if (env !== 'debug' && env !== 'release') {
    throw new Error(`WEIGHTSTREAM_WASM: expected debug or release, got ${JSON.stringify(env)}`);
  }
  return env;
}

const compiled = new Map<string, WebAssembly.Module>();

/** The compiled module for a flavor (and a .wasm base name), cached per thread. */
export function wasmModule(flavor: Flavor = defaultFlavor(), name = ''): WebAssembly.Module {
  const file = name ? `${name}.${flavor}` : flavor;
  let m = compiled.get(file);
  if (!m) {
    const path = rootPath('build', `${file}.wasm`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      throw new Error(`weightstream: ${path} is missing: run \`npm run build\` first`);
    }
    m = new WebAssembly.Module(new Uint8Array(bytes));
    compiled.set(file, m);
  }
  return m;
}

export interface WasmOptions {
  flavor?: Flavor;
  /** Share an existing memory (e.g. one SharedArrayBuffer across worker threads). */
  memory?: WebAssembly.Memory;
  /** Initial size of a new memory, in bytes (rounded up to pages). Default 16 MiB. */
  initialBytes?: number;
  /** Maximum size of a new memory, in bytes. Default 4 GiB (virtual; only touched pages cost). */
  maximumBytes?: number;
  /** Scratch bytes for packing kernels, allocated from the arena. Default 2 MiB. */
  scratchBytes?: number;
  /** Base name of another .wasm in build/ (e.g. 'fabric' for build/fabric.release.wasm). */
  module?: string;
  /**
   * First byte the arena may hand out. Default: the module's heap base. Instances that share one memory
   * must be given disjoint regions (the owner of the memory decides the layout).
   */
  arenaStart?: number;
  /** Last byte (exclusive) the arena may hand out. Default: grows up to the memory's maximum. */
  arenaEnd?: number;
}

/** Creates a shared WebAssembly memory. */
export function createMemory(initialBytes = 16 << 20, maximumBytes = MODULE_MAX_PAGES * WASM_PAGE_BYTES): WebAssembly.Memory {
  const initial = Math.max(1, Math.ceil(initialBytes / WASM_PAGE_BYTES));
  const maximum = Math.min(MODULE_MAX_PAGES, Math.max(initial, Math.ceil(maximumBytes / WASM_PAGE_BYTES)));
  return new WebAssembly.Memory({ initial, maximum, shared: true });
}

/** One instance of a module over a memory, with its host-side allocator and typed views. */
export class Wasm<E = Record<string, unknown>> {
  readonly flavor: Flavor;
  readonly memory: WebAssembly.Memory;
  readonly instance: WebAssembly.Instance;
  /** Raw exports; areas cast them to their own typed interface (e.g. DenseExports). */
  readonly exports: E;
  /** Where the host allocates the kernels' buffers (allocF32 and allocI32 take from it too). */
  readonly arena: WasmArena;
  /** This instance's scratch region (pointer, bytes). */
  readonly scratchPtr: number;
  readonly scratchBytes: number;

  constructor(opts: WasmOptions = {}) {
    this.flavor = opts.flavor ?? defaultFlavor();
    this.memory = opts.memory ?? createMemory(opts.initialBytes, opts.maximumBytes);
    const memory = this.memory;
    const env = {
      memory,
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`wasm abort: ${readAsString(memory, msg)} at ${readAsString(memory, file)}:${line}:${col}`);
      },
      /** The clock a fabric band reads around its waits while the bands are balanced (assembly/fabric/balance.ts). */
      nowMs: () => performance.now(),
    };
    this.instance = new WebAssembly.Instance(wasmModule(this.flavor, opts.module ?? ''), { env });
    this.exports = this.instance.exports as unknown as E;
    const raw = this.instance.exports as Record<string, unknown>;
    const heapBase = typeof raw.heapBase === 'function' ? Number((raw.heapBase as () => number)()) : 1024;
    this.arena = new Arena(memory, Math.max(heapBase, opts.arenaStart ?? 0), opts.arenaEnd);
    this.scratchBytes = opts.scratchBytes ?? 2 << 20;
    this.scratchPtr = this.scratchBytes > 0 ? this.arena.alloc(this.scratchBytes, 64) : 0;
    if (typeof raw.setScratch === 'function') (raw.setScratch as (p: number, b: number) => void)(this.scratchPtr, this.scratchBytes);
  }

  /** A Float32Array view of `len` floats at byte offset `ptr` (fresh view: valid across memory growth). */
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }
  u32(ptr: number, len: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, len);
  }
  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len);
  }
  /**
   * Allocates `len` floats (16-byte aligned by default) and optionally copies `init` (at most `len` values) into them.
   * `len` must be an integer >= 0: a string such as "4" is refused, not multiplied into a size.
   */
  allocF32(len: number, init?: ArrayLike<number>): number {
    checkAlloc('allocF32', len, init);
    const p = this.arena.alloc(len * 4, 16);
    if (init) this.f32(p, len).set(init);
    return p;
  }
  /** As allocF32, for int32 values. */
  allocI32(len: number, init?: ArrayLike<number>): number {
    checkAlloc('allocI32', len, init);
    const p = this.arena.alloc(len * 4, 16);
    if (init) this.i32(p, len).set(init);
    return p;
  }
}

/** An allocation's count (an integer >= 0) and its initial values (no more than the count), named by the call. */
function checkAlloc(what: string, len: unknown, init: ArrayLike<number> | undefined): void {
  requireInt(`${what}.len`, len, 0);
  const n = init?.length;
  if (init !== undefined && init !== null && !(typeof n === 'number' && n <= (len as number))) {
    const e = new ValidationError(`${what}.init`, init, `expected at most len (${len}) values`);
    e.message = `${what}.init: expected at most len (${len}) values, got ${typeof n === 'number' ? n : shapeOf(init)}`;
    throw e;
  }
}

/** Reads an AssemblyScript string (UTF-16, length in the header 4 bytes before) for abort messages. */
function readAsString(memory: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const buf = memory.buffer;
  const len = new Uint32Array(buf, ptr - 4, 1)[0] >>> 1;
  // Copy out of the shared buffer: TextDecoder and String.fromCharCode work on copies.
  return String.fromCharCode(...new Uint16Array(buf.slice(ptr, ptr + len * 2)));
}
