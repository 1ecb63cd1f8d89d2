// Windowed column streams (sim.ts, memory.ts) and weights read by rows (layer-weights.ts): a run whose streams
// sit in per-column windows the host refills gives the cycles, counters, per-core cycles and output bits of the
// run with whole streams, on every pass, dense and sparse, on drawn meshes, machines and windows down to 16
// words; the injector's guard traps when the host does not refill; 'auto' windows exactly where the whole
// streams would pass the WebAssembly limit (a dense GPT-3 MLP layer); the module's seeded rows, the column
// streams and the check read by ranges of rows give what the whole stream gives, bit for bit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.js';
import { fabricMachine } from '../../src/fabric/defaults.js';
import { mapLayer, type FabricPass } from '../../src/fabric/mapping.js';
import { STREAM_WINDOW_WORDS, WASM_LIMIT_BYTES, fabricMemory, resolveStreamWindow } from '../../src/fabric/memory.js';
import { runFabric, runFabricAsync, type FabricRun, type FabricRunOptions } from '../../src/fabric/run.js';
import { FabricSim } from '../../src/fabric/sim.js';
import { columnStreams } from '../../src/fabric/streams.js';
import { checkOutput, SAMPLED_ROWS } from '../../src/fabric/check.js';
import { heldWeights } from '../../src/fabric/layer-weights.js';
import { seededRowReader } from '../../src/fabric/seeded-weights.js';
import { seededLayerStream } from '../../src/fabric/weights.js';
import { maskZeros, randomStream, randomValues, rowCounts, rowRange, type WeightStream } from '../../src/sparse/stream.js';
import { rootPath } from '../../src/paths.js';
import { bitsOf, caseRun, inRanges } from './case.js';

const builtThreads = existsSync(rootPath('dist', 'src', 'fabric', 'band-worker.js'));
const builtCli = existsSync(rootPath('dist', 'src', 'cli', 'fabric.js'));

/** What a windowed run must give exactly as the run with whole streams gives it. */
function view(run: FabricRun) {
  const r = run.result;
  return { cycles: r.cycles, counters: r.counters, coreCycles: Array.from(run.coreCycles), busy: Array.from(run.busy), output: bitsOf(run.output) };
}

function expectWindowedAsWhole(o: FabricRunOptions, window: number): void {
  const whole = runFabric({ ...o, streamWindow: 0 });
  const windowed = runFabric({ ...o, streamWindow: window });
  expect(whole.result.streamWindow).toBe(0);
  expect(windowed.result.streamWindow).toBe(window);
  expect(view(windowed), `${JSON.stringify(o)}, window ${window}`).toEqual(view(whole));
  expect(windowed.result.errorBoundRatio).toBeLessThanOrEqual(1);
}


