// The assumption lines of a CS-2 estimate: every figure it used, with its value and source, and every
// modelling choice, so a printed result can be checked line by line.
import { archAssumption } from './decoder-layers.js';
import type { BytesPerParam } from './capacity.js';
import type { EfficiencyFn } from './efficiency.js';
import type { PerfModel } from './models.js';
import { cite, type Specs } from './specs.js';
import type { SwarmxTree } from './swarmx.js';
import type { PipelineMode } from '../timeline/schedule.js';
import { systemLabel } from './system.js';
import { fmt, gb as gbs, tb as tbs } from './units.js';

export interface AssumptionInputs {
  specs: Specs;
  pipeline: PipelineMode;
  model: PerfModel;
  eff: EfficiencyFn;
  S: number;
  N: number;
  B: number;
  D: number;
  b: number;
  m: number;
  steps: number;
  mode: 'none' | 'full' | 'cached';
  cacheBytes: number;
  capacity: number;
  linkGBps: number;
  tree: SwarmxTree;
  bpp: BytesPerParam;
  precision: string;
  wb: number;
  gb: number;
  ib: number;
  rowHeaderBytes: number;
  memoryxBytes: number;
  memoryxCapacityBytes: number;
  /** SwarmX lanes per system (the spec's, or derived from the I/O). */
  lanes: number;
}

