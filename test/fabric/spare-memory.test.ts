// The spare simulator memory: a run's memory is reused by the next run that fits, zeroed where the last
// run wrote; one that is too small, far too large or has too low a maximum is not; and runs that reuse a
// dirty memory give the bits and cycles of a fresh one.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { giveBackMemory, keepLargerSpare, takeMemory } from '../../src/fabric/spare-memory.js';
import { runFabric, type FabricRunOptions } from '../../src/fabric/run.js';
import { rootPath } from '../../src/paths.js';

const built = existsSync(rootPath('build', 'release.wasm'));
const MB = 1 << 20;

describe('spare simulator memory', () => {
  it('is handed to the next run that fits, zeroed where the last run wrote', () => {
    const a = takeMemory(2 * MB, 4 * MB);
    new Uint8Array(a.buffer).fill(0xa5);
    giveBackMemory(a, 2 * MB);
    const b = takeMemory(MB, 4 * MB);
    expect(b).toBe(a);
    expect(new Uint8Array(b.buffer).every((x) => x === 0)).toBe(true);
    giveBackMemory(b, 2 * MB);
    expect(takeMemory(MB, 4 * MB)).toBe(a); // taken: not handed out twice
    expect(takeMemory(MB, 4 * MB)).not.toBe(a);
  });

  it('past 256 MB is kept only while a fold asks for it (keepLargerSpare), and dropped when it stops', () => {
    const big = () => takeMemory(300 * MB, 300 * MB); // reserved, not touched: cheap
    const a = big();
    giveBackMemory(a, MB);
    expect(big()).not.toBe(a); // over the usual 256 MB: not kept
    const restore = keepLargerSpare(400 * MB);
    const b = big();
    giveBackMemory(b, MB);
    expect(big()).toBe(b);
    giveBackMemory(b, MB);
    restore();
    expect(big()).not.toBe(b); // the limit is back, and the spare past it was dropped
  });

  it('is not reused when too small, more than 4x too large, or with too low a maximum; memories it did not make are not kept', () => {
    const a = takeMemory(2 * MB, 4 * MB);
    giveBackMemory(a, 0);
    expect(takeMemory(3 * MB, 4 * MB)).not.toBe(a); // too small
    giveBackMemory(a, 0);
    expect(takeMemory(MB / 4, 4 * MB)).not.toBe(a); // 8x the need
    giveBackMemory(a, 0);
    expect(takeMemory(MB, 8 * MB)).not.toBe(a); // may not grow far enough
    const foreign = new WebAssembly.Memory({ initial: 32, maximum: 64, shared: true });
    giveBackMemory(foreign, 0);
    expect(takeMemory(MB, 4 * MB)).not.toBe(foreign);
  });

  it.runIf(built)('runs that reuse a dirty memory give the bits and cycles of a fresh one', () => {
    const big: FabricRunOptions = { rows: 8, cols: 8, batch: 64, in: 256, out: 128, sparsity: 0.5, seed: 3, flavor: 'release' };
    const small: FabricRunOptions = { rows: 4, cols: 4, batch: 32, in: 64, out: 32, pass: 'gradient', seed: 4, flavor: 'release' };
    const first = runFabric(big); // (maybe on a fresh memory; its own is given back)
    const between = runFabric(small); // reuses the first run's memory
    const again = runFabric(big);
    expect(again.result.cycles).toBe(first.result.cycles);
    expect(again.result.counters).toEqual(first.result.counters);
    expect(Buffer.from(again.output.buffer).equals(Buffer.from(first.output.buffer))).toBe(true);
    expect(Array.from(again.busy)).toEqual(Array.from(first.busy));
    expect(between.result.errorBoundRatio).toBeLessThanOrEqual(1);
    // the memory a run reports is what it needs, not the larger spare it reused (sweep results must not depend on the runs before)
    expect(between.result.memoryBytes).toBeLessThan(first.result.memoryBytes);
    runFabric(big);
    expect(runFabric(small).result.memoryBytes).toBe(between.result.memoryBytes);
  });
});
