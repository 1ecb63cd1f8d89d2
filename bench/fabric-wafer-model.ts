// The closed-form cycle model (src/fabric/model.ts) against the simulator on the full WSE-2 mesh (1000 x 850),
// for the linears of two GPT blocks at 4 tokens a core row (B = 4000): GPT-3 175B's at sparsity 0.9 (dense,
// their column streams pass the 4 GiB WebAssembly memory) and GPT-2 XL's dense and at 0.9. Each runs with
// folded rows (src/fabric/fold.ts: the mesh's cycles and counters from meshes of 2, 3 and 4 rows), forward
// pass, no check (the fold's own checks still run). Reports cycles, the model's cycles and their ratio, core
// utilisation and where the cycles went, and the wall time of each run. The at-scale model's efficiency hook
// uses the closed form; this is how far it is from the simulator at the size it is used for.
// Rows: bench/results/fabric-wafer-model.json (atomically). About ten minutes here.
// Run: npm run build && node dist/bench/fabric-wafer-model.js [--quick: GPT-2 XL only]
import { cpus, loadavg } from 'node:os';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { runFabricAsync } from '../src/fabric/run.js';
import { WSE2_MESH } from '../src/fabric/defaults.js';
import { blockLinears, gpt3Widths } from './fabric-layers.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('fabric-wafer-model', 'The closed-form cycle model against the simulator on the full WSE-2 mesh (GPT layers); writes bench/results/fabric-wafer-model.json.', {
  quick: { type: 'boolean', help: "GPT-2 XL's layers only; writes fabric-wafer-model-quick.json" },
});

const { quick } = ARGS;
const MESH = { rows: WSE2_MESH.rows, cols: WSE2_MESH.cols };
const B = 4000;

/** [model, module, K, N, sparsity]. GPT-2 XL: n_embd 1600, MLP 4·1600 (Hugging Face gpt2-xl config.json). */
const gpt3 = gpt3Widths();
const LAYERS: Array<[string, string, number, number, number]> = [
  ...blockLinears(1600, 6400).flatMap(([l, K, N]): Array<[string, string, number, number, number]> => [['gpt2-xl', l, K, N, 0], ['gpt2-xl', l, K, N, 0.9]]),
  ...(quick ? [] : blockLinears(gpt3.C, gpt3.F).map(([l, K, N]): [string, string, number, number, number] => ['gpt3-175b', l, K, N, 0.9])),
];

async function main() {
  const rows = [];
  for (const [model, layer, K, N, sparsity] of LAYERS) {
    const r = (await runFabricAsync({ ...MESH, batch: B, in: K, out: N, sparsity, seed: 1, fold: true, check: 'off', threads: 'auto', flavor: 'release' })).result;
    const row = {
      model, layer, K, N, sparsity, cycles: r.cycles, modelCycles: r.modelCycles, modelOverSim: r.modelCycles / r.cycles,
      coreUtilization: r.coreUtilization, breakdown: r.breakdown, wallSeconds: r.wallSeconds, simSeconds: r.simSeconds,
    };
    rows.push(row);
    console.log(`${model} ${layer} ${K}->${N} s=${sparsity}: ${r.cycles} cycles, model ${r.modelCycles} (${row.modelOverSim.toFixed(3)}x), utilisation ${(100 * r.coreUtilization).toFixed(1)} %, ${r.wallSeconds.toFixed(1)} s`);
  }
  const out = resultsFile('fabric-wafer-model', quick && 'quick');
  writeJsonAtomic(out, { bench: 'fabric-wafer-model', quick, date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, loadAverage: loadavg(), mesh: MESH, batch: B, rows });
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
