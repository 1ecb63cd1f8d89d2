// One of the two threads of bench/training's ceiling row: the in-memory reference trainer on its own Wasm
// instance with half the batch, nothing shared with the other thread (no streaming, no reduce, no
// barrier): two of them at once bound what any 2-system engine can reach on the machine's cores.
// workerData: { batch, steps, warm }; posts its steady-state ms per step.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDigits } from '../src/data/index.js';
import { PRESETS } from '../src/model/load.js';
import { validateModel } from '../src/model/validate.js';
import { trainReference } from '../src/train/reference.js';
import { Wasm } from '../src/wasm/module.js';

const { batch, steps, warm } = workerData as { batch: number; steps: number; warm: number };
const data = loadDigits();
const model = validateModel(PRESETS.wide(data.features, data.classes));
const w = new Wasm({ flavor: 'release', initialBytes: 64 << 20 });
// the first run compiles and warms up, as the other rows' clusters did before their rounds
for (const report of [false, true]) {
  const ends: number[] = [];
  trainReference(model, data, { steps, batch, optimizer: { kind: 'adamw', lr: 1e-3 }, seed: 1, shuffle: true, evaluate: false, wasm: w, onStep: () => ends.push(performance.now()) });
  if (report) parentPort!.postMessage((ends[steps - 1] - ends[warm - 1]) / (steps - warm));
}
