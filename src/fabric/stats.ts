// Where a run's core-cycles went, from its per-core cycle accounting and counters: the breakdown by cause
// (streaming, computing, reducing, waiting), utilisation of the cores and links, efficiency against the
// mesh's peak and the per-core busy cycles of the heatmap. One function, used by a run (run.ts) and by a
// folded run's rows (fold.ts).
//
// Legend: R x C = the mesh; Ru x Cu = the used part; cc [Ru·Cu·4] = per-core cycles by CSTAT, row-major.
import type { FabricMachine } from './defaults.js';
import { CSTAT } from './layout.js';
import type { MeshShape } from './mapping.js';
import type { SimCounters } from './sim.js';

export interface CycleBreakdown {
  streaming: number;
  computing: number;
  reducing: number;
  waiting: number;
}

export interface MeshStats {
  /** Busy (streaming + computing + reducing) cycles per core of the R x C mesh, row-major (0 for unused cores). */
  busy: Uint32Array;
  /** R·C·cycles. */
  totalCoreCycles: number;
  /** fmacs / (F · R · C · cycles). */
  efficiency: number;
  /** Share of core-cycles computing. */
  coreUtilization: number;
  /** Wavelets moved between routers over (directed mesh links · cycles). */
  linkUtilization: number;
  /** Shares of R·C·cycles by cause, and the same in core-cycles. */
  breakdown: CycleBreakdown;
  breakdownCoreCycles: CycleBreakdown;
}

/** The statistics of a run on `mesh` whose used Ru x Cu cores accounted `cc` and whose counters are `counters`. */
export function meshStats(mesh: MeshShape, Ru: number, Cu: number, cc: Uint32Array, counters: SimCounters, machine: FabricMachine): MeshStats {
  const { rows: R, cols: C } = mesh;
  const { cycles } = counters;
  const busy = new Uint32Array(R * C);
  const bd = { streaming: 0, computing: 0, reducing: 0, waiting: 0 };
  for (let r = 0; r < Ru; r++) {
    for (let c = 0; c < Cu; c++) {
      const i = (r * Cu + c) * 4;
      bd.streaming += cc[i + CSTAT.STREAM];
      bd.computing += cc[i + CSTAT.COMPUTE];
      bd.reducing += cc[i + CSTAT.REDUCE];
      busy[r * C + c] = cc[i + CSTAT.STREAM] + cc[i + CSTAT.COMPUTE] + cc[i + CSTAT.REDUCE];
    }
  }
  const totalCoreCycles = R * C * cycles;
  bd.waiting = totalCoreCycles - bd.streaming - bd.computing - bd.reducing;
  const frac = (x: number) => (totalCoreCycles > 0 ? x / totalCoreCycles : 0);
  const links = 2 * (R * (C - 1) + C * (R - 1));
  return {
    busy, totalCoreCycles,
    efficiency: cycles > 0 ? counters.fmacs / (machine.fmacsPerCycle * totalCoreCycles) : 0,
    coreUtilization: frac(bd.computing),
    linkUtilization: links > 0 && cycles > 0 ? counters.hops / (links * cycles) : 0,
    breakdown: { streaming: frac(bd.streaming), computing: frac(bd.computing), reducing: frac(bd.reducing), waiting: frac(bd.waiting) },
    breakdownCoreCycles: bd,
  };
}
