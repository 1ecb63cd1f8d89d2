// The host's half of the fabric ABI: the shared tables (generated into abi.ts), the colors and static
// routes of each pass, and the byte plan of the simulator's memory: everything sized by the mapped part
// of the mesh (Ru x Cu), not by 48 KB per core.
//
// Legend: Ru x Cu = used rows x columns, node id = c·Ru + r (column-major), NC = colors of the pass.
// Route byte: bit (1 << dir) per output, dirs 0 N, 1 E, 2 S, 3 W, 4 RAMP (to the core), 5 EDGE (off the mesh, south).

// The shared tables (config slots, counters, core fields, node record offsets) are generated from the one
// ABI table in scripts/fabric-abi.mjs into abi.ts (this side) and assembly/fabric/abi.ts (the WASM side).
import { CFG, DIR, FABRIC_MAGIC, H, NCH, ROUTE } from './abi.js';
import type { FabricMachine } from './defaults.js';
import type { FabricMapping, FabricPass } from './mapping.js';
export { BAND, BAND_HEAD, BAND_HEAD_WORDS, BAND_WORDS, CFG, CFG_SLOTS, CSTAT, DIR, F, FABRIC_ABI_HASH, FABRIC_MAGIC, H, NCH, ROUTE, STAT, STAT_WORDS } from './abi.js';

export interface NodeLayout {
  /** Bytes per node (a multiple of 64). */
  bytes: number;
  /** Offset of the core input queues u32[3][QC]. */
  oCq: number;
  /** Offset of the router queues u32[NC][Q] (H.RQ: color 0's on line 1). */
  oRq: number;
  /** Offset of the core's cycle counters u32[4]. */
  oCstats: number;
  /** Offset of the queue entries' input directions u8[NC][Q], or 0 where no color has routes from several inputs. */
  oDir: number;
}

/** Colors a node record can hold (its queue heads, counts, OUTS and FRESHN are u8[8]; RMASK a u8). */
export const MAX_COLORS = 8;

/**
 * The node record for NC colors, router queue depth Q and core queue depth QC: core fields and core queue
 * heads (line 0); router queue heads, counts, OUTS, this cycle's arrivals and, from H.RQ, the router queues
 * (color 0's on line 1 at Q = 4); the entries' input directions where `dirs` (a color of the pass has routes
 * from several inputs); then on a line of their own the core's counters and input queues. The routes are not
 * in the record: RCLASS names a row of the shared route table (routeClasses). The stream's hop, delivery and
 * AXPY touch three lines of a node: 0, 1 and the core queues'. 256 bytes at the default Q = QC = 4.
 */
export function nodeLayout(colors: number, q: number, qc: number, dirs: boolean): NodeLayout {
  if (colors > MAX_COLORS) throw new Error(`nodeLayout: ${colors} colors do not fit a node record (at most ${MAX_COLORS})`);
  const line = (b: number) => Math.ceil(b / 64) * 64;
  const oRq = H.RQ;
  const rqEnd = oRq + colors * q * 4;
  const oDir = dirs ? rqEnd : 0;
  const oCstats = line(rqEnd + (dirs ? colors * q : 0));
  const oCq = oCstats + 16;
  return { bytes: line(oCq + NCH * qc * 4), oCq, oRq, oCstats, oDir };
}

/** The node record of a pass's colors at the machine's queue depths. */
export function passNodeLayout(pc: PassColors, machine: FabricMachine): NodeLayout {
  return nodeLayout(pc.colors, machine.routerQueueWavelets, machine.coreQueueWavelets, pc.inputDirs);
}

/** A color's routes in `routes` (u8[color][input direction]): the input directions that have one, and the last one's out-mask. */
function colorInputs(routes: Uint8Array, color: number): { ins: number; out: number } {
  let ins = 0;
  let out = 0;
  for (let d = 0; d < 5; d++) {
    const o = routes[color * 5 + d];
    if (o !== 0) { ins++; out = o; }
  }
  return { ins, out };
}

