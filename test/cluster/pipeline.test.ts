// The pipelines of issue 6 at the ENGINE level: a real training run, its measured bytes and FLOP turned
// into simulated seconds (src/perf/rates.ts) and scheduled (src/timeline/schedule.ts).
//  - pipelining never changes the numbers: none, coarse and full give bit-identical weights and losses;
//  - 'none' takes the sum of its events; 'coarse' and 'full' equal schedules worked out by hand for a
//    two-layer model with known sizes on hardware with round rates (1 byte = 1 ns, 1 FLOP = 1 ns);
//  - 'full' hides every update but layer 0's (the iteration boundary);
//  - --trace writes a Chrome Trace Event file: parsed here, its events checked.
// The workers run compiled JS: `npm run build:ts` (npm test builds first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster, type TrainResult } from '../../src/cluster/engine.js';
import { loadDigits } from '../../src/data/index.js';
import { defaultSpecs, type Specs } from '../../src/perf/specs.js';
import { rootPath } from '../../src/paths.js';
import { schedule, type PipelineMode } from '../../src/timeline/schedule.js';

const data = loadDigits();
let cluster: Cluster;
beforeAll(async () => {
  cluster = await createCluster({ systems: 2 });
});
afterAll(async () => {
  await cluster.close();
});

/** Hardware with round rates: link 1 GB/s (1 B = 1 ns), peak 1 GFLOP/s (1 FLOP = 1 ns), MemoryX update 1 GB/s, 100 ns per SwarmX hop. */
function roundSpecs(): Specs {
  const d = defaultSpecs();
  return {
    ...d,
    cs2: { ...d.cs2, v: { ...d.cs2.v, ioGBps: 1, peakPFLOPs: 1e-6, computeEfficiency: 1 } },
    memoryx: { ...d.memoryx, v: { ...d.memoryx.v, streamGBps: 1, updateGBps: 1 } },
    swarmx: { ...d.swarmx, v: { ...d.swarmx.v, hopLatencyUs: 0.1, fanIn: 4 } },
  };
}

