// Derived figures are derived, and the binding resource is named (issue 15): SwarmX's lanes follow the
// system's I/O unless a spec states them, so doubling the I/O and MemoryX moves a stream-bound step;
// with the lanes stated, SwarmX stays the limit and the output says so.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimate } from '../../src/perf/estimate.js';
import { preset } from '../../src/perf/models.js';
import { derivedLanes, hardwareRates } from '../../src/perf/rates.js';
import { defaultSpecs, loadSpecs } from '../../src/perf/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-binding-'));
const file = (name: string, o: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(o));
  return p;
};
const doubled = [
  file('io.json', { base: 'cs2', figures: { ioGBps: { value: 300, source: 'what-if: 2x CS-2 I/O' } } }),
  file('mx.json', { base: 'memoryx', figures: { streamGBps: { value: 300, source: 'what-if: 2x MemoryX' } } }),
];
const lanes12 = file('lanes.json', { base: 'swarmx', figures: { portsPerSystem: { value: 12, source: 'stated: 12 lanes' } } });
// GPT-3 175B at 192 systems at peak efficiency: stream-bound (the case was 15.21 days whatever the I/O)
const opts = { systems: 192, efficiency: 1 } as const;

describe('SwarmX lanes and the binding resource', () => {
  it('lanes are derived from the I/O: 1.2 Tb/s / 100 Gb/s = 12, and 24 when the I/O doubles', () => {
    expect(derivedLanes(150, 100)).toBe(12);
    expect(hardwareRates(defaultSpecs(), 1)).toMatchObject({ lanes: 12, lanesDerived: true, linkGBps: 150 });
    expect(hardwareRates(loadSpecs(doubled), 1)).toMatchObject({ lanes: 24, lanesDerived: true, linkGBps: 300 });
  });

  it('doubling MemoryX and the CS-2 I/O speeds up a stream-bound GPT-3 175B, and the output names what binds', () => {
    const m = preset('gpt3-175b');
    const base = estimate(m, opts);
    expect(base.bound).toBe('stream');
    expect(base.binding).toMatch(/^weight stream: CS-2 I\/O = MemoryX stream = SwarmX lanes \(12, derived from the I\/O x 100 Gb\/s\) at 150 GB\/s$/);
    const fast = estimate(m, opts, loadSpecs(doubled));
    expect(fast.trainDays).toBeLessThan(base.trainDays * 0.8);
    expect(fast.stream.GBps).toBe(300);
  });

  it('with the lanes stated (12), SwarmX stays the limit and is named; the days do not move', () => {
    const m = preset('gpt3-175b');
    const stated = loadSpecs([lanes12]);
    const before = estimate(m, opts, stated);
    const after = estimate(m, opts, loadSpecs([lanes12, ...doubled]));
    expect(after.trainDays).toBe(before.trainDays);
    expect(after.binding).toBe('weight stream: SwarmX lanes (12 x 100 Gb/s) at 150 GB/s');
  });

  it('a compute-bound step names the wafer', () => {
    expect(estimate(preset('gpt3-xl'), { systems: 1 }).binding).toBe('compute (CS-2 wafer)');
  });
});
