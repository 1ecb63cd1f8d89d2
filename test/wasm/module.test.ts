// The module loader and host-side arena: instances over one shared memory, scratch per instance,
// bounds checks that name the argument, debug-build assertions that surface as errors.
import { describe, expect, it } from 'vitest';
import { Wasm, createMemory } from '../../src/wasm/module.js';
import { checkRange } from '../../src/wasm/arena.js';

describe('wasm module', () => {
  it('tests run against the debug build (assertions on)', () => {
    expect(new Wasm().flavor).toBe('debug');
  });

  it('gives each instance its own scratch over one shared memory', () => {
    const memory = createMemory(8 << 20);
    const a = new Wasm<{ getScratchPtr(): number }>({ memory, scratchBytes: 1 << 16 });
    const b = new Wasm<{ getScratchPtr(): number }>({ memory, scratchBytes: 1 << 16, arenaStart: 4 << 20 });
    expect(a.exports.getScratchPtr()).toBe(a.scratchPtr);
    expect(b.exports.getScratchPtr()).toBe(b.scratchPtr);
    expect(a.scratchPtr).not.toBe(b.scratchPtr);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('grows memory on demand and views see the new bytes', () => {
    const w = new Wasm({ initialBytes: 1 << 16, scratchBytes: 0 });
    const p = w.allocF32(1 << 20, undefined);
    w.f32(p, 1 << 20).fill(3);
    expect(w.memory.buffer.byteLength).toBeGreaterThanOrEqual(p + (4 << 20));
    expect(w.f32(p + 4 * ((1 << 20) - 1), 1)[0]).toBe(3);
  });

  it('debug-build assertions become errors with the message', () => {
    const w = new Wasm<{ setScratch(p: number, b: number): void }>();
    expect(() => w.exports.setScratch(3, 16)).toThrow(/scratch must be 64-byte aligned/);
  });

  it('allocF32 and allocI32 take an integer count, and init no longer than it', () => {
    const w = new Wasm({ scratchBytes: 0 });
    expect(() => w.allocF32('4' as never)).toThrow(/^allocF32\.len: expected an integer >= 0, got "4"$/);
    expect(() => w.allocF32(-1)).toThrow(/^allocF32\.len: expected an integer >= 0, got -1$/);
    expect(() => w.allocI32(1.5)).toThrow(/^allocI32\.len: expected an integer >= 0, got 1\.5$/);
    expect(() => w.allocF32(2, [1, 2, 3])).toThrow(/^allocF32\.init: expected at most len \(2\) values, got 3$/);
    const p = w.allocF32(3, [1, 2]);
    expect(Array.from(w.f32(p, 3))).toEqual([1, 2, 0]);
  });

  it('range checks name the argument', () => {
    const m = createMemory(1 << 16);
    expect(() => checkRange(m, 'x', 65530, 16)).toThrow(/^x: range \[65530, 65546\) lies outside/);
    expect(() => checkRange(m, 'y', -4, 4)).toThrow(/^y:/);
    expect(() => checkRange(m, 'z', 0, 65536)).not.toThrow();
  });
});
