// bench/cpu-probe.ts: each CPU probed once pinned (the benches record it beside per-thread rates), or a
// clear "not probed" where taskset cannot pin a process. Checks the shape of what it returns, not speeds.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuProbeLine, probeCpus } from '../../bench/cpu-probe.js';

const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

describe('bench CPU probe', () => {
  it.skipIf(!canPin)('probes every CPU (up to the cap) with positive times, and says so in one line', () => {
    const p = probeCpus(2)!;
    const n = Math.min(2, availableParallelism());
    expect(p.cpus.map((c) => c.cpu)).toEqual(Array.from({ length: n }, (_, i) => i));
    for (const c of p.cpus) {
      expect(c.chaseMs).toBeGreaterThan(0);
      expect(c.aluMs).toBeGreaterThan(0);
      expect(Number.isFinite(c.chaseMs + c.aluMs)).toBe(true);
    }
    expect(p.chaseSpread).toBeGreaterThanOrEqual(1);
    expect(p.aluSpread).toBeGreaterThanOrEqual(1);
    const line = cpuProbeLine(p);
    expect(line.split('\n')).toHaveLength(1);
    for (const c of p.cpus) expect(line).toContain(`cpu${c.cpu} ${c.chaseMs.toFixed(0)} ms`);
  });

  it('without a probe, the line says it was not probed', () => {
    expect(cpuProbeLine(null)).toMatch(/^CPUs: not probed/);
  });
});
