// What every run kind provides (a validator and a runner) and the checks they share.
import { ValidationError, refuseUnknownFields, renamePath } from '../../errors.js';
import type { Config } from '../types.js';

export interface KindAdapter {
  /** Throws a ValidationError naming the field (a path inside the configuration) when the configuration is bad. */
  validate(config: Config): Promise<void> | void;
  /**
   * Whether validate() is cheap enough to call on every configuration before a sweep starts (default
   * true). When false, it is called on every value of every axis (the other axes at their first value),
   * and an error that only a combination of values triggers is recorded in that run's line instead.
   */
  validateAll?: boolean;
  /** Runs one configuration and returns its JSON-able result. */
  run(config: Config): Promise<unknown> | unknown;
}

/** Refuses fields the kind does not know (a typo would otherwise be silently ignored). */
export function onlyKnown(config: Config, known: readonly string[], kind: string): void {
  refuseUnknownFields(config, known, `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} run`);
}

/** Only the bad-input errors of a check count at validation; a capacity limit, say, is the run's result. */
export function validationOnly(check: () => unknown): void {
  try {
    check();
  } catch (e) {
    if (e instanceof ValidationError) throw e;
  }
}

/** An option-style path from an area's CLI-facing error (`--model`) as a configuration field (`model`). */
export function asField(e: unknown): unknown {
  if (e instanceof ValidationError && e.path.startsWith('--')) {
    const field = e.path.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    return renamePath(e, field);
  }
  return e;
}

