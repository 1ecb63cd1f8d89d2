// What the training engine really moved and computed per layer and step, turned into the timeline's
// per-layer event durations (src/timeline/schedule.ts LayerCost) by the at-scale model's conversion
// (src/perf/rates.ts eventSeconds) — so the engine's simulated time and the at-scale model's come from
// one formula, fed with measured counts here and analytic counts there.
//
// The engine reports (src/cluster/events.ts): streamFwd/streamBwd with the wire bytes MemoryX streamed;
// forward and backward once per system with that system's FLOP (its share of the batch); gradOut with the
// bytes all N systems send (N × one gradient block); reduce and update with the reduced block's bytes.
// Per layer and step, the simulated durations take:
//   stream     the streamed bytes (SwarmX broadcasts: one copy reaches every system at link rate)
//   compute    the LARGEST system's FLOP (the systems run in lockstep; the largest share sets the pace);
//              a backward event is split into delta and gradient in the ratio of the layer's FLOP counts
//   gradOut    bytes / N (each system sends its own block on its own link)
//   reduce     the tree latency when the layer sent gradients
//   update     the optimizer-state bytes MemoryX touches: the gradient, the fp32 weights and the S state
//              arrays = (2 + S) × the reduced gradient's bytes (the at-scale model's bytes per parameter
//              for fp32: 4 + 4 + 4·S, src/perf/capacity.ts)
// Only committed steps count (a retried step's failed attempt is dropped); the costs are the mean per step.
import type { LayerCost } from '../timeline/schedule.js';
import { eventSecondsOf, type Rates, type RateEventKind } from '../perf/rates.js';
import type { StepEvent } from './events.js';

const KINDS: RateEventKind[] = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'];

type Counts = Record<RateEventKind, number>;
const zero = (): Counts => ({ streamFwd: 0, forward: 0, streamBwd: 0, delta: 0, gradient: 0, gradOut: 0, reduce: 0, update: 0 });

export class CostRecorder {
  private bytes: Counts[];
  private flop: Counts[];
  /** The attempt in progress: per layer, bytes, and FLOP per system for forward / backward. */
  private cur: { bytes: Counts[]; fwd: Float64Array[]; bwd: Float64Array[] } | null = null;
  steps = 0;

  /**
   * @param names   a name per streamed layer
   * @param systems N
   * @param updateFactor optimizer-state bytes touched per reduced gradient byte (2 + S state arrays)
   * @param deltaShare per layer, delta FLOP / (delta + gradient FLOP) of its backward (0 for the first layer)
   */
  constructor(
    private readonly names: readonly string[],
    private readonly systems: number,
    private readonly updateFactor: number,
    private readonly deltaShare: readonly number[],
  ) {
    this.bytes = names.map(zero);
    this.flop = names.map(zero);
  }

  /** Starts an attempt of a step (drops a failed attempt's partial counts). */
  begin(): void {
    const L = this.names.length;
    this.cur = {
      bytes: Array.from({ length: L }, zero),
      fwd: Array.from({ length: L }, () => new Float64Array(this.systems)),
      bwd: Array.from({ length: L }, () => new Float64Array(this.systems)),
    };
  }

  add(e: StepEvent): void {
    const c = this.cur;
    if (!c) return;
    if (e.kind === 'forward') c.fwd[e.layer][e.system] += e.flop;
    else if (e.kind === 'backward') c.bwd[e.layer][e.system] += e.flop;
    else c.bytes[e.layer][e.kind] += e.bytes;
  }

  /** The attempt succeeded: its counts join the totals. */
  commit(): void {
    const c = this.cur;
    if (!c) return;
    for (let l = 0; l < this.names.length; l++) {
      const b = this.bytes[l];
      for (const k of ['streamFwd', 'streamBwd', 'reduce'] as const) b[k] += c.bytes[l][k];
      b.update += c.bytes[l].update * this.updateFactor;
      b.gradOut += c.bytes[l].gradOut / this.systems;
      const fwd = Math.max(...c.fwd[l]);
      const bwd = Math.max(...c.bwd[l]);
      this.flop[l].forward += fwd;
      this.flop[l].delta += bwd * this.deltaShare[l];
      this.flop[l].gradient += bwd * (1 - this.deltaShare[l]);
    }
    this.steps++;
    this.cur = null;
  }

  /** Mean per-step bytes and FLOP per layer, with their simulated seconds; null before any step. */
  layerCosts(rates: Rates, efficiency: number): LayerCost[] | null {
    if (this.steps === 0) return null;
    const n = this.steps;
    return this.names.map((name, l) => {
      const bytes = zero();
      const flop = zero();
      for (const k of KINDS) {
        bytes[k] = this.bytes[l][k] / n;
        flop[k] = this.flop[l][k] / n;
      }
      const seconds = zero();
      for (const k of KINDS) seconds[k] = eventSecondsOf(rates, k, bytes[k], flop[k], efficiency);
      return {
        name,
        seconds,
        bytes: { streamFwd: bytes.streamFwd, streamBwd: bytes.streamBwd, gradOut: bytes.gradOut, reduce: bytes.reduce, update: bytes.update },
        flop: { forward: flop.forward, delta: flop.delta, gradient: flop.gradient },
      };
    });
  }
}