/** A route class's OUTS bytes: a color's out-mask where its route has one input direction, else 0 (u8[colors]). */
export function outsOf(routes: Uint8Array, colors: number): Uint8Array {
  const outs = new Uint8Array(colors);
  for (let color = 0; color < colors; color++) {
    const { ins, out } = colorInputs(routes, color);
    outs[color] = ins === 1 ? out : 0;
  }
  return outs;
}

/**
 * The routes of a Ru x Cu mesh as a table of distinct rows (ROUTE.CLASS_BYTES each: u8[color][input direction]
 * out-masks; `rows` of them used) and each router's row (node id order). Throws past ROUTE.CLASSES rows, or where a color has routes
 * from several inputs in a pass that keeps no input directions.
 */
export function routeClasses(pc: PassColors, Ru: number, Cu: number): { table: Uint8Array; rows: number; classOf: Uint8Array } {
  const table = new Uint8Array(ROUTE.CLASSES * ROUTE.CLASS_BYTES);
  const classOf = new Uint8Array(Ru * Cu);
  const row = new Uint8Array(ROUTE.CLASS_BYTES); // the router's routes, u8[color][input direction]
  const set = (color: number, inDir: number, out: number) => { row[color * 5 + inDir] = out; };
  const n = pc.colors * 5;
  const byBytes = new Map<string, number>();
  const added = (key: string): number => {
    const k = byBytes.size;
    if (k >= ROUTE.CLASSES) throw new Error(`routeClasses: the mesh's routes need more than ${ROUTE.CLASSES} route classes`);
    if (!pc.inputDirs && routedFromSeveral(row, pc.colors)) {
      throw new Error('routeClasses: a color has routes from several inputs, but the pass keeps no input directions (PassColors.inputDirs)');
    }
    byBytes.set(key, k);
    table.set(row, k * ROUTE.CLASS_BYTES);
    return k;
  };
  // most routers have the routes of the router one or two rows north (the gradient alternates by row parity)
  const recent = [-1, -1];
  for (let c = 0; c < Cu; c++) {
    for (let r = 0; r < Ru; r++) {
      row.fill(0);
      pc.routes(r, c, Ru, Cu, set);
      let k = recent.find((j) => j >= 0 && sameRow(table, j * ROUTE.CLASS_BYTES, row, n));
      if (k === undefined) {
        const key = String.fromCharCode.apply(null, Array.from(row.subarray(0, n)));
        k = byBytes.get(key) ?? added(key);
      }
      classOf[c * Ru + r] = k;
      if (k !== recent[0]) [recent[0], recent[1]] = [k, recent[0]];
    }
  }
  return { table, rows: byBytes.size, classOf };
}

/** Whether a color of `routes` (u8[color][input direction]) has routes from more than one input direction. */
function routedFromSeveral(routes: Uint8Array, colors: number): boolean {
  for (let color = 0; color < colors; color++) if (colorInputs(routes, color).ins > 1) return true;
  return false;
}

/** Whether the route table's row at byte `at` starts with row's first n bytes. */
function sameRow(table: Uint8Array, at: number, row: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (table[at + i] !== row[i]) return false;
  return true;
}

const { N: DIR_N, E: DIR_E, S: DIR_S, W: DIR_W, RAMP: DIR_RAMP, EDGE: DIR_EDGE } = DIR;
/** Out-mask bits of each direction. */
const N = 1 << DIR_N, E = 1 << DIR_E, S = 1 << DIR_S, W = 1 << DIR_W, RAMP = 1 << DIR_RAMP, EDGE = 1 << DIR_EDGE;

