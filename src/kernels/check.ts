// Argument checks shared by the kernel facades (dense, nn, optim): sizes are positive integers,
// pointers are 4-byte aligned byte offsets whose whole range lies inside the Wasm memory, and outputs
// do not overlap inputs. Each check throws an error that names the argument (e.g. `gemm.M`, `gemm.c`).
import { ValidationError, requireInt, requireNumber } from '../errors.js';
import { checkRange } from '../wasm/arena.js';
import type { Wasm } from '../wasm/module.js';

/** A positive integer size; throws ValidationError `name: expected an integer >= 1, got ...`. */
export function size(name: string, v: unknown): number {
  return requireInt(name, v, 1);
}

/** A finite number (a scalar argument such as lr or alpha). */
export function finite(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  return requireNumber(name, v, min, max);
}

/** Throws a RangeError naming the argument unless `ptr` is 4-byte aligned and [ptr, ptr + bytes) lies in memory. */
export function checkPtr(w: Wasm, name: string, ptr: number, bytes: number): void {
  requirePointer(name, ptr);
  if (!Number.isInteger(ptr) || ptr % 4 !== 0) throw new RangeError(`${name}: pointer ${ptr} is not a 4-byte aligned byte offset`);
  checkRange(w.memory, name, ptr, bytes);
}

/** Same as checkPtr, for a byte array (u8 mask): any alignment. */
export function checkBytes(w: Wasm, name: string, ptr: number, bytes: number): void {
  requirePointer(name, ptr);
  checkRange(w.memory, name, ptr, bytes);
}

/** A pointer given as anything but a number (a string of an aligned offset, "2108624", was called misaligned). */
function requirePointer(name: string, ptr: unknown): void {
  if (typeof ptr !== 'number') throw new ValidationError(name, ptr, 'expected a pointer (an integer byte offset)');
}

/** A buffer: name, pointer, bytes. */
export type Range = [name: string, ptr: number, bytes: number];

/** Throws a RangeError when the output range overlaps one of the input ranges (the kernels assume no aliasing). */
export function checkDisjoint(out: Range, inputs: Range[]): void {
  const [what, ptr, bytes] = out;
  for (const [name, p, n] of inputs) {
    if (bytes > 0 && n > 0 && ptr < p + n && p < ptr + bytes) {
      throw new RangeError(`${what}: output range [${ptr}, ${ptr + bytes}) overlaps ${name} [${p}, ${p + n})`);
    }
  }
}
