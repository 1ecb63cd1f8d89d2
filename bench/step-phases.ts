// Where a training step's wall time goes on the simulator, read from the engine's own events
// (TrainOptions.onEvent, src/cluster/events.ts) over the steady-state steps: each system's busy time (its
// forward and backward commands, wall clock of its thread, descheduled time included), the main thread's
// busy time (MemoryX / SwarmX events: streams, reduce, update), and the step's wall time. What the
// systems are not busy with is waiting: for a command (main, or the other systems) or for a core.
// Legend: N = systems; all figures ms per step.
import type { StepEvent } from '../src/cluster/events.js';

export interface StepPhases {
  /** Wall ms per step (steady state). */
  wallMs: number;
  /** Per system: busy ms per step. */
  systemBusyMs: number[];
  /** Main-thread (MemoryX + SwarmX) busy ms per step. */
  mainBusyMs: number;
}

/** Collects one run's events and step ends; phases() summarises the steps from `warm` on. */
export class PhaseMeter {
  private readonly busy = new Map<number, number>();
  private readonly ends: number[] = [];
  constructor(private readonly warm: number) {}

  readonly onEvent = (e: StepEvent): void => {
    // MemoryX / SwarmX work the systems did (a REDUCE) carries the command's span: not the main thread's time
    if (e.step < this.warm || e.onSystems) return;
    this.busy.set(e.system, (this.busy.get(e.system) ?? 0) + (e.endMs - e.startMs));
  };

  readonly onStep = (): void => {
    this.ends.push(performance.now());
  };

  phases(systems: number): StepPhases {
    const n = this.ends.length - this.warm;
    const wall = this.ends[this.ends.length - 1] - this.ends[this.warm - 1];
    return {
      wallMs: wall / n,
      systemBusyMs: Array.from({ length: systems }, (_, w) => (this.busy.get(w) ?? 0) / n),
      mainBusyMs: (this.busy.get(-1) ?? 0) / n,
    };
  }
}
