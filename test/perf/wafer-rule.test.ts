// The wafer's activation rule against what the compiler fits (issue 15): LLaMA-7B, 99 sequences x 2048
// tokens, ran on one CS-2 in one pass ("No benefit from gradient accumulation expected. Compile will
// proceed at original per-box batch size 99": ALCF AI-testbed user guide, log of 2024-03-21). The rule
// of specs/hardware/cs2.json (block inputs off the wafer under recomputation) gives one pass; the
// earlier rule (every block input on the wafer) gave three.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/perf/estimate.js';
import { resolveModel } from '../../src/perf/models.js';
import { loadSpecs } from '../../src/perf/specs.js';

describe('wafer activation rule', () => {
  const llama = resolveModel('llama-7b', 'causal', 2048); // specs/hf/llama-7b.json (LLaMA 1)
  it('LLaMA-7B 99 x 2048 is one pass on one CS-2 (no gradient accumulation)', () => {
    const e = estimate(llama, { systems: 1, batchTokens: 99 * 2048, trainTokens: 1e12 });
    expect(e.microBatches).toBe(1);
    expect(e.waferBytesPerSystem).toBeLessThanOrEqual(e.waferCapacityBytes);
    expect(e.assumptions.some((a) => /block inputs kept off the wafer/.test(a))).toBe(true);
  });

  it('the earlier rule (block inputs on the wafer) would have split it into three passes', () => {
    const old = loadSpecs([join('test', 'fixtures', 'specs', 'checkpoints-on-wafer.json')]);
    expect(estimate(llama, { systems: 1, batchTokens: 99 * 2048, trainTokens: 1e12 }, old).microBatches).toBe(3);
  });

  it('the rule is not unbounded: a batch whose one block does not fit the wafer still takes more passes', () => {
    const e = estimate(llama, { systems: 1, batchTokens: 1024 * 2048, trainTokens: 1e12 });
    expect(e.microBatches).toBeGreaterThan(1);
    expect(e.microBatches).toBe(Math.ceil((1024 * 2048) / e.waferTokensFit.recompute));
  });
});
