// Test-only switches of a training run, gathered in ONE internal object that is not part of the public
// TrainOptions: tests attach it with withTestHooks(opts, hooks) (exported from this file only, not from the
// package's index), and the engine reads it with testHooks(opts).
import type { FaultInjection } from '../protocol/cs2.js';
import type { TrainOptions } from './options.js';

export interface TestHooks {
  /** Make a system fail (throw, or its thread exit) at a given step, layer and pass. */
  faultInjection?: FaultInjection;
  /**
   * After every forward/backward command, overwrite the broadcast slot it read with NaN, so a system that
   * kept (a pointer to) a layer's weights past its command would turn the run into NaN.
   */
  poisonBroadcast?: boolean;
}

const HOOKS = Symbol('weightstream.testHooks');
type WithHooks = TrainOptions & { [HOOKS]?: TestHooks };

/** The options with test hooks attached (a copy; the hooks ride on a symbol key, invisible to JSON and spreads of the type). */
export function withTestHooks(opts: TrainOptions, hooks: TestHooks): TrainOptions {
  return { ...opts, [HOOKS]: hooks } as WithHooks;
}

/** The hooks attached to the options (none: an empty object). */
export function testHooks(opts: TrainOptions): TestHooks {
  return (opts as WithHooks)[HOOKS] ?? {};
}
