// Issue 17, items 2, 4, 6, 7, 8, 12, 13 at the library: size bounds in closed form, prototype keys
// refused, NaN and malformed offsets refused by name, checkpoint fields checked, linear reports.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { modelFromObject } from '../../src/perf/models.js';
import { runEstimate } from '../../src/perf/run.js';
import { loadSpec } from '../../src/perf/specs.js';
import { validateModel, MAX_LAYERS } from '../../src/model/validate.js';
import { resolveModel } from '../../src/model/load.js';
import { compileModel } from '../../src/model/compile.js';
import { loadSweepFile, validateSweep, expandSweep } from '../../src/sweep/spec.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { weightsFromTensors, weightsToTensors } from '../../src/model/weights-file.js';
import { initParams } from '../../src/model/params.js';
import { CheckpointError, checkResume, decodeCheckpoint, encodeCheckpoint } from '../../src/memoryx/checkpoint.js';
import { NonFiniteError, checkFiniteStep } from '../../src/memoryx/finite.js';
import { timelineChart } from '../../src/report/charts/timeline.js';
import { trainingCharts, MAX_LOSS_POINTS } from '../../src/report/charts/training.js';

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};
const hf = (o: Record<string, unknown>) => ({ n_layer: 2, n_embd: 64, n_head: 4, n_positions: 128, vocab_size: 1000, ...o });

describe('size bounds before allocation (item 2)', () => {
  it('an HF config with n_layer 1e9 or 1e300 is refused by name in well under a second', () => {
    for (const n of [1e6, 1e9, 1e300]) {
      const t0 = performance.now();
      const e = err(() => modelFromObject(hf({ n_layer: n }), 'config.json'));
      expect(performance.now() - t0).toBeLessThan(500);
      expect(e).toBeInstanceOf(ValidationError);
      expect(e.message).toMatch(/config\.json: n_layer: expected (at most 10000|an integer)/);
    }
    // (the one GPT-2 importer, src/model/hf.ts, bounds widths at 2^20 and layers at 4096 before the at-scale limits)
    expect(err(() => modelFromObject(hf({ n_embd: 1 << 25, n_head: 1 }), 'c.json')).message).toMatch(/c\.json: n_embd: expected an integer in \[1, 1048576\], got 33554432/);
    // Within each bound but 5e16 parameters in all: refused by the closed-form count.
    expect(err(() => modelFromObject(hf({ n_layer: 4000, n_embd: 1 << 20, n_head: 1 }), 'c.json')).message).toMatch(/c\.json: n_layer: expected at most 1e\+16 parameters/);
  });

  it('an engine model past MAX_LAYERS layers, nesting or parameters is refused by name', () => {
    const many = { input: 4, layers: [...Array.from({ length: MAX_LAYERS + 1 }, () => ({ type: 'relu' })), { type: 'linear', out: 2 }] };
    expect(err(() => validateModel(many)).message).toMatch(/^layers\[10000\]: expected at most 10000 layers/);
    let inner: unknown = [{ type: 'relu' }];
    for (let i = 0; i < 3000; i++) inner = [{ type: 'residual', layers: inner }];
    const deep = err(() => validateModel({ input: 4, layers: [...(inner as unknown[]), { type: 'linear', out: 2 }] }));
    expect(deep).toBeInstanceOf(ValidationError); // was a RangeError (stack overflow)
    expect(deep.message).toMatch(/expected residual blocks nested at most 32 deep/);
    const big = { type: 'linear', out: 8192 }; // 8192·8192 + 8192 parameters: the 4th passes 2^28
    const wide = { input: 8192, layers: [big, big, big, big, { type: 'linear', out: 2 }] };
    expect(err(() => validateModel(wide)).message).toMatch(/^layers\[3\]\.out: expected at most 268435456 parameters/);
  });
});

