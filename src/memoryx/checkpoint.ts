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
import { readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { writeFileAtomic } from '../io/atomic.js';
import { acquireLock, assertNotLost, type HeldLock } from '../io/lock.js';
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
    throw new CheckpointError(`${what}: payload cannot be decoded (${(e as Error).message})`);
  }
  if (c?.format !== 'weightstream-memoryx' || c.version !== FORMAT_VERSION) {
    throw new CheckpointError(`${what}: format ${String(c?.format)} v${String(c?.version)}, expected weightstream-memoryx v${FORMAT_VERSION}`);
  }
  for (const [l, L] of c.memoryx.layers.entries()) {
    if (!(L.record instanceof Float32Array)) throw new CheckpointError(`${what}: memoryx.layers[${l}].record is not a Float32Array`);
  }
  return c;
}

/** Reads and verifies a checkpoint file. */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`checkpoint ${path}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeCheckpoint(bytes, `checkpoint ${path}`);
}
