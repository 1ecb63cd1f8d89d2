// The shipped example sweep files stay valid as the areas' APIs move: each parses, expands to the runs
// its comments promise, passes its kind's checks; the small fabric one runs to the end without errors.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { readResults } from '../../src/sweep/results.js';
import { runSweep, validateRuns } from '../../src/sweep/run.js';
import { expandSweep, loadSweepFile } from '../../src/sweep/spec.js';

const dir = rootPath('examples', 'sweeps');
const expected: Record<string, number> = { 'estimate-scaling.yaml': 192 * 4, 'fabric-sparsity.yaml': 5, 'model-size.yaml': 9 * 3 };

describe('examples/sweeps', () => {
  it('has the files this test knows', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s: %i runs, every configuration accepted', async (name, runs) => {
    const spec = loadSweepFile(join(dir, name));
    const all = expandSweep(spec);
    expect(all.length).toBe(runs);
    await validateRuns(spec, all);
  });

  it('fabric-sparsity.yaml runs, and its cycles fall as sparsity rises', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ws-examples-')), 'fabric.jsonl');
    const s = await runSweep(loadSweepFile(join(dir, 'fabric-sparsity.yaml')), { out, workers: 2 });
    expect(s).toMatchObject({ ran: 5, failed: 0 });
    const cycles = readResults(out)
      .sort((a, b) => (a.config.sparsity as number) - (b.config.sparsity as number))
      .map((l) => (l.result as { cycles: number }).cycles);
    for (let i = 1; i < cycles.length; i++) expect(cycles[i]).toBeLessThan(cycles[i - 1]);
  });
});
