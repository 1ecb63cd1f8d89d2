// One fabric layer on one thread, in a process of its own, for bench/fabric-threads.ts: pinned to a CPU by
// its parent (`taskset`), it runs the layer once untimed (the module's first calls run on V8's baseline
// tier), then `reps` times, and prints the simulation seconds as JSON on stdout.
// Run (by fabric-threads.ts): taskset -c CPU node dist/bench/fabric-pinned.js '<FabricRunOptions JSON>' REPS
import { runFabric, type FabricRunOptions } from '../src/fabric/run.js';
import { timedRun } from './fabric-layers.js';

const o = timedRun(JSON.parse(process.argv[2]) as FabricRunOptions);
const reps = Number(process.argv[3]);
const seconds: number[] = [];
for (let i = -1; i < reps; i++) {
  const r = runFabric(o).result;
  if (i >= 0) seconds.push(r.simSeconds);
}
console.log(JSON.stringify({ seconds }));
