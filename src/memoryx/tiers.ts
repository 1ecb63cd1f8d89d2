// MemoryX's two storage tiers: which layers keep their state (fp32 weights + optimizer state) in the DRAM
// tier (resident in WASM memory) and which in the flash tier (a file on disk, two slots per layer so an
// update is written beside the committed state and only a commit makes it current).
// Legend: P_l = master floats of layer l, S = state arrays per float (0, 1 or 2), rec_l = 4·P_l·(1+S) bytes.
import { closeSync, fsyncSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { trackTemp } from '../io/cleanup.js';
import { join } from 'node:path';
import { CapacityError, ValidationError, requireNumber } from '../errors.js';

export interface TierPlan {
  /** Per layer: 'dram' or 'flash'. */
  tier: Array<'dram' | 'flash'>;
  /** Bytes of each layer's record. */
  recordBytes: number[];
  /** DRAM bytes used: resident records + the staging slot for flash layers. */
  dramBytesUsed: number;
  /** Bytes of the staging slot (the largest flash record; 0 without flash layers). */
  stagingBytes: number;
  /** Flash bytes (two slots per flash layer). */
  flashBytes: number;
}

/**
 * Places layers: all in DRAM when everything fits the budget, else greedily in layer order while the
 * resident records plus one staging slot (the largest record) fit, the rest on flash.
 */
export function planTiers(recordBytes: number[], dramBytes: number, names: string[]): TierPlan {
  if (!(dramBytes >= 0)) requireNumber('dramBytes', dramBytes, 0);
  const total = recordBytes.reduce((a, b) => a + b, 0);
  if (total <= dramBytes) {
    return { tier: recordBytes.map(() => 'dram'), recordBytes, dramBytesUsed: total, stagingBytes: 0, flashBytes: 0 };
  }
  const largest = Math.max(...recordBytes);
  if (largest > dramBytes) {
    const l = recordBytes.indexOf(largest);
    throw new CapacityError(
      `MemoryX DRAM budget of ${dramBytes} bytes is smaller than one layer's state: layer ${l} (${names[l]}) needs ${largest} bytes ` +
        `(fp32 weights + optimizer state) to be staged for its update; raise dramBytes (train --dram-bytes) to at least ${largest}`,
    );
  }
  const tier: Array<'dram' | 'flash'> = [];
  let used = largest; // the staging slot
  let flash = 0;
  for (const b of recordBytes) {
    if (used + b <= dramBytes) {
      tier.push('dram');
      used += b;
    } else {
      tier.push('flash');
      flash += 2 * b;
    }
  }
  return { tier, recordBytes, dramBytesUsed: used, stagingBytes: largest, flashBytes: flash };
}

/** The flash tier: one file, two slots per flash layer, positional reads and writes. */
export class FlashFile {
  readonly path: string;
  private fd: number;
  private untrack = () => {};
  /** Byte offset of slot 0 of each layer (slot 1 follows it); -1 for DRAM layers. */
  readonly offsets: number[];
  readonly recordBytes: number[];
  bytesRead = 0;
  bytesWritten = 0;

  /** `path`: where to create it (default a temp file); an existing file is refused, never overwritten. Removed at close. */
  constructor(plan: TierPlan, path?: string) {
    this.path = path ?? join(tmpdir(), `weightstream-memoryx-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}.flash`);
    try {
      this.fd = openSync(this.path, 'wx+'); // created here: a file of the user's is never truncated
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ValidationError('flashPath', this.path, code === 'EEXIST' ? 'expected a file that does not exist yet (MemoryX creates its flash tier and removes it at the end; it would overwrite this one)' : `expected a file MemoryX can create (${code ?? (e as Error).message})`);
    }
    this.untrack = trackTemp(this.path); // removed on SIGINT/SIGTERM and at exit too
    this.recordBytes = plan.recordBytes;
    let off = 0;
    this.offsets = plan.tier.map((t, l) => {
      if (t !== 'flash') return -1;
      const o = off;
      off += 2 * plan.recordBytes[l];
      return o;
    });
  }

  /** Reads `bytes` of slot `slot` of layer l (from byte `from` of the record) into `dst`. */
  read(l: number, slot: number, dst: Uint8Array, from = 0): void {
    const pos = this.offsets[l] + slot * this.recordBytes[l] + from;
    let done = 0;
    while (done < dst.length) {
      const n = readSync(this.fd, dst, done, dst.length - done, pos + done);
      if (n === 0) throw new Error(`MemoryX flash tier ${this.path}: short read of layer ${l} at byte ${pos + done}`);
      done += n;
    }
    this.bytesRead += dst.length;
  }

  /** Writes `src` as the record of layer l, slot `slot`. */
  write(l: number, slot: number, src: Uint8Array): void {
    const pos = this.offsets[l] + slot * this.recordBytes[l];
    let done = 0;
    while (done < src.length) done += writeSync(this.fd, src, done, src.length - done, pos + done);
    this.bytesWritten += src.length;
  }

  /** Flushes to the device (used before a checkpoint claims the state is on disk; not needed for training). */
  sync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
    this.untrack();
  }
}
