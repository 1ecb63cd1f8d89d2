// Hardware specs: every figure has a source, the built-in files validate, and a bad spec file is an
// error naming the file and the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { rootPath } from '../../src/paths.js';
import { defaultSpecs, loadSpec, loadSpecs, SCHEMAS } from '../../src/perf/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-specs-'));
function file(name: string, obj: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

describe('built-in hardware specs', () => {
  const s = defaultSpecs();

  it('has CS-2, MemoryX, SwarmX and the four GPUs, every schema field present with a source', () => {
    expect(Object.keys(s.gpus).sort()).toEqual(['a100', 'h100', 'h200', 'v100']);
    for (const spec of [s.cs2, s.memoryx, s.swarmx, ...Object.values(s.gpus)]) {
      for (const key of Object.keys(SCHEMAS[spec.kind])) {
        expect(spec.figures[key], `${spec.file}: ${key}`).toBeDefined();
        expect(spec.figures[key].source.length, `${spec.file}: ${key}.source`).toBeGreaterThan(5);
      }
    }
  });

  it('holds the FACTS.md figures', () => {
    expect(s.cs2.v.cores).toBe(850_000);
    expect(s.cs2.v.sramBytesPerCore).toBe(48 * 1024);
    expect(s.cs2.v.ioGBps).toBe(150); // 1.2 Tb/s
    expect(s.memoryx.v.maxCapacityTB).toBe(2400);
    expect(s.swarmx.v.portGbps).toBe(100);
    expect(s.gpus.v100.v.peakTFLOPs * s.gpus.v100.v.efficiency).toBeCloseTo(28, 6); // Lambda's 28 TFLOP/s
    expect(s.gpus.v100.v.pricePerDeviceHourUSD).toBe(1.48);
    expect(s.gpus.h200.v.efficiency).toBe(0.45);
  });

  it('the peak agrees with cores x FMAC x 2 x clock within 1 % (FACTS.md cross-check)', () => {
    const derived = s.cs2.v.cores * s.cs2.v.fmacPerCorePerCycle * 2 * s.cs2.v.clockGHz * 1e9;
    expect(Math.abs(derived / (s.cs2.v.peakPFLOPs * 1e15) - 1)).toBeLessThan(0.01);
  });

  it('the H100 efficiency is the GPT-3 XL / 2.7B MFU measured by bench/python/gpt_mfu.py (results file)', () => {
    const r = JSON.parse(readFileSync(rootPath('bench', 'results', 'gpt-mfu-h100.json'), 'utf8')) as { device: string; results: Array<{ shape: string; mfu: number }> };
    expect(r.device).toMatch(/H100/);
    const big = r.results.filter((x) => x.shape === 'gpt3-xl' || x.shape === 'gpt3-2.7b').map((x) => x.mfu);
    expect(big.length).toBe(2);
    expect(Math.abs(s.gpus.h100.v.efficiency - (big[0] + big[1]) / 2)).toBeLessThan(0.01);
  });

  it('cores x SRAM per core agrees with the 40 GB wafer figure within 5 %', () => {
    expect(Math.abs((s.cs2.v.cores * s.cs2.v.sramBytesPerCore) / (s.cs2.v.waferSramGB * 1e9) - 1)).toBeLessThan(0.05);
  });

  it('marks the FACTS.md uncertain figures as parameters', () => {
    for (const k of ['clockGHz', 'fmacPerCorePerCycle', 'computeEfficiency']) expect(s.cs2.figures[k].uncertain, k).toBe(true);
    expect(s.memoryx.figures.streamGBps.uncertain).toBe(true);
    expect(s.memoryx.figures.updateGBps.uncertain).toBe(true);
    expect(s.swarmx.figures.hopLatencyUs.uncertain).toBe(true);
  });
});

describe('user spec files', () => {
  it('a spec with "base" amends only the figures it gives', () => {
    const f = file('fast-mx.json', { base: 'memoryx', figures: { streamGBps: { value: 300, source: 'what if' } } });
    const s = loadSpecs([f]);
    expect(s.memoryx.v.streamGBps).toBe(300);
    expect(s.memoryx.v.maxCapacityTB).toBe(2400);
    expect(s.memoryx.figures.streamGBps.source).toBe('what if');
    expect(defaultSpecs().memoryx.v.streamGBps).toBe(150); // the built-in is untouched
  });

  it('a full spec replaces the built-in one; a new GPU id is added', () => {
    const g = { ...JSON.parse(JSON.stringify(defaultSpecs().gpus.h100)) };
    const f = file('gpu-b200.json', { kind: 'gpu', name: 'B200', figures: { ...g.figures, peakTFLOPs: { value: 2250, source: 'test' } } });
    const s = loadSpecs([f]);
    expect(s.gpus.b200.v.peakTFLOPs).toBe(2250);
    expect(s.gpus.h100.v.peakTFLOPs).toBe(989);
  });

  it('a spec file missing a field names the file and the field', () => {
    const figures = { ...defaultSpecs().cs2.figures } as Record<string, unknown>;
    delete figures.ioGBps;
    const f = file('cs2-missing.json', { kind: 'cs2', name: 'x', figures });
    expect(() => loadSpec(f)).toThrow(ValidationError);
    expect(() => loadSpec(f)).toThrow(/cs2-missing\.json: figures\.ioGBps: missing figure/);
  });

  it('bad values and missing sources name the field', () => {
    const bad = file('bad.json', { base: 'cs2', figures: { ioGBps: { value: -5, source: 'x' } } });
    expect(() => loadSpec(bad)).toThrow(/bad\.json: figures\.ioGBps\.value: expected a finite number > 0, got -5/);
    const nosrc = file('nosrc.json', { base: 'swarmx', figures: { fanIn: { value: 4 } } });
    expect(() => loadSpec(nosrc)).toThrow(/nosrc\.json: figures\.fanIn\.source/);
    const unknown = file('unknown.json', { base: 'cs2', figures: { warpDrive: { value: 1, source: 'x' } } });
    expect(() => loadSpec(unknown)).toThrow(/unknown\.json: figures\.warpDrive: unknown figure/);
    const kind = file('kind.json', { kind: 'tpu', name: 'x', figures: {} });
    expect(() => loadSpec(kind)).toThrow(/kind\.json: kind: expected one of cs2, memoryx, swarmx, gpu, got "tpu"/);
    const eff = file('eff.json', { base: 'cs2', figures: { computeEfficiency: { value: 1.5, source: 'x' } } });
    expect(() => loadSpec(eff)).toThrow(/computeEfficiency\.value: expected a finite number > 0 and <= 1, got 1\.5/);
  });

  it('an unreadable or invalid file is an error naming it', () => {
    expect(() => loadSpec(join(dir, 'nope.json'))).toThrow(/--spec: expected a readable JSON file \(ENOENT\)/);
    const broken = file('broken.json', '{ "kind": ');
    expect(() => loadSpec(broken)).toThrow(/^--spec: expected valid JSON \(a syntax error: it ends early\), got ".*broken\.json"$/);
  });
});