describe('fabric: windowed column streams', () => {
  it('give the whole streams\' cycles, counters, per-core cycles and output on every pass, dense and sparse', () => {
    for (const pass of ['forward', 'delta', 'gradient'] as FabricPass[]) {
      for (const sparsity of [0, 0.5, 0.9]) {
        for (const window of [16, 64, 1024]) expectWindowedAsWhole({ rows: 6, cols: 5, batch: 12, in: 40, out: 30, sparsity, pass, check: 'full' }, window);
      }
    }
  });

  it('on drawn meshes, layers, machines (queues, FMACs, a shared edge cap) and windows (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 7 }), cols: fc.integer({ min: 1, max: 7 }), batch: fc.integer({ min: 1, max: 24 }),
          in: fc.integer({ min: 1, max: 60 }), out: fc.integer({ min: 1, max: 60 }), sparsity: fc.constantFrom(0, 0.3, 0.9, 0.99),
          pass: fc.constantFrom<FabricPass>('forward', 'delta', 'gradient'), seed: fc.integer({ min: 0, max: 1000 }),
          rq: fc.constantFrom(1, 2, 4), cq: fc.constantFrom(1, 2, 4), fmacs: fc.constantFrom(1, 4), edge: fc.constantFrom(0, 0, 2),
          window: fc.constantFrom(16, 32, 128),
        }),
        (d) => {
          const machine = { routerQueueWavelets: d.rq, coreQueueWavelets: d.cq, fmacsPerCycle: d.fmacs, edgeWaveletsPerCycle: d.edge };
          const { window, rq: _r, cq: _c, fmacs: _f, edge: _e, ...o } = d;
          expectWindowedAsWhole({ ...o, machine, check: 'full' }, window);
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  it('the injector traps rather than read a word the host has not put in its window', () => {
    const { machine, mapping, streams, inputs } = caseRun({ rows: 4, cols: 3, B: 8, K: 30, N: 40, sparsity: 0 }, 'forward', 3);
    const longest = Math.max(...streams.words.map((w) => w.length));
    expect(longest).toBeGreaterThan(4 * 16);
    // run() refills and keeps its chunks within the window: it finishes
    new FabricSim(mapping, machine, streams, inputs, { window: 16 }).run();
    // the same module asked for more cycles than the window without a refill: the guard traps
    const sim = new FabricSim(mapping, machine, streams, inputs, { window: 16 });
    const ex = (sim.wasm.exports as unknown as { fabricRun(n: number): number });
    expect(() => ex.fabricRun(100_000)).toThrow(WebAssembly.RuntimeError);
  });

  it("'auto' windows exactly where the whole streams pass the WebAssembly limit: a dense GPT-3 MLP layer, not the 90 % sparse one", () => {
    const machine = fabricMachine();
    // GPT-3 175B mlp.c_fc folded (4 of 1000 rows, B 4 a row) on the WSE-2's 850 columns
    const m = mapLayer({ B: 16, K: 12288, N: 49152 }, { rows: 4, cols: 850 }, 'forward', machine);
    const dense = 12288 * 49152;
    const sparse = dense - maskZeros(12288, 49152, 0.9);
    expect(resolveStreamWindow('auto', m, machine, dense)).toBe(STREAM_WINDOW_WORDS);
    expect(resolveStreamWindow('auto', m, machine, sparse)).toBe(0);
    expect(fabricMemory(m, machine, dense, 'sampled', true, 1, 0).wasmBytes).toBeGreaterThan(WASM_LIMIT_BYTES);
    const windowed = fabricMemory(m, machine, dense, 'sampled', true, 1, STREAM_WINDOW_WORDS);
    expect(windowed.wasmBytes).toBeLessThan(256e6);
    // the host holds the column streams (4.9 GB) but not the layer's 4.8 GB stream: it is made again by rows
    expect(windowed.hostBytes).toBeGreaterThan(4.9e9);
    expect(windowed.hostBytes).toBeLessThan(5.4e9);
    // small layers keep whole streams
    expect(resolveStreamWindow(undefined, mapLayer({ B: 8, K: 64, N: 64 }, { rows: 4, cols: 4 }, 'forward', machine), machine, 4096)).toBe(0);
  });

  it('refuses a bad window, and the skewed order with a window on one thread, naming the field', () => {
    const o: FabricRunOptions = { rows: 4, cols: 4, batch: 8, in: 32, out: 32 };
    for (const bad of [8, 100, -16, 1.5]) expect(() => runFabric({ ...o, streamWindow: bad })).toThrow(/^streamWindow: /);
    // a window whose rings cannot fit the memory says so by name (it was a capacity error: 'use a smaller layer or mesh')
    expect(() => runFabric({ ...o, streamWindow: 2 ** 30 })).toThrow(/^streamWindow: expected a window whose rings fit the 4 GiB WebAssembly memory \(4 columns x 1073741824 words x 4 bytes = 17\.18 GB; the streams have \d+ words in all\), got 1073741824$/);
    expect(() => runFabric({ ...o, streamWindow: 32, skew: true })).toThrow(ValidationError);
    expect(() => runFabric({ ...o, streamWindow: 32, skew: true })).toThrow(/^skew: .*windowed column streams on one thread/);
    expect(runFabric({ ...o, streamWindow: 32, skew: 'auto' }).result.skew).toBeNull();
  });

  it.skipIf(!builtThreads)('on band threads the host refills while they run: the bits of one thread with whole streams (loop order, skewed parts and blocks, columns moving between bands)', async () => {
    const cases: Array<[FabricRunOptions, number]> = [
      [{ rows: 5, cols: 6, batch: 10, in: 48, out: 36, sparsity: 0, threads: 2 }, 16],
      [{ rows: 4, cols: 7, batch: 8, in: 70, out: 40, sparsity: 0.9, threads: 3, pass: 'delta' }, 64],
      [{ rows: 3, cols: 6, batch: 6, in: 30, out: 24, sparsity: 0.5, threads: 2, pass: 'gradient' }, 32],
      [{ rows: 4, cols: 8, batch: 8, in: 64, out: 48, sparsity: 0, threads: 2, skew: { bandCols: 1, block: 5, tile: 7 } }, 16],
      [{ rows: 4, cols: 8, batch: 8, in: 64, out: 48, sparsity: 0.5, threads: 3, skew: { bandCols: 1, block: 3, tile: 7, split: 'blocks' } }, 16],
      // columns moved between the bands every 3 cycles while the host refills their windows
      [{ rows: 4, cols: 8, batch: 8, in: 64, out: 48, sparsity: 0.5, threads: 3, balance: { mode: 'shuffle', epoch: 3, seed: 5 } }, 16],
    ];
    for (const [o, window] of cases) {
      const one = runFabric({ ...o, threads: 1, skew: false, streamWindow: 0, check: 'full' });
      const run = await runFabricAsync({ ...o, streamWindow: window, check: 'full' });
      expect([run.result.threads, run.result.streamWindow]).toEqual([o.threads, window]);
      expect(view(run), `${JSON.stringify(o)}, window ${window}`).toEqual(view(one));
      if (typeof o.balance === 'object') expect(run.result.balance!.moved, 'columns moved').toBeGreaterThan(10);
    }
  });

  it('a folded run with windowed streams gives the folded run with whole streams', () => {
    const o: FabricRunOptions = { rows: 9, cols: 4, batch: 36, in: 60, out: 50, sparsity: 0, fold: true, check: 'full' };
    const whole = runFabric({ ...o, streamWindow: 0 });
    const windowed = runFabric({ ...o, streamWindow: 16 });
    expect(view(windowed)).toEqual(view(whole));
    expect(windowed.result.fold).toEqual(whole.result.fold);
  });
});

