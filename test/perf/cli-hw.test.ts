// The issue-15 CLI surface as a user runs it (the compiled CLI; `npm run build:ts` first):
// `validate` (text and --json), `estimate --system cs3`, `estimate --sensitivity --json`, and bad input.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('issue 15 CLI', () => {
  it('validate prints the table and says whose release the efficiency is; --json has the rows', () => {
    const t = cli('validate');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/calibrated on gptj-6b-2xcs2-r2\.0\.3 \(software release 2\.0\.3, cs2\): it belongs to that release/);
    expect(t.stdout).toMatch(/case +source +measured +predicted +error +bound/);
    const j = JSON.parse(cli('validate', '--json').stdout);
    expect(j.rows.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(j.rows[0])).toEqual(expect.arrayContaining(['case', 'source', 'measured', 'predicted', 'error', 'bound', 'release']));
    expect(j.calibration.note).toMatch(/belongs to that release/);
  });

  it('estimate --system cs3 names the CS-3; a bad system is one line naming it', () => {
    const r = cli('estimate', '--model', 'gpt3-xl', '--systems', '4', '--system', 'cs3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^GPT-3 XL 1\.3B on 4 CS-3/);
    expect(r.stdout).toMatch(/per CS-3 per step/);
    const j = JSON.parse(cli('estimate', '--model', 'gpt3-xl', '--systems', '4', '--system', 'cs3', '--json').stdout);
    expect(j.system).toBe('CS-3');
    expect(typeof j.binding).toBe('string');
    const bad = cli('estimate', '--model', 'gpt3-xl', '--systems', '4', '--system', 'cs7');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/system: expected one of cs2, cs3, got "cs7"/);
  });

  it('estimate --sensitivity --json gives the tornado shape', () => {
    const r = cli('estimate', '--model', 'gpt3-175b', '--systems', '192', '--sensitivity', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s.baseline)).toEqual(['stepSeconds', 'bound']);
    expect(Object.keys(s.rows[0])).toEqual(['figure', 'spec', 'low', 'high']);
    expect(Object.keys(s.rows[0].low)).toEqual(['factor', 'stepSeconds', 'bound']);
    const text = cli('estimate', '--model', 'gpt3-175b', '--systems', '192', '--sensitivity');
    expect(text.stdout).toMatch(/^baseline step .* s, bound: /);
    expect(cli('estimate', '--model', 'gpt3-175b', '--gpu', 'h100', '--sensitivity').stderr).toMatch(/--sensitivity: not with --gpu/);
  });
});
