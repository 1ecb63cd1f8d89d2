// Module-wide helpers: where static data ends (the host's allocator starts above it) and the
// per-instance scratch region that blocked kernels use for packing. Globals are per instance, so
// each worker sharing one memory gives its instance its own scratch.

let scratchPtr: usize = 0;
let scratchBytes: usize = 0;

/** First byte the host may allocate: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(63 as usize);
}

/** Sets this instance's scratch region (bytes, 64-byte aligned) used by packing kernels. */
export function setScratch(ptr: usize, bytes: usize): void {
  assert((ptr & 63) == 0, "scratch must be 64-byte aligned");
  scratchPtr = ptr;
  scratchBytes = bytes;
}

export function getScratchPtr(): usize {
  return scratchPtr;
}

export function getScratchBytes(): usize {
  return scratchBytes;
}
