// One spare simulator memory per thread. A fabric run gives its WebAssembly memory back once its results
// are read out (FabricSim.release), and the next run that fits takes it, zeroing the bytes the last run
// used, instead of page-faulting a fresh one: first touch costs ~2-3.5 ms a MB on the test VM (most of a
// short run's set-up), zeroing ~0.1-0.3 ms. A memory past SPARE_MAX_BYTES (the full wafer's 370 MB) is
// not kept, unless a folded run asks for more while its meshes run (keepLargerSpare), and one more than
// SPARE_SLACK times larger than a run needs is not reused for it.
import { createMemory } from '../wasm/module.js';

const SPARE_MAX_BYTES = 256 << 20;
const SPARE_SLACK = 4;

interface Spare {
  memory: WebAssembly.Memory;
  /** The maximum it was created with (a memory does not tell). */
  maximumBytes: number;
  /** Bytes from 0 the last run may have written (its arena's top). */
  dirtyBytes: number;
}

let spare: Spare | null = null;
let spareMaxBytes = SPARE_MAX_BYTES;
const maxima = new WeakMap<WebAssembly.Memory, number>();

/** A zeroed shared memory of at least `initialBytes` that may grow to `maximumBytes`: the spare one when it fits. */
export function takeMemory(initialBytes: number, maximumBytes: number): WebAssembly.Memory {
  const s = spare;
  spare = null;
  const size = s?.memory.buffer.byteLength ?? 0;
  if (s && size >= initialBytes && size <= SPARE_SLACK * initialBytes && s.maximumBytes >= maximumBytes) {
    new Uint8Array(s.memory.buffer, 0, Math.min(s.dirtyBytes, size)).fill(0);
    return s.memory;
  }
  const m = createMemory(initialBytes, maximumBytes);
  maxima.set(m, maximumBytes);
  return m;
}

/** Gives back a memory from takeMemory that nothing reads any more, `dirtyBytes` of it written. */
export function giveBackMemory(memory: WebAssembly.Memory, dirtyBytes: number): void {
  const maximumBytes = maxima.get(memory);
  if (maximumBytes === undefined || memory.buffer.byteLength > spareMaxBytes) return;
  spare = { memory, maximumBytes, dirtyBytes };
}

/**
 * Keeps a spare memory of up to `bytes` (a folded run's later, smaller meshes reuse its largest mesh's memory)
 * until the returned function is called, which restores the limit and drops a spare past it.
 */
export function keepLargerSpare(bytes: number): () => void {
  const before = spareMaxBytes;
  spareMaxBytes = Math.max(before, bytes);
  return () => {
    spareMaxBytes = before;
    if (spare && spare.memory.buffer.byteLength > spareMaxBytes) spare = null;
  };
}
