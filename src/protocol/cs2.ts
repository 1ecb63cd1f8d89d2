// The ONE file of the cross-thread protocol between the main thread (src/cluster) and a CS-2 worker
// (src/cs2/worker.ts), as piscina keeps types.ts + symbols.ts: every message type and every slot of the
// shared control block. Both sides import it; neither imports the other. Weights and gradients never travel
// in messages: they live in the shared WebAssembly.Memory (protocol/memory-map.ts); messages only carry
// small descriptions, once per run.
//
// Control flow of one step (N systems, L streamed layers; seq = command sequence number):
//   main: write each system's batch share into its input region      → CMD_STEP
//   for l = 0..L-1: MemoryX streams layer l into a broadcast slot     → CMD_FORWARD(l, slot)
//                                                                     → CMD_LOSS (loss sums, dLogits)
//   for l = L-1..0: MemoryX streams layer l again                     → CMD_BACKWARD(l, slot)
//                   SwarmX tree-reduces the N gradient regions; MemoryX updates layer l
// Each command: main writes the fields, stores DONE = 0, increments SEQ and notifies; every worker runs it,
// Atomics.add(DONE, 1) and notifies; main waits until DONE = N. A worker that throws writes its error text,
// sets its STATUS to FAILED and still counts itself DONE, so main never waits on a failed system.
// A control round trip costs ~25 µs here (Atomics), a postMessage to a Piscina task far more: hence one
// long-lived task per system for the whole run, synchronised per layer through this block.

/** Commands (value of CTL.CMD). */
export const CMD = {
  /** Start of a step (or an evaluation batch): reset the activation arena; the input region holds the share. */
  STEP: 1,
  /** Forward of streamed layer CTL.LAYER with its wire block in broadcast slot CTL.SLOT. */
  FORWARD: 2,
  /** Loss of the share: write the loss sum and correct count; unless CTL.ARG = 1 (eval), prepare dLogits. */
  LOSS: 3,
  /** Backward (delta + gradient) of streamed layer CTL.LAYER, weights again in slot CTL.SLOT; gradient → grad buffer CTL.ARG (0/1). */
  BACKWARD: 4,
  /** Leave the loop: the task returns. */
  EXIT: 5,
  /** Do nothing but answer (used to check that every system is alive after a restart). */
  PING: 6,
  /**
   * SwarmX's additions for layer CTL.LAYER, gradient buffer CTL.ARG, on this system's slice of the floats
   * (swarmx/swarm.ts reduceSlice): every system adds its slice over all N blocks in the tree's order.
   */
  REDUCE: 7,
} as const;
export type Command = (typeof CMD)[keyof typeof CMD];
export const CMD_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CMD).map(([k, v]) => [v, k.toLowerCase()]));

/** Worker status (value of the per-worker STATUS slot). */
export const STATUS = { STARTING: 0, READY: 1, FAILED: 2 } as const;

/** Slots of the control block (Int32Array over a SharedArrayBuffer). */
export const CTL = {
  /** Command sequence number: main increments it after writing a command; workers Atomics.wait on it. */
  SEQ: 0,
  CMD: 1,
  LAYER: 2,
  SLOT: 3,
  /** Training step of the command (for fault injection and error messages). */
  STEP: 4,
  /** Attempt of this step (0 = first try; retries count up). */
  ATTEMPT: 5,
  /** Command argument (LOSS: 1 = evaluation, no backward; BACKWARD: which gradient buffer, 0 or 1). */
  ARG: 6,
  /** Global batch size of the step (the loss is a mean over it: dLogits are scaled by 1/BATCH). */
  BATCH: 7,
  /** Workers done with the current SEQ; main Atomics.waits on it. */
  DONE: 8,
  /** Workers that reached READY after their task started (counted up once per task start). */
  READY: 9,
  /** First per-worker slot. */
  WORKER_BASE: 16,
} as const;

/** Per-worker slots, at CTL.WORKER_BASE + w·WORKER_STRIDE + offset. */
export const WSLOT = {
  STATUS: 0,
  /** Samples this system holds in the current step. */
  SAMPLES: 1,
  /** Bytes of UTF-8 error text written in its error region. */
  ERROR_LEN: 2,
  /** Last SEQ it completed. */
  LAST_SEQ: 3,
  /** Wafer SRAM bytes its activations take (reported at READY). */
  SRAM_USED: 4,
  /** Byte offsets of its input [D, b] and labels [b] buffers (reported at READY; main writes the shares there). */
  INPUT_PTR: 5,
  LABELS_PTR: 6,
} as const;
export const WORKER_STRIDE = 8;

/** Float64 results per worker (Float64Array over the same SharedArrayBuffer, after the int slots). */
export const F64 = {
  /** Its share of the mean loss of the last LOSS command: Σ_{b in share} CE_b / BATCH. */
  LOSS_SHARE: 0,
  /** Samples it classified correctly in the last LOSS command. */
  CORRECT: 1,
  /** Wall-clock start and end of its last command, epoch ms (performance.timeOrigin + now(): comparable across threads). */
  T_START: 2,
  T_END: 3,
} as const;
export const F64_STRIDE = 4;

/** Bytes of error text each worker may leave. */
export const ERROR_BYTES = 1024;

export interface ControlLayout {
  bytes: number;
  /** Int32 slots. */
  ints: number;
  /** Byte offset of the Float64 results. */
  f64Offset: number;
  /** Byte offset of the error texts (ERROR_BYTES per worker). */
  errorOffset: number;
}

export function controlLayout(systems: number): ControlLayout {
  const ints = CTL.WORKER_BASE + systems * WORKER_STRIDE;
  const f64Offset = Math.ceil((ints * 4) / 8) * 8;
  const errorOffset = f64Offset + systems * F64_STRIDE * 8;
  return { bytes: errorOffset + systems * ERROR_BYTES, ints, f64Offset, errorOffset };
}

export function wslot(w: number, s: number): number {
  return CTL.WORKER_BASE + w * WORKER_STRIDE + s;
}

/** Fault injection (tests only): system `system` fails at `step` in `pass` of `layer`, on the first attempt(s). */
export interface FaultInjection {
  system: number;
  step: number;
  layer: number;
  pass?: 'forward' | 'backward';
  /** 'throw': the worker throws (and reports); 'exit': its thread dies (process.exit in the worker). Default throw. */
  kind?: 'throw' | 'exit';
  /** Attempts that fail (default 1: the first try fails, the retry succeeds). */
  attempts?: number;
}

/** The one message a worker task gets at its start (structured clone; the memory and control block are shared, not copied). */
export interface WorkerInit {
  system: number;
  systems: number;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** The model description (plain data, explicit masks included; no weights). */
  model: unknown;
  /** The worker's region of the shared memory and the broadcast slots. */
  region: { gradPtrs: [number, number]; arenaStart: number; arenaEnd: number };
  broadcast: { ptr: number; slotBytes: number; slots: number };
  /** Most samples a step gives this system (its activation capacity). */
  maxSamples: number;
  waferSramBytes: number;
  scratchBytes: number;
  flavor: 'release' | 'debug';
  fault: FaultInjection | null;
  /** The reduce tree's additions ([into, from] system pairs, in order) and every system's two gradient buffers. */
  reduce: { adds: Array<[number, number]>; gradPtrs: Array<[number, number]> };
}

/** What a worker task resolves with when it leaves on CMD.EXIT. */
export interface WorkerResult {
  system: number;
  commands: number;
  sramBytes: number;
}
