// Checkpoints of MemoryX state (weights, optimizer state, step, RNG state and whatever the run adds),
// msgpackr-encoded with moreTypes (typed arrays stay typed), written atomically (temp file, fsync,
// rename) and guarded by a SHA-256 of the payload, so a truncated or corrupt file is refused, never loaded.
//
// File layout (all integers little-endian):
//   bytes 0..7    magic "WSCKPT01"
//   bytes 8..15   payload length in bytes (u64)
//   bytes 16..47  SHA-256 of the payload
//   bytes 48..    payload: msgpack of a Checkpoint
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { INPUT_LIMITS } from '../io/files.js';
import { removeStaleTemps } from '../io/cleanup.js';
import { basename, dirname, resolve } from 'node:path';
import { Packr } from 'msgpackr';
import { writeFileAtomic } from '../io/atomic.js';
import { acquireLock, assertNotLost, type HeldLock } from '../io/lock.js';
import { ValidationError, describe, requireString, requireObject } from '../errors.js';
import type { MemoryXSnapshot } from './store.js';

const MAGIC = 'WSCKPT01';
const HEADER_BYTES = 48;
const FORMAT_VERSION = 1;

export interface Checkpoint {
  format: 'weightstream-memoryx';
  version: number;
  /** Training steps completed (the next step to run is `step`). */
  step: number;
  memoryx: MemoryXSnapshot;
  /** State of the run's random sources (e.g. the data order), as the run defines it. */
  rng: Record<string, unknown>;
  /** Fingerprint of the model the state belongs to (layer names and sizes): a resume checks it. */
  model: string;
  /** Anything else the run keeps (loss history ...). */
  extra?: Record<string, unknown>;
}

const packr = new Packr({ moreTypes: true, useRecords: false });

