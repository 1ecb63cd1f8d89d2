// The host's half of the fabric ABI: the config block slots and statistics indices (mirrors of
// assembly/fabric/state.ts), the colors and static routes of each pass, and the byte plan of the
// simulator's memory: everything sized by the mapped part of the mesh (Ru x Cu), not by 48 KB per core.
//
// Legend: Ru x Cu = used rows x columns, node id = c·Ru + r (column-major), NC = colors of the pass.
// Route byte: bit (1 << dir) per output, dirs 0 N, 1 E, 2 S, 3 W, 4 RAMP (to the core), 5 EDGE (off the mesh, south).

export const CFG = {
  MAGIC: 0, ROWS: 1, COLS: 2, COLORS: 3, RQ_LOG: 4, CQ_LOG: 5, PASS: 6, FMACS: 7, BUFFERS: 8, NSEQ: 9,
  WHEEL_LOG: 10, EDGE_CAP: 11, NODES: 12, NODE_BYTES: 13, O_CQ: 14, O_RQ: 15, WHEEL: 16,
  LIST_C0: 17, LIST_C1: 18, LIST_R0: 19, LIST_R1: 20, LIST_I0: 21, LIST_I1: 22, IMARK: 23, COLOR_CH: 24,
  ROW_B: 25, COL_K: 26, COL_N: 27, COL_START: 28, INJ_PTR: 29, INJ_LEN: 30, INJ_POS: 31, SINK_PTR: 32,
  SINK_POS: 33, STATS: 34, STRIDE: 35,
} as const;
export const CFG_SLOTS = 36;
export const FABRIC_MAGIC = 0x46414233;

/** Global counters (u64). */
export const STAT = {
  HOPS: 0, RAMP_IN: 1, RAMP_OUT: 2, INJECTED: 3, SUNK: 4, FMACS: 5, TASKS: 6, ROUTER_STEPS: 7, CORE_STEPS: 8,
  CYCLES: 9, LAST: 10,
} as const;
export const STAT_WORDS = 16;

/** Core fields: u32 index within a node record (assembly/fabric/state.ts F_*). */
export const F = { BUSY: 0, ROW: 1, COL: 2, DATA: 3, PHASE: 4, SEQ: 5, REM: 6, IDX: 7, A: 8, B: 9, C: 10, D: 11, E: 12, F: 13 } as const;
/** Per-core cycle counters: u32 index (from H_CSTATS) of streaming, computing, reducing. */
export const CSTAT = { STREAM: 0, COMPUTE: 1, REDUCE: 2 } as const;
export const NCH = 3;

/** Byte offsets inside a node record (assembly/fabric/state.ts H_*). */
export const H = { CSTATS: 128, ROUTE: 144 } as const;

export interface NodeLayout {
  /** Bytes per node (a multiple of 64). */
  bytes: number;
  /** Offset of the core input queues u32[3][QC]. */
  oCq: number;
  /** Offset of the router queues (u32, u32)[NC][Q]. */
  oRq: number;
}

/** The node record for NC colors (<= 8), router queue depth Q and core queue depth QC. */
export function nodeLayout(colors: number, q: number, qc: number): NodeLayout {
  const oCq = Math.ceil((H.ROUTE + colors * 5) / 16) * 16;
  const oRq = Math.ceil((oCq + NCH * qc * 4) / 16) * 16;
  return { bytes: Math.ceil((oRq + colors * q * 8) / 64) * 64, oCq, oRq };
}

const N = 1, E = 2, S = 4, W = 8, RAMP = 16, EDGE = 32;
const DIR_N = 0, DIR_E = 1, DIR_S = 2, DIR_W = 3, DIR_RAMP = 4;

export interface PassColors {
  /** Number of colors the pass uses. */
  colors: number;
  /** Core input channel of each color (0 stream, 1, 2 the other flows). */
  channel: number[];
  /** Writes router (r, c)'s routes: set(color, inDir, outMask). */
  routes(r: number, c: number, Ru: number, Cu: number, set: (color: number, inDir: number, out: number) => void): void;
}

/**
 * Forward and delta: color 0 = the weight stream (north edge, multicast down the column to every core);
 * colors 1, 2 = the east-bound reduction (column c sends on 1 + (c & 1), so neighbours alternate and a
 * router never mixes its own sends with what it delivers); colors 3, 4 = the west-bound reduction.
 */
export const AXPY_COLORS: PassColors = {
  colors: 5,
  channel: [0, 1, 1, 2, 2],
  routes(r, c, Ru, Cu, set) {
    set(0, DIR_N, RAMP | (r < Ru - 1 ? S : 0));
    if (c < Cu - 1) set(1 + (c & 1), DIR_RAMP, E);
    if (c > 0) set(1 + ((c + 1) & 1), DIR_W, RAMP);
    if (c > 0) set(3 + (c & 1), DIR_RAMP, W);
    if (c < Cu - 1) set(3 + ((c + 1) & 1), DIR_E, RAMP);
  },
};

/**
 * Gradient: color 0 = the position stream (as above); color 1 = the row broadcast of X[k] (from the
 * owner's ramp both ways; elsewhere to the core and on); colors 2, 3 = the column reduction, row r
 * sending south on 2 + (r & 1), the bottom row off the mesh through the south edge (toward MemoryX).
 */
export const GRAD_COLORS: PassColors = {
  colors: 4,
  channel: [0, 1, 2, 2],
  routes(r, c, Ru, Cu, set) {
    set(0, DIR_N, RAMP | (r < Ru - 1 ? S : 0));
    const e = c < Cu - 1 ? E : 0;
    const w = c > 0 ? W : 0;
    if (e | w) set(1, DIR_RAMP, e | w);
    if (c > 0) set(1, DIR_W, RAMP | e);
    if (c < Cu - 1) set(1, DIR_E, RAMP | w);
    set(2 + (r & 1), DIR_RAMP, r < Ru - 1 ? S : EDGE);
    if (r > 0) set(2 + ((r + 1) & 1), DIR_N, RAMP);
  },
};

/** A plan of named regions in the simulator's memory (bytes, alignment), laid out in order. */
export class MemoryPlan {
  readonly regions: Array<{ name: string; bytes: number; align: number }> = [];
  add(name: string, bytes: number, align = 16): this {
    this.regions.push({ name, bytes: Math.ceil(bytes), align });
    return this;
  }
  /** Bytes including alignment padding (an upper bound: each region may pad up to align - 1). */
  get totalBytes(): number {
    return this.regions.reduce((s, r) => s + r.bytes + r.align, 0);
  }
}
