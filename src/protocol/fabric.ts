// The ONE file of the cross-thread protocol between a fabric run (src/fabric/bands.ts, main thread) and
// its band threads (src/fabric/band-worker.ts): the task each thread is given and what it answers. The
// mesh itself lives in one shared WebAssembly.Memory that fabricInit prepared; a band thread instantiates
// the same module over it and runs `fabricBandRun(config, table, band)` (assembly/fabric/bands.ts) until
// every band is quiet. Everything the bands tell each other (progress per stage of each cycle, wakes
// across a boundary, quiet, done) is in the band table (layout BAND_HEAD / BAND in src/fabric/abi.ts),
// never in messages.
import type { Flavor } from '../wasm/module.js';

/** One band's task: the whole run of one thread. */
export interface FabricBandTask {
  /** The mesh's memory (shared; fabricInit has run on it). */
  memory: WebAssembly.Memory;
  flavor: Flavor;
  /** Base name of another .wasm in build/ (FABRIC_WASM_MODULE), or '' for the main module. */
  module: string;
  /** Byte addresses of the config block and of the band table. */
  config: number;
  table: number;
  /** This thread's band. */
  band: number;
  /**
   * The skewed order on threads: the table's bands are cut into `parts` parts, and this thread (`band` is its
   * index) runs parts band, band + threads, ... in blocks of `block` cycles and tiles of `tile` keys
   * (`fabricSkewThreadRun`, assembly/fabric/skew.ts) instead of band `band` alone; `threads` threads start
   * together (the table's count is of bands). With `split` 'blocks', this thread runs blocks band, band + threads,
   * ... of `block` cycles of the whole mesh instead, each once the block before is far enough (`fabricSkewPipeRun`,
   * assembly/fabric/skew-pipe.ts; `parts` is then the threads).
   */
  skew?: { parts: number; threads: number; block: number; tile: number; split: 'parts' | 'blocks' };
}

/** A band's answer. */
export interface FabricBandReply {
  /** fabricBandRun's (or fabricSkewThreadRun's) status: 0 quiet, 1 a wrong config block, 2 past the cycle limit. */
  status: number;
  /** performance.timeOrigin + now() when this band started its cycles and when it stopped (ms). */
  startMs: number;
  endMs: number;
}
