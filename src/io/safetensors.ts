// safetensors files (https://huggingface.co/docs/safetensors): read and write F32, I32 and I64 tensors,
// and load/save a plan's weights by PyTorch state-dict name, so weights move between weightstream and
// PyTorch in both directions.
//
// Format: 8 bytes little-endian u64 = header length H; H bytes of JSON
//   { "<name>": { "dtype": "F32", "shape": [out, in], "data_offsets": [begin, end] }, ..., "__metadata__": {str: str} }
// (padded with spaces to a multiple of 8); then the data, offsets relative to its start, little-endian,
// row-major (C order). Writes are atomic: a temp file in the same directory, fsync, rename.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { checkInputFile, jsonErrorWhere } from './files.js';
import { ValidationError, requireArray, requireObject, shapeError } from '../errors.js';

export type Dtype = 'F32' | 'I32' | 'I64';
const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, I32: 4, I64: 8 };

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  /** F32 → Float32Array, I32 → Int32Array, I64 → BigInt64Array. */
  data: Float32Array | Int32Array | BigInt64Array;
}

/** Largest header we accept (bytes): a guard against reading garbage as a length. */
const MAX_HEADER_BYTES = 100 << 20;

/** Parses a safetensors file's bytes into named tensors (copies) and its metadata. */
export function parseSafetensors(buf: Uint8Array, file = 'safetensors'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  if (!(buf instanceof Uint8Array)) throw shapeError(file, buf, 'expected the bytes of a safetensors file (a Uint8Array)');
  if (buf.length < 8) throw new ValidationError(file, `${buf.length} bytes`, 'expected a safetensors file (at least an 8-byte header length)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h = Number(dv.getBigUint64(0, true));
  if (h > MAX_HEADER_BYTES || 8 + h > buf.length) {
    // the "length" is the file's first 8 bytes: past the file it is not a length, and printing it would echo them
    throw new ValidationError(`${file}: header length`, 'more than the file holds', `expected at most ${Math.min(MAX_HEADER_BYTES, buf.length - 8)} (file of ${buf.length} bytes; truncated or not safetensors?)`);
  }
  let header: Record<string, unknown>;
  const text = new TextDecoder().decode(buf.subarray(8, 8 + h));
  try {
    header = JSON.parse(text);
  } catch (e) {
    // where, never the parser's own text: it quotes the bytes
    throw new ValidationError(`${file}: header`, '(unparsable)', `expected JSON (a syntax error${jsonErrorWhere(text, e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw shapeError(`${file}: header`, header, 'expected a JSON object');
  const dataStart = 8 + h;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, Tensor>();
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const at = `${file}: ${name}`;
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new ValidationError(at, e, 'expected {dtype, shape, data_offsets}');
    if (e.dtype !== 'F32' && e.dtype !== 'I32' && e.dtype !== 'I64') throw new ValidationError(`${at}.dtype`, e.dtype, 'expected F32, I32 or I64');
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ValidationError(`${at}.shape`, shape, 'expected an array of non-negative integers');
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0) || off[0] > off[1] || off[1] > dataLen) {
      throw new ValidationError(`${at}.data_offsets`, off, `expected [begin, end] within the ${dataLen} data bytes`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const bytes = count * DTYPE_BYTES[e.dtype];
    if (off[1] - off[0] !== bytes) throw new ValidationError(`${at}.data_offsets`, off, `expected ${bytes} bytes for ${e.dtype} [${shape}]`);
    if (off[0] % DTYPE_BYTES[e.dtype] !== 0) throw new ValidationError(`${at}.data_offsets`, off, `expected a begin aligned to ${DTYPE_BYTES[e.dtype]} bytes (${e.dtype})`);
    spans.push({ name, begin: off[0], end: off[1] });
    const raw = buf.slice(dataStart + off[0], dataStart + off[1]); // copy: aligned, owned
    const data = e.dtype === 'F32' ? new Float32Array(raw.buffer) : e.dtype === 'I32' ? new Int32Array(raw.buffer) : new BigInt64Array(raw.buffer);
    tensors.set(name, { dtype: e.dtype, shape: shape as number[], data });
  }
  checkNoOverlap(spans, file);
  checkCovered(spans, dataLen, file);
  return { tensors, metadata };
}

/**
 * Refuses data bytes that belong to no tensor, between tensors or after the last (as Hugging Face's
 * safetensors does: its writer packs the tensors one after another from the start of the data).
 */
function checkCovered(spans: Array<{ begin: number; end: number }>, dataLen: number, file: string): void {
  let at = 0;
  for (const s of spans.filter((x) => x.end > x.begin).sort((a, b) => a.begin - b.begin)) {
    if (s.begin !== at) throw new ValidationError(`${file}: data`, `bytes [${at}, ${s.begin})`, 'expected every data byte to belong to a tensor (these belong to none)');
    at = s.end;
  }
  if (at !== dataLen) throw new ValidationError(`${file}: data`, `bytes [${at}, ${dataLen})`, 'expected every data byte to belong to a tensor (these, after the last tensor, belong to none)');
}

/** Refuses tensors whose byte ranges overlap (two names reading the same bytes). */
function checkNoOverlap(spans: Array<{ name: string; begin: number; end: number }>, file: string): void {
  const sorted = spans.filter((s) => s.end > s.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (b.begin < a.end) throw new ValidationError(`${file}: ${b.name}.data_offsets`, [b.begin, b.end], `expected bytes not shared with ${a.name} [${a.begin}, ${a.end}]`);
  }
}

/** Refuses a tensor `allowed` does not name (a misspelt `x_tst` or `tokens_val` was ignored, and the run had no test split). */
export function onlyTensors(tensors: Map<string, Tensor>, allowed: readonly string[], file: string, what: string): void {
  for (const name of tensors.keys()) {
    if (!allowed.includes(name)) throw new ValidationError(`${file}: ${name}`, '(present)', `expected only the tensors of ${what} (${allowed.join(', ')})`);
  }
}

/** Reads a safetensors file. */
export function readSafetensors(path: string, label = 'file'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    checkInputFile(path, 'safetensors', label);
    buf = readFileSync(path);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(label, path, `expected a readable safetensors file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** Serialises named tensors (in the given order) and string metadata to safetensors bytes. */
export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!(tensors instanceof Map)) requireObject('tensors', tensors);
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let at = 0;
  for (const [name, t] of entries) {
    requireArray(`tensors.${name}.shape`, requireObject(`tensors.${name}`, t).shape);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new ValidationError(`${name}.data.length`, t.data.length, `expected ${count} for shape [${t.shape}]`);
    const bytes = count * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const [, t] of entries) {
    const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(b, p);
    p += b.length;
  }
  return out;
}


/** Writes named tensors to a safetensors file atomically. */
export function writeSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** A tensor's values as plain numbers (I64 converted; an I64 beyond 2^53 is an error). */
export function tensorToNumbers(t: Tensor, what = 'tensor'): Float64Array | Float32Array | Int32Array {
  requireObject(what, t);
  if (t.dtype !== 'I64') return t.data as Float32Array | Int32Array;
  const d = t.data as BigInt64Array;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new ValidationError(`${what}[${i}]`, v, 'expected an integer within ±2^53');
    out[i] = Number(v);
  }
  return out;
}
