// What a simulator reads back from its memory once the mesh went quiet (sim.ts's FabricSim calls these): the
// check that every stream was consumed and every core finished its program, the per-core cycle counters, and
// the pass's result (Yt [N, B] forward, dXt [K, B] delta, g [nnz] in stream order gradient).
//
// Legend as sim-write.ts: Ru x Cu = used rows x columns, node id = c·Ru + r, a column's data rows of B floats.
import { F } from './layout.js';
import type { SimView } from './sim-write.js';

/** After the mesh went quiet: every stream consumed and every core at the end of its program (else a deadlock, named). */
export function checkFinished(v: SimView): void {
  const { usedRows: Ru, usedCols: Cu } = v.mapping;
  const { wasm: w, p, streams } = v;
  const injPos = w.u32(p.injPos, Cu);
  for (let c = 0; c < Cu; c++) {
    if (injPos[c] !== streams.words[c].length) throw new Error(`fabric: deadlock: column ${c} consumed ${injPos[c]} of ${streams.words[c].length} stream words`);
  }
  const { nseq } = v.tables;
  const nw = v.node.bytes >>> 2;
  const core = w.u32(p.nodes, Ru * Cu * nw);
  for (let i = 0; i < Ru * Cu; i++) {
    const seq = core[i * nw + F.SEQ];
    const ok = v.isGrad ? seq === nseq && core[i * nw + F.GR_FIFO_COUNT] === 0 : seq === nseq && core[i * nw + F.AX_FREED] === nseq;
    if (!ok) throw new Error(`fabric: deadlock: core (${i % Ru}, ${Math.floor(i / Ru)}) stopped at row ${seq} of ${nseq}`);
  }
  if (v.isGrad) {
    const sinkPos = w.u32(p.sinkPos, Cu);
    for (let c = 0; c < Cu; c++) {
      if (sinkPos[c] !== streams.nnz[c]) throw new Error(`fabric: column ${c} sent ${sinkPos[c]} of ${streams.nnz[c]} gradients out`);
    }
  }
}

/** Per used core (row-major Ru x Cu), 4 u32: streaming, computing, reducing cycles, spare (a copy). */
export function readCoreCycles(v: SimView): Uint32Array {
  const { usedRows: Ru, usedCols: Cu } = v.mapping;
  const nw = v.node.bytes >>> 2;
  const words = v.wasm.u32(v.p.nodes, Ru * Cu * nw);
  const out = new Uint32Array(Ru * Cu * 4);
  for (let r = 0; r < Ru; r++) {
    for (let c = 0; c < Cu; c++) {
      const at = (c * Ru + r) * nw + v.node.oCstats / 4;
      out.set(words.subarray(at, at + 4), (r * Cu + c) * 4);
    }
  }
  return out;
}

/** The pass's result: Yt [N, B] (forward), dXt [K, B] (delta), g [nnz] in stream order (gradient). */
export function readOutput(v: SimView): Float32Array {
  const { usedCols: Cu, kStarts, nStarts, shape, pass } = v.mapping;
  const { wasm: w, p, streams } = v;
  if (v.isGrad) {
    const total = streams.nnz.reduce((s, z) => s + z, 0);
    const g = new Float32Array(total);
    const sinkPtr = w.u32(p.sinkPtr, Cu);
    for (let c = 0; c < Cu; c++) {
      const vals = w.f32(sinkPtr[c], streams.nnz[c]);
      const order = streams.order![c];
      for (let j = 0; j < vals.length; j++) g[order[j]] = vals[j];
    }
    return g;
  }
  const B = shape.B;
  const outStarts = pass === 'forward' ? nStarts : kStarts;
  const outLen = pass === 'forward' ? shape.N : shape.K;
  const { colK } = v.tables;
  const y = new Float32Array(outLen * B);
  const A = v.machine.accumulatorBuffers;
  for (let c = 0; c < Cu; c++) {
    const own = outStarts[c + 1] - outStarts[c];
    const at = p.data + v.colOff[c] + 4 * (colK[c] + A) * B;
    y.set(w.f32(at, own * B), outStarts[c] * B);
  }
  return y;
}
