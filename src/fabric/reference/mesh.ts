// The REFERENCE fabric: a plain-TS, slow and obvious statement of what the WASM mesh (assembly/fabric)
// computes, cycle by cycle. It is the living spec the optimised loop is tested against
// (test/fabric/reference.test.ts: same cycle count, same counters, same result bits).
//
// What "one cycle" means (docs/fabric.md, The machine), with no active sets, timing wheel or skipping:
//   1. every core, in node order, that is not busy runs at most one task of its program (core_axpy.ts,
//      core_grad.ts); a task of L cycles started at t keeps the core busy until t + L (exclusive);
//   2. every column's edge injector feeds the next word of its stream into the top router (color 0, from
//      the north) if that queue has room and the shared edge cap allows (served in the order they asked);
//   3. every router, in node order, tries each color (lowest first) once: router.ts.
// A wavelet pushed in cycle t (by a core, an injector or a router) can leave its queue in t + 1 at the
// earliest; a core sees a wavelet delivered in t from t + 1 on (cores act before routers); room a core or a
// router frees in cycle t is usable by a router visited later in the same cycle.
// The run ends when a cycle does nothing and no core is busy; its length is the last cycle in which a task
// ran or a wavelet moved between routers, plus one.
//
// Legend: Ru x Cu = used rows x columns; node id = c·Ru + r (column-major, as the WASM); B = batch,
// Bs = a row's batch slice (starting at sample b0). A column's data are rows of B floats: core (r, c)
// owns elements b0 .. b0 + Bs of every row (layout as src/fabric/sim.ts).
import type { FabricMachine } from '../defaults.js';
import type { FabricMapping } from '../mapping.js';
import type { ColumnStreams } from '../streams.js';
import type { PassInputs, SimCounters } from '../sim.js';
import { materialize } from '../weights.js';
import { CSTAT, passColors } from '../layout.js';
import { axpyStep } from './core_axpy.js';
import { gradStep } from './core_grad.js';
import { injectorsStep, rejoinInjectors, routersStep } from './router.js';
import { floatOf } from './vec.js';

/** A wavelet waiting in a router queue: its 32 bits, where it came from and the cycle it arrived. */
export interface Wavelet {
  data: number;
  inDir: number;
  arrived: number;
}

/** One node: a core (its program's named fields, input queues, cycle counters) and its router. */
export interface RefNode {
  id: number;
  row: number;
  col: number;
  /** The core is busy until this cycle (exclusive). */
  busyUntil: number;
  /** Program state, as named in the ABI (scripts/fabric-abi.mjs): common fields ... */
  phase: number;
  seq: number;
  rem: number;
  idx: number;
  /** ... the axpy program's: outputs accumulated, outputs freed, east / west flow output and element ... */
  done: number;
  freed: number;
  eastOut: number;
  eastEl: number;
  westOut: number;
  westEl: number;
  /** ... and the grad program's: broadcast element, partial FIFO head and count, partials reduced. */
  bcastEl: number;
  fifoHead: number;
  fifoCount: number;
  reduced: number;
  /** Index of the core's slice in its column's data (b0) and its batch slice Bs. */
  b0: number;
  bs: number;
  /** Core input queues (channel 0 = the stream, 1, 2 = the other flows), u32 words. */
  cq: number[][];
  /** Cycles streaming, computing, reducing (CSTAT order). */
  stats: number[];
  /** Router queues per color and the cycle each output direction (N E S W RAMP EDGE) was last used. */
  rq: Wavelet[][];
  linkUsed: number[];
  /** route[color][inDir] = out-mask (bit 1 << dir). */
  route: number[][];
}

/** The whole mesh and the pass's tables. */
export interface RefMesh {
  Ru: number;
  Cu: number;
  B: number;
  grad: boolean;
  nodes: RefNode[];
  /** Per column: rows of B floats (axpy: in | acc | out; grad: X | dY | xb | fifo). */
  data: Float32Array[];
  colK: number[];
  colN: number[];
  /** Output (axpy) or K (grad) block starts over the columns (Cu + 1). */
  colStart: number[];
  nseq: number;
  buffers: number;
  fmacs: number;
  rqDepth: number;
  cqDepth: number;
  edgeCap: number;
  colorChannel: number[];
  streams: Uint32Array[];
  injPos: number[];
  /** Columns asking the edge for a word, in the order they asked; columns waiting for room. */
  injOrder: number[];
  injParked: boolean[];
  sinks: number[][];
  now: number;
  last: number;
  edgeUsed: number;
  count: Omit<SimCounters, 'cycles' | 'routerSteps' | 'coreSteps'>;
}

