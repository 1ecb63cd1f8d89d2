// safetensors: round trips, the exact byte layout, files written by Python read here and ours read by
// Python (Debian python3 + numpy, scripts/safetensors_min.py), state-dict weights, clear errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors, type Tensor } from '../../src/io/safetensors.js';
import { loadWeights, saveWeights, weightsToTensors } from '../../src/model/weights-file.js';
import { compileModel, initParams } from '../../src/model/index.js';
import { rootPath } from '../../src/paths.js';
import { outside, pythonPath } from '../helpers/outside.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-io-'));
const PY = pythonPath();
const hasNumpy = outside(['numpy'], 'safetensors read by Python (test/io/safetensors.test.ts)');

const sample = (): Record<string, Tensor> => ({
  w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2.5, 3, 4e-7, 5, -0]) },
  n: { dtype: 'I32', shape: [4], data: new Int32Array([0, -1, 2147483647, 7]) },
  l: { dtype: 'I64', shape: [2], data: new BigInt64Array([-3n, 9007199254740993n]) },
  e: { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
});

describe('format', () => {
  test('round trip of F32, I32, I64 (and an empty tensor) with metadata', () => {
    const f = join(dir, 'a.safetensors');
    writeSafetensors(f, sample(), { who: 'test' });
    const { tensors, metadata } = readSafetensors(f);
    expect(metadata).toEqual({ who: 'test' });
    for (const [k, v] of Object.entries(sample())) {
      const t = tensors.get(k)!;
      expect(t.dtype).toBe(v.dtype);
      expect(t.shape).toEqual(v.shape);
      expect(t.data).toEqual(v.data);
    }
  });

  test('byte layout: u64 LE header length, JSON header padded to 8 bytes, offsets into the data', () => {
    const bytes = serializeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) } });
    const h = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(h % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)));
    expect(header).toEqual({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(new Float32Array(bytes.slice(8 + h).buffer)).toEqual(new Float32Array([1.5, -2]));
  });

  test('the write is atomic: no temp file is left behind', () => {
    const d = mkdtempSync(join(tmpdir(), 'ws-io-atomic-'));
    writeSafetensors(join(d, 'x.safetensors'), sample());
    writeSafetensors(join(d, 'x.safetensors'), sample());
    expect(readdirSync(d)).toEqual(['x.safetensors']);
  });

  test('bad files are refused with the file, the field and the value', () => {
    const good = serializeSafetensors(sample());
    expect(() => parseSafetensors(good.subarray(0, 5), 'f')).toThrow('f: expected a safetensors file (at least an 8-byte header length), got "5 bytes"');
    expect(() => parseSafetensors(good.subarray(0, 40), 'f')).toThrow(/f: header length: expected at most 32 .*truncated/);
    expect(() => parseSafetensors(good.subarray(0, good.length - 4), 'f')).toThrow(/f: [wnle].data_offsets: expected \[begin, end\] within the/);
    const badType = serializeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    const text = new TextDecoder().decode(badType).replace('"F32"', '"F16"');
    expect(() => parseSafetensors(new TextEncoder().encode(text), 'f')).toThrow('f: x.dtype: expected F32, I32 or I64, got "F16"');
    const badJson = new Uint8Array(16);
    new DataView(badJson.buffer).setBigUint64(0, 8n, true);
    badJson.set(new TextEncoder().encode('{"x": 1'), 8);
    expect(() => parseSafetensors(badJson, 'f')).toThrow(/f: header: expected JSON/);
    expect(() => readSafetensors(join(dir, 'missing.safetensors'))).toThrow(/file: expected a readable safetensors file \(ENOENT\)/);
  });

  test('data bytes that belong to no tensor are refused, trailing or between tensors (as Hugging Face\'s reader does)', () => {
    const one = serializeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const trailing = new Uint8Array(one.length + 100);
    trailing.set(one);
    expect(() => parseSafetensors(trailing, 'f')).toThrow('f: data: expected every data byte to belong to a tensor (these, after the last tensor, belong to none), got "bytes [8, 108)"');
    // two tensors with 8 bytes between them: the header says so and the file is as long as it claims
    const h = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [12, 16] } }).padEnd(88, ' ');
    const gap = new Uint8Array(8 + h.length + 16);
    new DataView(gap.buffer).setBigUint64(0, BigInt(h.length), true);
    gap.set(new TextEncoder().encode(h), 8);
    expect(() => parseSafetensors(gap, 'f')).toThrow('f: data: expected every data byte to belong to a tensor (these belong to none), got "bytes [4, 12)"');
    expect(parseSafetensors(one, 'f').tensors.get('x')!.data).toEqual(new Float32Array([1, 2]));
  });
});