describe('fabric: weights read by rows', () => {
  it("the module's seeded rows, in ranges of any size, are seededLayerStream's rows, bit for bit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 90 }), fc.constantFrom(0, 0.5, 0.9, 0.999), fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
        (K, N, s, seed, steps) => {
          const ws = seededLayerStream(K, N, s, seed);
          const read = seededRowReader(K, N, ws.nnz, seed, 10);
          expect(read(0).words.length).toBe(0); // an empty range
          let k = 0;
          for (let i = 0; k < K; i++) {
            const k1 = Math.min(K, k + steps[i % steps.length]);
            const got = read(k1);
            const want = rowRange(ws, k, k1);
            expect(Array.from(got.words)).toEqual(Array.from(want.words));
            expect(got.nnz).toBe(want.nnz);
            k = k1;
          }
        },
      ),
      { numRuns: 150, seed: 7 },
    );
    expect(() => seededRowReader(10, 10, 100, 1, 3)(4)).toThrow(/at most 3/);
  });

  it('the column streams from weights read in ranges of rows are those of the whole stream, every pass', () => {
    for (const pass of ['forward', 'delta', 'gradient'] as FabricPass[]) {
      for (const step of [1, 3, 7]) {
        const ws = randomStream(23, 31, 0.6, step);
        const m = mapLayer({ B: 8, K: 23, N: 31 }, { rows: 2, cols: 5 }, pass, fabricMachine());
        const a = columnStreams(ws, pass, m.kStarts, m.nStarts);
        const b = columnStreams(inRanges(ws, step), pass, m.kStarts, m.nStarts);
        expect(b.words.map((w) => Array.from(w)), `${pass} ${step}`).toEqual(a.words.map((w) => Array.from(w)));
        expect(Array.from(b.nnz)).toEqual(Array.from(a.nnz));
        expect(b.order?.map((w) => Array.from(w))).toEqual(a.order?.map((w) => Array.from(w)));
      }
    }
  });

  it('the check by ranges of rows gives the whole stream\'s outcome bit for bit, and still fails a wrong output', () => {
    for (const pass of ['forward', 'delta'] as FabricPass[]) {
      const [K, N, B] = [37, 29, 6];
      const ws = randomStream(K, N, 0.4, 5);
      const xt = randomValues(K * B, 9);
      const dyt = randomValues(N * B, 10);
      const run = runFabric({ rows: 3, cols: 4, batch: B, in: K, out: N, sparsity: 0.4, seed: 5, pass, weights: ws, xt, dyt, check: 'off' });
      for (const mode of ['full', 'sampled'] as const) {
        const inp = { pass, B, xt, dyt, splitTerms: 4 };
        const whole = checkOutput(mode, { ...inp, weights: heldWeights(ws) }, run.output);
        for (const step of [1, 4, 10]) {
          expect(checkOutput(mode, { ...inp, weights: inRanges(ws, step) }, run.output), `${pass} ${mode} ${step}`).toEqual(whole);
        }
        const bad = run.output.slice();
        bad[0] += 0.5;
        expect(checkOutput(mode, { ...inp, weights: inRanges(ws, 4) }, bad).errorBoundRatio).toBeGreaterThan(1);
      }
    }
  });

  it('the gradient check: sampled, by ranges of rows as held; full, only on a layer held whole (refused before any cycle)', () => {
    const [K, N, B] = [90, 13, 5]; // K > SAMPLED_ROWS: a subset of the rows is checked
    const ws = randomStream(K, N, 0.5, 7);
    const xt = randomValues(K * B, 8);
    const dyt = randomValues(N * B, 9);
    const run = runFabric({ rows: 3, cols: 4, batch: B, in: K, out: N, sparsity: 0.5, seed: 7, pass: 'gradient', weights: ws, xt, dyt, check: 'off' });
    const inp = { pass: 'gradient' as const, B, xt, dyt, splitTerms: 3 };
    const held = checkOutput('sampled', { ...inp, weights: heldWeights(ws) }, run.output);
    const counts = rowCounts(ws);
    const picked = Array.from({ length: SAMPLED_ROWS }, (_, j) => Math.floor((j * (K - 1)) / (SAMPLED_ROWS - 1)));
    expect(held.checked).toBe(picked.reduce((s, k) => s + counts[k], 0));
    expect(held.errorBoundRatio).toBeLessThanOrEqual(1);
    for (const step of [1, 7, 64, 90]) expect(checkOutput('sampled', { ...inp, weights: inRanges(ws, step) }, run.output), `step ${step}`).toEqual(held);
    const bad = run.output.map((g) => g + 0.5);
    expect(checkOutput('sampled', { ...inp, weights: inRanges(ws, 7) }, bad).errorBoundRatio).toBeGreaterThan(1);
    expect(() => checkOutput('full', { ...inp, weights: inRanges(ws, 2) }, run.output)).toThrow(/^check: expected sampled or off for the gradient of a layer not held whole \(90x13, read by rows\)/);
    // a seeded layer past one WebAssembly memory (576 M weights) is refused at once: nothing made, no cycle run
    const o = { rows: 4, cols: 64, batch: 8, in: 24000, out: 24000, pass: 'gradient' as const, memoryLimitBytes: 1e13 };
    expect(() => runFabric({ ...o, check: 'full' })).toThrow(/^check: expected sampled or off/);
  });
});

describe.skipIf(!builtCli)('fabric: --stream-window on the command line', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  it('prints the whole streams\' cycles and says it windowed; a bad window is a usage error (exit 2)', () => {
    const layer = ['fabric', '--rows', '6', '--cols', '4', '--batch', '12', '--in', '48', '--out', '40', '--json'];
    const whole = cli(...layer, '--stream-window', '0');
    const windowed = cli(...layer, '--stream-window', '32');
    expect([whole.status, windowed.status]).toEqual([0, 0]);
    const [a, b] = [JSON.parse(whole.stdout), JSON.parse(windowed.stdout)];
    expect([b.cycles, b.counters, b.streamWindow]).toEqual([a.cycles, a.counters, 32]);
    const text = cli(...layer.slice(0, -1), '--stream-window', '32');
    expect(text.stdout).toMatch(/streams +held by the host, 32 words a column at a time in the simulator/);
    const bad = cli(...layer, '--stream-window', '48');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--stream-window: expected auto, 0 or a power of two/);
  });
});
