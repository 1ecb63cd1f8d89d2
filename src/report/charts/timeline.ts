// The pipeline timeline of a Chrome trace (issue 6's training-step schedule, or any trace with 'X'
// complete events or B/E pairs): one row per track (process · thread), one bar per event, coloured by
// category. Tracks that repeat another track exactly (CS-2 in lockstep) are drawn once; very long
// traces are cut to their first events (the caption says so). A derived row marks where weights stream
// while the wafer computes.
import type { Chart, TraceEventLike } from '../types.js';

/** Most bars drawn; later events are left out (and the caption says how much time is shown). */
export const MAX_BARS = 4000;
/** Training steps drawn when events carry args.step: enough to see one iteration boundary and the steady state. */
export const STEPS_SHOWN = 3;

interface Bar {
  track: string;
  order: number;
  name: string;
  cat: string;
  start: number; // µs
  end: number; // µs
}

/** Complete events (ph X, or B/E pairs per pid/tid) as bars, with track names from the metadata events. */
export function traceBars(events: TraceEventLike[]): Bar[] {
  const procName = new Map<string, string>();
  const procSort = new Map<string, number>();
  const threadName = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    const name = e.args?.name;
    if (e.name === 'process_name' && typeof name === 'string') procName.set(String(e.pid), name);
    if (e.name === 'thread_name' && typeof name === 'string') threadName.set(`${e.pid}:${e.tid}`, name);
    if (e.name === 'process_sort_index' && typeof e.args?.sort_index === 'number') procSort.set(String(e.pid), e.args.sort_index);
  }
  const pids = [...new Set(events.filter((e) => e.ph !== 'M').map((e) => String(e.pid ?? 0)))];
  pids.sort((a, b) => (procSort.get(a) ?? Number(a)) - (procSort.get(b) ?? Number(b)) || a.localeCompare(b));
  const trackOf = (e: TraceEventLike) => {
    const pid = String(e.pid ?? 0);
    const p = procName.get(pid) ?? `process ${pid}`;
    const t = threadName.get(`${pid}:${e.tid ?? 0}`);
    return t ? `${p} · ${t}` : p;
  };
  const pidRank = new Map(pids.map((p, i) => [p, i]));
  const orderOf = (e: TraceEventLike) => (pidRank.get(String(e.pid ?? 0)) ?? 0) * 1e6 + Number(e.tid ?? 0);
  const bars: Bar[] = [];
  const open = new Map<string, TraceEventLike[]>();
  for (const e of events) {
    if (typeof e.ts !== 'number') continue;
    if (e.ph === 'X' && typeof e.dur === 'number') {
      bars.push({ track: trackOf(e), order: orderOf(e), name: e.name ?? '', cat: e.cat ?? e.name ?? '', start: e.ts, end: e.ts + e.dur });
    } else if (e.ph === 'B') {
      const k = `${e.pid}:${e.tid}`;
      const stack = open.get(k);
      if (stack) stack.push(e);
      else open.set(k, [e]);
    } else if (e.ph === 'E') {
      const b = open.get(`${e.pid}:${e.tid}`)?.pop();
      if (b) bars.push({ track: trackOf(b), order: orderOf(b), name: b.name ?? '', cat: b.cat ?? b.name ?? '', start: b.ts!, end: e.ts });
    }
  }
  return bars.sort((a, b) => a.start - b.start || a.order - b.order);
}

/** Drops tracks whose events are identical (name, start, end) to an earlier track's. Returns the dropped names. */
function dedupeTracks(bars: Bar[]): { bars: Bar[]; same: Map<string, string[]> } {
  const byTrack = new Map<string, Bar[]>();
  for (const b of bars) {
    const list = byTrack.get(b.track);
    if (list) list.push(b);
    else byTrack.set(b.track, [b]);
  }
  const tracks = [...byTrack.keys()].sort((a, b) => byTrack.get(a)![0].order - byTrack.get(b)![0].order);
  const seen = new Map<string, string>();
  const same = new Map<string, string[]>();
  const keep = new Set<string>();
  for (const t of tracks) {
    // The signature ignores the process: CS-2 #0 · wafer and CS-2 #1 · wafer match when their events do.
    const sig = t.replace(/^.*· /, '') + '|' + byTrack.get(t)!.map((b) => `${b.name}@${b.start}-${b.end}`).join(',');
    const first = seen.get(sig);
    if (first) same.set(first, [...(same.get(first) ?? []), t]);
    else (seen.set(sig, t), keep.add(t));
  }
  return { bars: bars.filter((b) => keep.has(b.track)), same };
}