describe('exchange with Python (numpy reader/writer of scripts/safetensors_min.py)', () => {
  test('a file written by Python is read here: data/digits.safetensors', () => {
    const { tensors, metadata } = readSafetensors(rootPath('data', 'digits.safetensors'));
    expect(tensors.get('x')!.shape).toEqual([1438, 64]);
    expect(tensors.get('y')!.dtype).toBe('I64');
    expect(metadata.classes).toBe('10');
  });

  test.skipIf(!hasNumpy)('a file written here is read by Python with the same values', () => {
    const f = join(dir, 'py.safetensors');
    writeSafetensors(f, sample());
    const script = `import sys; sys.path.insert(0, ${JSON.stringify(rootPath('scripts'))})
import safetensors_min, json
t, m = safetensors_min.load(${JSON.stringify(f)})
print(json.dumps({k: [str(v.dtype), list(v.shape), [repr(x) for x in v.flatten().tolist()]] for k, v in t.items()}))`;
    const out = JSON.parse(execFileSync(PY, ['-c', script], { encoding: 'utf8' }));
    expect(out.w).toEqual(['float32', [2, 3], ['1.0', '-2.5', '3.0', repr(4e-7), '5.0', '-0.0']]);
    expect(out.n).toEqual(['int32', [4], ['0', '-1', '2147483647', '7']]);
    expect(out.l).toEqual(['int64', [2], ['-3', '9007199254740993']]);
    expect(out.e).toEqual(['float32', [0, 5], []]);
  });
});

/** Python's repr of the float32 value of x widened to a double. */
function repr(x: number): string {
  const v = Math.fround(x);
  return String(v).replace(/e-(\d)$/, 'e-0$1');
}

describe('weights by state-dict name', () => {
  const spec = { input: 5, layers: [{ type: 'linear', out: 4, sparsity: 0.5 }, { type: 'relu' }, { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 4 }] }, { type: 'linear', out: 3 }] };
  const plan = compileModel(spec);

  test('save then load gives the same master blocks, bit for bit; tensors are in PyTorch layout', () => {
    const f = join(dir, 'w.safetensors');
    const P = initParams(plan, 9);
    saveWeights(f, plan, P);
    expect(loadWeights(f, plan)).toEqual(P);
    const { tensors, metadata } = readSafetensors(f);
    expect([...tensors.keys()]).toEqual(['0.weight', '0.bias', '2.inner.0.weight', '2.inner.0.bias', '2.inner.1.weight', '2.inner.1.bias', '3.weight', '3.bias']);
    expect(tensors.get('0.weight')!.shape).toEqual([4, 5]);
    expect(metadata.format).toBe('pt');
    const w0 = tensors.get('0.weight')!.data as Float32Array;
    expect(w0.filter((v) => v === 0).length).toBe(10); // 50 % of 20 masked
  });

  test('masked positions in a loaded file are not read: the mask decides', () => {
    const P = initParams(plan, 9);
    const t = weightsToTensors(plan, P);
    const w0 = t.get('0.weight')!.data as Float32Array;
    for (let i = 0; i < w0.length; i++) if (w0[i] === 0) w0[i] = 123;
    const f = join(dir, 'w2.safetensors');
    writeSafetensors(f, t);
    expect(loadWeights(f, plan)).toEqual(P);
  });

  test('missing, extra, mis-shaped and mis-typed tensors are refused by name', () => {
    const base = () => weightsToTensors(plan, initParams(plan, 1));
    const f = join(dir, 'bad.safetensors');
    const t1 = base();
    t1.delete('2.inner.1.bias');
    writeSafetensors(f, t1);
    expect(() => loadWeights(f, plan)).toThrow(`${f}: 2.inner.1.bias: expected an F32 tensor of shape [4], got "(missing)"`);
    const t2 = base();
    t2.set('9.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    writeSafetensors(f, t2);
    expect(() => loadWeights(f, plan)).toThrow(`${f}: 9.weight: expected only the model's tensors`);
    const t3 = base();
    t3.set('3.weight', { dtype: 'F32', shape: [4, 3], data: new Float32Array(12) });
    writeSafetensors(f, t3);
    expect(() => loadWeights(f, plan)).toThrow(`${f}: 3.weight.shape: expected [3,4], got [4,3]`);
    const t4 = base();
    t4.set('3.bias', { dtype: 'I32', shape: [3], data: new Int32Array(3) });
    writeSafetensors(f, t4);
    expect(() => loadWeights(f, plan)).toThrow(`${f}: 3.bias.dtype: expected F32, got "I32"`);
  });

  test('a file written by the PyTorch fixture script parses', () => {
    const bytes = readFileSync(rootPath('test', 'fixtures', 'torch_mlp_sgd.safetensors'));
    const { tensors } = parseSafetensors(new Uint8Array(bytes));
    expect(tensors.get('init.0.weight')!.shape).toEqual([32, 64]);
  });
});
