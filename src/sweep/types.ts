// The shapes of a sweep: the sweep file as parsed, one run configuration, the messages between the
// main thread and the pool's workers, and one line of the results file. The cross-thread protocol
// lives here and nowhere else.
import type { RanOn } from '../build.js';

/** After a stop, how long a local sweep's runs in flight have to finish by default (SweepOptions.stopGraceSeconds). */
export const DEFAULT_STOP_GRACE_SECONDS = 30;
/** The longest a Node timer waits (2^31 - 1 ms, 24.8 days): a longer delay fires at once (TimeoutOverflowWarning); a longer grace waits this long. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a run simulates: the at-scale estimate, the cycle-level fabric, functional training, or a user module. */
export const RUN_KINDS = ['estimate', 'fabric', 'train', 'module'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/** A configuration: plain JSON data (what the area's API takes). */
export type Config = Record<string, unknown>;

/** One axis after expansion: the field it sets (dotted path) and the values it takes, in order. */
export interface Axis {
  /** Dotted path of the field in the configuration, e.g. `systems` or `optimizer.lr`. */
  field: string;
  values: unknown[];
}

/** A validated sweep file. */
export interface SweepSpec {
  name?: string;
  kind: RunKind;
  /** For kind `module`: absolute path of the JS module exporting `run(config)` (and optionally `validate(config)`). */
  module?: string;
  base: Config;
  axes: Axis[];
  /** Where the spec came from (for messages), if it was a file. */
  source?: string;
}

/** One run of the expanded sweep. */
export interface Run {
  /** Position in the cartesian product (axes in file order, the last axis varying fastest). */
  index: number;
  hash: string;
  config: Config;
  /** For each axis, the index of the value this run takes (for error messages). */
  axisIndex: number[];
}

/** An error as recorded in a results line. */
export interface RunError {
  name: string;
  message: string;
}

/** When a run started (ISO 8601, wall clock) and how long it took (seconds, wall clock, not simulated time). */
export interface Timings {
  startedAt: string;
  wallSeconds: number;
}

/** One line of the results file (JSON Lines): exactly one of `result` and `error` is present. */
export interface ResultLine {
  hash: string;
  kind: RunKind;
  config: Config;
  result?: unknown;
  error?: RunError;
  timings: Timings;
  /** Where it ran: the host and the build (src/build.ts); absent in lines written before it was recorded. */
  ranOn?: RanOn;
}

// ---- worker protocol: one Piscina task = a batch of runs of one kind --------------------------------

/** Main thread → worker: run these configurations one after the other. */
export interface WorkerTask {
  kind: RunKind;
  /** For kind `module`: absolute path of the user's module. */
  module?: string;
  runs: Array<{ hash: string; config: Config }>;
  /**
   * The sweep's stop word (an Int32Array[1] over a SharedArrayBuffer, shared by every task of the sweep):
   * non-zero once the sweep is stopped (^C). The worker starts no run after it is set, so a task still
   * queued in the pool when the sweep stops runs nothing, and the reply holds the runs that did run (a
   * prefix of `runs`).
   */
  stop?: Int32Array;
}

/**
 * Worker → main thread: one outcome per run of the task, in the task's order (fewer once `stop` is set). A result travels as its
 * JSON text (the worker serialises it once; the main thread splices it into the line as is).
 */
export type WorkerReply = Array<{ hash: string; resultJson?: string; error?: RunError; timings: Timings }>;