describe('prototype keys (item 4)', () => {
  it('a sweep axis or base field through __proto__, constructor or prototype is refused; nothing is polluted', () => {
    for (const field of ['__proto__.systems', 'constructor', 'optimizer.prototype']) {
      expect(err(() => validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { [field]: [1, 2] } })).message).toMatch(/expected a field name \(not __proto__, constructor, prototype\)/);
    }
    const base = JSON.parse('{"model": "gpt3-xl", "__proto__": {"systems": 4}}');
    expect(err(() => validateSweep({ kind: 'estimate', base, axes: { systems: [1] } })).message).toMatch(/^base\.__proto__: expected a field name/);
    const merge = JSON.parse('[{"__proto__": {"gpu": "a100"}}]');
    expect(err(() => validateSweep({ kind: 'estimate', base: {}, axes: { merge } })).message).toMatch(/^axes\.merge\[0\]\.__proto__: expected a field name/);
    expect(({} as Record<string, unknown>).systems).toBeUndefined();
  });

  it('a sweep nested 3000 deep is a ValidationError, not a stack overflow', () => {
    let v: unknown = 1;
    for (let i = 0; i < 3000; i++) v = { a: v };
    expect(err(() => validateSweep({ kind: 'estimate', base: { x: v }, axes: {} })).message).toMatch(/expected at most 64 levels of nesting/);
  });

  it('presets and GPU ids named __proto__, constructor or toString are unknown names, not TypeErrors', () => {
    for (const name of ['__proto__', 'constructor', 'toString']) {
      expect(err(() => resolveModel(name, 4, 2))).toBeInstanceOf(ValidationError);
      const e = err(() => runEstimate({ model: 'gpt3-small', gpu: name, devices: 8 }));
      expect(e.name).not.toMatch(/TypeError|RangeError/);
      expect(e.message).toMatch(new RegExp(`${name}`));
    }
  });

  it('a spec figure named toString is an unknown figure (item 13)', () => {
    const d = mkdtempSync(join(tmpdir(), 'ws-rel-'));
    writeFileSync(join(d, 's.json'), JSON.stringify({ base: 'memoryx', figures: { toString: { value: 1, source: 'x' } } }));
    expect(err(() => loadSpec(join(d, 's.json'))).message).toMatch(/figures\.toString: unknown figure/);
  });

  it('tie_word_embeddings "no" is refused, not read as false (item 13)', () => {
    expect(err(() => modelFromObject(hf({ tie_word_embeddings: 'no' }), 'c.json')).message).toMatch(/c\.json: tie_word_embeddings: expected true or false, got "no"/);
    expect(modelFromObject(hf({ tie_word_embeddings: false }), 'c.json').gpt?.tiedEmbedding).toBe(false);
  });
});

describe('NaN and malformed offsets (item 6)', () => {
  const plan = compileModel(validateModel({ input: 4, layers: [{ type: 'linear', out: 3 }] }));
  it('initial weights with NaN or Infinity are refused naming the tensor and index', () => {
    const t = weightsToTensors(plan, initParams(plan, 1));
    (t.get('0.weight')!.data as Float32Array)[5] = NaN;
    expect(err(() => weightsFromTensors(plan, t, 'init.safetensors')).message).toMatch(/^init\.safetensors: 0\.weight\[5\]: expected a finite weight/);
    (t.get('0.weight')!.data as Float32Array)[5] = Infinity;
    expect(err(() => weightsFromTensors(plan, t, 'init.safetensors')).message).toMatch(/0\.weight\[5\]: expected a finite weight .*got Infinity/);
  });

  const withHeader = (header: Record<string, unknown>, dataBytes: number) => {
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(new TextEncoder().encode(json), 8);
    return out;
  };
  it('overlapping or misaligned data_offsets are refused', () => {
    const overlap = withHeader({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, 24);
    expect(err(() => parseSafetensors(overlap, 'w.st')).message).toMatch(/^w\.st: b\.data_offsets: expected bytes not shared with a \[0, 16\]/);
    const misaligned = withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [2, 10] } }, 12);
    expect(err(() => parseSafetensors(misaligned, 'w.st')).message).toMatch(/a\.data_offsets: expected a begin aligned to 4 bytes/);
    // The writer's own output still reads back.
    const ok = serializeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }, b: { dtype: 'I64', shape: [1], data: new BigInt64Array([3n]) } });
    expect([...parseSafetensors(ok).tensors.keys()]).toEqual(['a', 'b']);
  });

  it('a loss or weight that becomes non-finite stops the run naming the step and layer', () => {
    const src = { layers: [{ name: 'fc0' }, { name: 'fc1' }], values: (l: number) => new Float32Array(l === 1 ? [0, NaN] : [1, 2]) };
    expect(err(() => checkFiniteStep(7, NaN, src))).toBeInstanceOf(NonFiniteError);
    expect(err(() => checkFiniteStep(7, NaN, src)).message).toMatch(/^training stopped at step 7: the loss is NaN; first non-finite value: layer 1 \(fc1\) weight \[1\] = NaN/);
    expect(err(() => checkFiniteStep(9, 0.5, src, true)).message).toMatch(/step 9: layer 1 \(fc1\) weight \[1\] = NaN is not finite/);
    expect(() => checkFiniteStep(9, 0.5, src)).not.toThrow();
  });
});