export function estimateAssumptions(x: AssumptionInputs): string[] {
  const { specs, pipeline, model, eff, S, N, B, D, b, m, steps, mode, cacheBytes, capacity, linkGBps, tree, bpp, precision, wb, gb, ib, rowHeaderBytes, memoryxBytes, memoryxCapacityBytes } = x;
  const { cs2, memoryx, swarmx } = specs;
  const lanes = { count: x.lanes };
  const sys = systemLabel(cs2);
  const price = cs2.v.pricePerSystemHourUSD;
  const out: string[] = [];
  const A = (s: string) => out.push(s);
  A(`peak ${cs2.v.peakPFLOPs} PFLOP/s dense FP16 per ${sys} (${cite(cs2, 'peakPFLOPs')})`);
  A(`compute efficiency: ${eff.description ?? 'a user-supplied function of (layer shape, sparsity)'}`);
  if (S > 0) A(`sparsity ${S} (unstructured) on the transformer blocks' linear weights; embeddings, LM head and attention scores stay dense; compute, streamed bytes, gradients and MemoryX state scale with the non-zeros (dataflow triggers skip zeros, M8/M10)`);
  if (S > 0) A(`a sparse layer streams ${wb} B value + ${ib} B delta-coded column index per non-zero + ${rowHeaderBytes} B count per input row (or dense, whichever is smaller); gradients only at non-zeros, in stream order (no index)`);
  A(`weights stream at ${fmt(linkGBps)} GB/s per ${sys} = min(${sys} I/O ${cs2.v.ioGBps} GB/s [${cite(cs2, 'ioGBps')}], MemoryX ${memoryx.v.streamGBps} GB/s [${cite(memoryx, 'streamGBps')}], SwarmX ${lanes.count} x ${swarmx.v.portGbps} Gb/s lanes [${cite(swarmx, 'portsPerSystem')}]); SwarmX broadcasts, so MemoryX sends each weight once whatever N`);
  A(`streamed weights ${wb} B and gradients ${gb} B per value (${precision === 'fp32' ? 'FP32 training' : 'mixed precision: FP16'}), activations 2 B per value`);
  if (precision === 'fp32') A('FP32 changes the bytes streamed, reduced and kept in MemoryX only: the wafer still computes at its FP16 peak and keeps 2 B activations (no FP32 rate of the WSE is published), so the step\'s compute is optimistic for FP32 training');
  A(cs2.v.ioFullDuplex ? `gradients leave on the output side of the same links while weights arrive (full duplex: ${cite(cs2, 'ioFullDuplex')})` : 'gradients share the input link with the weights (half duplex)');
  A(`SwarmX: fan-in ${swarmx.v.fanIn}, depth ${tree.depth} for ${N} systems, reduce at line rate, ${swarmx.v.hopLatencyUs} us per hop (${cite(swarmx, 'hopLatencyUs')})`);
  A(
    pipeline === 'none'
      ? `pipeline 'none': every stream, compute, gradient out, reduce and update waits for the one before (src/timeline/schedule.ts, the engine's scheduler)`
      : `pipeline '${pipeline}' (src/timeline/schedule.ts, the engine's scheduler): layer l+1's weights stream while layer l computes (one streamed layer of weights buffered ahead); a layer computes once its weights have arrived and sends its gradients once computed`,
  );
  A(`backward streams every layer's weights again, in reverse order (Cerebras docs); gradients are summed in SwarmX and applied in MemoryX`);
  A(`MemoryX update: ${bpp.total} B of state per parameter touched (${Object.entries(bpp.parts).map(([k, v]) => `${k} ${v}`).join(' + ')}) at ${memoryx.v.updateGBps} GB/s (${cite(memoryx, 'updateGBps')}); ${pipeline === 'full' ? 'each layer updated as soon as its gradient is reduced, overlapped with the backward; exposed only for the first layer at the iteration boundary' : pipeline === 'coarse' ? 'all updates after the backward, before the next step (exposed)' : 'serial (exposed)'}`);
  if (model.arch) A(archAssumption(model.arch, model.contextTokens, model.attention ?? 'causal'));
  else A(`attention: ${model.gpt ? (model.attention === 'full' ? 'score FLOP per token and layer 4·T·d forward (the masked half computed too)' : 'score FLOP per token and layer 2·T·d forward (causal: Kaplan et al. 2020)') + ', backward 2x forward; scores recomputed, never stored' : 'none (not a sequence model)'}`);
  A(`elementwise work (LayerNorm, GELU, softmax, residual adds, the embedding gather) costs no compute time`);
  const recomputeRule = cs2.v.activationCheckpointsOffWafer
    ? 'under full recomputation the wafer keeps only the recomputed block\'s activations (block inputs kept off the wafer, their traffic not charged: ' + cite(cs2, 'activationCheckpointsOffWafer') + ')'
    : 'under full recomputation each block\'s input stays on the wafer as its checkpoint, plus the recomputed block\'s activations';
  A(`wafer SRAM for activations ${gbs(capacity)} per ${sys} (${cs2.v.waferSramGB} GB x ${cs2.v.activationSramFraction}: ${cite(cs2, 'activationSramFraction')}); ${model.arch ? 'each layer keeps its input (2 B per value), attention its q, k and v; ' + recomputeRule : model.gpt ? 'per block and token 34·d bytes without recomputation (Korthikanti et al. 2022); ' + recomputeRule : 'each layer keeps its input (2 B per value)'}`);
  A(
    mode === 'full' ? `full activation recomputation: each block's forward is redone before its backward, streaming its weights a third time (weights are never kept on the wafer)`
    : mode === 'cached' ? `full activation recomputation with the block's weights kept on the wafer from its recomputed forward to its backward (${gbs(cacheBytes)} of SRAM; two weight passes per micro-batch): a what-if beyond the article, whose weights never stay on the wafer`
    : 'no activation recomputation',
  );
  A(`micro-batching: ${m} micro-batch${m > 1 ? 'es' : ''} of ${fmt(b / m)} tokens per system per step; each streams all weights again (forward and backward) and sends its gradients; MemoryX sums them across micro-batches, assumed to keep pace with the gradient stream`);
  A(`data parallel: ${fmt(B)} tokens per step split evenly over ${N} systems (whole sequences not enforced); ${fmt(steps)} steps for ${fmt(D)} tokens`);
  A(`trainFlop = 6 · P · D (GPT-3 Table D.1 convention: dense, attention ignored); modelFlop adds attention and is what the time model executes (times the non-zero fraction, plus recomputation)`);
  A(`energy: ${cs2.v.systemPowerKW} kW per ${sys} including hosts, MemoryX and SwarmX (${cite(cs2, 'systemPowerKW')})`);
  if (price === null) A(`cost: no ${sys} price is published (${cite(cs2, 'pricePerSystemHourUSD')})`);
  if (N > swarmx.v.maxSystems) A(`${N} systems is beyond the published maximum of ${swarmx.v.maxSystems}`);
  if (memoryxBytes > memoryxCapacityBytes) A(`MemoryX: the model needs ${tbs(memoryxBytes)}, more than the largest MemoryX (${memoryx.v.maxCapacityTB} TB)`);

  return out;
}
