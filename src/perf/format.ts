// Human-readable text for estimates and the claims table (the CLI prints these without --json).
import type { Claims } from './claims.js';
import type { Estimate } from './estimate.js';
import { fmt, stepCount } from './units.js';
import type { GpuEstimate } from './gpu.js';
import { exactCount, formatLayerTable } from './format-layers.js';

import { requireObject } from '../errors.js';
const pct = (x: number) => `${fmt(100 * x)} %`;
const bytes = (b: number) => (b >= 1e15 ? `${fmt(b / 1e15)} PB` : b >= 1e12 ? `${fmt(b / 1e12)} TB` : b >= 1e9 ? `${fmt(b / 1e9)} GB` : `${fmt(b / 1e6)} MB`);
const count = (n: number) => (n >= 1e12 ? `${fmt(n / 1e12)} T` : n >= 1e9 ? `${fmt(n / 1e9)} B` : n >= 1e6 ? `${fmt(n / 1e6)} M` : fmt(n));

/** A parameter count exact (thousands separators), with its short form for large ones: "6,738,415,616 (6.738 B)". */
const params = (n: number) => (n >= 1e6 ? `${exactCount(n)} (${count(n)})` : exactCount(n));

function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

function assumptionsText(a: string[]): string {
  return 'Assumptions:\n' + a.map((s) => `  - ${s}`).join('\n');
}

export function formatEstimate(e: Estimate): string {
  requireObject('estimate', e);
  const shares = (Object.entries(e.boundShares) as Array<[string, number]>).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', ');
  const lb = e.layerBounds;
  const head = `${e.title} on ${e.systems} ${e.system} (${e.sparsity > 0 ? `${pct(e.sparsity)} sparse` : 'dense'})`;
  const rows: Array<[string, string]> = [
    ['parameters', `${params(e.params)}${e.sparsity > 0 ? `; ${params(Math.round(e.paramsNonzero))} non-zero` : ''}`],
    ['training', `${count(e.trainTokens)} tokens = ${stepCount(e.steps)} steps of ${count(e.batchTokens)} tokens`],
    ['batch', `${Number.isInteger(e.batchSeqs) ? exactCount(e.batchSeqs) : e.batchSeqs.toFixed(2)} sequences of ${exactCount(e.seqLen)} tokens per step`],
    ['train FLOP', `${fmt(e.trainFlop)} (${sixPD(e)}); ${modelFlopText(e)}; executed ${fmt(e.executedFlop)}`],
    [`per ${e.system} per step`, `${fmt(e.tokensPerSystem)} tokens in ${e.microBatches} pass${e.microBatches > 1 ? 'es' : ''} of ${fmt(e.microBatchTokens)} (${e.recomputeMode === 'none' ? 'no recomputation' : e.recomputeMode === 'full' ? 'full recomputation' : 'recomputation, block weights cached on the wafer'})`],
    ['passes per step', `${e.microBatches} (${e.passesReason})`],
    ['balance', `compute = weight streaming at ${fmt(e.balanceTokensPerPass)} tokens per pass (${e.microBatchTokens < e.balanceTokensPerPass ? 'below it: stream-bound' : 'at or above it: compute can hide the stream'})`],
    ['step', `${fmt(e.stepSeconds)} s`],
    ['time to train', `${fmt(e.trainDays)} days (${fmt(e.trainSeconds)} s), ${fmt(e.tokensPerSecond)} tokens/s, ${fmt(e.samplesPerSecond)} sequences/s`],
    ['utilization', `${pct(e.utilization)} of peak (useful FLOP); dense-equivalent ${pct(e.denseEquivalentUtilization)}`],
    ['bound', `${e.boundResource} (${e.bound}; ${e.binding}; busy share of the step: ${shares})`],
    ['layers bound by', `forward: ${lb.forward.compute} compute, ${lb.forward.stream} stream; backward: ${lb.backward.compute} compute, ${lb.backward.stream} stream, ${lb.backward.reduce} reduce`],
    ['weights in', `${fmt(e.stream.GBps)} GB/s; ${bytes(e.stream.bytesPerPass)} per pass, ${bytes(e.stream.bytesPerStep)} per step per ${e.system}`],
    ['SwarmX', `depth ${e.swarmx.depth}, ${e.swarmx.nodesPerLane} nodes per lane, ${bytes(e.swarmx.reduceBytesPerStep)} of gradients reduced per step, ${fmt(e.swarmx.latencySeconds * 1e6)} us per traversal`],
    ['MemoryX update', `${bytes(e.update.bytesPerStep)} touched per step, ${fmt(e.update.seconds)} s (exposed ${fmt(e.update.exposedSeconds)} s)`],
    ['MemoryX', `${bytes(e.memoryxBytes)} (${e.memoryxBytesPerParam} B of state a stored weight${e.sparsity > 0 ? '; a sparse layer stores its non-zeros with their index where that is smaller than dense' : ''}) of ${bytes(e.memoryxCapacityBytes)}: ${e.memoryxFits ? (e.memoryxFitsSmallest ? `fits (even the smallest, ${bytes(e.memoryxSmallestCapacityBytes)})` : `fits (needs more than the smallest ${bytes(e.memoryxSmallestCapacityBytes)} configuration)`) : 'DOES NOT FIT'}`],
    ['wafer SRAM', `${bytes(e.waferBytesPerSystem)} of ${bytes(e.waferCapacityBytes)} per ${e.system} (holds ${fmt(e.waferTokensFit.recompute)} tokens with recomputation, ${fmt(e.waferTokensFit.noRecompute)} without)`],
    ['energy', `${fmt(e.energyKWh / 1000)} MWh`],
    ['cost', e.costUSD === null ? 'n/a (no price)' : `$${fmt(e.costUSD)}`],
  ];
  if (e.ignoredFields && e.ignoredFields.length > 0) rows.push(['ignored fields', `${e.ignoredFields.join(', ')} (change neither time nor capacity)`]);
  const layers = e.layers ? `\n${formatLayerTable(e.layers, e.microBatchTokens)}` : '';
  return `${head}\n${table(rows)}${layers}\n${assumptionsText(e.assumptions)}\n`;
}

