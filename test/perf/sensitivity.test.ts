// `estimate --sensitivity` (issue 15): each hardware figure x0.5 and x2, the step's move, largest swing
// first, the binding resource named in each case; the JSON shape the tornado chart reads.
import { describe, expect, it } from 'vitest';
import { formatSensitivity, runSensitivity } from '../../src/perf/sensitivity.js';

describe('sensitivity', () => {
  it('GPT-3 175B on 192 CS-2 at peak (stream-bound): the links swing it, compute efficiency does not lead', () => {
    const s = runSensitivity({ model: 'gpt3-175b', systems: 192, efficiency: 1 });
    expect(Object.keys(s)).toEqual(['baseline', 'rows', 'notVaried']);
    // a figure whose spec value is 0 is named under the table with why, not dropped without a word
    expect(s.rows.map((r) => r.figure)).not.toContain('hostStepOverheadMs');
    expect(s.notVaried).toEqual([{ figure: 'hostStepOverheadMs', spec: 'swarmx', why: expect.stringMatching(/^its value is 0 in the spec/) }]);
    expect(formatSensitivity(s)).toMatch(/\nnot varied:\n  hostStepOverheadMs \(swarmx\): its value is 0 in the spec, and x0\.5 and x2 leave it 0/);
    expect(s.baseline.bound).toMatch(/^weight stream: /);
    for (const r of s.rows) {
      expect(Object.keys(r)).toEqual(['figure', 'spec', 'low', 'high']);
      expect(r.low.factor).toBe(0.5);
      expect(r.high.factor).toBe(2);
      expect(typeof r.low.bound).toBe('string');
    }
    // halving the MemoryX stream halves the link: it becomes the one binding resource, named
    const mx = s.rows.find((r) => r.figure === 'streamGBps' && r.spec === 'memoryx')!;
    expect(mx.low.bound).toBe('weight stream: MemoryX stream at 75 GB/s');
    expect(mx.low.stepSeconds!).toBeGreaterThan(s.baseline.stepSeconds);
    // doubling only MemoryX does not help: the system's I/O and the lanes still bind at 150 GB/s
    expect(mx.high.stepSeconds).toBeCloseTo(s.baseline.stepSeconds, 9);
    expect(mx.high.bound).toMatch(/CS-2 I\/O = SwarmX lanes/);
    // largest swing first
    const swing = (r: (typeof s.rows)[number]) => Math.max(Math.abs(r.low.stepSeconds! - s.baseline.stepSeconds), Math.abs(r.high.stepSeconds! - s.baseline.stepSeconds));
    for (let i = 1; i < s.rows.length; i++) expect(swing(s.rows[i - 1])).toBeGreaterThanOrEqual(swing(s.rows[i]));
  });

  it('a compute-bound case (GPT-3 XL on 1 CS-3) is led by the peak and the efficiency', () => {
    const s = runSensitivity({ model: 'gpt3-xl', systems: 1, system: 'cs3' });
    expect(s.baseline.bound).toBe('compute (CS-3 wafer)');
    expect(['peakPFLOPs', 'computeEfficiency']).toContain(s.rows[0].figure);
    expect(s.rows.find((r) => r.figure === 'peakPFLOPs')!.low.stepSeconds! / s.baseline.stepSeconds).toBeGreaterThan(1.5);
  });

  it('refuses --gpu by name', () => {
    expect(() => runSensitivity({ model: 'gpt3-xl', gpu: 'h100' })).toThrow(/gpu: expected no --gpu with --sensitivity/);
  });
});
