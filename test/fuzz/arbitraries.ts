// Generators of malformed inputs for the fuzzing harness (fast-check): each starts from a sound seed of
// its kind (model JSON, sweep file, hardware spec, HF config, safetensors header, checkpoint) and applies
// a few mutations: a field set to a hostile value, removed, or added (prototype keys included).
import fc from 'fast-check';

/** Values that break careless code: wrong types, NaN/Infinity, huge and negative numbers, prototype names, deep nesting. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, '', 'abc', '1e9', '__proto__', 'constructor', 'toString', '../../../../etc/passwd', -1, 0, 0.5, 1, 2, 1e9, 1e300, -1e300, 2 ** 31 - 1, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE),
  fc.constantFrom(NaN, Infinity, -Infinity),
  fc.integer({ min: -10, max: 5000 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 60, max: 4000 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
  }),
  fc.array(fc.constantFrom(0, 1, -1, 'x', null), { maxLength: 6 }),
);

const keys = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'layers', 'type', 'out', 'value', 'systems'), fc.string({ minLength: 1, maxLength: 8 }));

/** One mutation: at the `at`-th node of the value (in a walk), set, delete or add a field. */
interface Mutation {
  at: number;
  op: 'set' | 'delete' | 'add' | 'replace-root';
  key: string;
  value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat({ max: 200 }),
  op: fc.constantFrom('set', 'set', 'set', 'delete', 'add', 'replace-root'),
  key: keys,
  value: hostile,
});

/** The object and array nodes of a value, in a fixed walk order. */
function nodes(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): Array<Record<string, unknown> | unknown[]> {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return out;
  out.push(v as Record<string, unknown>);
  for (const x of Object.values(v)) nodes(x, out);
  return out;
}

/** Applies mutations to a deep copy of `seed` (keys are set as own properties, as JSON.parse would). */
export function applyMutations(seed: unknown, ms: Mutation[]): unknown {
  let root: unknown = structuredClone(seed);
  for (const m of ms) {
    if (m.op === 'replace-root') {
      if (m.at % 8 === 0) root = m.value; // rarely: the whole document is something else
      continue;
    }
    const all = nodes(root);
    if (all.length === 0) continue;
    const n = all[m.at % all.length];
    if (Array.isArray(n)) {
      const i = n.length ? m.at % n.length : 0;
      if (m.op === 'delete') n.splice(i, 1);
      else if (m.op === 'add') n.push(m.value);
      else n[i] = m.value;
      continue;
    }
    const existing = Object.keys(n);
    const key = m.op === 'add' || existing.length === 0 ? m.key : existing[m.at % existing.length];
    if (m.op === 'delete') delete n[key];
    else Object.defineProperty(n, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

/** Malformed variants of `seed`: 1 to 3 mutations. */
export const malformed = (seed: unknown): fc.Arbitrary<unknown> => fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => applyMutations(seed, ms));

// ---- sound seeds, one per kind -------------------------------------------------------------------

export const MODEL_SEED = {
  name: 'm',
  input: 8,
  layers: [{ type: 'linear', out: 16, sparsity: 0.5 }, { type: 'relu' }, { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 16 }] }, { type: 'linear', out: 3 }],
};
export const HF_SEED = { n_layer: 2, n_embd: 64, n_head: 4, n_positions: 128, vocab_size: 1000, n_inner: null, tie_word_embeddings: true };
export const GPT_SEED = {
  kind: 'gpt',
  name: 'tiny',
  figures: Object.fromEntries(
    Object.entries({ nLayer: 2, dModel: 64, nHead: 4, dFF: 256, contextTokens: 128, vocab: 1000, tiedEmbedding: true, batchTokens: 4096, trainTokens: 1e6 }).map(([k, v]) => [k, { value: v, source: 'fuzz' }]),
  ),
};
export const SWEEP_SEED = { kind: 'estimate', name: 's', base: { model: 'gpt3-small', tokens: 1e9 }, axes: { systems: [1, 2], sparsity: { from: 0, to: 0.5, step: 0.25 }, merge: [{ systems: 4 }, { gpu: 'a100', devices: 8 }] } };
export const SPEC_SEED = { base: 'memoryx', figures: { streamGBps: { value: 300, source: 'fuzz' }, updateGBps: { value: 900, source: 'fuzz', uncertain: true } } };
export const CHECKPOINT_SEED = {
  step: 3,
  memoryx: { t: 3, optimizer: { kind: 'sgd', lr: 0.1 }, layers: [{ name: 'l0', floats: 2, record: new Float32Array([1, 2, 0, 0]) }] },
  rng: { seed: 0, shuffle: false, batch: 4 },
  model: 'fp',
  extra: { loss: [1, 0.5, 0.25] },
};
export const SAFETENSORS_SEED = {
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
  b: { dtype: 'I64', shape: [2], data_offsets: [16, 32] },
};

/** Safetensors bytes from a (possibly malformed) header and a data length; sometimes a lying header length. */
export const safetensorsBytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(malformed(SAFETENSORS_SEED), fc.integer({ min: 0, max: 64 }), fc.oneof(fc.constant(0), fc.integer({ min: -16, max: 16 }), fc.constantFrom(2 ** 40, 2 ** 63)))
  .map(([header, dataBytes, lie]) => {
    let json = '';
    try {
      json = JSON.stringify(header) ?? 'null';
    } catch {
      json = '{}';
    }
    json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
    const hb = Buffer.from(json, 'utf8');
    const out = new Uint8Array(8 + hb.length + dataBytes);
    const len = BigInt(Math.max(0, Math.min(2 ** 63, hb.length + (lie ?? 0))));
    new DataView(out.buffer).setBigUint64(0, len > 2n ** 64n - 1n ? 2n ** 64n - 1n : len, true);
    out.set(hb, 8);
    return out;
  });

/** The marker a file that is not what it claims carries: no error message may contain it (issue 17 item 12). */
export const SECRET_MARK = 'S3CRET';

/**
 * The bytes of a file of the wrong kind, carrying SECRET_MARK: a password-file line, binary with the mark
 * inside, a JSON string / number list / deep array holding it, a YAML scalar or list; never a mapping at the
 * top (a mapping claims to be a configuration, whose fields an error may name).
 */
export const foreignFile: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.nat({ max: 9999 })).map(([u, id]) => Buffer.from(`${u}:x:${id}:${id}:${SECRET_MARK}:/home/${u}:/bin/sh\n`)),
  fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.nat({ max: 200 })).map(([b, at]) => {
    const i = Math.min(at, b.length);
    return Buffer.concat([Buffer.from(b.subarray(0, i)), Buffer.from(SECRET_MARK), Buffer.from(b.subarray(i))]);
  }),
  fc.constantFrom(`"${SECRET_MARK}"`, `["${SECRET_MARK}", 1, null]`, `[[["${SECRET_MARK}"]]]`, `- ${SECRET_MARK}\n- 2\n`, `${SECRET_MARK}\n`, `# ${SECRET_MARK}\n42\n`).map((t) => Buffer.from(t)),
  fc.integer({ min: 100, max: 5000 }).map((n) => Buffer.from('['.repeat(n) + `"${SECRET_MARK}"` + ']'.repeat(n))),
);
