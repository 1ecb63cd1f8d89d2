// One of the two threads of bench/fabric-threads.ts's ceiling: a fabric layer on one thread, in a worker of its own
// (its own Wasm memory, nothing shared with the other worker: no band table, no waits). It runs the layer each time
// it is asked (any message) and posts the simulation seconds; two of them at once, against one alone, say what this
// machine gives two independent threads of this work in the same minutes.
// workerData: FabricRunOptions (timedRun's options are added here).
import { parentPort, workerData } from 'node:worker_threads';
import { runFabric, type FabricRunOptions } from '../src/fabric/run.js';
import { timedRun } from './fabric-layers.js';

const o = timedRun(workerData as FabricRunOptions);
parentPort!.on('message', () => parentPort!.postMessage(runFabric(o).result.simSeconds));