/** What the reference run gives: the same quantities as FabricSim. */
export interface ReferenceRun {
  cycles: number;
  counters: Omit<SimCounters, 'routerSteps' | 'coreSteps'>;
  /** Per used core, row-major Ru x Cu: streaming, computing, reducing cycles. */
  coreCycles: Uint32Array;
  /** Yt [N, B] (forward), dXt [K, B] (delta), g [nnz] in stream order (gradient). */
  output: Float32Array;
}

/** A task a core started: its cycles, its kind (CSTAT) and whether it began with one streaming cycle. */
export interface Task {
  cycles: number;
  kind: number;
  pair?: boolean;
}

/** Runs one mapped pass on the reference mesh until it goes quiet (throws past maxCycles). */
export function runReference(mapping: FabricMapping, machine: FabricMachine, streams: ColumnStreams, inputs: PassInputs, maxCycles = 10_000_000): ReferenceRun {
  const m = buildMesh(mapping, machine, streams, inputs);
  for (;;) {
    const acted = cycle(m);
    if (!acted && m.nodes.every((n) => n.busyUntil <= m.now)) break;
    m.now++;
    if (m.now > maxCycles) throw new Error(`fabric reference: passed ${maxCycles} cycles without finishing`);
  }
  checkFinished(m);
  const coreCycles = new Uint32Array(m.Ru * m.Cu * 3);
  for (const n of m.nodes) coreCycles.set(n.stats, (n.row * m.Cu + n.col) * 3);
  return { cycles: m.last, counters: { cycles: m.last, ...m.count }, coreCycles, output: output(m, mapping, streams, machine) };
}

/** One cycle: cores, then injectors, then routers. True if anything happened. */
function cycle(m: RefMesh): boolean {
  let acted = false;
  for (const n of m.nodes) {
    if (n.busyUntil > m.now) continue;
    const t = m.grad ? gradStep(m, n) : axpyStep(m, n);
    if (!t) continue;
    acted = true;
    n.busyUntil = m.now + t.cycles;
    if (t.pair) {
      n.stats[CSTAT.STREAM] += 1;
      n.stats[t.kind] += t.cycles - 1;
    } else {
      n.stats[t.kind] += t.cycles;
    }
    m.count.tasks++;
    m.last = Math.max(m.last, n.busyUntil);
  }
  if (injectorsStep(m)) acted = true;
  if (routersStep(m)) acted = true;
  rejoinInjectors(m);
  return acted;
}

