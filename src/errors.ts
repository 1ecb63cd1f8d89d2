// Error types every part of weightstream throws for bad input: each names the offending field
// (a path such as `layers[3].out` or an option such as `--systems`) and the value it got.

/** Bad input: a field or option with a value that cannot be used. */
export class ValidationError extends Error {
  readonly path: string;
  readonly value: unknown;
  /** What the field takes (the message's middle): for a caller that says the refusal in its own terms. */
  readonly expected: string;
  constructor(path: string, value: unknown, expected: string) {
    super(`${path}: ${expected}, got ${describe(value)}`);
    this.name = 'ValidationError';
    this.path = path;
    this.value = value;
    this.expected = expected;
  }
}

/** A resource limit was exceeded (wafer SRAM, core SRAM, MemoryX DRAM ...): says by how much and what to change. */
export class CapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapacityError';
  }
}

/**
 * `true` when the list `L` names every field of `T`, else `never`: `const _all: EveryField<T, typeof LIST> = true`
 * beside a field list makes a field added to T and not to the list fail to compile.
 */
export type EveryField<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]> extends never ? true : never;

/**
 * Refuses a field `known` does not list: a misspelt option (`stpes`, `sparsty`) would otherwise be
 * silently ignored and the run done with its default. `what` names the object: `a train run`.
 */
export function refuseUnknownFields(obj: object, known: readonly string[], what: string): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!known.includes(k)) throw new ValidationError(k, v, `unknown field for ${what} (expected one of ${known.join(', ')})`);
  }
}

/** Short, printable rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * What a value is, without its contents: `a string of 10 characters`, `a list of 3 items`, `an object
 * with 2 fields`. For a file that is not what it claims to be (a password file given as a model), whose
 * contents an error must not echo.
 */
export function shapeOf(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value === null || typeof value !== 'object') return describe(value);
  const n = Object.keys(value).length;
  return `an object with ${n} field${n === 1 ? '' : 's'}`;
}

/** Like ValidationError, but the message says what the value is (shapeOf), never what it holds. */
export function shapeError(path: string, value: unknown, expected: string): ValidationError {
  const e = new ValidationError(path, value, expected);
  e.message = `${path}: ${expected}, got ${shapeOf(value)}`;
  return e;
}

/**
 * The same error under another name (`--model` → `model`, `seed` → `axes.seed[2]`): the message's own
 * `path: ` prefix is replaced; a message that starts otherwise (a file's name first) keeps it after the new name.
 */
export function renamePath(e: ValidationError, path: string): ValidationError {
  const err = new ValidationError(path, e.value, 'x');
  err.message = e.message.startsWith(e.path + ':') ? path + e.message.slice(e.path.length) : `${path}: ${e.message}`;
  return err;
}

/**
 * The same refusal said from where it arose (`run.json: phases[1]`, then the message): a ValidationError keeps its
 * value and gets the prefix on its path, a CapacityError on its message; any other error is returned as it is.
 */
export function within(where: string, e: unknown): unknown {
  if (e instanceof ValidationError) return renamePath(e, `${where}: ${e.path}`);
  if (e instanceof CapacityError) return new CapacityError(`${where}: ${e.message}`);
  return e;
}

/** An argument that must be an object (options, a plan, a spec): refused by name, never a TypeError deep inside. */
export function requireObject(path: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw shapeError(path, v, 'expected an object');
  return v as Record<string, unknown>;
}

/** An argument that must be a list. */
export function requireArray(path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw shapeError(path, v, 'expected a list');
  return v;
}

/** An argument that must be a string (a path, a name). */
export function requireString(path: string, v: unknown): string {
  if (typeof v !== 'string') throw shapeError(path, v, 'expected a string');
  return v;
}

/** An argument that must be true or false (a string "false" is not). */
export function requireBool(path: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValidationError(path, v, 'expected true or false');
  return v;
}

/** An optional callback: undefined or a function (anything else is refused here, not as a TypeError where it is called). */
export function requireCallback(path: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') throw new ValidationError(path, v, 'expected a function');
}

/** Checks helpers that throw ValidationError; each returns the value typed when it passes. */
export function requireInt(path: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = min === -Infinity ? '' : max === Infinity ? ` >= ${min}` : ` in [${min}, ${max}]`;
    throw new ValidationError(path, v, `expected an integer${range}`);
  }
  return v;
}

export function requireNumber(path: string, v: unknown, min = -Infinity, max = Infinity, maxExclusive = false): number {
  const bad = typeof v !== 'number' || !Number.isFinite(v) || v < min || (maxExclusive ? v >= max : v > max);
  if (bad) {
    const hi = max === Infinity ? '' : maxExclusive ? `, < ${max}` : `, <= ${max}`;
    const lo = min === -Infinity ? '' : min === Number.MIN_VALUE ? '> 0' : `>= ${min}`;
    throw new ValidationError(path, v, `expected a finite number${lo || hi ? ' ' : ''}${lo}${hi}`);
  }
  return v as number;
}

export function requireOneOf<T extends string>(path: string, v: unknown, options: readonly T[]): T {
  if (typeof v !== 'string' || !options.includes(v as T)) {
    throw new ValidationError(path, v, `expected one of ${options.join(', ')}`);
  }
  return v as T;
}

/** Field names that would reach an object's prototype when used as a key: refused wherever a user names a field. */
export const UNSAFE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Refuses a user-given key (or dotted path) with a segment in UNSAFE_KEYS; returns it when safe. */
export function requireSafeKey(path: string, key: string): string {
  if (key.split('.').some((seg) => UNSAFE_KEYS.includes(seg))) {
    throw new ValidationError(path, key, `expected a field name (not ${UNSAFE_KEYS.join(', ')})`);
  }
  return key;
}

/** The own property `key` of a table, never one inherited from Object.prototype (`toString`, `constructor`). */
export function ownEntry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Deepest nesting of user data we walk (a sweep's base or axis values); JSON this deep is never a configuration. */
export const MAX_DATA_DEPTH = 64;

/**
 * Walks user data (iteratively: no stack to overflow) and refuses a key in UNSAFE_KEYS at any depth,
 * a NaN or ±Infinity (YAML's .nan has no JSON form), or nesting past MAX_DATA_DEPTH; errors name the path (`base.optimizer.__proto__`).
 */
export function requireSafeTree(path: string, value: unknown): void {
  const stack: Array<[string, unknown, number]> = [[path, value, 0]];
  while (stack.length) {
    const [p, v, depth] = stack.pop()!;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new ValidationError(p, v, 'expected a finite number (a configuration is JSON data)');
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) continue;
    if (depth >= MAX_DATA_DEPTH) throw new ValidationError(p, '(nested data)', `expected at most ${MAX_DATA_DEPTH} levels of nesting`);
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([`${p}[${i}]`, x, depth + 1]));
    else for (const k of Object.keys(v)) {
      requireSafeKey(`${p}.${k}`, k);
      stack.push([`${p}.${k}`, (v as Record<string, unknown>)[k], depth + 1]);
    }
  }
}