describe('pipeline modes in the engine', () => {
  // 64 -> 8 (bias) -> relu -> 10 (bias): two streamed layers
  const small = { input: 64, layers: [{ type: 'linear', out: 8 }, { type: 'relu' }, { type: 'linear', out: 10 }] };
  const runs = new Map<PipelineMode, TrainResult>();
  beforeAll(async () => {
    for (const pipeline of ['none', 'coarse', 'full'] as const) {
      runs.set(pipeline, await cluster.train(small, data, { steps: 3, batch: 4, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, evaluate: false, pipeline, specs: roundSpecs() }));
    }
  });
  const ns = (s: number | null) => Math.round((s as number) * 1e9 * 1e6) / 1e6; // seconds -> ns (to 1e-6 ns)

  // By hand, per step, 2 systems of 2 samples each, SGD with momentum (S = 1 state array):
  //   L0: W 64x8 + b 8 = 520 floats = 2080 B; forward FLOP per system 2·512·2 = 2048, delta 0 (first layer),
  //       gradient 2048; gradient out 2080 B per system; reduce: 1 tree level (2 systems, fan-in 4) = 100 ns;
  //       update (2 + S)·2080 = 6240 B
  //   L1: W 8x10 + b 10 = 90 floats = 360 B; forward, delta, gradient 2·80·2 = 320 each; out 360 B; update 1080 B
  //                    sF    F    sB   D    G    O    R    U
  const L0 = [2080, 2048, 2080, 0, 2048, 2080, 100, 6240];
  const L1 = [360, 320, 360, 320, 320, 360, 100, 1080];
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

  it('the engine measured the sizes worked out by hand', () => {
    const layers = runs.get('full')!.timeline!.layers;
    const kinds = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'] as const;
    expect(kinds.map((k) => ns(layers[0].seconds[k]))).toEqual(L0);
    expect(kinds.map((k) => ns(layers[1].seconds[k]))).toEqual(L1);
    expect(layers[0].bytes!.streamFwd).toBe(2080);
    expect(layers[1].flop!.delta).toBe(320);
  });

  it("'none' takes the sum of its events", () => {
    const r = runs.get('none')!;
    expect(ns(r.simulatedStepSeconds)).toBe(sum(L0) + sum(L1)); // 16676 + 3220 = 19896 ns
    expect(ns(r.timeline!.simulatedSeconds)).toBe(3 * 19896);
  });

  it("'coarse' equals the hand-worked schedule", () => {
    // sF0 [0,2080]  F0 [2080,4128]  sF1 [2080,2440]  F1 [4128,4448]  sB1 [4128,4488]  D1 [4488,4808]
    // G1 [4808,5128]  O1 [5128,5488]  R1 [5488,5588]  sB0 [4488,6568]  D0 [6568,6568]  G0 [6568,8616]
    // O0 [8616,10696]  R0 [10696,10796]  then the updates after every reduce: U1 [10796,11876] U0 [11876,18116];
    // the next step's first stream waits for the last update: 18116 ns per step.
    const r = runs.get('coarse')!;
    expect(ns(r.simulatedStepSeconds)).toBe(18116);
    expect(ns(r.timeline!.firstStepSeconds)).toBe(18116);
    // the wafers compute 2048 + 2048 + 320·3 = 5056 ns of it; the rest is exposed
    expect(ns(r.exposedLatencySeconds)).toBe(18116 - 5056);
  });

  it("'full' equals the hand-worked schedule: U1 runs right after R1, hidden; only U0 stays exposed", () => {
    // as coarse up to R1, then U1 [5588,6668] (behind the backward of layer 0), ..., R0 [10696,10796],
    // U0 [10796,17036]; the next step's sF0 waits for U0 (17036), its sF1 only for U1 (6668, long done).
    const r = runs.get('full')!;
    expect(ns(r.simulatedStepSeconds)).toBe(17036);
    expect(ns(r.exposedLatencySeconds)).toBe(17036 - 5056);
    // what full saves over coarse is exactly the update of layer 1
    expect(ns(runs.get('coarse')!.simulatedStepSeconds) - ns(r.simulatedStepSeconds)).toBe(L1[7]);
  });

  it("'full' hides every update except at the iteration boundary", () => {
    const layers = runs.get('full')!.timeline!.layers;
    const s = schedule(layers, 3, 'full');
    for (let step = 0; step < 3; step++) {
      const at = (k: string, l: number) => s.events.find((e) => e.step === step && e.kind === k && e.layer === l)!;
      // layer 1's update ends while the wafers still run layer 0's backward
      expect(at('update', 1).end).toBeLessThanOrEqual(at('gradient', 0).end);
      // the step ends with layer 0's update, which the next step's first stream waits for
      expect(s.stepEnds[step]).toBe(at('update', 0).end);
      if (step > 0) expect(at('streamFwd', 0).start).toBe(s.stepEnds[step - 1]);
    }
    // making layer 1's update free changes nothing; making layer 0's free saves all of it
    const free = (l: number) => layers.map((c, i) => (i === l ? { ...c, seconds: { ...c.seconds, update: 0 } } : c));
    expect(schedule(free(1), 3, 'full').stepSeconds).toBe(s.stepSeconds);
    expect(ns(s.stepSeconds - schedule(free(0), 3, 'full').stepSeconds)).toBe(L0[7]);
  });

  it('utilisation is busy time over simulated time per resource', () => {
    const r = runs.get('none')!;
    // serial: the stream link is busy 2·(2080 + 360) ns of each 19896 ns step
    expect(r.utilization!.stream).toBeCloseTo((2 * 2440) / 19896, 12);
    expect(r.utilization!.compute).toBeCloseTo(5056 / 19896, 12);
  });
});

describe('pipelining never changes the numbers', () => {
  it('none, coarse and full give bit-identical weights and losses (none also runs without prefetch)', async () => {
    const model = {
      input: 64,
      layers: [
        { type: 'linear', out: 48 },
        { type: 'relu' },
        { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 48 }, { type: 'gelu' }] },
        { type: 'linear', out: 10, sparsity: 0.5 },
      ],
    };
    const opts = { steps: 8, batch: 33, optimizer: { kind: 'adamw' as const, lr: 0.003 }, evaluate: false, shuffle: true, seed: 3 };
    const r: TrainResult[] = [];
    for (const pipeline of ['none', 'coarse', 'full'] as const) r.push(await cluster.train(model, data, { ...opts, pipeline }));
    const bits = (x: TrainResult) => x.params.map((p) => Array.from(new Uint32Array(p.buffer, p.byteOffset, p.length)));
    expect(bits(r[0])).toEqual(bits(r[2]));
    expect(bits(r[1])).toEqual(bits(r[2]));
    expect(r[0].loss).toEqual(r[2].loss);
    // the simulated step differs (that is the point), the work counted does not
    expect(r[0].timeline!.layers).toEqual(r[2].timeline!.layers);
    expect(r[0].simulatedStepSeconds!).toBeGreaterThan(r[2].simulatedStepSeconds!);
  });
});