/** The union of some bars' time as sorted, disjoint [start, end] intervals. */
export function unionOf(bars: Bar[]): Array<[number, number]> {
  const sorted = bars.map((b): [number, number] => [b.start, b.end]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Where two sets of sorted disjoint intervals overlap. */
export function intersect(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const s = Math.max(a[i][0], b[j][0]);
    const e = Math.min(a[i][1], b[j][1]);
    if (e > s) out.push([s, e]);
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return out;
}

const total = (iv: Array<[number, number]>) => iv.reduce((t, [a, b]) => t + b - a, 0);

/**
 * Streaming and computing at once: when a trace has a weights-out track and a wafer track (src/timeline's
 * trace), a derived row of the times both are busy, placed under the wafer, and the shares in words.
 */
function overlapRow(bars: Bar[], t0: number, t1: number): { bars: Bar[]; note: string } {
  const stream = bars.filter((b) => b.track.endsWith('· weights out'));
  const wafer = bars.filter((b) => b.track.endsWith('· wafer'));
  if (!stream.length || !wafer.length) return { bars: [], note: '' };
  const track = wafer[0].track;
  const w = unionOf(bars.filter((b) => b.track === track));
  const st = unionOf(stream);
  const both = intersect(w, st);
  const span = t1 - t0;
  const pct = (iv: Array<[number, number]>) => `${((100 * total(iv)) / span).toFixed(0)} %`;
  const order = wafer[0].order + 0.5;
  return {
    bars: both.map(([start, end]) => ({ track: 'overlap · stream ∥ wafer', order, name: 'stream ∥ compute', cat: 'stream ∥ compute', start, end })),
    note: `Of the time shown, the wafer (${track}) computes ${pct(w)}, weights stream ${pct(st)}, both at once ${pct(both)} (the overlap row: stream ∥ wafer).`,
  };
}

/** Three significant digits, never in exponent form. */
const short = (x: number) => String(Number(x.toPrecision(3)));

export function timelineChart(events: TraceEventLike[], file: string, id = 'timeline'): Chart | undefined {
  const stepOf = (e: TraceEventLike) => (typeof e.args?.step === 'number' ? e.args.step : undefined);
  const steps = new Set(events.map(stepOf).filter((s) => s !== undefined));
  const all = traceBars(steps.size > STEPS_SHOWN ? events.filter((e) => (stepOf(e) ?? 0) < STEPS_SHOWN) : events);
  if (all.length === 0) return undefined;
  const { bars: unique, same } = dedupeTracks(all);
  let t0 = Infinity;
  let tEnd = -Infinity;
  for (const b of unique) (t0 = Math.min(t0, b.start), tEnd = Math.max(tEnd, b.end)); // no spread: traces have millions of events
  const firstShown = unique.slice(0, MAX_BARS);
  const cut = firstShown.length < unique.length ? firstShown[firstShown.length - 1].start : tEnd;
  const overlap = overlapRow(firstShown, t0, cut);
  const shown = [...firstShown, ...overlap.bars];
  const spanUs = cut - t0;
  const [unit, div] = spanUs >= 10e6 ? ['s', 1e6] : spanUs >= 10e3 ? ['ms', 1e3] : ['µs', 1];
  const values = shown.map((b) => ({ track: b.track, order: b.order, event: b.name, category: b.cat, start: (b.start - t0) / div, end: (b.end - t0) / div }));
  const tracks = [...new Set([...values].sort((a, b) => a.order - b.order).map((v) => v.track))];
  const categories = [...new Set(values.map((v) => v.category))]; // in order of first appearance
  const lockstep = [...same.entries()].map(([t, others]) => `${others.length} more track${others.length > 1 ? 's' : ''} identical to ${t}`);
  const notes = [
    steps.size > STEPS_SHOWN ? `The first ${STEPS_SHOWN} of the ${steps.size} steps in the trace.` : '',
    lockstep.length ? `Not drawn: ${lockstep.join('; ')} (systems in lockstep).` : '',
    firstShown.length < unique.length ? `Showing the first ${firstShown.length} of ${unique.length} events (${short((cut - t0) / div)} of ${short((tEnd - t0) / div)} ${unit}).` : '',
    overlap.note,
  ].filter(Boolean);
  return {
    id,
    title: 'Pipeline timeline of a training step',
    caption: 'Read each row left to right: weights stream out of MemoryX while the wafer computes (the overlap row marks both at once), and gaps on the wafer row are time it waits for weights or updates.',
    notes: notes.join(' '),
    sources: [file],
    series: tracks,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 720,
      height: Math.max(60, tracks.length * 26),
      data: { values },
      layer: [
        {
          name: 'series_bars',
          mark: { type: 'bar', stroke: 'white', strokeWidth: 0.3 },
          encoding: {
            y: { field: 'track', type: 'nominal', title: 'track (component)', sort: tracks, axis: { labelLimit: 260 } },
            x: { field: 'start', type: 'quantitative', title: `simulated time (${unit})` },
            x2: { field: 'end' },
            color: { field: 'category', type: 'nominal', title: 'event', sort: categories },
            description: { field: 'track', type: 'nominal' },
          },
        },
      ],
    },
  };
}
