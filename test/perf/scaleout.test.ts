// Scale-out costs (issue 15): 16 systems are less than 16x. Compared with the one published figure:
// 15.3x on 16 CS-3 for a 1 T-parameter model (Cerebras and Sandia, NeurIPS 2024 press release; press
// figure: the model's shape and batch were not published, the Megatron 1 T preset stands in). The
// jitter default is derived from a CS-3 log, not fitted to 15.3 (specs/hardware/swarmx.json).
import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/perf/estimate.js';
import { preset } from '../../src/perf/models.js';
import { scaleOut } from '../../src/perf/scaleout.js';
import { defaultSpecs } from '../../src/perf/specs.js';
import { swarmxTree } from '../../src/perf/swarmx.js';
import { withSystem } from '../../src/perf/system.js';

const PUBLISHED_16 = 15.3;

describe('scale-out', () => {
  const specs = withSystem(defaultSpecs(), 'cs3');
  it('one system pays nothing; N systems pay 1 + sigma sqrt(2 ln N) on the step', () => {
    expect(scaleOut(specs, 1, swarmxTree(1, 4, 2))).toEqual({ jitterFactor: 1, barrierSeconds: 0 });
    const s = scaleOut(specs, 16, swarmxTree(16, 4, 2));
    expect(s.jitterFactor).toBeCloseTo(1 + specs.swarmx.v.stepJitterFraction * Math.sqrt(2 * Math.log(16)), 12);
  });

  it('1 T model on 16 CS-3 vs 1 (weak scaling, the same batch per system): within 3 % of the published 15.3x', () => {
    const m = preset('gpt-1t');
    const per = 192 * 2048; // sequences per system (the preset's 3072-sequence batch over 16)
    const one = estimate(m, { systems: 1, batchTokens: per }, specs);
    const sixteen = estimate(m, { systems: 16, batchTokens: 16 * per }, specs);
    const speedup = (sixteen.tokensPerSecond / one.tokensPerSecond);
    expect(speedup).toBeLessThan(16);
    expect(Math.abs(speedup / PUBLISHED_16 - 1)).toBeLessThan(0.03);
  });
});

describe('idle systems', () => {
  it('do not join the straggler wait: with fewer sequences than systems, more systems never cost time', () => {
    // 100 sequences a step: past 100 systems the rest idle. The jitter was taken over all N: 192 systems took 0.48 % longer than 100
    const days = [100, 128, 192].map((systems) => estimate(preset('gpt3-xl'), { systems, batchTokens: 100 * 2048, trainTokens: 1e9 }).trainDays);
    expect(days[1]).toBe(days[0]);
    expect(days[2]).toBe(days[0]);
    const e = estimate(preset('gpt3-xl'), { systems: 192, batchTokens: 100 * 2048, trainTokens: 1e9 });
    expect(e.assumptions.some((a) => a.startsWith('scale-out: 100 busy systems (of 192) wait each step for the slowest'))).toBe(true);
  });
});
