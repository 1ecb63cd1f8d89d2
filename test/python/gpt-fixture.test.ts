// The committed PyTorch GPT fixtures are what scripts/make_gpt_fixture.py makes: rerun on the committed
// config, tokens, init and masks of the sparse AdamW case (Debian's /usr/bin/python3 with torch), the
// losses and final weights come out the same; a config the script cannot match (dropout) is refused by field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readSafetensors } from '../../src/io/safetensors.js';
import { rootPath } from '../../src/paths.js';

const PY = '/usr/bin/python3';
const SCRIPT = rootPath('scripts', 'make_gpt_fixture.py');
const probe = spawnSync(PY, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
if (!hasTorch) console.warn(`gpt-fixture: SKIPPED: ${PY} cannot import torch (${probe.error?.message ?? probe.stderr.trim()}); install python3-torch`);

const dir = mkdtempSync(join(tmpdir(), 'ws-gptfix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fx = (f: string) => rootPath('test', 'fixtures', 'gpt', 'adamw_tied_sparse90', f);
const run = (args: string[]) => spawnSync(PY, [SCRIPT, 'run', ...args], { encoding: 'utf8', timeout: 120_000 });

describe.skipIf(!hasTorch)('scripts/make_gpt_fixture.py', () => {
  test('rerunning the sparse AdamW case reproduces the committed losses and final weights', () => {
    const out = join(dir, 'sparse');
    const r = run(['--config', fx('config.json'), '--tokens', fx('tokens.safetensors'), '--init', fx('init.safetensors'), '--masks', fx('masks.safetensors'),
      '--out', out, '--optimizer', 'adamw', '--lr', '3e-3', '--weight-decay', '0.01', '--steps', '30', '--batch', '4']);
    expect(r.status, r.stderr).toBe(0);
    const got = readSafetensors(join(out, 'result.safetensors')).tensors;
    const want = readSafetensors(fx('result.safetensors')).tensors;
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    const gl = got.get('losses')!.data as Float32Array;
    const wl = want.get('losses')!.data as Float32Array;
    for (let s = 0; s < 30; s++) expect(Math.abs(gl[s] - wl[s]) / wl[s], `losses[${s}]`).toBeLessThan(1e-6);
    for (const [name, t] of want) {
      const g = got.get(name)!.data as Float32Array;
      const w = t.data as Float32Array;
      let max = 0;
      for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(g[i] - w[i]));
      expect(max, name).toBeLessThan(1e-5);
    }
    const masks = readSafetensors(fx('masks.safetensors')).tensors;
    for (const [mname, m] of masks) {
      const f = want.get(`final.${mname.slice('mask.'.length)}`)!.data as Float32Array;
      const md = m.data as Float32Array;
      expect(f.every((v, i) => md[i] !== 0 || v === 0), `${mname}: masked weights stay 0`).toBe(true);
    }
  }, 120_000);

  test('a config with dropout is refused by field', () => {
    const r = spawnSync(PY, ['-c', [
      'import sys; sys.path.insert(0, "scripts"); import gpt_torch',
      'gpt_torch.resolve_config({"n_layer": 1, "n_embd": 8, "n_head": 2, "n_positions": 8, "vocab_size": 16, "resid_pdrop": 0.1})',
    ].join('\n')], { encoding: 'utf8', cwd: rootPath() });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/config.resid_pdrop: expected 0 \(dropout cannot match bit for bit\), got 0.1/);
  }, 60_000);
});
