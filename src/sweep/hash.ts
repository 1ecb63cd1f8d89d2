// The identity of a sweep run: canonical JSON (object keys sorted, no whitespace) of {kind, config},
// hashed with SHA-256. Two runs with the same kind and the same configuration, however their keys were
// ordered in the sweep file, have the same hash; that is what resuming a sweep relies on.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * JSON with every object's keys in sorted order and no whitespace. Arrays keep their order.
 * Rejects what JSON cannot say faithfully (NaN, Infinity, undefined inside arrays, functions, bigint).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v)).join(',') + ']';
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

/**
 * SHA-256 (hex) of the canonical JSON of {kind, config}: the run's identity in a results file. A user module's
 * runs (kind module) add `module`, the digest of the module's file (moduleDigest): two modules, or one edited,
 * are other runs (their results were taken for each other's on resume).
 */
export function runHash(kind: string, config: unknown, module?: string): string {
  return createHash('sha256').update(canonicalJson(module === undefined ? { kind, config } : { kind, config, module })).digest('hex');
}

/** SHA-256 (hex) of a file's bytes: a user module's part of its runs' identity (runHash). */
export function moduleDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
