// The fabric ABI has one source (scripts/fabric-abi.mjs): both generated sides are fresh, the built WASM
// modules carry the same table hash as the host, every core field has its own name, and the host refuses
// a module whose table differs.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-ignore: a plain .mjs build script without types
import { ABI, OUTPUTS, abiHash, renderAssembly, renderTs } from '../../scripts/fabric-abi.mjs';
import { Wasm } from '../../src/wasm/module.js';
import { AXPY_COLORS, CFG, CFG_SLOTS, DIR, F, FABRIC_ABI_HASH, GRAD_COLORS, H, ROUTE, STAT, nodeLayout, outsOf, routeClasses, type PassColors } from '../../src/fabric/layout.js';

describe('fabric ABI: one table, two generated sides', () => {
  it('assembly/fabric/abi.ts and src/fabric/abi.ts are what the table generates (not stale, not hand-edited)', () => {
    for (const [path, render] of OUTPUTS as Array<[string, () => string]>) {
      expect(readFileSync(path, 'utf8'), `${path} is stale: run node scripts/fabric-abi.mjs`).toBe(render());
    }
  });

  it('both built modules (debug and release) export the host table hash and slot count', () => {
    for (const flavor of ['debug', 'release'] as const) {
      const ex = new Wasm({ flavor }).exports as unknown as { fabricAbiHash(): number; fabricConfigSlots(): number };
      expect(ex.fabricAbiHash() >>> 0).toBe(FABRIC_ABI_HASH);
      expect(ex.fabricConfigSlots()).toBe(CFG_SLOTS);
    }
    expect(FABRIC_ABI_HASH).toBe(abiHash());
  });

  it('the host tables are the table: every config slot, counter and core field by name', () => {
    (ABI.cfg as Array<[string, string]>).forEach(([name], i) => expect((CFG as Record<string, number>)[name]).toBe(i));
    (ABI.stat as Array<[string, string]>).forEach(([name], i) => expect((STAT as Record<string, number>)[name]).toBe(i));
    const fields = [...ABI.coreFields.common, ...ABI.coreFields.axpy, ...ABI.coreFields.grad] as Array<[string, number]>;
    for (const [name, v] of fields) expect((F as Record<string, number>)[name]).toBe(v);
    expect(Object.keys(F).length).toBe(fields.length);
  });

  it('one changed field changes the hash; a field that collides within a program is refused', () => {
    const moved = structuredClone(ABI);
    moved.coreFields.grad[3][1] = 11; // GR_REDUCED to the free word 11
    expect(abiHash(moved)).not.toBe(abiHash());
    const clash = structuredClone(ABI);
    clash.coreFields.axpy[0][1] = 4; // AX_DONE onto PHASE
    expect(() => renderAssembly(clash)).toThrow(/AX_DONE = 4 collides/);
    expect(() => renderTs(clash)).toThrow(/AX_DONE = 4 collides/);
  });

  it('the node record keeps a step\'s reads together: a core\'s fields and queue heads on line 0, a router\'s heads, OUTS and the stream\'s queue on line 1, the core\'s counters and queues on one more', () => {
    const line = (at: number, bytes: number) => [Math.floor(at / 64), Math.floor((at + bytes - 1) / 64)];
    const maxField = Math.max(...Object.values(F) as number[]);
    expect(line(0, 4 * (maxField + 1))).toEqual([0, 0]);
    expect(line(H.CQHEAD, 3)).toEqual([0, 0]);
    expect(line(H.CQCOUNT, 3)).toEqual([0, 0]);
    for (const [at, bytes] of [[H.RMASK, 1], [H.RQHEAD, 8], [H.RQCOUNT, 8], [H.OUTS, 8], [H.FRESHN, 8], [H.RCLASS, 1], [H.FRESHAT, 4], [H.WNEXT, 4]]) expect(line(at, bytes)).toEqual([1, 1]);
    // the header's fields overlap nothing (FRESHN is cleared as one u64)
    const head: Array<[number, number]> = [[H.CQHEAD, 3], [H.CQCOUNT, 3], [H.RMASK, 1], [H.RQHEAD, 8], [H.RQCOUNT, 8], [H.OUTS, 8], [H.FRESHN, 8], [H.RCLASS, 1], [H.FRESHAT, 4], [H.WNEXT, 4], [H.RQ, 0]];
    for (const [i, [a, n]] of head.entries()) for (const [b] of head.slice(i + 1)) expect(a + n).toBeLessThanOrEqual(b);
    // the forward/delta pass (5 colors, no input directions) and the gradient (4, with them) at Q = QC = 4: 256 bytes
    for (const [colors, dirs] of [[5, false], [4, true]] as Array<[number, boolean]>) {
      const l = nodeLayout(colors, 4, 4, dirs);
      expect(l.oRq).toBe(H.RQ);
      expect(line(l.oRq, 4 * 4)).toEqual([1, 1]); // color 0's queue
      expect(line(l.oCstats, 16 + 3 * 4 * 4)).toEqual([l.oCstats / 64, l.oCstats / 64]); // counters and core queues: one line
      expect(l.oCq).toBe(l.oCstats + 16);
      const spans: Array<[number, number]> = [[l.oRq, colors * 4 * 4], [l.oCstats, 16], [l.oCq, 3 * 4 * 4]];
      if (dirs) spans.push([l.oDir, colors * 4]);
      else expect(l.oDir).toBe(0);
      for (const [i, [a, n]] of spans.entries()) for (const [b, m] of spans.slice(i + 1)) expect(a + n <= b || b + m <= a).toBe(true);
      expect(l.bytes).toBe(256);
    }
    expect(nodeLayout(5, 8, 8, false).bytes).toBe(448); // deeper queues: router queues to byte 268, then a line on: counters and core queues (112 bytes)
    expect(() => nodeLayout(9, 4, 4, false)).toThrow(/9 colors do not fit a node record \(at most 8\)/);
  });

  it('route classes: one table row for each distinct router, the same routes as the pass writes, and a clear error past 256 rows or without input directions', () => {
    for (const [pc, Ru, Cu] of [[AXPY_COLORS, 7, 5], [GRAD_COLORS, 6, 4], [AXPY_COLORS, 1, 1], [GRAD_COLORS, 1, 3]] as Array<[PassColors, number, number]>) {
      const { table, rows: used, classOf } = routeClasses(pc, Ru, Cu);
      const rows = new Set<number>();
      for (let c = 0; c < Cu; c++) {
        for (let r = 0; r < Ru; r++) {
          const want = new Uint8Array(ROUTE.CLASS_BYTES);
          pc.routes(r, c, Ru, Cu, (color, d, out) => { want[color * 5 + d] = out; });
          const k = classOf[c * Ru + r];
          rows.add(k);
          expect(table.subarray(k * ROUTE.CLASS_BYTES, (k + 1) * ROUTE.CLASS_BYTES)).toEqual(want);
        }
      }
      expect([rows.size, Math.max(...classOf) + 1]).toEqual([used, used]); // rows numbered densely, none unused
      expect(new Set([...rows].map((k) => table.subarray(k * ROUTE.CLASS_BYTES, (k + 1) * ROUTE.CLASS_BYTES).join())).size).toBe(rows.size); // and distinct
    }
    // OUTS: a color's out-mask where one input has a route, else 0 (the gradient's broadcast: ramp, W and E)
    const { table, classOf } = routeClasses(GRAD_COLORS, 3, 3);
    const mid = outsOf(table.subarray(classOf[1 * 3 + 1] * ROUTE.CLASS_BYTES), GRAD_COLORS.colors);
    expect(mid[1]).toBe(0);
    expect(mid[0]).toBe((1 << DIR.RAMP) | (1 << DIR.S));
    const many: PassColors = { colors: 1, channel: [0], inputDirs: true, routes: (r, c, Ru, Cu, set) => { set(0, DIR.N, r + 1); set(0, DIR.E, c + 1); } };
    expect(routeClasses(many, 16, 16).classOf[255]).toBe(255); // 256 rows fit
    expect(() => routeClasses(many, 16, 17)).toThrow(/more than 256 route classes/);
    const shared: PassColors = { colors: 1, channel: [0], inputDirs: false, routes: (r, c, Ru, Cu, set) => { set(0, DIR.N, 1 << DIR.RAMP); set(0, DIR.W, 1 << DIR.RAMP); } };
    expect(() => routeClasses(shared, 2, 2)).toThrow(/routes from several inputs, but the pass keeps no input directions/);
  });

  it('the generated files say they are generated', () => {
    for (const [path] of OUTPUTS as Array<[string]>) {
      expect(readFileSync(path, 'utf8').split('\n')[0]).toMatch(/GENERATED by scripts\/fabric-abi\.mjs/);
    }
  });
});