describe('checkpoint fields (items 6, 7, 12)', () => {
  const good = () => ({
    step: 10,
    memoryx: { t: 10, optimizer: { kind: 'sgd' }, layers: [{ name: 'l0', floats: 2, record: new Float32Array([1, 2, 0, 0]) }] },
    rng: { seed: 0 },
    model: 'fp',
    extra: { loss: [1, 0.5] },
  });
  const dec = (c: unknown) => decodeCheckpoint(encodeCheckpoint(c as Parameters<typeof encodeCheckpoint>[0]), 'ck');
  it('accepts a sound checkpoint', () => {
    expect(dec(good()).step).toBe(10);
  });
  it('refuses a step that is not a non-negative safe integer, by name', () => {
    for (const step of ['abc', -1, 1.5, 2 ** 60, null]) expect(err(() => dec({ ...good(), step })).message).toMatch(/^ck: step: expected a non-negative integer/);
  });
  it('refuses to resume from NaN in the weights or optimizer state, with a valid hash', () => {
    const c = good();
    c.memoryx.layers[0].record[3] = NaN;
    const decoded = dec(c); // stored bit for bit (test/memoryx/checkpoint.test.ts)
    const e = err(() => checkResume(decoded, 20, 'run.ckpt'));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toMatch(/^checkpoint run\.ckpt: memoryx\.layers\[0\]\.record\[3\] \(layer l0\) is NaN/);
  });
  it('refuses missing fields by name, not with a TypeError', () => {
    const { memoryx: _m, ...noMx } = good();
    expect(err(() => dec(noMx)).message).toMatch(/^ck: memoryx: expected a mapping/);
    expect(err(() => dec({ ...good(), memoryx: { t: 1, optimizer: {} } })).message).toMatch(/^ck: memoryx\.layers: expected a list/);
    expect(err(() => dec({ ...good(), extra: { loss: 'x' } })).message).toMatch(/^ck: extra\.loss: expected a list of numbers/);
  });
  it('a resume with --steps at or below the checkpoint\'s step is refused (item 7)', () => {
    const c = dec({ ...good(), step: 100 });
    expect(err(() => checkResume(c, 100, 'run.ckpt')).message).toMatch(/^steps: expected more than the checkpoint's step 100 \(with resume, steps is the total;/);
    expect(() => checkResume(c, 101, 'run.ckpt')).not.toThrow();
  });
});

describe('reports stay linear and bounded (item 8)', () => {
  const trace = (n: number) => {
    const ev: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) ev.push({ ph: 'B', name: 'e', pid: i % 50, tid: 0, ts: i }, { ph: 'E', pid: i % 50, tid: 0, ts: i + 0.5 });
    return ev;
  };
  it('a trace 8x longer takes well under 8^2 = 64x the time (40k B/E pairs on 50 tracks)', () => {
    timelineChart(trace(2000) as never, 'warm.json');
    const t = (n: number) => {
      const t0 = performance.now();
      timelineChart(trace(n) as never, 't.json');
      return performance.now() - t0;
    };
    // the fastest of three runs each: another test file's work on the other core (or a GC) only adds time,
    // and one such pause in the big run made the ratio 44 in a loaded CI run where the code is linear
    const best = (n: number) => Math.min(t(n), t(n), t(n));
    const small = Math.max(best(5000), 5);
    const big = best(40_000);
    expect(big / small).toBeLessThan(30);
    expect(big).toBeLessThan(5000);
  });
  it('a 2M-step loss curve is drawn as at most MAX_LOSS_POINTS bin means', () => {
    const loss = Array.from({ length: 2_000_000 }, (_, i) => 1 / (1 + i));
    const { charts } = trainingCharts([{ file: 'big.json', summary: { loss, bytesStreamed: 1 } }]);
    const values = (charts[0].spec as { data: { values: Array<{ step: number; loss: number }> } }).data.values;
    expect(values.length).toBeLessThanOrEqual(MAX_LOSS_POINTS);
    expect(values[0].loss).toBeCloseTo(loss.slice(0, 1000).reduce((a, b) => a + b) / 1000, 12);
    expect(charts[0].notes).toMatch(/mean of every 1000 steps/);
  });
});

describe('found by the fuzzer', () => {
  it('an axis named hasOwnProperty is an axis, not a TypeError', () => {
    const s = validateSweep({ kind: 'estimate', base: {}, axes: { hasOwnProperty: ['x', 0] } });
    expect(expandSweep(s).map((r) => r.config.hasOwnProperty)).toEqual(['x', 0]);
  });
  it('a YAML .nan in a sweep is refused by name (a run hash needs JSON)', () => {
    const d = mkdtempSync(join(tmpdir(), 'ws-rel-'));
    writeFileSync(join(d, 's.yaml'), 'kind: estimate\nbase: {model: gpt3-xl}\naxes:\n  merge:\n    - {gpu: a100, devices: .nan}\n');
    expect(err(() => loadSweepFile(join(d, 's.yaml'))).message).toMatch(/^axes\.merge\[0\]\.devices: expected a finite number/);
  });
});

describe('sweep files: expandSweep never pollutes (item 4)', () => {
  it('a sound sweep still expands', () => {
    expect(expandSweep(validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [1, 2] } })).length).toBe(2);
    expect(typeof loadSweepFile).toBe('function');
  });
});

describe('report inputs (item 12)', () => {
  it('a heatmap with negative rows is not a heatmap (was a RangeError)', async () => {
    const { readInput } = await import('../../src/report/inputs.js');
    const d = mkdtempSync(join(tmpdir(), 'ws-rel-'));
    writeFileSync(join(d, 'h.json'), JSON.stringify({ rows: -1, cols: -1, values: [1] }));
    const e = err(() => readInput(join(d, 'h.json')));
    expect(e.name).toBe('ReportInputError');
    expect(e.message).toMatch(/h\.json: not a sweep result file, trace/);
  });
});