/** Error for a checkpoint that cannot be used; the message names the file and the reason. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** Encodes a checkpoint into the file format (header + payload). */
export function encodeCheckpoint(c: Omit<Checkpoint, 'format' | 'version'>): Uint8Array {
  const payload = packr.pack({ format: 'weightstream-memoryx', version: FORMAT_VERSION, ...c });
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setBigUint64(8, BigInt(payload.length), true);
  out.set(createHash('sha256').update(payload).digest(), 16);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Writes a checkpoint atomically: a reader or a crash sees the old file or the new one, never a mix. */
export function saveCheckpoint(path: string, c: Omit<Checkpoint, 'format' | 'version'>): number {
  requireString('path', path);
  requireObject('checkpoint', c);
  assertNotLost(path); // a run that locked this path and lost the lock does not overwrite the new holder's file
  const bytes = encodeCheckpoint(c);
  writeFileAtomic(path, bytes);
  return bytes.length;
}

/**
 * Locks a checkpoint path for a whole training run (src/io/lock.ts), so two runs never write the same
 * checkpoint: a second run is refused naming the first; a killed run's lock is taken over. Release it when the run ends.
 */
export function lockCheckpoint(path: string): Promise<HeldLock> {
  return acquireLock(path, { what: 'training run' });
}

/** Decodes and verifies checkpoint bytes; `what` names the source in errors. */
export function decodeCheckpoint(bytes: Uint8Array, what = 'checkpoint'): Checkpoint {
  if (bytes.length < HEADER_BYTES || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== MAGIC) {
    throw new CheckpointError(`${what}: not a weightstream checkpoint (expected the magic ${MAGIC} in a ${HEADER_BYTES}-byte header, file has ${bytes.length} bytes)`);
  }
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(8, true));
  const have = bytes.length - HEADER_BYTES;
  if (have !== len) {
    throw new CheckpointError(`${what}: truncated or padded: the header says ${len} bytes of payload, the file holds ${have}`);
  }
  const payload = bytes.subarray(HEADER_BYTES);
  const sum = createHash('sha256').update(payload).digest();
  if (!sum.equals(Buffer.from(bytes.subarray(16, 48)))) {
    throw new CheckpointError(`${what}: corrupt: the SHA-256 of the payload does not match the header`);
  }
  let c: Checkpoint;
  try {
    c = packr.unpack(payload) as Checkpoint;
  } catch (e) {
    throw new CheckpointError(`${what}: payload cannot be decoded (${e instanceof RangeError ? 'it ends early' : 'not msgpack'}), though its hash matches`); // not the decoder's text: it may quote bytes
  }
  if (c?.format !== 'weightstream-memoryx' || c.version !== FORMAT_VERSION) {
    const missing = (v: unknown) => (v === undefined ? '(missing)' : describe(v));
    throw new CheckpointError(`${what}: format ${missing(c?.format)} version ${missing(c?.version)}, expected format "weightstream-memoryx" version ${FORMAT_VERSION}`);
  }
  checkFields(c, what);
  return c;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields a resume reads, checked by name: a missing or mistyped field, a step that is not a
 * non-negative safe integer, or a NaN/Infinity in a weight or optimizer state is refused (a valid hash
 * says only that the bytes are the ones written, not that they are usable).
 */
function checkFields(c: Checkpoint, what: string): void {
  const bad = (field: string, v: unknown, expected: string) => new CheckpointError(`${what}: ${field}: ${expected}, got ${v === undefined ? 'nothing (the field is missing)' : describe(v)}`);
  if (!Number.isSafeInteger(c.step) || c.step < 0) throw bad('step', c.step, 'expected a non-negative integer');
  if (typeof c.model !== 'string') throw bad('model', c.model, 'expected the model fingerprint (a string)');
  if (!isObj(c.rng)) throw bad('rng', c.rng, 'expected a mapping');
  if (c.extra !== undefined && !isObj(c.extra)) throw bad('extra', c.extra, 'expected a mapping');
  const loss = c.extra?.loss;
  if (loss !== undefined && (!Array.isArray(loss) || !loss.every((x) => typeof x === 'number'))) throw bad('extra.loss', loss, 'expected a list of numbers');
  const m = c.memoryx as unknown;
  if (!isObj(m)) throw bad('memoryx', m, 'expected a mapping with t, optimizer and layers');
  if (!Number.isSafeInteger(m.t) || (m.t as number) < 0) throw bad('memoryx.t', m.t, 'expected a non-negative integer');
  if (!isObj(m.optimizer)) throw bad('memoryx.optimizer', m.optimizer, 'expected a mapping');
  if (!Array.isArray(m.layers)) throw bad('memoryx.layers', m.layers, 'expected a list');
  m.layers.forEach((L: unknown, l: number) => {
    const at = `memoryx.layers[${l}]`;
    if (!isObj(L)) throw bad(at, L, 'expected {name, floats, record}');
    if (typeof L.name !== 'string') throw bad(`${at}.name`, L.name, 'expected a string');
    if (!Number.isSafeInteger(L.floats) || (L.floats as number) < 0) throw bad(`${at}.floats`, L.floats, 'expected a non-negative integer');
    if (!(L.record instanceof Float32Array)) throw new CheckpointError(`${what}: ${at}.record is not a Float32Array`);
  });
}

/** Index of the first NaN or ±Infinity in `a`, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * For the engine, before a resume: the run must have steps left (`steps` is the run's total, counting
 * the checkpoint's; at or below the checkpoint's step nothing would run), and the state must be finite
 * (a checkpoint stores any float bit for bit, NaN included; training on from a NaN is refused by name).
 */
export function checkResume(c: Pick<Checkpoint, 'step' | 'memoryx'>, steps: number, file: string): void {
  if (!(steps > c.step)) {
    throw new ValidationError('steps', steps, `expected more than the checkpoint's step ${c.step} (with resume, steps is the total; ${file} has done ${c.step})`);
  }
  c.memoryx.layers.forEach((L, l) => {
    const i = firstNonFinite(L.record);
    if (i >= 0) throw new CheckpointError(`checkpoint ${file}: memoryx.layers[${l}].record[${i}] (layer ${L.name}) is ${L.record[i]}: refusing to resume from non-finite weights or optimizer state`);
  });
}

/** Reads and verifies a checkpoint file. */
export function loadCheckpoint(path: string): Checkpoint {
  requireString('checkpoint', path);
  removeStaleTemps(dirname(resolve(path)), basename(path)); // temps a killed writer left behind
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CheckpointError(`checkpoint ${path}: not a regular file (a directory, FIFO or device is not read)`);
    if (st.size > INPUT_LIMITS.checkpoint) throw new CheckpointError(`checkpoint ${path}: ${st.size} bytes, more than the ${INPUT_LIMITS.checkpoint} a checkpoint may have`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, `checkpoint ${path}`);
}
