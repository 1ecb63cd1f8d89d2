// Sweep files: validation names the bad field before anything runs; expansion is the cartesian product
// (last axis fastest); a run's hash is the SHA-256 of the canonical JSON of {kind, config}.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { canonicalJson, runHash } from '../../src/sweep/hash.js';
import { expandSweep, loadSweepFile, locateField, SweepFileError, validateSweep } from '../../src/sweep/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-spec-'));
const runner = join(__dirname, 'fixtures', 'runner.mjs');

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('sweep file validation', () => {
  const ok = { kind: 'estimate', base: { model: 'gpt3-175b' }, axes: { systems: [1, 2, 4], sparsity: [0, 0.5] } };

  it('accepts a good file', () => {
    const s = validateSweep(ok);
    expect(s.kind).toBe('estimate');
    expect(s.axes.map((a) => a.field)).toEqual(['systems', 'sparsity']);
  });

  it.each([
    [{ ...ok, axes: { systems: [1, 2, -1] } }, 'axes.systems[2]: expected a positive integer, got -1'],
    [{ ...ok, axes: { systems: [1, 2.5] } }, 'axes.systems[1]: expected a positive integer, got 2.5'],
    [{ ...ok, axes: { sparsity: [0, 1] } }, 'axes.sparsity[1]: expected a number in [0, 1), got 1'],
    [{ ...ok, axes: { sparsity: ['0.5'] } }, 'axes.sparsity[0]: expected a number in [0, 1), got "0.5"'],
    [{ ...ok, axes: { systems: [] } }, 'axes.systems: expected a non-empty list of values, got []'],
    [{ ...ok, axes: { systems: 4 } }, 'axes.systems: expected a non-empty list of values or a range {from, to, step}, got 4'],
    [{ ...ok, axes: { systems: [1, 2, 1] } }, 'axes.systems[2]: expected distinct values (same as axes.systems[0]), got 1'],
    [{ ...ok, axes: { systems: { from: 4, to: 1 } } }, 'axes.systems.to: expected a finite number >= from (4), got 1'],
    [{ ...ok, axes: { systems: { from: 1, to: 4, step: 0 } } }, 'axes.systems.step: expected a number > 0, got 0'],
    [{ ...ok, axes: { systems: { from: 1, to: 4, by: 1 } } }, 'axes.systems.by: unknown field (a range has from, to and step), got 1'],
    [{ ...ok, axes: { 'bad key': [1] } }, 'axes.bad key: expected a field name or a dotted path such as optimizer.lr, got "bad key"'],
    [{ ...ok, axes: [1, 2] }, 'axes: expected a mapping of field names to lists of values, got [1,2]'],
    [{ ...ok, base: { systems: 0 } }, 'base.systems: expected a positive integer, got 0'],
    [{ ...ok, base: [] }, 'base: expected a mapping (the configuration every run starts from), got []'],
    [{ ...ok, kind: 'simulate' }, 'kind: expected one of estimate, fabric, train, module, got "simulate"'],
    [{ ...ok, kind: undefined }, 'kind: expected one of estimate, fabric, train, module, got undefined'],
    [{ ...ok, extra: 1 }, 'extra: unknown field (expected one of name, kind, module, base, axes), got 1'],
    [{ ...ok, module: './x.js' }, 'module: expected no module for kind estimate (only kind: module takes one), got "./x.js"'],
    [{ ...ok, kind: 'module' }, 'module: expected the path of a JS module exporting run(config), got undefined'],
    [{ ...ok, axes: { systems: { from: 1, to: 1e7 } } }, 'axes.systems: expected at most 1000000 values, got {"from":1,"to":10000000}'],
    [{ ...ok, axes: { a: { from: 1, to: 1000 }, b: { from: 1, to: 1001 } } }, 'axes: expected at most 1000000 runs in one sweep, got "1001000 runs"'],
  ])('refuses %j naming the field', (data, message) => {
    const e = errorOf(() => validateSweep(data));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.message).toBe(message);
  });

  it('resolves a module relative to the sweep file and refuses a missing one', () => {
    const s = validateSweep({ kind: 'module', module: 'fixtures/runner.mjs', axes: { x: [1] } }, { baseDir: __dirname });
    expect(s.module).toBe(runner);
    expect(errorOf(() => validateSweep({ kind: 'module', module: 'nope.mjs' }, { baseDir: __dirname })).message).toMatch(/^module: expected an existing file/);
  });

  it('reads YAML and JSON files, and names the line of a syntax error', () => {
    const y = join(dir, 'a.yaml');
    writeFileSync(y, 'kind: estimate\nbase:\n  model: gpt3-175b\naxes:\n  systems: [1, 2]\n');
    expect(expandSweep(loadSweepFile(y)).length).toBe(2);
    const j = join(dir, 'a.json');
    writeFileSync(j, JSON.stringify({ kind: 'estimate', axes: { systems: [1, 2, 3] } }));
    expect(expandSweep(loadSweepFile(j)).length).toBe(3);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kind: estimate\naxes:\n  systems: [1, 2\n');
    const e = errorOf(() => loadSweepFile(bad));
    expect(e).toBeInstanceOf(SweepFileError);
    expect(e.message).toMatch(/bad\.yaml:\d+:\d+: not valid YAML/);
    expect(errorOf(() => loadSweepFile(join(dir, 'missing.yaml'))).message).toMatch(/missing\.yaml: cannot read the sweep file \(ENOENT\)/);
  });
});

