// The step schedule in simulated time: 'none' is the sum of its events; 'coarse' and 'full' equal
// closed forms worked out by hand for a two-layer model; 'full' hides every update but layer 0's.
import { describe, expect, it } from 'vitest';
import { exposedSeconds, schedule, type LayerCost, type EventKind } from '../../src/timeline/schedule.js';
import { toTrace } from '../../src/timeline/trace.js';
import { summarize } from '../../src/timeline/summary.js';

const cost = (name: string, v: number[]): LayerCost => {
  const kinds: EventKind[] = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'];
  return { name, seconds: Object.fromEntries(kinds.map((k, i) => [k, v[i]])) as Record<EventKind, number>, bytes: { streamFwd: 100 }, flop: { forward: 7 } };
};
//                      sF F sB D G O R U
const L0 = cost('L0', [1, 3, 1, 2, 2, 1, 1, 2]);
const L1 = cost('L1', [2, 4, 2, 3, 3, 1, 1, 2]);
const layers = [L0, L1];

describe('step schedule', () => {
  it("'none' is one serial chain: the step time is the sum of its events", () => {
    const s = schedule(layers, 3, 'none');
    expect(s.stepSeconds).toBe(13 + 18);
    expect(s.makespan).toBe(3 * 31);
  });

  it("'coarse' matches the hand-worked schedule (updates after the whole backward)", () => {
    // step 0: sF0[0,1] F0[1,4] sF1[1,3] F1[4,8] sB1[4,6] D1[8,11] G1[11,14] O1[14,15] R1[15,16]
    //         sB0[8,9] D0[14,16] G0[16,18] O0[18,19] R0[19,20] U1[20,22] U0[22,24]; step 1 starts at 24
    const s = schedule(layers, 3, 'coarse');
    const e0 = s.events.filter((e) => e.step === 0);
    const at = (k: string, l: number) => e0.find((e) => e.kind === k && e.layer === l)!;
    expect([at('streamFwd', 1).start, at('streamFwd', 1).end]).toEqual([1, 3]);
    expect([at('delta', 0).start, at('delta', 0).end]).toEqual([14, 16]);
    expect([at('update', 1).start, at('update', 0).end]).toEqual([20, 24]);
    expect(s.stepEnds).toEqual([24, 48, 72]);
    expect(s.stepSeconds).toBe(24);
    expect(exposedSeconds(layers, s)).toBe(24 - 17);
  });

  it("'full' hides the update of layer 1 behind the backward of layer 0: only layer 0's update is exposed", () => {
    // step 0 as coarse but U1[16,18] right after R1, U0[20,22]; step 1: sF0 waits for U0 → [22,23], sF1 for U1 (done)
    const s = schedule(layers, 3, 'full');
    const u1 = s.events.find((e) => e.step === 0 && e.kind === 'update' && e.layer === 1)!;
    expect([u1.start, u1.end]).toEqual([16, 18]);
    expect(s.stepEnds).toEqual([22, 44, 66]);
    expect(s.stepSeconds).toBe(22);
    expect(exposedSeconds(layers, s)).toBe(22 - 17);
    // what 'full' saves over 'coarse' is exactly the update of layer 1
    expect(schedule(layers, 3, 'coarse').stepSeconds - s.stepSeconds).toBe(L1.seconds.update);
  });

  it('with streaming slower than compute, the step is bound by the stream link', () => {
    const slow = [cost('a', [10, 1, 10, 1, 1, 0, 0, 0]), cost('b', [10, 1, 10, 1, 1, 0, 0, 0])];
    const s = schedule(slow, 4, 'full');
    // four streams back to back, then layer 0's delta + gradient (2) before its update frees the next stream
    expect(s.stepSeconds).toBeCloseTo(40 + 2, 9);
    expect(s.busy.stream).toBe(4 * 40);
  });

  it('the SwarmX tree is pipelined: a reduce lasts its latency but the next one enters right behind it', () => {
    // coarse with a 5 s tree latency: O1[14,15] R1[15,20]; O0[18,19] R0[19,24] (overlaps R1; serialized it
    // would wait until 20); U1[24,26] U0[26,28]: 28 per step (29 if the tree held one reduction at a time)
    const slowTree = layers.map((c) => ({ ...c, seconds: { ...c.seconds, reduce: 5 } }));
    const s = schedule(slowTree, 2, 'coarse');
    const r0 = s.events.find((e) => e.step === 0 && e.kind === 'reduce' && e.layer === 0)!;
    expect([r0.start, r0.end]).toEqual([19, 24]);
    expect(s.stepSeconds).toBe(28);
    // busy: the union of the reduce intervals, [15, 24] per step
    expect(s.busy.reduce).toBe(2 * 9);
    const sum = summarize(slowTree, 2, 'coarse');
    expect(sum.utilization.reduce).toBeCloseTo(18 / 56, 12);
    expect(sum.busySecondsPerStep.stream).toBe(6);
    expect(sum.exposedLatencySeconds).toBe(28 - 17);
  });

  it('long runs: scheduling the first k steps and extrapolating by the last period equals scheduling all', () => {
    const odd = [cost('a', [0.3, 1.7, 0.3, 0.9, 1.1, 2.5, 0.7, 4.1]), cost('b', [2.2, 0.4, 2.2, 0.5, 0.5, 0.2, 0.7, 0.3]), cost('c', [0.1, 0.1, 0.1, 0.1, 0.1, 3, 0.7, 6])];
    for (const set of [layers, odd]) {
      for (const mode of ['none', 'coarse', 'full'] as const) {
        const all = summarize(set, 60, mode);
        const cut = summarize(set, 60, mode, {}, 6);
        expect(cut.steps).toBe(60);
        for (const k of ['simulatedStepSeconds', 'simulatedSeconds', 'exposedLatencySeconds'] as const) expect(cut[k]).toBeCloseTo(all[k], 9);
        for (const r of Object.keys(all.utilization) as Array<keyof typeof all.utilization>) expect(cut.utilization[r]).toBeCloseTo(all.utilization[r], 9);
      }
    }
  });

  it('half-duplex I/O: gradients go out on the weight link, in program order with the streams', () => {
    // coarse as above until G1 [11,14]; then O1 on the link [14,15], R1 [15,16]; sB0 must follow O1 on
    // the link: [15,16] (full duplex: [8,9]); D0 [16,18] G0 [18,20] O0 [20,21] R0 [21,22] U1 [22,24] U0 [24,26]
    const s = schedule(layers, 3, 'coarse', { halfDuplex: true });
    const sB0 = s.events.find((e) => e.step === 0 && e.kind === 'streamBwd' && e.layer === 0)!;
    expect([sB0.start, sB0.end]).toEqual([15, 16]);
    expect(s.stepSeconds).toBe(26);
    expect(s.busy.stream).toBe(3 * (1 + 2 + 2 + 1 + 1 + 1));
    expect(s.busy.gradOut).toBe(0);
  });

  it('refuses bad input naming the field', () => {
    expect(() => schedule(layers, 0, 'full')).toThrow(/^steps: expected an integer >= 1, got 0/);
    expect(() => schedule(layers, 1, 'fast' as never)).toThrow(/^pipeline: expected one of none, coarse, full, got "fast"/);
    expect(() => schedule([cost('x', [1, 1, 1, 1, 1, 1, -1, 1])], 1, 'none')).toThrow(/^layers\[0\]\.seconds\.reduce:/);
  });

  it('a trace has one track per system, MemoryX and SwarmX, with valid complete events', () => {
    const s = schedule(layers, 2, 'full');
    const t = toTrace(s, layers, 3);
    const names = t.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args!.name);
    expect(names).toEqual(['MemoryX', 'SwarmX', 'CS-2 #0', 'CS-2 #1', 'CS-2 #2']);
    const x = t.traceEvents.filter((e) => e.ph === 'X');
    for (const e of x) {
      expect(typeof e.name).toBe('string');
      expect(e.ts).toBeGreaterThanOrEqual(0);
      expect(e.dur).toBeGreaterThanOrEqual(0);
    }
    // compute and gradient-out events are drawn once per system
    const fwd = x.filter((e) => e.cat === 'forward');
    expect(fwd.length).toBe(2 * 2 * 3);
    expect(x.find((e) => e.cat === 'streamFwd')!.args!.bytes).toBe(100);
    expect(JSON.parse(JSON.stringify(t)).traceEvents.length).toBe(t.traceEvents.length);
  });
});
