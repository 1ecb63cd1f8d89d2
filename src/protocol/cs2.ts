// The ONE file of the cross-thread protocol between the main thread (src/cluster) and a CS-2 worker
// (src/cs2/worker.ts), as piscina keeps types.ts + symbols.ts: every message type and every slot of the
// shared control block. Both sides import it; neither imports the other. Weights and gradients never travel
// in messages: they live in the shared WebAssembly.Memory (protocol/memory-map.ts); messages only carry
// small descriptions, once per run.
//
// Control flow of one step (N systems, L streamed layers; seq = command sequence number, 1, 2, ...):
//   main: write each system's batch share into its input region      → CMD_STEP
//   for l = 0..L-1: MemoryX streams layer l into a broadcast slot     → CMD_FORWARD(l, slot)
//                                                                     → CMD_LOSS (loss sums, dLogits)
//   for l = L-1..0: MemoryX streams layer l again                     → CMD_BACKWARD(l, slot)
//                   SwarmX tree-reduces the N gradient regions; MemoryX updates layer l
// Commands are QUEUED: main writes command seq into record seq mod RING of the ring, then stores SEQ = seq
// and notifies; every worker runs the records in order, each as soon as it is published (a system starts
// layer l+1 as soon as its weights are in their slot, not when the other systems are done with layer l),
// stores its LAST_SEQ = seq, adds 1 to DONE and notifies. Main waits on DONE until every LAST_SEQ reaches
// the command it needs (a slot to reuse, a gradient to reduce); it never overwrites a record that a live
// system has not run (seq - RING ≤ every LAST_SEQ). A worker that throws writes its error text and the
// failed command, sets its STATUS to FAILED and skips the rest until the next STEP (still counting each
// command done), so main never waits on a failed system. A REDUCE waits on the systems' side for every
// system's BACKWARD of its layer (REC.ARG2 = that command's seq), or for ABORT.
// With updateOn 'systems', MemoryX hands the update of a DRAM record to the systems: the REDUCE of layer l+1
// goes out after the BACKWARD of layer l and each system updates the slice it summed (no barrier between the
// two, nothing on the main thread); main only marks the layer updated once every system has done it.
// A control round trip costs ~25 µs here (Atomics), a postMessage to a Piscina task far more: hence one
// long-lived task per system for the whole run, fed through this block.
import type { ResolvedOptimizer } from '../memoryx/optimizer.js';

/** Commands (value of a record's REC.CMD). */
export const CMD = {
  /** Start of a step (or an evaluation batch): reset the activation arena; the input region holds the share. */
  STEP: 1,
  /** Forward of streamed layer REC.LAYER with its wire block in broadcast slot REC.SLOT. */
  FORWARD: 2,
  /** Loss of the share: write the loss sum and correct count; unless REC.ARG = 1 (eval), prepare dLogits. */
  LOSS: 3,
  /**
   * Backward (delta + gradient) of streamed layer REC.LAYER, weights again in slot REC.SLOT (-1: it reads
   * none); gradient → grad buffer REC.ARG (0/1), once every system has done command REC.ARG2 (0: at once),
   * the last REDUCE that reads that buffer.
   */
  BACKWARD: 4,
  /** Leave the loop: the task returns. */
  EXIT: 5,
  /** Do nothing but answer (used to check that every system is alive after a restart). */
  PING: 6,
  /**
   * SwarmX's additions for layer LAYER, gradient buffer ARG, on this system's slice of the floats
   * (swarmx/swarm.ts reduceSlice): every system adds its slice over all N blocks in the tree's order, once
   * every system has done command ARG2 (the layer's BACKWARD). With T > 0 it also runs MemoryX's update of
   * the layer on the same slice (a record MemoryX handed off, memoryx/store.ts updateRecord): the record's
   * slot at PTR, read from FROM bytes away, optimizer step T, the sum in the reduce root's buffer ARG.
   */
  REDUCE: 7,
} as const;
export type Command = (typeof CMD)[keyof typeof CMD];
export const CMD_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CMD).map(([k, v]) => [v, k.toLowerCase()]));

/** Worker status (value of the per-worker STATUS slot). */
export const STATUS = { STARTING: 0, READY: 1, FAILED: 2 } as const;

/** Slots of the control block (Int32Array over a SharedArrayBuffer). */
export const CTL = {
  /** Commands published: main stores seq after writing record seq of the ring; workers Atomics.wait on it. */
  SEQ: 0,
  /** Commands done, all systems together (each adds 1 per command); main and a REDUCE Atomics.wait on it. */
  DONE: 1,
  /** Workers that reached READY after their task started (counted up once per task start). */
  READY: 2,
  /** 1 while main abandons a failed attempt: a REDUCE waiting for other systems gives up (fails). */
  ABORT: 3,
  /** First per-worker slot. */
  WORKER_BASE: 16,
} as const;

/** Commands the ring holds: main runs at most RING commands ahead of the slowest live system. */
export const RING = 32;