describe('expansion', () => {
  it('is the cartesian product over the base, last axis fastest, dotted paths nested', () => {
    const s = validateSweep({ kind: 'estimate', base: { model: 'm', opt: { lr: 1, beta: 0.9 } }, axes: { systems: [1, 2], 'opt.lr': [0.1, 0.2, 0.3] } });
    const runs = expandSweep(s);
    expect(runs.map((r) => [r.config.systems, (r.config.opt as { lr: number }).lr])).toEqual([
      [1, 0.1], [1, 0.2], [1, 0.3], [2, 0.1], [2, 0.2], [2, 0.3],
    ]);
    expect(runs.every((r) => r.config.model === 'm' && (r.config.opt as { beta: number }).beta === 0.9)).toBe(true);
    expect(runs[4].axisIndex).toEqual([1, 1]);
    expect(runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    // the base is not shared between runs
    (runs[0].config.opt as { beta: number }).beta = 0;
    expect((runs[1].config.opt as { beta: number }).beta).toBe(0.9);
  });

  it('has as many runs as the product of the axis lengths, all with distinct hashes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }), (lens) => {
        const axes = Object.fromEntries(lens.map((n, i) => [`a${i}`, Array.from({ length: n }, (_, j) => j)]));
        const runs = expandSweep(validateSweep({ kind: 'estimate', axes }));
        expect(runs.length).toBe(lens.reduce((p, n) => p * n, 1));
        expect(new Set(runs.map((r) => r.hash)).size).toBe(runs.length);
      }),
      { numRuns: 50 },
    );
  });

  it('ranges are inclusive and do not drift (0.1 steps hit 0.3 exactly)', () => {
    const runs = expandSweep(validateSweep({ kind: 'estimate', axes: { sparsity: { from: 0, to: 0.9, step: 0.1 } } }));
    expect(runs.map((r) => r.config.sparsity)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it('refuses a key given twice in a .json sweep file, naming where (the first value was dropped)', () => {
    const f = join(dir, 'dup.json');
    writeFileSync(f, '{"kind": "estimate", "base": {"model": "gpt3-xl"},\n "axes": {"systems": [1, 2],\n  "systems": [3]}}\n');
    expect(errorOf(() => loadSweepFile(f)).message).toBe(`${f}:3:3: a key given twice in one object (JSON would keep the last value and drop the first)`);
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, '{"kind": "estimate", "axes": {"systems": [1, 2]}}');
    expect(expandSweep(loadSweepFile(ok))).toHaveLength(2);
  });

  it('ranges keep the decimals of from and step: large integers stay exact (they were rounded to 12 digits)', () => {
    const runs = expandSweep(validateSweep({ kind: 'estimate', axes: { tokens: { from: 1234567890123, to: 1234567893123, step: 1000 } } }));
    expect(runs.map((r) => r.config.tokens)).toEqual([1234567890123, 1234567891123, 1234567892123, 1234567893123]);
    const close = expandSweep(validateSweep({ kind: 'estimate', axes: { tokens: { from: 1e12, to: 1e12 + 2 } } })); // was refused: "same as axes.tokens[0]"
    expect(close.map((r) => r.config.tokens)).toEqual([1e12, 1e12 + 1, 1e12 + 2]);
    const small = expandSweep(validateSweep({ kind: 'estimate', axes: { efficiency: { from: 1e-7, to: 3e-7, step: 1e-7 } } }));
    expect(small.map((r) => r.config.efficiency)).toEqual([1e-7, 2e-7, 3e-7]);
  });

  it('refuses two runs of one configuration, naming both (an axis a merge case sets again counted as "already done")', () => {
    const s = validateSweep({ kind: 'estimate', axes: { systems: [1, 2], merge: [{ systems: 4 }] } });
    expect(errorOf(() => expandSweep(s)).message).toBe('axes: expected runs of distinct configurations (these two give the same one: an axis that base or a merge case sets again?), got "systems[0], merge[0] and systems[1], merge[0]"');
    const order = validateSweep({ kind: 'estimate', axes: { merge: [{ gpu: 'a100', devices: 8 }, { devices: 8, gpu: 'a100' }] } });
    expect(errorOf(() => expandSweep(order)).message).toMatch(/got "merge\[0\] and merge\[1\]"$/);
  });

  it("a user module's runs are told apart by the module's bytes: another module, or the same one edited, is other runs", () => {
    const a = join(dir, 'a.mjs');
    const b = join(dir, 'b.mjs');
    writeFileSync(a, 'export const run = () => ({ who: "A" });\n');
    writeFileSync(b, 'export const run = () => ({ who: "B" });\n');
    const hashes = (m: string) => expandSweep(validateSweep({ kind: 'module', module: m, axes: { x: [1, 2] } })).map((r) => r.hash);
    const ha = hashes(a);
    expect(hashes(b)).not.toEqual(ha);
    expect(hashes(b).some((h) => ha.includes(h))).toBe(false);
    writeFileSync(a, 'export const run = () => ({ who: "A2" });\n');
    expect(hashes(a).some((h) => ha.includes(h))).toBe(false);
    expect(expandSweep(validateSweep({ kind: 'estimate', axes: { systems: [1] } }))[0].hash).toBe(runHash('estimate', { systems: 1 })); // the other kinds' hashes are as before
  });

  it('refuses an axis inside a base field that is not a mapping', () => {
    const s = validateSweep({ kind: 'estimate', base: { model: 'gpt3' }, axes: { 'model.layers': [1] } });
    expect(errorOf(() => expandSweep(s)).message).toBe('axes.model.layers: cannot set a field inside base.model (it is "gpt3", not a mapping), got "model.layers"');
  });

  it('locates a field of one run back to the axis value or the base that set it', () => {
    const s = validateSweep({ kind: 'estimate', base: { model: { name: 'm' } }, axes: { systems: [1, 2, 3], 'model.width': [8, 16] } });
    const runs = expandSweep(s);
    expect(locateField(s, runs[5], 'systems')).toBe('axes.systems[2]');
    expect(locateField(s, runs[5], 'model.width')).toBe('axes.model.width[1]');
    expect(locateField(s, runs[5], 'model.name')).toBe('base.model.name');
  });
});

