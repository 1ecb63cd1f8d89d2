// `weightstream validate` (issue 15): the efficiency calibrated on ONE named measurement (GPT-J 6B on
// 2 CS-2, release 2.0.3), stored in the spec with its source, and every other published measurement's
// held-out error pinned: a model change that worsens one by more than the margin fails here.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { defaultSpecs } from '../../src/perf/specs.js';
import { formatValidation, loadMeasurements, validate } from '../../src/perf/validate/index.js';
import { rootPath } from '../../src/paths.js';

/** Held-out errors as measured when committed ((predicted - measured) / measured); see docs/validation.md. */
const PINNED: Record<string, number> = {
  'gptj-6b-2xcs2-r1.8.0': 0.288, // older release: the software ran 0.78x as fast as 2.0.3 on the same run
  'gptj-6b-2xcs2-r1.7.1': 0.590, // older release: 0.63x
  'llama-7b-1xcs2-r2.1.1': -0.035,
  'gptj-6b-1xcs3-r2.5.0': 0.005,
  'llama2-7b-1xcs3-r2.5.0': -0.409, // 1024 x 4096 per step: efficiency rises with tokens per pass, not expressed
  '1t-16xcs3-scaling': -0.016, // press figure
};
const MARGIN = 0.02;

describe('weightstream validate', () => {
  const v = validate();
  const row = (id: string) => v.rows.find((r) => r.case === id)!;

  it('calibrates on GPT-J 6B, 2 CS-2, release 2.0.3, and the spec keeps that efficiency with its source', () => {
    expect(v.calibration.case).toBe('gptj-6b-2xcs2-r2.0.3');
    expect(v.calibration.release).toBe('2.0.3');
    expect(Math.abs(row('gptj-6b-2xcs2-r2.0.3').error)).toBeLessThan(1e-5);
    const cs2 = defaultSpecs().systems.cs2;
    expect(Math.abs(cs2.v.computeEfficiency - v.calibration.efficiency)).toBeLessThan(5e-5);
    expect(cs2.figures.computeEfficiency.source).toMatch(/release 2\.0\.3.*gptj-6b-2xcs2-r2\.0\.3/);
    expect(v.calibration.efficiency).toBeGreaterThan(0.2);
    expect(v.calibration.efficiency).toBeLessThan(0.5);
  });

  it.each(Object.entries(PINNED))('%s: held-out error within its committed value + %s', (id, pinned) => {
    const r = row(id);
    expect(r.role).toBe('held out');
    expect(Math.abs(r.error), `${id}: error ${r.error}`).toBeLessThanOrEqual(Math.abs(pinned) + MARGIN);
  });

  it('every case is either the calibration or pinned here (none silently added or dropped)', () => {
    expect(v.rows.map((r) => r.case).sort()).toEqual([...Object.keys(PINNED), v.calibration.case].sort());
  });

  it('the CS-2 cases of the calibration release era are within 25 %; the two outside are the older releases', () => {
    const cs2 = v.rows.filter((r) => r.system === 'cs2' && r.role === 'held out');
    const outside = cs2.filter((r) => Math.abs(r.error) > 0.25).map((r) => r.case);
    expect(outside.sort()).toEqual(['gptj-6b-2xcs2-r1.7.1', 'gptj-6b-2xcs2-r1.8.0']);
  });

  it('prints case, source, measured, predicted, error, bound, and says the efficiency belongs to a release', () => {
    const t = formatValidation(v);
    expect(t).toMatch(/^compute efficiency 0\.30\d* calibrated on gptj-6b-2xcs2-r2\.0\.3 \(software release 2\.0\.3, cs2\): it belongs to that release/);
    expect(t).toMatch(/case +source +measured +predicted +error +bound/);
    expect(t).toMatch(/llama-7b-1xcs2-r2\.1\.1 +log, release 2\.1\.1 +20\.45 samples\/s/);
    expect(t).toMatch(/compute \(CS-3 wafer\)/);
  });

  it('a bad measurements file is refused naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-validate-'));
    const f = join(dir, 'm.json');
    const data = JSON.parse(JSON.stringify(loadMeasurements()));
    data.cases[1].batchSeqs = -3;
    writeFileSync(f, JSON.stringify(data));
    expect(() => validate(f)).toThrow(ValidationError);
    expect(() => validate(f)).toThrow(/cases\[1\]\.batchSeqs: expected an integer >= 1, got -3/);
    data.cases[1].batchSeqs = 130;
    data.calibration.case = 'nope';
    writeFileSync(f, JSON.stringify(data));
    expect(() => validate(f)).toThrow(/calibration\.case: expected the id of a throughput case/);
  });

  it('refuses two cases with one id (the held-out row would be labelled the calibration)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-validate-'));
    const f = join(dir, 'm.json');
    const data = JSON.parse(readFileSync(rootPath('specs', 'validation', 'measurements.json'), 'utf8'));
    data.cases[1].id = data.cases[0].id;
    writeFileSync(f, JSON.stringify(data));
    expect(() => validate(f)).toThrow(`${f}: cases[1].id: expected an id of its own (cases[0] has it), got ${JSON.stringify(data.cases[0].id)}`);
  });

  it("a user's file names its models beside it, absolutely, or as the shipped file does; a missing one names the case", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-validate-'));
    const f = join(dir, 'm.json');
    const shipped = JSON.parse(readFileSync(rootPath('specs', 'validation', 'measurements.json'), 'utf8'));
    const base = validate().rows;
    const gptj = shipped.cases.findIndex((c: { model: string }) => c.model === 'specs/hf/gpt-j-6b.json');
    copyFileSync(rootPath('specs', 'hf', 'gpt-j-6b.json'), join(dir, 'mine.json'));
    for (const model of ['mine.json', join(dir, 'mine.json'), 'specs/hf/gpt-j-6b.json']) {
      const data = JSON.parse(JSON.stringify(shipped));
      data.cases[gptj].model = model;
      writeFileSync(f, JSON.stringify(data));
      expect(validate(f).rows.map((r) => r.predicted), model).toEqual(base.map((r) => r.predicted));
    }
    shipped.cases[gptj].model = 'nowhere.json';
    writeFileSync(f, JSON.stringify(shipped));
    expect(() => validate(f)).toThrow(new RegExp(`^${shipped.cases[gptj].id}: model: `));
  });
});

describe('a calibration measurement no efficiency reproduces', () => {
  it('is refused naming the case, not clamped to 100 % or 0.01 % of peak and labelled fitted', () => {
    const data = loadMeasurements();
    const withCal = (samplesPerSecond: number) => ({
      ...data,
      cases: data.cases.map((c) => (c.id === data.calibration.case ? { ...c, measured: { ...c.measured, samplesPerSecond } } : c)),
    });
    expect(() => validate(withCal(1e9))).toThrow(/^gptj-6b-2xcs2-r2\.0\.3: measured\.samplesPerSecond: expected at most [\d.]+ samples\/s, the model's prediction at 100 % of peak/);
    expect(() => validate(withCal(1e-9))).toThrow(/^gptj-6b-2xcs2-r2\.0\.3: measured\.samplesPerSecond: expected at least [\d.e+-]+ samples\/s, the model's prediction at 0\.01 % of peak/);
  });
});
