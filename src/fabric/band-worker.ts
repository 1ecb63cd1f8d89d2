// A fabric band thread (Piscina task; protocol in src/protocol/fabric.ts): instantiates the module over the
// mesh's shared memory, waits until every band's thread has (so no instantiation writes the module's data
// while a band runs), then runs its band's cycles to the end.
import type { FabricBandReply, FabricBandTask } from '../protocol/fabric.js';
import { Wasm } from '../wasm/module.js';
import { BAND_HEAD, BAND_HEAD_WORDS } from './abi.js';

interface BandExports {
  fabricBandRun(config: number, table: number, band: number): number;
  fabricSkewThreadRun(config: number, table: number, parts: number, threads: number, thread: number, block: number, tile: number): number;
  fabricSkewPipeRun(config: number, table: number, threads: number, thread: number, block: number, tile: number): number;
}

/** The wall clock, comparable across threads (ms). */
const clock = () => performance.timeOrigin + performance.now();

export default function runBand(t: FabricBandTask): FabricBandReply {
  const w = new Wasm<BandExports>({ memory: t.memory, flavor: t.flavor, module: t.module || undefined, scratchBytes: 0 });
  const head = new Int32Array(t.memory.buffer, t.table, BAND_HEAD_WORDS);
  const bands = t.skew?.threads ?? head[BAND_HEAD.COUNT]; // threads that start together
  Atomics.add(head, BAND_HEAD.READY, 1);
  Atomics.notify(head, BAND_HEAD.READY);
  for (let ready = Atomics.load(head, BAND_HEAD.READY); ready < bands; ready = Atomics.load(head, BAND_HEAD.READY)) {
    Atomics.wait(head, BAND_HEAD.READY, ready, 1000);
  }
  const startMs = clock();
  const sk = t.skew;
  const status = !sk ? w.exports.fabricBandRun(t.config, t.table, t.band)
    : sk.split === 'blocks' ? w.exports.fabricSkewPipeRun(t.config, t.table, sk.threads, t.band, sk.block, sk.tile)
      : w.exports.fabricSkewThreadRun(t.config, t.table, sk.parts, sk.threads, t.band, sk.block, sk.tile);
  return { status, startMs, endMs: clock() };
}
