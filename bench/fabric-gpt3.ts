// The issue-16 layer: a GPT-3-175B MLP up-projection (c_fc, 12288 -> 49152) on the full WSE-2 mesh (1000 x 850
// cores) at 90 % sparsity and 4 tokens a core row (B = 4000), as `weightstream fabric` runs it by default: rows
// folded (src/fabric/fold.ts: meshes of 2, 3 and 4 rows simulated, checked to add the same a row), threads and
// check auto. Then the same layer at 90 % on a 100 x 85 mesh (the same per-core shape: Bs 4, Kc ~14.5, Nc ~58)
// folded and with every row simulated, interleaved after one untimed run of each, to show the fold gives the
// full run's cycles and counters on this shape and what it saves there. Then the layer dense: its column streams
// (4.9 GB) pass the 4 GiB WebAssembly memory, so they run windowed (streamWindow 'auto': the host holds them and
// refills each column's window between chunks of cycles, on one thread) and the layer's weights are made by rows.
// One run of each (about two to three minutes sparse, ten dense here). Rows: bench/results/fabric-gpt3.json (atomically).
// Run: npm run build && node dist/bench/fabric-gpt3.js [--no-dense]
import { cpus, loadavg, totalmem } from 'node:os';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { runFabricAsync, type FabricResult, type FabricRunOptions } from '../src/fabric/run.js';
import { WSE2_MESH } from '../src/fabric/defaults.js';
import { median } from './median.js';
import { gpt3Widths } from './fabric-layers.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('fabric-gpt3', 'A GPT-3-175B MLP layer on the full WSE-2 mesh, sparse and dense; writes bench/results/fabric-gpt3.json.', {
  'no-dense': { type: 'boolean', help: 'skip the dense layer (about ten minutes here)' },
});

const { C, F } = gpt3Widths();
const LAYER: FabricRunOptions = { rows: WSE2_MESH.rows, cols: WSE2_MESH.cols, batch: 4000, in: C, out: F, sparsity: 0.9, seed: 1, flavor: 'release' };
const SMALL: FabricRunOptions = { rows: 100, cols: 85, batch: 400, in: 1229, out: 4915, sparsity: 0.9, seed: 1, flavor: 'release', check: 'off' };
const reps = 3;

const summary = (r: FabricResult) => ({
  cycles: r.cycles, modelCycles: r.modelCycles, fmacs: r.fmacs, coreUtilization: r.coreUtilization, linkUtilization: r.linkUtilization,
  breakdown: r.breakdown, check: r.check, checkedOutputs: r.checkedOutputs, errorBoundRatio: r.errorBoundRatio,
  wallSeconds: r.wallSeconds, setupSeconds: r.setupSeconds, simSeconds: r.simSeconds, checkSeconds: r.checkSeconds,
  threads: r.threads, fold: r.fold, streamWindow: r.streamWindow, memoryBytes: r.memoryBytes, hostBytesEstimate: r.memoryEstimate.hostBytes,
});

/** The 100 x 85 layer folded and with every row, interleaved: the same cycles and counters, and the wall seconds of each. */
async function smallShape() {
  const secs: [number[], number[]] = [[], []];
  let full: FabricResult | null = null;
  for (let i = -1; i < reps; i++) {
    for (const [j, fold] of [false, true].entries()) {
      const r = (await runFabricAsync({ ...SMALL, fold })).result;
      if (!fold) full = r;
      else if (JSON.stringify([r.cycles, r.counters]) !== JSON.stringify([full!.cycles, full!.counters])) throw new Error('bench: the folded 100x85 run differs from the full one');
      if (i >= 0) secs[j].push(r.wallSeconds);
    }
  }
  return { layer: SMALL, cycles: full!.cycles, everyRowWallSeconds: median(secs[0]), foldedWallSeconds: median(secs[1]), sameCyclesAndCounters: true };
}

async function main() {
  const small = await smallShape();
  console.log(`100x85, same per-core shape: ${small.cycles} cycles folded and full; wall ${small.foldedWallSeconds.toFixed(2)} s folded, ${small.everyRowWallSeconds.toFixed(2)} s every row (medians of ${reps})`);
  const rss0 = process.memoryUsage().rss;
  const r = (await runFabricAsync({ ...LAYER, fold: 'auto', threads: 'auto' })).result;
  const sparse = { ...summary(r), rssGrowthBytes: process.memoryUsage().rss - rss0 };
  console.log(`GPT-3 c_fc 12288 -> 49152, sparsity 0.9, B 4000 on 1000x850: ${r.cycles} cycles (closed form ${r.modelCycles}), core utilisation ${(100 * r.coreUtilization).toFixed(1)} %, wall ${r.wallSeconds.toFixed(0)} s (set-up ${r.setupSeconds.toFixed(0)}, simulation ${r.simSeconds.toFixed(0)}, check ${r.checkSeconds.toFixed(0)}), folded ${JSON.stringify(r.fold)}`);
  let dense: { refused: string } | { skipped: string } | ReturnType<typeof summary>;
  if (ARGS['no-dense']) dense = { skipped: '--no-dense' };
  else {
    try {
      dense = summary((await runFabricAsync({ ...LAYER, sparsity: 0, fold: 'auto', threads: 'auto' })).result);
    } catch (e) {
      dense = { refused: (e as Error).message };
    }
  }
  const d = dense;
  console.log(`dense: ${'refused' in d ? `refused: ${d.refused}` : 'skipped' in d ? 'skipped' : `${d.cycles} cycles (closed form ${d.modelCycles}), core utilisation ${(100 * d.coreUtilization).toFixed(1)} %, wall ${d.wallSeconds.toFixed(0)} s (set-up ${d.setupSeconds.toFixed(0)}, simulation ${d.simSeconds.toFixed(0)}, check ${d.checkSeconds.toFixed(0)}), window ${d.streamWindow} words`}`);
  const out = resultsFile('fabric-gpt3');
  writeJsonAtomic(out, {
    bench: 'fabric-gpt3', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length,
    memoryBytes: totalmem(), loadAverage: loadavg(), goal: { wallSeconds: 600 }, layer: LAYER, sparse, dense, small,
  });
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