/** Builds the mesh: nodes with their routes, the columns' data with the inputs written in (as sim.ts). */
function buildMesh(mapping: FabricMapping, machine: FabricMachine, streams: ColumnStreams, inputs: PassInputs): RefMesh {
  const { usedRows: Ru, usedCols: Cu, pass, kStarts, nStarts, bStarts, shape } = mapping;
  const grad = pass === 'gradient';
  const colors = passColors(pass);
  const B = shape.B;
  const colK: number[] = [];
  const colN: number[] = [];
  for (let c = 0; c < Cu; c++) {
    const kc = kStarts[c + 1] - kStarts[c];
    const nc = nStarts[c + 1] - nStarts[c];
    colK.push(pass === 'delta' ? nc : kc);
    colN.push(pass === 'delta' ? kc : nc);
  }
  const colStart = Array.from(pass === 'forward' ? nStarts : kStarts);
  const nseq = pass === 'forward' ? shape.N : shape.K;
  const buffers = grad ? machine.partialFifoDepth : machine.accumulatorBuffers;
  const inStarts = pass === 'delta' ? nStarts : kStarts;
  const data: Float32Array[] = [];
  const a = materialize(inputs.a);
  const b = inputs.b && materialize(inputs.b);
  for (let c = 0; c < Cu; c++) {
    const rows = grad ? colK[c] + colN[c] + 1 + buffers : colK[c] + buffers + (colStart[c + 1] - colStart[c]);
    const d = new Float32Array(rows * B);
    d.set(a.subarray(inStarts[c] * B, (inStarts[c] + colK[c]) * B));
    if (grad) d.set(b!.subarray(nStarts[c] * B, (nStarts[c] + colN[c]) * B), colK[c] * B);
    data.push(d);
  }
  const nodes: RefNode[] = [];
  for (let c = 0; c < Cu; c++) {
    for (let r = 0; r < Ru; r++) {
      const route = Array.from({ length: colors.colors }, () => [0, 0, 0, 0, 0]);
      colors.routes(r, c, Ru, Cu, (color, inDir, out) => { route[color][inDir] = out; });
      nodes.push({
        id: c * Ru + r, row: r, col: c, busyUntil: 0,
        phase: 0, seq: 0, rem: 0, idx: 0,
        // the east flow of the axpy program starts at the first output it carries
        done: 0, freed: 0, eastOut: grad ? 0 : c === 0 ? colStart[1] : colStart[c], eastEl: 0, westOut: 0, westEl: 0,
        bcastEl: 0, fifoHead: 0, fifoCount: 0, reduced: 0,
        b0: bStarts[r], bs: bStarts[r + 1] - bStarts[r],
        cq: [[], [], []], stats: [0, 0, 0],
        rq: Array.from({ length: colors.colors }, () => []), linkUsed: [-1, -1, -1, -1, -1, -1], route,
      });
    }
  }
  return {
    Ru, Cu, B, grad, nodes, data, colK, colN, colStart, nseq, buffers,
    fmacs: machine.fmacsPerCycle, rqDepth: machine.routerQueueWavelets, cqDepth: machine.coreQueueWavelets,
    edgeCap: machine.edgeWaveletsPerCycle, colorChannel: colors.channel,
    streams: streams.words, injPos: new Array(Cu).fill(0),
    injOrder: Array.from({ length: Cu }, (_, c) => c), injParked: new Array(Cu).fill(false), sinks: Array.from({ length: Cu }, () => []),
    now: 0, last: 0, edgeUsed: 0,
    count: { hops: 0, rampIn: 0, rampOut: 0, injected: 0, sunk: 0, fmacs: 0, tasks: 0 },
  };
}

/** Every stream consumed, every core at the end of its program, every gradient out. */
function checkFinished(m: RefMesh): void {
  m.streams.forEach((s, c) => {
    if (m.injPos[c] !== s.length) throw new Error(`fabric reference: deadlock: column ${c} consumed ${m.injPos[c]} of ${s.length} stream words`);
  });
  for (const n of m.nodes) {
    const ok = m.grad ? n.seq === m.nseq && n.fifoCount === 0 : n.seq === m.nseq && n.freed === m.nseq;
    if (!ok) throw new Error(`fabric reference: deadlock: core (${n.row}, ${n.col}) stopped at row ${n.seq} of ${m.nseq}`);
  }
}

/** The pass's result, read as sim.ts reads the WASM memory. */
function output(m: RefMesh, mapping: FabricMapping, streams: ColumnStreams, machine: FabricMachine): Float32Array {
  if (m.grad) {
    const g = new Float32Array(streams.nnz.reduce((s, z) => s + z, 0));
    m.sinks.forEach((words, c) => words.forEach((w, j) => { g[streams.order![c][j]] = floatOf(w); }));
    return g;
  }
  const { pass, shape, nStarts, kStarts } = mapping;
  const outStarts = pass === 'forward' ? nStarts : kStarts;
  const y = new Float32Array((pass === 'forward' ? shape.N : shape.K) * m.B);
  for (let c = 0; c < m.Cu; c++) {
    const at = (m.colK[c] + machine.accumulatorBuffers) * m.B;
    y.set(m.data[c].subarray(at, at + (outStarts[c + 1] - outStarts[c]) * m.B), outStarts[c] * m.B);
  }
  return y;
}
