// Where a result was computed: a build's identity (src/build.ts: the version and a hash of the compiled JS, the
// WebAssembly modules, the shipped specs and data), every results line's `ranOn` {host, build}, the CSV's
// columns for it, and a resumed sweep that says how many of its results another build computed.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepSummaryText } from '../../src/cli/sweep-text.js';
import { buildId, buildIdOf } from '../../src/build.js';
import { resultsToCsv } from '../../src/sweep/csv.js';
import { readResults } from '../../src/sweep/results.js';
import { otherBuildLines, runSweep } from '../../src/sweep/run.js';
import { expandSweep, validateSweep } from '../../src/sweep/spec.js';
import type { ResultLine } from '../../src/sweep/types.js';

/** A package tree with the parts a build is, and a doc that is not one. */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'ws-build-'));
  for (const d of ['dist/src/perf', 'build', 'specs', 'data', 'docs']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"version": "1.2.3"}');
  writeFileSync(join(root, 'dist/src/perf/estimate.js'), 'export const x = 1;\n');
  writeFileSync(join(root, 'dist/src/perf/estimate.d.ts'), 'export declare const x: number;\n');
  writeFileSync(join(root, 'build/release.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(root, 'specs/cs2.json'), '{"peakPFLOPs": 7.5}');
  writeFileSync(join(root, 'data/digits.csv'), '1,2\n');
  writeFileSync(join(root, 'docs/at-scale.md'), '# notes\n');
  return root;
}

describe('a build\'s identity', () => {
  it('is the version and 12 hex digits that change with any byte of the JS, the module, a spec or the data, and with nothing else', () => {
    const a = tree();
    const id = buildIdOf(a);
    expect(id).toMatch(/^1\.2\.3\+[0-9a-f]{12}$/);
    const b = join(tmpdir(), `ws-build-copy-${process.pid}`);
    cpSync(a, b, { recursive: true });
    expect(buildIdOf(b)).toBe(id); // where it lies is not part of it
    writeFileSync(join(b, 'docs/at-scale.md'), '# other notes\n');
    writeFileSync(join(b, 'dist/src/perf/estimate.d.ts'), '// types only\n');
    expect(buildIdOf(b)).toBe(id);
    for (const [file, text] of [['dist/src/perf/estimate.js', 'export const x = 2;\n'], ['specs/cs2.json', '{"peakPFLOPs": 7.6}'], ['data/digits.csv', '1,3\n']] as const) {
      const c = join(tmpdir(), `ws-build-edit-${process.pid}-${file.length}`);
      cpSync(a, c, { recursive: true });
      writeFileSync(join(c, file), text);
      expect(buildIdOf(c), file).not.toBe(id);
    }
    const d = join(tmpdir(), `ws-build-wasm-${process.pid}`);
    cpSync(a, d, { recursive: true });
    writeFileSync(join(d, 'build/release.wasm'), Buffer.from([0, 97, 115, 110]));
    expect(buildIdOf(d)).not.toBe(id);
  });
});

describe('results lines say where they ran', () => {
  const spec = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [1, 2, 4] } });

  it('a local sweep writes ranOn {host, build} on every line, and the CSV ends with its two columns', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ws-prov-')), 'r.jsonl');
    const s = await runSweep(spec, { out, workers: 1 });
    expect([s.build, s.otherBuilds]).toEqual([buildId(), { lines: 0, builds: [] }]);
    const lines = readResults(out);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l.ranOn).toEqual({ host: hostname(), build: buildId() });
    const header = resultsToCsv(lines).split('\r\n')[0].split(',');
    expect(header.slice(-5)).toEqual(['error', 'timings.startedAt', 'timings.wallSeconds', 'ranOn.host', 'ranOn.build']);
    // lines written before it was recorded: no such columns
    const old = lines.map(({ ranOn: _, ...l }) => l);
    expect(resultsToCsv(old).split('\r\n')[0].split(',').slice(-1)).toEqual(['timings.wallSeconds']);
  });

  it('a resumed sweep counts the results another build computed, and its summary says so', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ws-prov-')), 'r.jsonl');
    await runSweep(validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [1, 2] } }), { out, workers: 1 });
    const text = readFileSync(out, 'utf8').split('\n');
    text[0] = text[0].replace(/"build":"[^"]*"/, '"build":"0.0.1+aaaaaaaaaaaa"');
    writeFileSync(out, text.join('\n'));
    const s = await runSweep(spec, { out, workers: 1 });
    expect([s.ran, s.skipped, s.otherBuilds]).toEqual([1, 2, { lines: 1, builds: ['0.0.1+aaaaaaaaaaaa'] }]);
    expect(sweepSummaryText('t', s, out, '')).toContain(`\n  1 of its results was computed by another build (0.0.1+aaaaaaaaaaaa; this is ${buildId()}): their lines say so (ranOn); a fresh --out reruns them all\n`);
  });

  it('otherBuildLines: the latest line of each run not run again, of a recorded build not ours', () => {
    const runs = expandSweep(spec);
    const line = (i: number, build?: string): ResultLine => ({ hash: runs[i].hash, kind: 'estimate', config: runs[i].config, result: {}, timings: { startedAt: '', wallSeconds: 0 }, ...(build ? { ranOn: { host: 'h', build } } : {}) });
    // run 0: another build, then ours (the latest wins); run 1: another build; run 2: no record, and to run again
    const lines = [line(0, 'x'), line(0, 'me'), line(1, 'y'), line(2)];
    expect(otherBuildLines(runs, lines, [], 'me')).toEqual({ lines: 1, builds: ['y'] });
    expect(otherBuildLines(runs, lines, [runs[1]], 'me')).toEqual({ lines: 0, builds: [] });
    expect(otherBuildLines(runs, [line(0, 'z'), line(1, 'y'), line(2, 'y')], [], 'me')).toEqual({ lines: 3, builds: ['y', 'z'] });
  });
});
