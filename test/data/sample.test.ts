// The token sampler against fixed fake models: greedy = argmax, context cropped to contextLength, seeded
// draws reproducible and distributed as softmax(logits / temperature) (a chi-square bound), top-k limits
// the support, bad options refused by name.
import { describe, expect, test } from 'vitest';
import { sampleTokens } from '../../src/data/index.js';

const V = 5;
/** A fake model: the next token is (last + 1) mod V, with logit 3 against 0 for the others. */
const counting = (ctx: Int32Array) => {
  const l = new Float32Array(V);
  l[(ctx[ctx.length - 1] + 1) % V] = 3;
  return l;
};
/** A fake model ignoring the context: logits log p for p = 0.5, 0.3, 0.15, 0.05. */
const P = [0.5, 0.3, 0.15, 0.05];
const fixed = () => Float32Array.from(P, Math.log);

/** Pearson's chi-square of observed counts against probabilities p. */
function chi2(counts: number[], p: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * p[i]) ** 2 / (n * p[i]), 0);
}
function histogram(tokens: Int32Array, from: number, k: number): number[] {
  const c = new Array(k).fill(0);
  for (const t of tokens.subarray(from)) c[t]++;
  return c;
}

describe('sampleTokens', () => {
  test('greedy (temperature 0) follows the argmax; the result is the prompt followed by the new tokens', () => {
    const out = sampleTokens(counting, Int32Array.from([2]), { maxNewTokens: 7, temperature: 0, contextLength: 4 });
    expect([...out]).toEqual([2, 3, 4, 0, 1, 2, 3, 4]);
    const tie = () => Float32Array.from([1, 5, 5, 0]);
    expect([...sampleTokens(tie, Int32Array.from([0]), { maxNewTokens: 2, temperature: 0, contextLength: 4 })]).toEqual([0, 1, 1]);
  });

  test('the model sees the last contextLength tokens only', () => {
    const seen: number[][] = [];
    const rec = (ctx: Int32Array) => {
      seen.push([...ctx]);
      return counting(ctx);
    };
    sampleTokens(rec, Int32Array.from([0, 1, 2, 3, 4, 0]), { maxNewTokens: 3, temperature: 0, contextLength: 4 });
    expect(seen).toEqual([[2, 3, 4, 0], [3, 4, 0, 1], [4, 0, 1, 2]]);
    const short: number[] = [];
    sampleTokens((c) => (short.push(c.length), counting(c)), Int32Array.from([1]), { maxNewTokens: 4, temperature: 0, contextLength: 3 });
    expect(short).toEqual([1, 2, 3, 3]);
  });

  test('seeded: the same seed gives the same tokens, another seed other tokens', () => {
    const a = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 200, seed: 7, contextLength: 8 });
    const b = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 200, seed: 7, contextLength: 8 });
    const c = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 200, seed: 8, contextLength: 8 });
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  // 3 degrees of freedom: P(chi2 > 16.27) = 0.001; the seeds are fixed, so this is deterministic.
  test('temperature 1 draws from softmax(logits) = p', () => {
    const out = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 20000, seed: 1, contextLength: 1 });
    expect(chi2(histogram(out, 1, 4), P)).toBeLessThan(16.27);
  });

  test('temperature 2 draws from p^(1/2), normalised', () => {
    const q = P.map(Math.sqrt);
    const z = q.reduce((a, b) => a + b, 0);
    const out = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 20000, temperature: 2, seed: 2, contextLength: 1 });
    const counts = histogram(out, 1, 4);
    expect(chi2(counts, q.map((x) => x / z))).toBeLessThan(16.27);
    expect(chi2(counts, P)).toBeGreaterThan(100); // and not from p itself
  });

  test('top-k 2 samples among the two largest logits only, renormalised; top-k 1 is greedy', () => {
    const out = sampleTokens(fixed, Int32Array.from([0]), { maxNewTokens: 20000, topK: 2, seed: 3, contextLength: 1 });
    const counts = histogram(out, 1, 4);
    expect(counts[2] + counts[3]).toBe(0);
    expect(chi2(counts.slice(0, 2), [0.5 / 0.8, 0.3 / 0.8])).toBeLessThan(10.83); // 1 d.o.f., p = 0.001
    const one = sampleTokens(fixed, Int32Array.from([3]), { maxNewTokens: 50, topK: 1, seed: 4, contextLength: 1 });
    expect(new Set(one.subarray(1))).toEqual(new Set([0]));
  });

  test('bad options and bad models are refused by name', () => {
    const o = { maxNewTokens: 2, contextLength: 4 };
    expect(() => sampleTokens(fixed, new Int32Array(0), o)).toThrow(/^prompt.length: expected at least one token to start from, got 0$/);
    expect(() => sampleTokens(fixed, Int32Array.from([0]), { ...o, temperature: -1 })).toThrow(/^temperature: expected a finite number >= 0, got -1$/);
    expect(() => sampleTokens(fixed, Int32Array.from([0]), { ...o, topK: 0 })).toThrow(/^topK: expected an integer >= 1, got 0$/);
    expect(() => sampleTokens(fixed, Int32Array.from([0]), { ...o, contextLength: 0 })).toThrow(/^contextLength: expected an integer >= 1, got 0$/);
    let calls = 0;
    const shrinking = () => new Float32Array(5 - calls++);
    expect(() => sampleTokens(shrinking, Int32Array.from([0]), o)).toThrow(/^logits.length: expected V = 5 as on the first call, got 4$/);
    expect(() => sampleTokens(() => Float32Array.from([0, NaN]), Int32Array.from([0]), o)).toThrow(/^logits\[1\]: expected a number \(not NaN\), got NaN$/);
  });
});