describe('hashing', () => {
  it('is SHA-256 of the canonical JSON of {kind, config} with sorted keys', () => {
    const config = { systems: 4, model: { b: 1, a: [2, { y: 1, x: 0 }] } };
    const canon = '{"config":{"model":{"a":[2,{"x":0,"y":1}],"b":1},"systems":4},"kind":"estimate"}';
    expect(canonicalJson({ kind: 'estimate', config })).toBe(canon);
    expect(runHash('estimate', config)).toBe(createHash('sha256').update(canon).digest('hex'));
  });

  it('does not depend on key order, does depend on every value and on the kind', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.oneof(fc.integer(), fc.string(), fc.boolean()), { minKeys: 1 }), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(runHash('fabric', reversed)).toBe(runHash('fabric', obj));
        expect(runHash('train', obj)).not.toBe(runHash('fabric', obj));
        const k = Object.keys(obj)[0];
        expect(runHash('fabric', { ...obj, [k]: [obj[k]] })).not.toBe(runHash('fabric', obj));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses values with no JSON form', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(/NaN has no JSON form/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/function has no JSON form/);
  });
});

describe('the merge axis', () => {
  it('sets several fields together per value, and locates them', () => {
    const s = validateSweep({
      kind: 'estimate',
      base: { model: 'gpt3-175b' },
      axes: { model: ['gpt3-small', 'gpt3-175b'], merge: [{ systems: 16 }, { gpu: 'a100', devices: 1024, 'opt.lr': 2 }] },
    });
    const runs = expandSweep(s);
    expect(runs.map((r) => r.config)).toEqual([
      { model: 'gpt3-small', systems: 16 },
      { model: 'gpt3-small', gpu: 'a100', devices: 1024, opt: { lr: 2 } },
      { model: 'gpt3-175b', systems: 16 },
      { model: 'gpt3-175b', gpu: 'a100', devices: 1024, opt: { lr: 2 } },
    ]);
    expect(locateField(s, runs[3], 'devices')).toBe('axes.merge[1].devices');
    expect(locateField(s, runs[3], 'opt.lr')).toBe('axes.merge[1].opt.lr');
    expect(locateField(s, runs[3], 'model')).toBe('axes.model[1]');
  });

  it('refuses a value that is not a mapping, and checks common fields inside', () => {
    expect(errorOf(() => validateSweep({ kind: 'estimate', axes: { merge: [{ systems: 1 }, 3] } })).message).toBe('axes.merge[1]: expected a mapping of the fields this case sets, got 3');
    expect(errorOf(() => validateSweep({ kind: 'estimate', axes: { merge: [{ systems: 0 }] } })).message).toBe('axes.merge[0].systems: expected a positive integer, got 0');
  });
});
