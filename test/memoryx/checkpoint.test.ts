// Checkpoint files: typed arrays survive msgpackr (moreTypes) bit for bit; a truncated file, a flipped
// byte, a foreign file and a missing file are each refused with a clear error; writes are atomic.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, saveCheckpoint } from '../../src/memoryx/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-ckpt-'));

function sample() {
  const rec = new Float32Array([1.5, -0.0, Number.MIN_VALUE, 3.4e38, NaN, 7]);
  return {
    step: 12,
    memoryx: { t: 12, optimizer: { kind: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 0 }, layers: [{ name: '0', floats: 3, record: rec }] },
    rng: { seed: 5, epoch: 1, order: new Uint32Array([3, 1, 2]) },
    model: 'fp-1',
    extra: { loss: [2.3, 2.1] },
  };
}

describe('checkpoints', () => {
  it('round-trips weights, optimizer state, step and RNG state bit for bit, typed arrays typed', () => {
    const p = join(dir, 'a.ckpt');
    saveCheckpoint(p, sample());
    const c = loadCheckpoint(p);
    expect(c.step).toBe(12);
    expect(c.memoryx.layers[0].record).toBeInstanceOf(Float32Array);
    expect(new Uint32Array(c.memoryx.layers[0].record.buffer, c.memoryx.layers[0].record.byteOffset, 6)).toEqual(new Uint32Array(sample().memoryx.layers[0].record.buffer));
    expect(c.rng.order).toBeInstanceOf(Uint32Array);
    expect(Array.from(c.rng.order as Uint32Array)).toEqual([3, 1, 2]);
    expect(c.extra).toEqual({ loss: [2.3, 2.1] });
    // atomic write: no temp file left beside it
    expect(readdirSync(dir).filter((f) => f.includes('a.ckpt'))).toEqual(['a.ckpt']);
  });

  it('refuses a truncated checkpoint', () => {
    const p = join(dir, 'b.ckpt');
    saveCheckpoint(p, sample());
    const bytes = readFileSync(p);
    writeFileSync(p, bytes.subarray(0, bytes.length - 5));
    expect(() => loadCheckpoint(p)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(p)).toThrow(/truncated.*header says \d+ bytes of payload, the file holds \d+/);
  });

  it('refuses a corrupt checkpoint (one flipped payload byte)', () => {
    const p = join(dir, 'c.ckpt');
    saveCheckpoint(p, sample());
    const bytes = readFileSync(p);
    bytes[bytes.length - 10] ^= 0x40;
    writeFileSync(p, bytes);
    expect(() => loadCheckpoint(p)).toThrow(/corrupt: the SHA-256 of the payload does not match/);
  });

  it('refuses a file that is not a checkpoint, and a missing one, naming the file', () => {
    const p = join(dir, 'd.ckpt');
    writeFileSync(p, 'hello world, not a checkpoint at all, long enough for a header........');
    expect(() => loadCheckpoint(p)).toThrow(/d\.ckpt: not a weightstream checkpoint/);
    expect(() => loadCheckpoint(join(dir, 'missing.ckpt'))).toThrow(/missing\.ckpt: cannot be read \(ENOENT\)/);
  });
});