describe('timeline edge cases', () => {
  it('no step run: no timeline; a bad pipeline mode is refused naming the option', async () => {
    const small = { input: 64, layers: [{ type: 'linear', out: 10 }] };
    const r = await cluster.train(small, data, { steps: 0, batch: 4, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false });
    expect([r.timeline, r.simulatedStepSeconds, r.exposedLatencySeconds, r.utilization]).toEqual([null, null, null, null]);
    await expect(cluster.train(small, data, { steps: 1, batch: 4, optimizer: { kind: 'sgd', lr: 0.1 }, pipeline: 'fast' as never })).rejects.toThrow(/^pipeline: expected one of none, coarse, full, got "fast"/);
  });

  it('a trace draws at most traceMaxSteps steps (later ones repeat the steady state) and says so', async () => {
    const small = { input: 64, layers: [{ type: 'linear', out: 10 }] };
    const file = join(mkdtempSync(join(tmpdir(), 'ws-trace-cap-')), 'cap.json');
    const r = await cluster.train(small, data, { steps: 5, batch: 4, optimizer: { kind: 'sgd', lr: 0.1 }, evaluate: false, trace: file, traceMaxSteps: 2 });
    const t = JSON.parse(readFileSync(file, 'utf8'));
    expect(r.timeline!.trace!.steps).toBe(2);
    expect(t.otherData).toMatchObject({ stepsRun: 5, stepsDrawn: 2 });
    // one layer, 2 systems: 4 events on MemoryX / SwarmX + 4 per system, per step
    expect(t.traceEvents.filter((e: { ph: string }) => e.ph === 'X').length).toBe(2 * (4 + 4 * 2));
    expect(Math.max(...t.traceEvents.map((e: { args?: { step?: number } }) => e.args?.step ?? 0))).toBe(1);
  });
});

describe('weightstream train --trace', () => {
  it('writes a Chrome Trace Event file: one track per system, MemoryX and SwarmX, events named by layer and pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-trace-'));
    const file = join(dir, 'trace.json');
    const args = ['train', '--model', 'mlp2', '--data', 'digits', '--systems', '2', '--steps', '100', '--batch', '32', '--pipeline', 'full', '--trace', file, '--json'];
    const p = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    const j = JSON.parse(p.stdout);
    expect(j.pipeline).toBe('full');
    expect(j.simulatedStepSeconds).toBeGreaterThan(0);
    expect(j.exposedLatencySeconds).toBeGreaterThanOrEqual(0);
    expect(Object.keys(j.utilization).sort()).toEqual(['compute', 'gradOut', 'reduce', 'stream', 'update']);
    const t = JSON.parse(readFileSync(file, 'utf8'));
    expect(j.trace).toEqual({ file, steps: 100, events: t.traceEvents.length, bytes: statSync(file).size });
    const procs = t.traceEvents.filter((e: { name: string }) => e.name === 'process_name').map((e: { args: { name: string } }) => e.args.name);
    expect(procs).toEqual(['MemoryX', 'SwarmX', 'CS-2 #0', 'CS-2 #1']);
    const x = t.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
    // mlp2 streams 3 layers; per step and layer: 2 streams + update on MemoryX, reduce on SwarmX,
    // forward, delta, gradient and gradient out on each of the 2 systems
    expect(x.length).toBe(100 * 3 * (4 + 4 * 2));
    const kinds = new Set(['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update']);
    for (const e of x) {
      expect(kinds.has(e.cat)).toBe(true);
      expect(e.name).toBe(`L${e.args.layer} ${e.cat}`);
      expect(Number.isFinite(e.ts) && e.ts >= 0).toBe(true);
      expect(Number.isFinite(e.dur) && e.dur >= 0).toBe(true);
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      expect(e.args.step).toBeGreaterThanOrEqual(0);
      expect(e.args.step).toBeLessThan(100);
      if (e.cat.startsWith('stream')) expect(e.args.bytes).toBeGreaterThan(0);
      if (e.cat === 'forward') expect(e.args.flop).toBeGreaterThan(0);
    }
    // the weights of layer 0 (64x256 + 256 floats) as the stream's bytes argument
    expect(x.find((e: { cat: string; args: { layer: number } }) => e.cat === 'streamFwd' && e.args.layer === 0).args.bytes).toBe(4 * (64 * 256 + 256));
    // in simulated time: the last event ends at the simulated total (µs)
    const end = Math.max(...x.map((e: { ts: number; dur: number }) => e.ts + e.dur));
    expect(end).toBeCloseTo(j.timeline.simulatedSeconds * 1e6, 6);
  });
});
