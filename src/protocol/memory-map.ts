// The memory map of a training cluster: the fixed layout of the ONE shared WebAssembly.Memory (the whole
// cluster's, imported by the coordinator, SwarmX and every CS-2 worker alike): every Wasm instance (MemoryX's
// on the main thread, one per CS-2 worker) imports the same memory and owns a disjoint region of it, so the
// weights SwarmX broadcasts are written once and read in place by every system (no copy per system).
//
// Legend: N = systems, D = input features, b = samples per system, P = max master floats of a layer,
// W = max wire words of a layer, SLOTS = broadcast slots (at least 2: one being read, the next being
// written; the engine asks for PIPELINE_SLOTS where memory allows, so main streams several layers ahead).
//
//   0                  module static data (below heapBase)
//   memoryx.start      MemoryX: DRAM tier records, flash staging, MemoryX scratch   (main thread arena)
//   broadcast.ptr      SLOTS × W words: the wire block of a layer, written once by MemoryX/SwarmX
//   workers[w].start   per system w, in this order:
//                        grad   2 × [P] f32  its gradient blocks, by layer parity: SwarmX reduces layer l+1's
//                                            in place while the system writes layer l's into the other
//                        arena  scratch + wafer SRAM: the activations (its input share [D, b] and labels
//                               included; the worker reports their pointers in the control block)
//   totalBytes
import { CapacityError, ValidationError } from '../errors.js';
import { align } from '../wasm/arena.js';
import { MODULE_MAX_PAGES, WASM_PAGE_BYTES } from '../wasm/module.js';

export const BROADCAST_SLOTS = 2;
/** Broadcast slots the engine asks for: main streams up to 3 layers ahead of the systems. */
export const PIPELINE_SLOTS = 4;

export interface Region {
  start: number;
  end: number;
}

export interface WorkerRegion extends Region {
  /** Gradient block of even layers (gradPtrs[0]) and of odd layers (gradPtrs[1]). */
  gradPtrs: [number, number];
  /** = gradPtrs[0]. */
  gradPtr: number;
  /** The worker's Wasm arena: [arenaStart, arenaEnd). */
  arenaStart: number;
  arenaEnd: number;
}

export interface SharedLayout {
  totalBytes: number;
  memoryx: Region;
  broadcast: { ptr: number; slotBytes: number; slots: number };
  workers: WorkerRegion[];
}

export interface LayoutRequest {
  /** First free byte (the module's heap base). */
  base: number;
  systems: number;
  maxLayerFloats: number;
  maxWireWords: number;
  /** Bytes of MemoryX's region (DRAM tier + staging + its scratch). */
  memoryxBytes: number;
  /** Bytes of each worker's arena (its scratch + wafer SRAM budget). */
  workerArenaBytes: number;
  /** Broadcast slots (default BROADCAST_SLOTS). */
  slots?: number;
}

/** Computes the layout; every region 64-byte aligned. Throws a CapacityError past the 4 GiB of WASM memory. */
export function planLayout(r: LayoutRequest): SharedLayout {
  let p = align(r.base, 64);
  const memoryx = { start: p, end: p + r.memoryxBytes };
  p = align(memoryx.end, 64);
  const slotBytes = align(4 * r.maxWireWords, 64);
  const slots = r.slots ?? BROADCAST_SLOTS;
  if (!Number.isInteger(slots) || slots < 2) throw new ValidationError('slots', slots, 'expected an integer >= 2');
  const broadcast = { ptr: p, slotBytes, slots };
  p += slotBytes * slots;
  const workers: WorkerRegion[] = [];
  for (let w = 0; w < r.systems; w++) {
    const start = align(p, 64);
    const gradPtr = start;
    const grad1 = align(gradPtr + 4 * r.maxLayerFloats, 64);
    const arenaStart = align(grad1 + 4 * r.maxLayerFloats, 64);
    const arenaEnd = arenaStart + r.workerArenaBytes;
    workers.push({ start, end: arenaEnd, gradPtrs: [gradPtr, grad1], gradPtr, arenaStart, arenaEnd });
    p = arenaEnd;
  }
  const totalBytes = align(p, WASM_PAGE_BYTES);
  const max = MODULE_MAX_PAGES * WASM_PAGE_BYTES;
  if (totalBytes > max) {
    throw new CapacityError(
      `the cluster's shared memory would need ${totalBytes} bytes (MemoryX ${r.memoryxBytes}, ${r.systems} systems x ${r.workerArenaBytes} arena bytes), ` +
        `more than the ${max} bytes one WebAssembly memory can hold: lower dramBytes or waferSramBytes, use fewer systems or a smaller model`,
    );
  }
  return { totalBytes, memoryx, broadcast, workers };
}

/** Byte pointer of broadcast slot `slot` (of the layout, or of a worker's WorkerInit: both carry `broadcast`). */
export function slotPtr(l: Pick<SharedLayout, 'broadcast'>, slot: number): number {
  return l.broadcast.ptr + (slot % l.broadcast.slots) * l.broadcast.slotBytes;
}
