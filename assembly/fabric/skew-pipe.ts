// Threads for the skewed order (skew.ts) split by time instead of by columns: thread i runs blocks i, i + P,
// i + 2P, ... of the whole mesh, each block one thread's skewed block (every band, tile by tile), a tile only
// once the block before (its leader's) is done below the tile's last key. Why that is one thread's order: a
// unit needs only units of smaller keys, and two units that touch the same bands (a band's units touch it and
// its two neighbours) run in key order whichever blocks they are in, since the later cycle's has the larger key
// (the keys in skew.ts); so a tile of block b + 1 whose keys are below the leader's frontier (all of block b's
// smaller keys done) needs nothing the leader has yet to do, and the leader will touch none of its bands again.
//
// Why: the column split (skew-threads.ts) hands boundary units between threads a cycle at a time, and its parts'
// turns are short, so on the full wafer it lost what two threads get (docs/fabric.md). Here a band changes
// threads once a block, each thread sweeps the whole mesh as one thread does, and the blocks in flight cover
// the same cycles' work whatever part of the mesh it is in. The blocks overlap where a block's keys (6 block +
// 2 bands) span more than P blocks' offsets (6 block each): wide meshes, or short blocks.
//
// There are no skips of empty cycles (a block starts before the one before it ends): every block runs its
// cycles, empty ones cost a visit of each band. The mesh is quiet when a block ends with no band having work
// after it (noteBusy in skew.ts notes it band by band as the block's last routers run): its thread stops every
// thread (QUIET); the blocks after it had nothing to run.
// Legend: P = threads, b = a block's index, its first cycle b · block.
import { St, flushStats, BH_LIMIT, B_STATS, ST_CYCLES } from './state';
import { QUIET, pipePublish, pipeQuiet, runDone, setDone } from './band-sync';
import { fabricSetup } from './loop';
import { PH_START, partLists, partLo, rec, runBlock, setPart, startBlock, tableSetup } from './skew';

/**
 * Runs thread `me`'s blocks (of `block` cycles, tiles of `tile` keys) of P threads over the mesh whose config block
 * is at `p` and the band table at `tab`, until the mesh is quiet. Returns 0 when quiet, 1 on a wrong config block,
 * 2 past the table's cycle limit or when another thread failed. The thread's counters go to the stats block of
 * the first band of part me of P (partLo: the host sums them, the cycle count the largest).
 */
export function fabricSkewPipeRun(p: usize, tab: usize, P: u32, me: u32, block: u32, tile: u32): u32 {
  if (fabricSetup(p) != 0) return 1;
  tableSetup(tab);
  St.skFlag = false;
  // thread 0 builds every band's cycle-0 lists before its first tile's progress; the others read them after
  if (me == 0) partLists(0, St.bands);
  setPart(0, St.bands, 0);
  St.skFront = St.skFront0 + ((<usize>me * <usize>St.skFrontWords) << 2);
  St.stats = load<u32>(rec(partLo(me, P), B_STATS));
  St.pipeMe = me;
  St.pipeLead = (me + P - 1) % P;
  const limit = load<u32>(tab + (<usize>BH_LIMIT << 2));
  for (let b = me; ; b += P) {
    const T0 = b * block;
    if (T0 > limit) {
      setDone(2);
      break;
    }
    St.pipeBlock = b;
    St.pipeBusy = false;
    St.pipeEnd = T0 + block;
    startBlock(T0);
    runBlock(block, tile, 0xffffffff);
    if (St.skPhase != PH_START) break; // the run stopped while a tile waited
    pipePublish(0, true);
    if (!St.pipeBusy) {
      pipeQuiet(P);
      break;
    }
  }
  St.pipeEnd = 0;
  flushStats();
  store<u64>(St.stats + (<usize>ST_CYCLES << 3), <u64>St.last);
  const done = runDone();
  return done == QUIET ? 0 : done;
}
