// Multi-phase runs (src/perf/phases.ts): each phase is the estimate of its own configuration, the total
// is their sum; run files are checked field by field; the CLI prints per phase and in total.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapacityError, ValidationError } from '../../src/errors.js';
import type { Estimate } from '../../src/perf/estimate.js';
import { MAX_PHASES, estimatePhases, parseRunFile } from '../../src/perf/phases.js';
import { runEstimate } from '../../src/perf/run.js';
import { rootPath } from '../../src/paths.js';

const run = { phases: [{ tokens: 1e9, systems: 1, seqLen: 2048, batchSeqs: 64 }, { name: 'long', tokens: 5e8, systems: 4, seqLen: 4096, batchSeqs: 32, passes: 2 }] };

describe('multi-phase runs', () => {
  it('each phase equals its own estimate; the total adds tokens, steps, seconds and energy', () => {
    const p = estimatePhases({ model: 'llama-2-7b' }, parseRunFile(run, 'run.json'));
    const a = runEstimate({ model: 'llama-2-7b', tokens: 1e9, systems: 1, seqLen: 2048, batchSeqs: 64 }) as Estimate;
    const b = runEstimate({ model: 'llama-2-7b', tokens: 5e8, systems: 4, seqLen: 4096, batchSeqs: 32, passes: 2 }) as Estimate;
    expect(p.phases.map((x) => x.name)).toEqual(['phase 1', 'long']);
    expect(p.phases[0].estimate.trainSeconds).toBe(a.trainSeconds);
    expect(p.phases[1].estimate.stepSeconds).toBe(b.stepSeconds);
    expect(p.phases[1].estimate.passesSource).toBe('set');
    expect(p.total.trainTokens).toBe(1.5e9);
    expect(p.total.trainSeconds).toBe(a.trainSeconds + b.trainSeconds);
    expect(p.total.steps).toBe(a.steps + b.steps);
    expect(p.total.energyKWh).toBeCloseTo(a.energyKWh + b.energyKWh, 9);
    expect(p.total.tokensPerSecond).toBeCloseTo(1.5e9 / (a.trainSeconds + b.trainSeconds), 6);
  });

  it('the base configuration fills what a phase leaves out; a phase overrides it', () => {
    const p = estimatePhases({ model: 'gpt3-xl', systems: 8, batchSeqs: 512 }, parseRunFile({ phases: [{ tokens: 1e9 }, { tokens: 1e9, systems: 16 }] }, 'r'));
    expect(p.phases.map((x) => [x.estimate.systems, x.estimate.batchSeqs])).toEqual([[8, 512], [16, 512]]);
  });

  it('run files are checked by name', () => {
    expect(() => parseRunFile({ phases: [] }, 'r.json')).toThrow(/r\.json: phases: expected a non-empty list/);
    expect(() => parseRunFile({ phases: [{ tokens: 1e9, seqlen: 2048 }] }, 'r.json')).toThrow(/r\.json: phases\[0\]\.seqlen: unknown field/);
    expect(() => parseRunFile({ phases: [{ tokens: 0 }] }, 'r.json')).toThrow(/phases\[0\]\.tokens/);
    expect(() => parseRunFile({ phases: [{ tokens: 1, batchSeqs: 2, batchTokens: 4096 }] }, 'r.json')).toThrow(/phases\[0\]\.batchSeqs: expected either batchSeqs or batchTokens/);
    expect(() => parseRunFile({ phases: [{ tokens: 1 }], steps: 3 }, 'r.json')).toThrow(/r\.json: steps: unknown field/);
    const many = Array.from({ length: MAX_PHASES + 1 }, () => ({ tokens: 1e9 }));
    expect(() => parseRunFile({ phases: many }, 'r.json')).toThrow(`r.json: phases: expected at most ${MAX_PHASES} phases, got a list of ${MAX_PHASES + 1} items`);
    expect(parseRunFile({ phases: many.slice(1) }, 'r.json').phases).toHaveLength(MAX_PHASES);
  });

  it('a phase the estimate refuses is named, after the file (it said only "passes: ..." or "wafer SRAM: ...")', () => {
    const phases = parseRunFile({ phases: [{ tokens: 1e9, systems: 2 }, { name: 'main', tokens: 1e9, systems: 1, passes: 1 }] }, 'r.json');
    expect(() => estimatePhases({ model: 'gpt3-175b' }, phases, 'r.json')).toThrow(CapacityError);
    expect(() => estimatePhases({ model: 'gpt3-175b' }, phases, 'r.json')).toThrow(/^r\.json: phases\[1\] \(main\): wafer SRAM: --passes 1 puts /);
    const tooMany = parseRunFile({ phases: [{ tokens: 1e9, passes: 100000 }] }, 'r.json');
    expect(() => estimatePhases({ model: 'gpt3-xl', systems: 1 }, tooMany)).toThrow(/^phases\[0\]: passes: expected at most the \d+ sequences/);
    let err: unknown;
    try {
      estimatePhases({ model: 'gpt3-xl', systems: 1 }, tooMany, 'r.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect([(err as ValidationError).path, (err as ValidationError).value]).toEqual(['r.json: phases[0]: passes', 100000]);
  });

  it('CLI: the Cerebras-GPT-13B example prints both phases and the total; --json has phases and total', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
    const t = cli('estimate', '--run', rootPath('examples', 'runs', 'cerebras-gpt-13b.json'));
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^Cerebras-GPT 13B: 2 phases\n/);
    expect(t.stdout).toMatch(/batch 720 +1\.285e\+11 +16 +2048 +720 /);
    expect(t.stdout).toMatch(/batch 1080 +1\.285e\+11 +16 +2048 +1080 /);
    expect(t.stdout).toMatch(/\n  total +2\.57e\+11 /);
    const j = cli('estimate', '--run', rootPath('examples', 'runs', 'cerebras-gpt-13b.json'), '--json');
    const o = JSON.parse(j.stdout);
    expect(o.kind).toBe('phases');
    expect(o.phases).toHaveLength(2);
    expect(o.total.trainDays).toBeCloseTo(o.phases[0].estimate.trainDays + o.phases[1].estimate.trainDays, 9);
    const dir = mkdtempSync(join(tmpdir(), 'ws-run-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ phases: [{ tokens: 1e9 }] }));
    const bad = cli('estimate', '--run', join(dir, 'r.json'), '--systems', '1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--model: required \(the run file names no model\)/);
    // flags a run would ignore (it printed the same output with them)
    const run = rootPath('examples', 'runs', 'cerebras-gpt-13b.json');
    expect(cli('estimate', '--run', run, '--tokens', '5B').stderr).toBe('weightstream: error: --tokens: not with --run (each phase states its own tokens)\n');
    expect(cli('estimate', '--run', run, '--detail').stderr).toBe('weightstream: error: --detail: not with --run (a run prints its phases, not their layers)\n');
  });
});
