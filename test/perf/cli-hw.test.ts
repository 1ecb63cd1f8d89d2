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

  it('refuses options the estimate would ignore, one line and exit 2 each', () => {
    const refused: Array<[string[], string]> = [
      ...[['--system', 'cs3'], ['--pipeline', 'none'], ['--recompute', 'full'], ['--precision', 'fp32'], ['--optimizer', 'sgd'], ['--attention', 'full'],
        ['--seq-len', '1024'], ['--batch-seqs', '8'], ['--passes', '2'], ['--micro-batch-seqs', '2'], ['--detail']]
        .map(([flag, ...v]): [string[], string] => [['--gpu', 'h100', flag, ...v], `${flag}: not with --gpu (a CS-2 setting`]),
      [['--systems', '2', '--sensitivity', '--detail'], '--sensitivity: not with --detail'],
      [['--run', rootPath('examples', 'runs', 'cerebras-gpt-13b.json')], '--model: not with a run file that names its model'],
    ];
    for (const [args, message] of refused) {
      const r = cli('estimate', '--model', 'gpt3-xl', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(`weightstream: error: ${message}`), r.stderr).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    // what a GPU estimate does use still goes through; sparsity is an assumption it prints (no speed-up)
    const ok = cli('estimate', '--model', 'gpt3-xl', '--gpu', 'h100', '--devices', '8', '--sparsity', '0.9', '--tokens', '1B', '--batch-tokens', '1M');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/sparsity 0\.9 gives no speed-up here/);
  });
});
