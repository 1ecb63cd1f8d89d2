// The core of THE scheduler (src/timeline/schedule.ts has the rules in words and the public API): walks
// one step's program (micro-batches, forward, backward by recompute group, updates) and places each event
// by the dependency rule of the pipeline mode, on typed arrays (the at-scale sweeps run it ~10^4 times).
// Legend: L = layers (streamed units), m = micro-batches, k = event kind code (EVENT_KINDS order),
// sec = per-layer seconds, 8 per layer in kind order.

/** Event kind codes, in EVENT_KINDS order. */
export const SF = 0, F = 1, SB = 2, D = 3, G = 4, O = 5, R = 6, U = 7;
/** Resource codes: stream, compute, gradOut, reduce, update. */
const STREAM = 0, COMPUTE = 1, GRADOUT = 2, REDUCE = 3, UPDATE = 4;
const RESOURCE_CODE = [STREAM, COMPUTE, STREAM, COMPUTE, COMPUTE, GRADOUT, REDUCE, UPDATE];

/** 0 = none, 1 = coarse, 2 = full. */
export type ModeCode = 0 | 1 | 2;

/** Receives every placed event (schedule() records them; the fast path passes none). */
export type EventSink = (step: number, layer: number, kind: number, resource: number, start: number, end: number, micro: number, recompute: boolean) => void;

export interface RunConfig {
  sec: Float64Array;
  L: number;
  mode: ModeCode;
  halfDuplex: boolean;
  microBatches: number;
  /** Per layer, its recompute group or -1 (undefined: nothing recomputed). */
  groups: ArrayLike<number> | undefined;
  cached: boolean;
  sink?: EventSink;
}

/** The scheduler's state across events and steps. */
export class StepRun {
  readonly free = new Float64Array(5);
  readonly busy = new Float64Array(5);
  private readonly covered = new Float64Array(5);
  private readonly endD: Float64Array;
  private readonly endG: Float64Array;
  private readonly endO: Float64Array;
  private readonly endR: Float64Array;
  private readonly prevUpdates: Float64Array; // end of update(s-1, l)
  private readonly updates: Float64Array;
  private readonly res: Uint8Array;
  private prevEnd = 0; // end of the previous event in program order (the serial chain of 'none')
  private prevStepEnd = 0;
  private passStart = 0; // start of the latest compute pass (a forward or a delta): the one-layer look-ahead
  private streamEnd = 0; // end of the latest weight stream: the next compute pass waits for it
  private lastReduce = 0;
  private afterStream = false; // the previous event was a weight stream
  /** End of the latest event other than an update. */
  work = 0;
  stepEnd = 0;
  readonly stepEnds: number[] = [];
  /** First step: end of each micro-batch's last compute event. */
  readonly microEnds: number[] = [];
  private step = 0;
  private readonly sec: Float64Array;
  private readonly mode: ModeCode;
  private readonly sink: EventSink | undefined;

  constructor(private readonly c: RunConfig) {
    const L = c.L;
    this.sec = c.sec;
    this.mode = c.mode;
    this.sink = c.sink;
    const buf = new Float64Array(6 * L); // one allocation for the per-layer state
    this.endD = buf.subarray(0, L);
    this.endG = buf.subarray(L, 2 * L);
    this.endO = buf.subarray(2 * L, 3 * L);
    this.endR = buf.subarray(3 * L, 4 * L);
    this.prevUpdates = buf.subarray(4 * L, 5 * L);
    this.updates = buf.subarray(5 * L, 6 * L);
    this.res = Uint8Array.from(RESOURCE_CODE);
    if (c.halfDuplex) this.res[O] = STREAM;
  }

  /** Places one event: starts when its resource is free and its dependencies have ended. */
  private event(k: number, l: number, mb: number, rec: boolean): void {
    const mode = this.mode;
    let dep = 0;
    if (mode === 0) dep = this.prevEnd;
    else if (k === SF || k === SB) {
      dep = this.passStart;
      // the weights must be updated before they stream again (the step's first forward pass)
      if (k === SF && mb === 0 && !rec) {
        const u = mode === 2 ? this.prevUpdates[l] : this.prevStepEnd;
        if (u > dep) dep = u;
      }
    } else if (k === F) dep = this.streamEnd;
    else if (k === D) dep = this.afterStream ? this.streamEnd : 0;
    else if (k === G) dep = this.endD[l];
    else if (k === O) dep = this.endG[l];
    else if (k === R) dep = this.endO[l];
    else dep = mode === 1 && this.lastReduce > this.endR[l] ? this.lastReduce : this.endR[l];
    const r = this.res[k];
    const free = this.free;
    const start = r === REDUCE || free[r] < dep ? dep : free[r];
    const e = start + this.sec[8 * l + k];
    if (r !== REDUCE) free[r] = e;
    // busy: the time the resource has work (for the pipelined tree, the union of its events' intervals)
    const cov = this.covered[r];
    const from = start > cov ? start : cov;
    if (e > from) this.busy[r] += e - from;
    if (e > cov) this.covered[r] = e;
    this.afterStream = k === SF || k === SB;
    if (this.afterStream) this.streamEnd = e;
    else if (k === F) this.passStart = start;
    else if (k === D) (this.passStart = start), (this.endD[l] = e);
    else if (k === G) this.endG[l] = e;
    else if (k === O) this.endO[l] = e;
    else if (k === R) (this.endR[l] = e), e > this.lastReduce && (this.lastReduce = e);
    else this.updates[l] = e;
    if (k !== U && e > this.work) this.work = e;
    if (this.step === 0 && (k === F || k === D || k === G)) this.microEnds[mb] = e;
    if (this.sink !== undefined) this.sink(this.step, l, k, r, start, e, mb, rec);
    this.prevEnd = e;
    if (e > this.stepEnd) this.stepEnd = e;
  }

  /** One step: per micro-batch forward 0..L-1, then the backward by recompute group, L-1..0; updates after
   *  the last micro-batch's reduce of each layer, or (coarse) after the whole backward. */
  runStep(): void {
    const { L, microBatches: m, groups, cached, mode } = this.c;
    this.stepEnd = 0;
    for (let mb = 0; mb < m; mb++) {
      const last = mb === m - 1;
      for (let l = 0; l < L; l++) this.event(SF, l, mb, false), this.event(F, l, mb, false);
      for (let b = L; b > 0; ) {
        const g = groups ? groups[b - 1] : -1;
        let a = b - 1;
        if (g >= 0) {
          while (a > 0 && groups![a - 1] === g) a--;
          for (let l = a; l < b; l++) this.event(SF, l, mb, true), this.event(F, l, mb, true);
        }
        const skipStream = g >= 0 && cached;
        for (let l = b - 1; l >= a; l--) {
          if (!skipStream) this.event(SB, l, mb, false);
          this.event(D, l, mb, false), this.event(G, l, mb, false), this.event(O, l, mb, false), this.event(R, l, mb, false);
          if (last && mode !== 1) this.event(U, l, mb, false);
        }
        b = a;
      }
    }
    if (mode === 1) for (let l = L - 1; l >= 0; l--) this.event(U, l, m - 1, false);
    this.prevUpdates.set(this.updates);
    this.prevStepEnd = this.stepEnd;
    this.stepEnds.push(this.stepEnd);
    this.step++;
  }
}