/** "6·P·D", naming P when it is not every parameter (a mixture of experts: those a token computes with). */
function sixPD(e: { trainFlop: number; params: number; trainTokens: number }): string {
  const active = e.trainFlop / (6 * e.trainTokens);
  return active < e.params * (1 - 1e-9) ? `6·P·D, P = the ${params(active)} parameters a token computes with` : '6·P·D';
}

/**
 * The dense model FLOP beside 6·P·D: "with attention" only for a model that has attention; a model without
 * it says why its per-layer count differs from 6·P·D (the first layer computes no input gradient; biases,
 * norms and a gather-embedding no matmul), so a smaller figure never reads as attention.
 */
function modelFlopText(e: Estimate): string {
  if (e.attentionFlop > 0) return `with attention ${fmt(e.modelFlop)} (attention ${fmt(e.attentionFlop)})`;
  if (e.modelFlop === e.trainFlop) return 'no attention';
  return `no attention; counted per layer ${fmt(e.modelFlop)} (${e.modelFlop < e.trainFlop ? 'below' : 'above'} 6·P·D: the first layer computes no input gradient; biases, norms and embeddings no matmul)`;
}

export function formatGpuEstimate(e: GpuEstimate): string {
  requireObject('estimate', e);
  const rows: Array<[string, string]> = [
    ['parameters', params(e.params)],
    ['train FLOP', `${fmt(e.trainFlop)} (${sixPD(e)}); counted ${fmt(e.countedFlop)} (${e.flopConvention})`],
    ['time to train', `${fmt(e.trainDays)} days (${fmt(e.trainSeconds)} s) = ${fmt(e.deviceYears)} GPU-years`],
    ['throughput', `${fmt(e.tokensPerSecond)} tokens/s${e.stepSeconds !== null ? `, ${fmt(e.stepSeconds)} s per step` : ''}`],
    ['utilization', pct(e.utilization)],
    ['model state', `${bytes(e.stateBytesPerDevice)} per device: ${e.stateFits ? 'fits' : 'DOES NOT FIT'}`],
    ['energy', `${fmt(e.energyKWh / 1000)} MWh`],
    ['cost', e.costUSD === null ? 'n/a (no price)' : `$${fmt(e.costUSD)}`],
  ];
  return `${e.title} on ${e.devices} x ${e.gpuName}\n${table(rows)}\n${assumptionsText(e.assumptions)}\n`;
}

export function formatClaims(c: Claims): string {
  requireObject('claims', c);
  const out: string[] = ['The article\'s claims, checked by the at-scale model', ''];
  for (const r of c.rows) {
    out.push(`[${r.id}] ${r.claim}`);
    out.push(`  model:   ${r.model}`);
    out.push(`  verdict: ${r.verdict.toUpperCase()}${r.verdict === 'holds only if' ? ' ' : ': '}${r.condition}`);
    out.push(`  assumptions: ${r.assumptions.length} (see --json); key: ${r.assumptions.slice(0, 2).join(' | ')}`);
    out.push('');
  }
  out.push('Scaling, GPT-3 175B dense (efficiency = T1 / (N·TN)):');
  out.push('  systems    days  speed-up  efficiency  passes/step  bound');
  for (const p of c.scaling) {
    out.push(`  ${String(p.systems).padStart(7)}  ${fmt(p.trainDays).padStart(6)}  ${fmt(p.speedup).padStart(8)}  ${pct(p.efficiency).padStart(10)}  ${String(p.microBatches).padStart(11)}  ${p.bound}`);
  }
  out.push('');
  out.push(assumptionsText(c.assumptions));
  return out.join('\n') + '\n';
}