/** Fields of one command record, at ring base + (seq mod RING)·REC_STRIDE + field. */
export const REC = {
  CMD: 0,
  LAYER: 1,
  SLOT: 2,
  /** STEP: training step (-1: evaluation) the commands up to the next STEP belong to (for fault injection). */
  STEP: 3,
  /** STEP: attempt of this step (0 = first try; retries count up). */
  ATTEMPT: 4,
  /** Command argument (LOSS: 1 = evaluation, no backward; BACKWARD, REDUCE: which gradient buffer, 0 or 1). */
  ARG: 5,
  /** STEP: global batch size of the step (its LOSS is a mean over it: dLogits are scaled by 1/BATCH). */
  BATCH: 6,
  /** REDUCE: the seq of the layer's BACKWARD, which every system must have done first. BACKWARD: see CMD. */
  ARG2: 7,
  /** REDUCE with an update: byte pointer of the record slot written (read as unsigned: the memory may pass 2 GiB). */
  PTR: 8,
  /** REDUCE with an update: byte distance from the slot written to the slot read (signed). */
  FROM: 9,
  /** REDUCE: 0 = additions only; t > 0 = then MemoryX's update, optimizer step t (1-based, AdamW's bias correction). */
  T: 10,
} as const;
export const REC_STRIDE = 12;

/** Per-worker slots, at CTL.WORKER_BASE + w·WORKER_STRIDE + offset. */
export const WSLOT = {
  STATUS: 0,
  /** Samples this system holds in the current step. */
  SAMPLES: 1,
  /** Bytes of UTF-8 error text written in its error region. */
  ERROR_LEN: 2,
  /** Last seq it completed (commands run in order: every command up to it is done). */
  LAST_SEQ: 3,
  /** Wafer SRAM bytes its activations take (reported at READY). */
  SRAM_USED: 4,
  /** Byte offsets of its input [D, b] and labels [b] buffers (reported at READY; main writes the shares there). */
  INPUT_PTR: 5,
  LABELS_PTR: 6,
  /** The command and layer it failed (valid while STATUS = FAILED). */
  FAIL_CMD: 7,
  FAIL_LAYER: 8,
} as const;
export const WORKER_STRIDE = 12;

/** Float64 results per worker (Float64Array over the same SharedArrayBuffer, after the int slots). */
export const F64 = {
  /** Its share of the mean loss of the last LOSS command: Σ_{b in share} CE_b / BATCH. */
  LOSS_SHARE: 0,
  /** Samples it classified correctly in the last LOSS command. */
  CORRECT: 1,
  /**
   * Wall-clock start and end of each command of the ring, epoch ms (performance.timeOrigin + now():
   * comparable across threads): command seq's at T_TIMES + 2·(seq mod RING) and the next.
   */
  T_TIMES: 2,
} as const;
export const F64_STRIDE = 2 + 2 * RING;

/** Bytes of error text each worker may leave. */
export const ERROR_BYTES = 1024;

export interface ControlLayout {
  bytes: number;
  /** Int32 slots (the per-worker slots, then the ring). */
  ints: number;
  /** Int32 index of the ring's first record. */
  ring: number;
  /** Byte offset of the Float64 results. */
  f64Offset: number;
  /** Byte offset of the error texts (ERROR_BYTES per worker). */
  errorOffset: number;
}

export function controlLayout(systems: number): ControlLayout {
  const ring = CTL.WORKER_BASE + systems * WORKER_STRIDE;
  const ints = ring + RING * REC_STRIDE;
  const f64Offset = Math.ceil((ints * 4) / 8) * 8;
  const errorOffset = f64Offset + systems * F64_STRIDE * 8;
  return { bytes: errorOffset + systems * ERROR_BYTES, ints, ring, f64Offset, errorOffset };
}

export function wslot(w: number, s: number): number {
  return CTL.WORKER_BASE + w * WORKER_STRIDE + s;
}

/** Int32 index of field `f` of command seq's record in the ring. */
export function rec(cl: ControlLayout, seq: number, f: number): number {
  return cl.ring + (seq % RING) * REC_STRIDE + f;
}

/** Index in a worker's Float64 results of command seq's start time (its end time is the next index). */
export function timeIndex(w: number, seq: number): number {
  return w * F64_STRIDE + F64.T_TIMES + 2 * (seq % RING);
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
  /**
   * The reduce tree's additions ([into, from] system pairs, in order), every system's two gradient buffers
   * and the system whose buffer holds the sum.
   */
  reduce: { adds: Array<[number, number]>; gradPtrs: Array<[number, number]>; root: number };
  /** MemoryX's optimizer, for a REDUCE that carries its update (REC.T > 0). */
  optimizer: ResolvedOptimizer;
}

/** What a worker task resolves with when it leaves on CMD.EXIT. */
export interface WorkerResult {
  system: number;
  commands: number;
  sramBytes: number;
}
