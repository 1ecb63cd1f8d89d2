// Windowed column streams (FabricSim's option `window`, memory.ts's resolveStreamWindow): the host holds each
// column's stream and the simulator's memory holds only a ring of its next `window` words. A column's injector
// takes at most one word a cycle, so on one thread a ring filled to `window` words past what the column injected
// lasts a call of `window` cycles, and the injector (assembly/fabric/router.ts) traps on a read at or past the
// fill. On band threads the host refills while they run (every refillPeriodMs), and an injector at its fill waits
// for it: the host publishes a fill (Atomics.store) after its words, the injector publishes its count (an atomic
// store) after reading its word, so the host only overwrites slots whose words were read.
//
// Legend: Cu = used columns; word i of column c's stream lives in slot i mod window of its ring; injPos[c] =
// words injected, injFill[c] = words put in the ring so far (the ring holds injPos .. injFill − 1).

/** A window a run takes: 0 (whole streams) or a power of two of 16 words or more (the ring's slot is the word index masked). */
export function isStreamWindow(words: number): boolean {
  return words === 0 || (words >= 16 && (words & (words - 1)) === 0);
}

/** Byte offsets of the per-column tables in the simulator's memory (u32 [Cu] each). */
export interface WindowTables {
  /** Each column's ring. */
  injPtr: number;
  injPos: number;
  injFill: number;
}

/** Fills every column's ring up to `window` words past what it injected; the slots overwritten held words below the injected count, so spent. */
export function refillWindows(memory: WebAssembly.Memory, t: WindowTables, streams: readonly Uint32Array[], window: number): void {
  const mem = new Uint32Array(memory.buffer);
  const [injPtr, injPos, injFill] = [t.injPtr >>> 2, t.injPos >>> 2, t.injFill >>> 2];
  for (let c = 0; c < streams.length; c++) {
    const s = streams[c];
    const ring = mem[injPtr + c] >>> 2;
    const end = Math.min(s.length, Atomics.load(mem, injPos + c) + window);
    let f = mem[injFill + c]; // only this thread writes it
    if (f >= end) continue;
    while (f < end) {
      const at = f & (window - 1);
      const n = Math.min(end - f, window - at);
      mem.set(s.subarray(f, f + n), ring + at);
      f += n;
    }
    Atomics.store(mem, injFill + c, end);
  }
}

/** Milliseconds between refills while band threads run: a window's words last `window` cycles at least, and a cycle takes a microsecond or more here. */
export function refillPeriodMs(window: number): number {
  return Math.max(1, Math.min(20, window >>> 10));
}
