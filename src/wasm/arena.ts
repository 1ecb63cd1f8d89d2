// Host-side bump allocator over a WebAssembly memory: one region per owner, grown on demand,
// released by marks. Kernels never allocate; the host carves buffers here and passes pointers.
import { CapacityError } from '../errors.js';

const PAGE = 65536;

/**
 * The host-side allocator a Wasm instance carves buffers from (`Wasm.arena`): the public face of the Arena class,
 * which stays internal. Allocate, take a mark, release everything allocated after it.
 */
export interface WasmArena {
  readonly memory: WebAssembly.Memory;
  /** First byte it hands out. */
  readonly start: number;
  /** Last byte (exclusive) it may hand out; undefined: it grows the memory up to its maximum. */
  readonly end: number | undefined;
  /** Bytes handed out so far. */
  readonly used: number;
  /** Allocates `bytes` at the given alignment (default 16), growing the memory if needed. Returns the pointer. */
  alloc(bytes: number, alignment?: number): number;
  /** Current top, to release everything allocated after it with `release`. */
  mark(): number;
  release(mark: number): void;
  /** Grows the memory so that bytes [0, end) exist. */
  ensure(end: number): void;
  /** Throws a RangeError unless [ptr, ptr + bytes) lies inside the memory. `what` names the argument. */
  check(what: string, ptr: number, bytes: number): void;
}

export class Arena implements WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly start: number;
  readonly end: number | undefined;
  private top: number;

  constructor(memory: WebAssembly.Memory, start: number, end?: number) {
    this.memory = memory;
    this.start = align(start, 64);
    this.end = end;
    this.top = this.start;
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.top - this.start;
  }

  /** Allocates `bytes` at the given alignment, growing the memory if needed. Returns the pointer. */
  alloc(bytes: number, alignment = 16): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`arena.alloc: bytes must be a non-negative integer, got ${bytes}`);
    const p = align(this.top, alignment);
    const next = p + bytes;
    if (this.end !== undefined && next > this.end) {
      throw new CapacityError(`arena full: asked for ${bytes} bytes, ${this.end - p} left in [${this.start}, ${this.end})`);
    }
    this.ensure(next);
    this.top = next;
    return p;
  }

  /** Current top, to release everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.start || mark > this.top) throw new RangeError(`arena.release: bad mark ${mark}`);
    this.top = mark;
  }

  /** Grows the memory so that bytes [0, end) exist. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      throw new CapacityError(`wasm memory cannot grow by ${pages} pages to ${end} bytes (its maximum is reached)`);
    }
  }

  /** Throws a RangeError unless [ptr, ptr + bytes) lies inside the memory. `what` names the argument. */
  check(what: string, ptr: number, bytes: number): void {
    checkRange(this.memory, what, ptr, bytes);
  }
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Throws a RangeError naming the argument unless [ptr, ptr + bytes) lies inside the memory. */
export function checkRange(memory: WebAssembly.Memory, what: string, ptr: number, bytes: number): void {
  const size = memory.buffer.byteLength;
  if (!Number.isInteger(ptr) || ptr < 0 || !Number.isInteger(bytes) || bytes < 0 || ptr + bytes > size) {
    throw new RangeError(`${what}: range [${ptr}, ${ptr + bytes}) lies outside the wasm memory of ${size} bytes`);
  }
}
