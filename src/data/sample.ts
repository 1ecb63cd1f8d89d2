// Autoregressive sampling from a language model given as a function from a context to the logits of the
// next token: greedy (temperature 0) or seeded sampling from softmax(logits / temperature), optionally
// restricted to the top-k logits. The model sees at most the last contextLength tokens (the context it was
// trained at: the engine's sequence length, at most n_positions).
//
// Legend: V = vocabulary; a context is [c] token ids with 1 <= c <= contextLength; logits [V].
import { ValidationError, requireInt, requireNumber, requireObject } from '../errors.js';
import { Rng } from '../ref/rng.js';

export interface SampleOptions {
  /** Tokens to generate. */
  maxNewTokens: number;
  /** 0 = greedy (argmax, the lowest id on ties). Default 1. */
  temperature?: number;
  /** Sample only among the k largest logits (ties broken by the lower id). Default: all V. */
  topK?: number;
  /** Seed of the generator (src/ref/rng.ts). Default 0. */
  seed?: number;
  /** The longest context the model reads (the sequence length it trained at: later positions were never trained, and at most n_positions): the context is cropped to its last contextLength tokens. */
  contextLength: number;
}

/** Generates maxNewTokens tokens after `prompt`; returns prompt followed by them. Same seed, same tokens. */
export function sampleTokens(logitsOf: (context: Int32Array) => Float32Array, prompt: Int32Array, opts: SampleOptions): Int32Array {
  requireObject('options', opts);
  const n = requireInt('maxNewTokens', opts.maxNewTokens, 0);
  const temperature = requireNumber('temperature', opts.temperature ?? 1, 0);
  const ctxLen = requireInt('contextLength', opts.contextLength, 1);
  const topK = opts.topK === undefined ? undefined : requireInt('topK', opts.topK, 1);
  const rng = new Rng(requireInt('seed', opts.seed ?? 0, 0, 0xffffffff));
  if (prompt.length < 1) throw new ValidationError('prompt.length', prompt.length, 'expected at least one token to start from');
  const out = new Int32Array(prompt.length + n);
  out.set(prompt);
  let V = -1;
  for (let i = prompt.length; i < out.length; i++) {
    const logits = logitsOf(out.slice(Math.max(0, i - ctxLen), i));
    if (V < 0) V = logits.length;
    if (logits.length !== V || V < 1) throw new ValidationError('logits.length', logits.length, V < 1 ? 'expected at least one logit' : `expected V = ${V} as on the first call`);
    for (let v = 0; v < V; v++) if (Number.isNaN(logits[v])) throw new ValidationError(`logits[${v}]`, logits[v], 'expected a number (not NaN)');
    out[i] = temperature === 0 ? argmax(logits) : draw(logits, temperature, topK, rng);
  }
  return out;
}

/** Index of the largest value (the first of equal ones). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** One draw from softmax(logits / temperature) over the topK largest logits (all when undefined). */
function draw(logits: Float32Array, temperature: number, topK: number | undefined, rng: Rng): number {
  const V = logits.length;
  let ids: number[] = Array.from({ length: V }, (_, i) => i);
  if (topK !== undefined && topK < V) ids = ids.sort((a, b) => logits[b] - logits[a] || a - b).slice(0, topK);
  let max = -Infinity;
  for (const i of ids) max = Math.max(max, logits[i]);
  if (max === -Infinity) throw new ValidationError('logits', '(all -Infinity)', 'expected at least one finite logit to sample from');
  const w = new Float64Array(ids.length);
  let total = 0;
  for (let j = 0; j < ids.length; j++) {
    w[j] = max === Infinity ? (logits[ids[j]] === Infinity ? 1 : 0) : Math.exp((logits[ids[j]] - max) / temperature);
    total += w[j];
  }
  const u = rng.next() * total;
  let acc = 0;
  for (let j = 0; j < ids.length; j++) {
    acc += w[j];
    if (u < acc) return ids[j];
  }
  for (let j = ids.length - 1; j >= 0; j--) if (w[j] > 0) return ids[j]; // u rounded up to total
  return ids[0];
}
