// The Chrome Trace Event format (which Perfetto and chrome://tracing open) for a schedule: one process
// per component (MemoryX, SwarmX, each CS-2), 'X' complete events in microseconds of simulated time,
// named by layer and pass, with bytes and FLOP as arguments.
import { requireArray, requireObject, requireString } from '../errors.js';
import type { EventKind, LayerCost, Schedule } from './schedule.js';
import { writeFileAtomic } from '../io/atomic.js';

export interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

export interface Trace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData?: Record<string, unknown>;
}

const PID_MEMORYX = 1;
const PID_SWARMX = 2;
const PID_CS2 = 10; // CS-2 #k is pid 10 + k

/** Where each kind of event is drawn: [pid offset kind, tid, track name]. */
const TRACK: Record<EventKind, { on: 'memoryx' | 'swarmx' | 'cs2'; tid: number; track: string }> = {
  streamFwd: { on: 'memoryx', tid: 1, track: 'weights out' },
  streamBwd: { on: 'memoryx', tid: 1, track: 'weights out' },
  update: { on: 'memoryx', tid: 2, track: 'optimizer' },
  reduce: { on: 'swarmx', tid: 1, track: 'reduce tree' },
  forward: { on: 'cs2', tid: 1, track: 'wafer' },
  delta: { on: 'cs2', tid: 1, track: 'wafer' },
  gradient: { on: 'cs2', tid: 1, track: 'wafer' },
  gradOut: { on: 'cs2', tid: 2, track: 'gradient out' },
};

/** Builds the trace of a schedule for `systems` CS-2 (they run in lockstep: the same events on each). */
export function toTrace(sched: Schedule, layers: readonly LayerCost[], systems: number, otherData?: Record<string, unknown>): Trace {
  requireArray('schedule.events', requireObject('schedule', sched).events);
  requireArray('layers', layers);
  const ev: TraceEvent[] = [];
  const meta = (pid: number, name: string, tids: Array<[number, string]>) => {
    ev.push({ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid: 0, args: { name } });
    ev.push({ name: 'process_sort_index', cat: '__metadata', ph: 'M', ts: 0, pid, tid: 0, args: { sort_index: pid } });
    for (const [tid, n] of tids) ev.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid, tid, args: { name: n } });
  };
  meta(PID_MEMORYX, 'MemoryX', [[1, 'weights out'], [2, 'optimizer']]);
  meta(PID_SWARMX, 'SwarmX', [[1, 'reduce tree']]);
  for (let k = 0; k < systems; k++) meta(PID_CS2 + k, `CS-2 #${k}`, [[1, 'wafer'], [2, 'gradient out']]);
  for (const e of sched.events) {
    const t = TRACK[e.kind];
    const cost = layers[e.layer];
    const args: Record<string, unknown> = { step: e.step, layer: e.layer };
    const bytes = cost.bytes?.[e.kind];
    const flop = cost.flop?.[e.kind];
    if (bytes !== undefined) args.bytes = bytes;
    if (flop !== undefined) args.flop = flop;
    const base = { name: `${cost.name} ${e.kind}`, cat: e.kind, ph: 'X' as const, ts: e.start * 1e6, dur: (e.end - e.start) * 1e6, tid: t.tid, args };
    if (t.on === 'memoryx') ev.push({ ...base, pid: PID_MEMORYX });
    else if (t.on === 'swarmx') ev.push({ ...base, pid: PID_SWARMX });
    else for (let k = 0; k < systems; k++) ev.push({ ...base, pid: PID_CS2 + k });
  }
  return { traceEvents: ev, displayTimeUnit: 'ms', otherData };
}

/**
 * The trace as JSON text, one event per line (compact, yet a line per event for grep and diff).
 * Returns what writeTrace writes.
 */
export function traceJson(trace: Trace): string {
  const head = { displayTimeUnit: trace.displayTimeUnit, ...(trace.otherData ? { otherData: trace.otherData } : {}) };
  const lines = trace.traceEvents.map((e) => JSON.stringify(e));
  return `${JSON.stringify(head).slice(0, -1)},"traceEvents":[\n${lines.join(',\n')}\n]}\n`;
}

/** Writes a trace file atomically; returns its size in bytes. */
export function writeTrace(path: string, trace: Trace): number {
  requireString('path', path);
  requireObject('trace', trace);
  const text = traceJson(trace);
  writeFileAtomic(path, text);
  return Buffer.byteLength(text, 'utf8');
}
