// The CS-3 beside the CS-2 (issue 15): --system cs3 models a WSE-3 with its MemoryX, every figure has a
// source, and no output names "CS-2" for it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { formatEstimate } from '../../src/perf/format.js';
import { runEstimate } from '../../src/perf/run.js';
import { defaultSpecs } from '../../src/perf/specs.js';
import { systemLabel, withSystem } from '../../src/perf/system.js';
import type { Estimate } from '../../src/perf/types.js';

describe('CS-3 spec', () => {
  const s = defaultSpecs();
  it('ships beside the CS-2 with the WSE-3 announcement figures, each with a source', () => {
    const cs3 = s.systems.cs3;
    expect(cs3.v.cores).toBe(900_000);
    expect(cs3.v.waferSramGB).toBe(44);
    expect(cs3.v.memoryBandwidthPBps).toBe(21);
    expect(cs3.v.fabricBandwidthPbps).toBe(214);
    // "125 petaflops" is the sparse AI figure; the dense FP16 peak is a derived parameter (2x the CS-2)
    expect(cs3.v.peakPFLOPs).toBe(2 * s.systems.cs2.v.peakPFLOPs);
    expect(cs3.figures.peakPFLOPs.uncertain).toBe(true);
    expect(cs3.figures.peakPFLOPs.source).toMatch(/125 petaflops/);
    for (const [k, f] of Object.entries(cs3.figures)) expect(f.source.length, k).toBeGreaterThan(10);
    expect(s.cs2.id).toBe('cs2'); // the default system stays the CS-2
  });

  it('withSystem pairs the CS-3 with its generation of MemoryX and refuses an unknown id by name', () => {
    const t = withSystem(s, 'cs3');
    expect(t.cs2.id).toBe('cs3');
    expect(t.memoryx.v.maxCapacityTB).toBe(1200);
    expect(systemLabel(t.cs2)).toBe('CS-3');
    expect(() => withSystem(s, 'cs9')).toThrow(ValidationError);
    expect(() => withSystem(s, 'cs9')).toThrow(/system: expected one of cs2, cs3, got "cs9"/);
  });

  it('an estimate on CS-3 names the CS-3 in every output line, never "CS-2"', () => {
    const e = runEstimate({ model: 'gpt3-xl', systems: 16, system: 'cs3' }) as Estimate;
    expect(e.system).toBe('CS-3');
    expect(e.binding).toMatch(/CS-3|MemoryX|SwarmX/);
    // the sources may cite the CS-2 (a CS-3 figure taken from it); everything else names the CS-3
    const t = withSystem(s, 'cs3');
    const sources = [t.cs2, t.memoryx, t.swarmx].flatMap((sp) => Object.values(sp.figures).map((f) => f.source)).sort((a, b) => b.length - a.length);
    const strip = (x: string) => sources.reduce((acc, src) => acc.split(src).join(''), x);
    const text = formatEstimate(e);
    expect(text).toMatch(/on 16 CS-3/);
    expect(strip(text)).not.toMatch(/CS-2/);
    expect(strip(JSON.stringify(e.assumptions))).not.toMatch(/CS-2/);
  });

  it('the CS-3 trains GPT-3 XL faster than the CS-2 (twice the peak, the same links)', () => {
    const two = runEstimate({ model: 'gpt3-xl', systems: 16 }) as Estimate;
    const three = runEstimate({ model: 'gpt3-xl', systems: 16, system: 'cs3' }) as Estimate;
    expect(three.stepSeconds).toBeLessThan(two.stepSeconds);
    expect(two.stepSeconds / three.stepSeconds).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('spec files apply to the chosen system: base cs3 amends it, base cs2 with --system cs3 is refused by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-cs3-'));
    const f = (n: string, o: unknown) => (writeFileSync(join(dir, n), JSON.stringify(o)), join(dir, n));
    const io3 = f('io3.json', { base: 'cs3', figures: { ioGBps: { value: 300, source: 'what-if' } } });
    const mx = f('mx.json', { base: 'memoryx', figures: { streamGBps: { value: 300, source: 'what-if' } } });
    const io2 = f('io2.json', { base: 'cs2', figures: { ioGBps: { value: 300, source: 'what-if' } } });
    const e = runEstimate({ model: 'gpt3-175b', systems: 192, system: 'cs3', spec: [io3, mx] }) as Estimate;
    expect(e.system).toBe('CS-3');
    expect(e.stream.GBps).toBe(300); // the CS-3's I/O, its MemoryX (amended) and the lanes derived from the I/O
    expect(e.memoryxCapacityBytes).toBe(1200e12); // still the CS-3 generation's MemoryX, amended
    expect(() => runEstimate({ model: 'gpt3-175b', systems: 192, system: 'cs3', spec: [io2] })).toThrow(/io2\.json: base: expected the modelled system "cs3"/);
  });

  it('a sweep chooses the system per run (the estimate run kind takes system beside spec)', async () => {
    const { estimateAdapter } = await import('../../src/sweep/kinds/estimate.js');
    const a = await estimateAdapter();
    const r = (await a.run({ model: 'gpt3-xl', systems: 4, system: 'cs3' })) as unknown as Estimate;
    expect(r.system).toBe('CS-3');
    await expect(async () => a.run({ model: 'gpt3-xl', systems: 4, system: 'cs9' })).rejects.toThrow(/system: expected one of cs2, cs3/);
  });
});