export interface PassColors {
  /** Number of colors the pass uses. */
  colors: number;
  /** Core input channel of each color (0 stream, 1, 2 the other flows). */
  channel: number[];
  /** Whether a color has routes from several input directions (its queue entries then keep theirs: nodeLayout). */
  inputDirs: boolean;
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
  inputDirs: false,
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
  inputDirs: true, // the row broadcast (color 1) arrives from the ramp, W or E
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

/** The colors and routes of a pass: the gradient's, or the forward and delta passes' (they share them). */
export function passColors(pass: FabricPass): PassColors {
  return pass === 'gradient' ? GRAD_COLORS : AXPY_COLORS;
}

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

/** What the config block says: the mesh, the machine, the node record and where every memory region is. */
export interface ConfigBlock {
  mapping: FabricMapping;
  machine: FabricMachine;
  node: NodeLayout;
  /** Byte offset of each region of the memory plan, by name (memory.ts's simPlan). */
  regions: Record<string, number>;
  colors: number;
  /** Outputs (forward, delta) or rows K (gradient) a core's program goes through. */
  nseq: number;
  wheel: number;
  /** Words of a column's stream window (0: whole streams). */
  window: number;
  /** Band threads with windowed streams: an injector at its fill waits for the host's refill instead of trapping. */
  waitForRefill: boolean;
}

const log2 = (n: number) => Math.round(Math.log2(n));

/** Writes the config block fabricInit reads (slots CFG.*) into `cfg`. */
export function writeConfigBlock(cfg: Uint32Array, b: ConfigBlock): void {
  const { mapping, machine, node, regions: p } = b;
  const { usedRows: Ru, usedCols: Cu, shape } = mapping;
  const isGrad = mapping.pass === 'gradient';
  const set = (slot: number, v: number) => { cfg[slot] = v; };
  set(CFG.MAGIC, FABRIC_MAGIC);
  set(CFG.ROWS, Ru); set(CFG.COLS, Cu); set(CFG.COLORS, b.colors);
  set(CFG.RQ_LOG, log2(machine.routerQueueWavelets)); set(CFG.CQ_LOG, log2(machine.coreQueueWavelets));
  set(CFG.PASS, isGrad ? 1 : 0);
  set(CFG.FMACS, machine.fmacsPerCycle);
  set(CFG.BUFFERS, isGrad ? machine.partialFifoDepth : machine.accumulatorBuffers);
  set(CFG.NSEQ, b.nseq);
  set(CFG.STRIDE, shape.B);
  set(CFG.WHEEL_LOG, log2(b.wheel));
  set(CFG.EDGE_CAP, machine.edgeWaveletsPerCycle);
  set(CFG.INJ_MASK, b.window ? b.window - 1 : 0xffffffff);
  set(CFG.INJ_WAIT, b.waitForRefill ? 1 : 0);
  set(CFG.NODES, p.nodes); set(CFG.NODE_BYTES, node.bytes); set(CFG.O_CQ, node.oCq); set(CFG.O_RQ, node.oRq);
  set(CFG.O_CSTATS, node.oCstats); set(CFG.O_DIR, node.oDir);
  const names: Array<[number, string]> = [
    [CFG.ROUTES, 'routes'], [CFG.WHEEL, 'wheel'], [CFG.LIST_C0, 'listC0'], [CFG.LIST_C1, 'listC1'],
    [CFG.LIST_R0, 'listR0'], [CFG.LIST_R1, 'listR1'], [CFG.LIST_I0, 'listI0'], [CFG.LIST_I1, 'listI1'],
    [CFG.IMARK, 'imark'], [CFG.COLOR_CH, 'colorCh'], [CFG.ROW_B, 'rowB'], [CFG.COL_K, 'colK'],
    [CFG.COL_N, 'colN'], [CFG.COL_START, 'colStart'], [CFG.INJ_PTR, 'injPtr'], [CFG.INJ_LEN, 'injLen'],
    [CFG.INJ_POS, 'injPos'], [CFG.INJ_FILL, 'injFill'], [CFG.SINK_PTR, 'sinkPtr'], [CFG.SINK_POS, 'sinkPos'], [CFG.STATS, 'stats'],
  ];
  for (const [slot, name] of names) set(slot, p[name]);
}
