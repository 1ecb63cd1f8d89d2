// Issue 17 at the command line (the compiled CLI as a child process): outputs that would eat an input
// are refused before any work with the input unchanged; bad output locations are refused before
// training; --resume with nothing left to run, NaN initial weights and fabric --sparsity 1 are refused;
// ^C during training leaves no flash-tier file behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';

function cli(args: string[], cwd?: string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8', cwd, env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const dir = () => mkdtempSync(join(tmpdir(), 'ws-relcli-'));
const SWEEP = 'kind: estimate\nbase: {model: gpt3-small}\naxes:\n  systems: [1, 2]\n';

// An output option refused before any work (an input, another output, a directory, no writable place) is a
// bad flag: exit 2, as the README's rule says (it was 1 until 2026-12-08).
describe('outputs never eat inputs (item 1)', () => {
  it('sweep --csv onto its --out or its sweep file is refused before any run; both files unchanged', () => {
    const d = dir();
    writeFileSync(join(d, 's.yaml'), SWEEP);
    expect(cli(['sweep', 's.yaml', '--out', 'r.jsonl', '--quiet', '--workers', '1'], d).code).toBe(0);
    const results = readFileSync(join(d, 'r.jsonl'), 'utf8');
    const a = cli(['sweep', 's.yaml', '--out', 'r.jsonl', '--csv', 'r.jsonl', '--quiet'], d);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^weightstream: error: --csv: expected a path distinct from --out r\.jsonl/);
    const b = cli(['sweep', 's.yaml', '--out', 'r.jsonl', '--csv', 's.yaml', '--quiet'], d);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--csv: expected a path that is not an input of this run \(it is sweep file s\.yaml\)/);
    expect(readFileSync(join(d, 'r.jsonl'), 'utf8')).toBe(results);
    expect(readFileSync(join(d, 's.yaml'), 'utf8')).toBe(SWEEP);
  });

  it('sweep --out or --csv onto a file its runs read (a model named in base or in an axis) is refused; the file unchanged', () => {
    const d = dir();
    const model = '{"kind":"mlp","layers":[{"in":64,"out":10}]}';
    writeFileSync(join(d, 'm.json'), model);
    writeFileSync(join(d, 'n.json'), model);
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub', 's.yaml'), 'kind: train\nbase: {model: m.json, data: digits, steps: 2}\naxes:\n  seed: [1, 2]\n');
    writeFileSync(join(d, 'sub', 't.yaml'), 'kind: train\nbase: {data: digits, steps: 2}\naxes:\n  model: [gpt-nano, n.json]\n');
    const a = cli(['sweep', 'sub/s.yaml', '--out', 'r.jsonl', '--csv', 'm.json', '--quiet'], d);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^weightstream: error: --csv: expected a path that is not an input of this run \(it is the file of base\.model: .*m\.json\), got "m\.json"\n$/);
    const b = cli(['sweep', 'sub/t.yaml', '--out', 'n.json', '--quiet'], d);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--out: expected a path that is not an input of this run \(it is the file of axes\.model\[1\]: .*n\.json\)/);
    expect(readFileSync(join(d, 'm.json'), 'utf8')).toBe(model);
    expect(readFileSync(join(d, 'n.json'), 'utf8')).toBe(model);
  });

  it('fabric --heatmap onto its --model file is refused before the run; a preset name is no file', () => {
    const d = dir();
    const config = '{"model_type":"gpt2","attn_pdrop":0,"resid_pdrop":0,"embd_pdrop":0,"n_embd":64,"n_layer":1,"n_head":2,"vocab_size":100,"n_positions":32}';
    writeFileSync(join(d, 'config.json'), config);
    const r = cli(['fabric', '--model', 'config.json', '--layer', 'lm_head', '--rows', '4', '--cols', '4', '--heatmap', 'config.json', '--quiet'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('weightstream: error: --heatmap: expected a path that is not an input of this run (it is --model config.json), got "config.json"\n');
    expect(readFileSync(join(d, 'config.json'), 'utf8')).toBe(config);
    const ok = cli(['fabric', '--model', 'gpt-nano', '--layer', 'lm_head', '--rows', '4', '--cols', '4', '--heatmap', 'gpt-nano', '--quiet'], d);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'gpt-nano'), 'utf8')).rows).toBe(4);
  });

  it("train --save of a GPT beside someone's config.json is refused before training; a GPT-2 config there is replaced", () => {
    const d = dir();
    writeFileSync(join(d, 'config.json'), '{"mine": 1}\n');
    const args = ['train', '--model', 'gpt-nano', '--data', 'austen', '--steps', '1', '--batch', '2', '--save', 'model.safetensors', '--quiet'];
    const r = cli(args, d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('weightstream: error: --save: expected a place whose config.json may be replaced by the GPT\'s (config.json is there and is not a GPT-2 config.json): save into another directory, got "model.safetensors"\n');
    expect(readFileSync(join(d, 'config.json'), 'utf8')).toBe('{"mine": 1}\n');
    expect(readdirSync(d)).toEqual(['config.json']);
    writeFileSync(join(d, 'config.json'), '{"model_type": "gpt2", "n_layer": 1}\n');
    expect(cli(args, d).code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')).n_layer).toBe(2); // gpt-nano's
  });

  it("train --save of a GPT: the --model config.json reached through a symlink is kept, and a --trace or --checkpoint on the config.json beside is refused before training", () => {
    const d = dir();
    mkdirSync(join(d, 'cfg'));
    symlinkSync('cfg', join(d, 'link'));
    // the user's own HF config: fields we do not write (it was replaced by ours, losing them)
    const mine = JSON.stringify({ model_type: 'gpt2', vocab_size: 256, n_positions: 32, n_embd: 32, n_layer: 1, n_head: 2, attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, torch_dtype: 'float32', transformers_version: '4.40.0' }) + '\n';
    writeFileSync(join(d, 'cfg', 'config.json'), mine);
    const r = cli(['train', '--model', 'link/config.json', '--data', 'austen', '--steps', '1', '--batch', '2', '--save', 'cfg/model.safetensors', '--quiet'], d);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readFileSync(join(d, 'cfg', 'config.json'), 'utf8')).toBe(mine);
    for (const opt of ['--trace', '--checkpoint']) {
      const o = cli(['train', '--model', 'gpt-nano', '--data', 'austen', '--steps', '1', '--batch', '2', opt, 'o/config.json', '--save', 'o/model.safetensors', '--quiet'], d);
      expect(o.code).toBe(2);
      expect(o.stderr).toBe(`weightstream: error: --save: expected a directory whose config.json may be the GPT's (o/config.json is this run's ${opt.slice(2)} file): save into another directory, got "o/model.safetensors"\n`);
      expect(existsSync(join(d, 'o', 'model.safetensors'))).toBe(false); // refused before training, not after
    }
  });

  it('train --save onto --data is refused before training; the dataset is unchanged', () => {
    const d = dir();
    const x = new Float32Array(8 * 4).map((_, i) => (i % 7) / 7);
    const bytes = serializeSafetensors({ x: { dtype: 'F32', shape: [8, 4], data: x }, y: { dtype: 'I32', shape: [8], data: new Int32Array([0, 1, 0, 1, 0, 1, 0, 1]) } });
    writeFileSync(join(d, 'd.safetensors'), bytes);
    const r = cli(['train', '--data', 'd.safetensors', '--save', 'd.safetensors', '--steps', '2', '--batch', '4', '--quiet'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--save: expected a path that is not an input of this run \(it is --data d\.safetensors\)/);
    expect(Buffer.compare(readFileSync(join(d, 'd.safetensors')), Buffer.from(bytes))).toBe(0);
  });

  it('report --out holding an input it would overwrite is refused', () => {
    const d = dir();
    writeFileSync(join(d, 'report.html'), JSON.stringify({ loss: [1, 0.5], bytesStreamed: 1 }));
    const r = cli(['report', join(d, 'report.html'), '--out', d], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out: expected a path that is not an input/);
  });
});

describe('bad output locations before work (item 5)', () => {
  it('train --save into a directory or under a file fails at once, before any step', () => {
    const d = dir();
    mkdirSync(join(d, 'w.safetensors'));
    writeFileSync(join(d, 'file'), 'x');
    for (const [flag, path, re] of [
      ['--save', 'w.safetensors', /--save: expected a file to write, not a directory/],
      ['--trace', 'file/t.json', /--trace: expected a location inside a directory/],
    ] as const) {
      const t0 = performance.now();
      const r = cli(['train', '--steps', '100000', flag, path, '--quiet'], d);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(performance.now() - t0).toBeLessThan(20_000); // 100k steps would take minutes
    }
    expect(readdirSync(d).sort()).toEqual(['file', 'w.safetensors']);
  });

  it('fabric --heatmap a directory is a bad flag (exit 2), refused before the run', () => {
    const d = dir();
    mkdirSync(join(d, 'heat'));
    const r = cli(['fabric', '--rows', '4', '--cols', '4', '--batch', '4', '--in', '8', '--out', '4', '--heatmap', 'heat', '--quiet'], d);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('weightstream: error: --heatmap: expected a file to write, not a directory, got "heat"\n');
    expect(readdirSync(join(d, 'heat'))).toEqual([]);
  });
});

describe('training inputs (items 6, 7)', () => {
  it('--init with a NaN weight is refused by name (exit 1, no stack)', () => {
    const d = dir();
    const w = cli(['train', '--model', 'mlp', '--steps', '0', '--save', join(d, 'w.safetensors'), '--quiet']);
    expect(w.code).toBe(0);
    const buf = readFileSync(join(d, 'w.safetensors'));
    const h = Number(buf.readBigUInt64LE(0));
    buf.writeFloatLE(NaN, 8 + h + 4 * 3); // the 4th float of the first tensor
    writeFileSync(join(d, 'nan.safetensors'), buf);
    const r = cli(['train', '--init', join(d, 'nan.safetensors'), '--steps', '2', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nan\.safetensors: \S+\[3\]: expected a finite weight \(NaN and Infinity are refused\), got NaN/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--resume with --steps at or below the checkpoint\'s step is refused, not "-1325 samples/s"', () => {
    const d = dir();
    expect(cli(['train', '--steps', '3', '--checkpoint', join(d, 'run.ckpt'), '--quiet']).code).toBe(0);
    for (const steps of ['3', '2']) {
      const r = cli(['train', '--steps', steps, '--resume', join(d, 'run.ckpt'), '--quiet']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`--steps: expected more than the checkpoint's step 3 .*got ${steps}`));
    }
  });
});

describe('fabric --sparsity 1 (item 13)', () => {
  it('is a usage error like train and estimate', () => {
    const r = cli(['fabric', '--sparsity', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--sparsity: expected a number in \[0, 1\), got "1"/);
  });
});

describe('errors name the option or field and say it plainly', () => {
  it('fabric --threads past the used columns, claims --spec of an empty file, a measured figure of 0', () => {
    const d = dir();
    const t = cli(['fabric', '--rows', '4', '--cols', '4', '--threads', '10'], d);
    expect(t.code).toBe(2);
    expect(t.stderr).toBe('weightstream: error: --threads: expected at most one thread per used column (4 used columns on this mapping), got 10\n');
    writeFileSync(join(d, 'empty.json'), '');
    const c = cli(['claims', '--spec', 'empty.json'], d);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe('weightstream: error: --spec: expected valid JSON (a syntax error: it ends early), got "empty.json"\n');
    writeFileSync(join(d, 'm.json'), JSON.stringify({ cases: [{ id: 'a', kind: 'throughput', measured: { samplesPerSecond: 0 } }] }));
    const v = cli(['validate', '--measurements', 'm.json'], d);
    expect(v.code).toBe(1);
    expect(v.stderr).toBe('weightstream: error: m.json: cases[0].measured.samplesPerSecond: expected a finite number > 0, got 0\n');
  });
});

describe('a command that waits on what never comes', () => {
  it("fails (exit 1, one line) when a sweep module's validate never settles; it exited 0 with nothing run", () => {
    const d = dir();
    writeFileSync(join(d, 'v.mjs'), "export function validate(c) { if (c.mode === 'hang') return new Promise(() => {}); }\nexport function run() { return { ok: 1 }; }\n");
    writeFileSync(join(d, 's.json'), JSON.stringify({ kind: 'module', module: 'v.mjs', axes: { mode: ['hang', 'x'] } }));
    const r = cli(['sweep', 's.json', '--out', 'r.jsonl', '--json'], d);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('weightstream: error: the command stopped before it finished: it was waiting on something that can never happen (a promise that never settles?)\n');
  });
});

describe('train --resume', () => {
  it('says the bytes it streamed are those since the resume, and refuses other data', () => {
    const d = dir();
    const csv = (shift: number) => ['f1,f2,label', ...Array.from({ length: 64 }, (_, i) => `${(i % 7) / 7 + shift},${(i % 5) / 5},${i % 2}`)].join('\n') + '\n';
    writeFileSync(join(d, 'a.csv'), csv(0));
    writeFileSync(join(d, 'b.csv'), csv(1));
    expect(cli(['train', '--data', 'a.csv', '--steps', '4', '--batch', '16', '--checkpoint', 'c.ckpt', '--quiet'], d).code).toBe(0);
    const r = cli(['train', '--data', 'a.csv', '--steps', '10', '--batch', '16', '--resume', 'c.ckpt', '--quiet'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trained mlp on a\.csv: 10 steps of 16 samples on 1 CS-2 system \(resumed at step 4\)$/m);
    expect(r.stdout).toMatch(/^ {2}streamed [\d.]+ MB of weights, reduced [\d.]+ MB of gradients \([\d.]+ MB sent by the systems\) in the 6 steps since the resume, SwarmX fan-in \d+$/m);
    const other = cli(['train', '--data', 'b.csv', '--steps', '10', '--batch', '16', '--resume', 'c.ckpt', '--quiet'], d);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^weightstream: error: checkpoint c\.ckpt: written for other training data/);
  });
});

describe('sweep --json stays JSON', () => {
  it("a module's prints (at import, in validate and in run) go to stderr, not into the JSON on stdout", () => {
    const d = dir();
    writeFileSync(join(d, 'pm.mjs'), "console.log('AT IMPORT');\nexport function validate() { console.log('IN VALIDATE'); }\nexport function run(c) { console.log('IN RUN'); process.stdout.write('{\"x\":'); return { ok: c.x }; }\n");
    writeFileSync(join(d, 's.json'), JSON.stringify({ kind: 'module', module: 'pm.mjs', axes: { x: [1, 2] } }));
    const r = cli(['sweep', 's.json', '--out', 'r.jsonl', '--json'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runs: 2, ran: 2, failed: 0 });
    for (const said of ['AT IMPORT', 'IN VALIDATE', 'IN RUN']) expect(r.stderr).toContain(said);
  });
});

describe("a sweep module's failures name the module", () => {
  it('a validate that throws a string or calls process.exit, a module that throws at import, one that does not parse: one line each, exit 1', () => {
    const d = dir();
    const mods: Record<string, string> = {
      'vt.mjs': "export function validate(c) { if (c.x === 2) throw 'bad thing'; }\nexport function run() { return {}; }\n",
      'vi.mjs': "throw new Error('boom at import');\nexport function run() {}\n",
      'vs.mjs': 'export function run( {\n',
      've.mjs': 'export function validate(c) { if (c.x === 2) process.exit(0); }\nexport function run() { return {}; }\n',
      'vf.mjs': 'export function validate(c) { return c.x !== 2; }\nexport function run() { return {}; }\n',
    };
    const want: Record<string, string> = {
      'vt.mjs': 'validate(config) threw "bad thing"',
      'vi.mjs': 'the module could not be loaded (Error: boom at import)',
      'vs.mjs': 'the module could not be loaded (SyntaxError: ',
      've.mjs': 'validate(config) threw Error: the module called process.exit(0)', // it ended the sweep with exit 0, nothing said
      'vf.mjs': 'validate(config) returned false (it refuses this configuration)', // it ran both configurations
    };
    for (const [name, text] of Object.entries(mods)) {
      writeFileSync(join(d, name), text);
      writeFileSync(join(d, 's.json'), JSON.stringify({ kind: 'module', module: name, axes: { x: [1, 2] } }));
      const r = cli(['sweep', 's.json', '--out', 'r.jsonl'], d);
      expect(r.code, name).toBe(1);
      expect(r.stderr.startsWith(`weightstream: error: ${join(d, name)}: ${want[name]}`), r.stderr).toBe(true);
      expect(r.stderr.trimEnd().split('\n'), name).toHaveLength(1);
    }
  });
});

describe("a sweep module's result that JSON cannot hold", () => {
  it('is a failed run naming the value (NaN, Infinity, a function), not a result with null in its place', () => {
    const d = dir();
    const mod = 'export function run(c) { return [{ ok: 1 }, { loss: NaN }, { v: new Float64Array([1, -Infinity]) }, { f() {} }, { kept: [1, null], gone: undefined }][c.x]; }\n';
    writeFileSync(join(d, 'm.mjs'), mod);
    writeFileSync(join(d, 's.json'), JSON.stringify({ kind: 'module', module: 'm.mjs', axes: { x: [0, 1, 2, 3, 4] } }));
    const r = cli(['sweep', 's.json', '--out', 'r.jsonl', '--workers', '1', '--quiet'], d);
    expect(r.code, r.stderr).toBe(0); // a failed run is a results line; the sweep goes on
    expect(r.stdout).toContain('5 ran (3 failed: see their error in the results)');
    const lines = readFileSync(join(d, 'r.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { config: { x: number }; result?: unknown; error?: { message: string } });
    const by = new Map(lines.map((l) => [l.config.x, l]));
    expect(by.get(0)?.result).toEqual({ ok: 1 });
    expect(by.get(4)?.result).toEqual({ kept: [1, null] });
    const said = (x: number) => by.get(x)?.error?.message;
    expect(said(1)).toBe(`${join(d, 'm.mjs')}: run(config) returned what a results line cannot hold: result.loss is NaN`);
    expect(said(2)).toBe(`${join(d, 'm.mjs')}: run(config) returned what a results line cannot hold: result.v[1] is -Infinity`);
    expect(said(3)).toBe(`${join(d, 'm.mjs')}: run(config) returned what a results line cannot hold: result.f is a function`);
  });
});

describe('demo --out', () => {
  it("refuses a directory of someone else's files, before any step; an empty or an earlier demo's is taken", () => {
    const d = dir();
    writeFileSync(join(d, 'scaling.jsonl'), '{"my": "data"}\n');
    const r = cli(['demo', '--quick', '--out', d, '--quiet']);
    expect(r.code).toBe(2); // a value --out refuses (README: usage)
    expect(r.stderr).toBe(`weightstream: error: --out: expected an empty directory or an earlier demo's (it holds 1 other file, e.g. scaling.jsonl, which the demo would replace or remove), got ${JSON.stringify(d)}\n`);
    expect(readdirSync(d)).toEqual(['scaling.jsonl']);
    expect(readFileSync(join(d, 'scaling.jsonl'), 'utf8')).toBe('{"my": "data"}\n');
  });

  it('a signal to the demo stops the step it runs too: exit 1, one line of its own, no step left running', async () => {
    const d = join(dir(), 'out');
    const child = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'demo', '--quick', '--out', d, '--quiet']);
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const t0 = Date.now();
    while (!existsSync(join(d, '.weightstream-demo')) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // the first step (train) is running
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^weightstream: error: demo: stopped \(SIGTERM\) during `weightstream train`, which was stopped too; run the demo again to start over$/m);
    await new Promise((r) => setTimeout(r, 500));
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps.split('\n').filter((l) => l.includes(d))).toEqual([]);
  }, 60_000);
});

describe('signals (item 10)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s during a one-thread fabric run stops it at once: exit 1, one line (it ran to the end and exited 0)', async (sig) => {
    const child = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', '64', '--cols', '16', '--batch', '2048', '--in', '1024', '--out', '1024', '--threads', '1', '--quiet']);
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.stdout.on('data', (b) => (stdout += b));
    await new Promise((r) => setTimeout(r, 3000)); // set-up done, the cycle loop running (a 10 s run here)
    const t0 = Date.now();
    child.kill(sig);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(code).toBe(1);
    expect(stderr).toContain(`interrupted (${sig}); temporary files removed`);
    expect(stdout).toBe('');
  }, 60_000);

  it.each(['SIGINT', 'SIGHUP'] as const)('%s during training with a flash tier removes the flash file and exits 1', async (sig) => {
    const tmp = dir();
    const child = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'train', '--model', 'wide', '--dram-bytes', '9e6', '--steps', '100000', '--quiet'], { env: { ...process.env, TMPDIR: tmp } });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const flash = () => readdirSync(tmp).filter((n) => n.endsWith('.flash'));
    const t0 = Date.now();
    while (flash().length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    expect(flash().length).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    child.kill(sig);
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toContain(`interrupted (${sig}); temporary files removed`);
    expect(flash()).toEqual([]);
    expect(existsSync(tmp)).toBe(true);
  }, 60_000);

  it('a sweep whose train run outlives --timeout leaves no MemoryX flash file behind (its thread was terminated)', () => {
    const d = dir();
    const tmp = dir();
    writeFileSync(join(d, 'tr.json'), JSON.stringify({ kind: 'train', base: { model: 'wide', data: 'digits', dramBytes: 9e6, steps: 100000, systems: 2 }, axes: { seed: [1] } }));
    const r = cli(['sweep', 'tr.json', '--out', 'tr.jsonl', '--timeout', '2', '--workers', '1', '--quiet'], d, { TMPDIR: tmp });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(d, 'tr.jsonl'), 'utf8')).error.name).toBe('TimeoutError');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('SIGTERM during a fabric run: one line, exit 1, no heatmap and no temporary left', async () => {
    const d = dir();
    const child = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', '200', '--cols', '200', '--batch', '800', '--in', '2000', '--out', '2000', '--heatmap', 'h.json', '--quiet'], { cwd: d });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toBe('\nweightstream: interrupted (SIGTERM); temporary files removed\n');
    expect(readdirSync(d)).toEqual([]);
  }, 60_000);
});

describe('^C on a large sweep is prompt (item 11)', () => {
  it('SIGINT while a 1M-run sweep is being checked ends it within seconds, exit 1, no lock left', async () => {
    const d = dir();
    writeFileSync(join(d, 'big.yaml'), 'kind: estimate\nbase: {model: gpt3-small}\naxes:\n  systems: {from: 1, to: 1000}\n  tokens: {from: 1000000000, to: 1000999000000, step: 1000000000}\n');
    const child = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'sweep', 'big.yaml', '--out', 'r.jsonl', '--quiet', '--workers', '1'], { cwd: d });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await new Promise((r) => setTimeout(r, 4000)); // past start-up and the expansion, inside the checks (~40 s here)
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopping after the runs in flight/);
    expect(readdirSync(d).filter((n) => n.endsWith('.lock'))).toEqual([]);
  }, 60_000);
});

describe('train --resume with other optimizer settings', () => {
  it('names the settings that differ, with their values here and in the checkpoint', () => {
    const d = dir();
    expect(cli(['train', '--steps', '2', '--checkpoint', 'a.ckpt', '--quiet'], d).code).toBe(0);
    const r = cli(['train', '--steps', '4', '--resume', 'a.ckpt', '--weight-decay', '0.1', '--lr', '0.2', '--quiet'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('weightstream: error: checkpoint.optimizer: expected this run\'s optimizer (lr 0.2, weightDecay 0.1): resume with the checkpoint\'s optimizer settings (--optimizer, --lr, --momentum, --weight-decay), got "lr 0.1, weightDecay 0"\n');
  });
});

describe('train --init with --resume', () => {
  it('is refused before anything is read: the checkpoint holds the weights, and the --init file was read and ignored', () => {
    const r = cli(['train', '--init', 'w.safetensors', '--resume', 'a.ckpt', '--steps', '3'], dir());
    expect([r.code, r.stderr]).toEqual([2, 'weightstream: error: --init: expected no init with resume (the checkpoint holds the weights to go on from), got "w.safetensors"\n']);
  });
});

describe('train --sample and --prompt', () => {
  it('a sample that could not be printed, or a prompt the model cannot read, is refused before training: one line, exit 2', () => {
    const d = dir();
    writeFileSync(join(d, 'c1000.json'), JSON.stringify({ model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, vocab_size: 1000, n_positions: 16, n_embd: 16, n_layer: 1, n_head: 2 }));
    writeFileSync(join(d, 'c100.json'), JSON.stringify({ model_type: 'gpt2', attn_pdrop: 0, resid_pdrop: 0, embd_pdrop: 0, vocab_size: 100, n_positions: 16, n_embd: 16, n_layer: 1, n_head: 2 }));
    const rows = 4;
    writeSafetensors(join(d, 't.safetensors'), { tokens: { dtype: 'I32', shape: [rows, 17], data: new Int32Array(rows * 17).map((_, i) => i % 90) } });
    const cases: Array<[string[], string]> = [
      [['--model', 'gpt-nano', '--data', 'austen', '--sample', '5', '--prompt', ''], '--prompt: expected at least one character to continue, got ""'],
      [['--model', 'c100.json', '--data', 't.safetensors', '--sample', '5', '--prompt', 'zz'], "--prompt: expected bytes below the model's vocab_size 100: byte 0 is 122, got \"zz\""],
      [['--model', 'c1000.json', '--data', 't.safetensors', '--sample', '5'], '--sample: expected a model whose tokens are bytes (vocab_size <= 256) to print its sample; this one has 1000, got 5'],
    ];
    for (const [args, said] of cases) {
      const r = cli(['train', ...args, '--steps', '20', '--batch', '4'], d); // not --quiet: a step's progress line would show it trained
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`weightstream: error: ${said}\n`);
    }
  });

  it('a prompt longer than --seq-len is cropped to its last --seq-len bytes, the context it trained at, and the output says how many it dropped', () => {
    const r = cli(['train', '--model', 'gpt-nano', '--seq-len', '8', '--batch', '4', '--steps', '2', '--sample', '5', '--prompt', 'It is a truth universally acknowledged', '--json', '--quiet'], dir());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).sample).toMatchObject({ prompt: 'owledged', promptBytesDropped: 30 });
    const t = cli(['train', '--model', 'gpt-nano', '--seq-len', '8', '--batch', '4', '--steps', '2', '--sample', '5', '--prompt', 'It is a truth universally acknowledged', '--quiet'], dir());
    expect(t.stdout).toContain(`sample (temperature 0.8, top-k 40) after "owledged" (the prompt's first 30 bytes dropped: the model reads the last --seq-len, the context it trained at):`);
    const short = cli(['train', '--model', 'gpt-nano', '--seq-len', '8', '--batch', '4', '--steps', '2', '--sample', '5', '--prompt', 'It was', '--json', '--quiet'], dir());
    expect(JSON.parse(short.stdout).sample).toMatchObject({ prompt: 'It was', promptBytesDropped: 0 });
  });
});

describe('a model too large for the memory', () => {
  it('is refused before its weights are made: one line, and the process never grows to their size', () => {
    // a CSV label of 1,000,000 asks for a 1,000,001-way output layer: 9 GB of shared memory, refused. The weights
    // (2 GB of host memory) used to be made first; the resident peak is read in the process as it exits.
    const d = dir();
    const rows = Array.from({ length: 32 }, (_, i) => `${i / 32},${(i * 7) % 5},${i === 3 ? 1_000_000 : i % 2}`);
    writeFileSync(join(d, 'big.csv'), ['a,b,label', ...rows].join('\n') + '\n');
    writeFileSync(join(d, 'rss.cjs'), "process.on('exit', () => process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + '\\n'));\n");
    const r = cli(['train', '--data', 'big.csv', '--steps', '2', '--quiet'], d, { NODE_OPTIONS: `--require ${join(d, 'rss.cjs')}` });
    expect(r.code).toBe(1);
    const [line, rss] = r.stderr.trimEnd().split('\n');
    expect(line).toMatch(/^weightstream: error: the cluster's shared memory would need \d+ bytes .*more than the 4294967296 bytes one WebAssembly memory can hold/);
    expect(Number(rss.replace('maxrss ', '')) / 1024).toBeLessThan(400); // MB: before, 2,000
  });
});

describe('a sweep results file with two names (hard links)', () => {
  it('is refused before any run, unchanged: the lock is taken by name and would not cover the other', () => {
    const d = dir();
    writeFileSync(join(d, 's.yaml'), SWEEP);
    writeFileSync(join(d, 'a.jsonl'), '');
    linkSync(join(d, 'a.jsonl'), join(d, 'b.jsonl'));
    const r = cli(['sweep', 's.yaml', '--out', 'b.jsonl', '--quiet'], d);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('weightstream: error: b.jsonl: the file has 2 names (hard links), and its lock covers one: another sweep could append through another name; give a file of its own\n');
    expect(readFileSync(join(d, 'a.jsonl'), 'utf8')).toBe('');
    expect(readdirSync(d).sort()).toEqual(['a.jsonl', 'b.jsonl', 's.yaml']);
  });
});

describe('non-regular files are refused, not read (item 3)', () => {
  it('sweep --out a symlink to /dev/full, or a FIFO, fails at once naming --out', () => {
    const d = dir();
    writeFileSync(join(d, 's.yaml'), SWEEP);
    symlinkSync('/dev/full', join(d, 'full.jsonl'));
    spawnSync('mkfifo', [join(d, 'fifo.jsonl')]);
    for (const out of ['full.jsonl', 'fifo.jsonl']) {
      const t0 = performance.now();
      const r = cli(['sweep', 's.yaml', '--out', out, '--quiet'], d);
      expect(r.code).toBe(2); // an output option refused before any run: a bad flag
      expect(r.stderr).toMatch(/--out: expected a regular file to write \(not a FIFO, device or socket\)/);
      expect(performance.now() - t0).toBeLessThan(20_000);
    }
  });
  it("a GPT's --data text and fabric's --model file: a FIFO or /dev/zero is refused unread, not read without end", () => {
    const d = dir();
    spawnSync('mkfifo', [join(d, 'f.txt')]);
    symlinkSync('/dev/zero', join(d, 'z.txt'));
    symlinkSync('/dev/zero', join(d, 'z.json'));
    for (const data of ['f.txt', 'z.txt']) {
      const r = cli(['train', '--model', 'gpt-nano', '--data', data, '--steps', '1', '--quiet'], d);
      expect(r.code, data).toBe(2); // a file option naming no regular file is a bad flag (exit 2); a file's contents exit 1
      expect(r.stderr).toBe(`weightstream: error: --data: expected a regular file (not a FIFO, device or socket), got ${JSON.stringify(data)}\n`);
    }
    for (const model of ['f.txt', 'z.json']) {
      const r = cli(['fabric', '--model', model, '--layer', 'lm_head', '--rows', '2', '--cols', '2'], d);
      expect(r.code, model).toBe(2);
      expect(r.stderr).toBe(`weightstream: error: --model: expected a regular file (not a FIFO, device or socket), got ${JSON.stringify(model)}\n`);
    }
  });
  it("estimate --model names a directory or FIFO given by a bare name as such (it said \"expected a preset\"); --run is a JSON file", () => {
    const d = dir();
    mkdirSync(join(d, 'dd'));
    spawnSync('mkfifo', [join(d, 'ff')]);
    expect(cli(['estimate', '--model', 'dd', '--systems', '1'], d).stderr).toBe('weightstream: error: --model: expected a file, not a directory, got "dd"\n');
    expect(cli(['estimate', '--model', 'ff', '--systems', '1'], d).stderr).toBe('weightstream: error: --model: expected a regular file (not a FIFO, device or socket), got "ff"\n');
    expect(cli(['estimate', '--run', 'nowhere.json'], d).stderr).toBe('weightstream: error: --run: expected a readable JSON file (ENOENT), got "nowhere.json"\n');
    expect(cli(['estimate', '--model', 'gpt3-xl', '--systems', '1', '--json'], d).code).toBe(0); // a shipped name still wins
  });
  it('train --init /dev/zero fails at once naming the file', () => {
    const r = cli(['train', '--init', '/dev/zero', '--steps', '1', '--quiet']);
    expect(r.code).toBe(2); // README: a path that names no readable file is a usage error
    expect(r.stderr).toMatch(/--init: expected a regular file \(not a FIFO, device or socket\), got "\/dev\/zero"/);
  });
});

describe('non-finite training stops (item 6)', () => {
  it('a diverging run (--lr 1e6) stops with exit 1 naming the step and a layer, not exit 0', () => {
    const r = cli(['train', '--lr', '1e6', '--momentum', '0.99', '--steps', '60', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^weightstream: error: training stopped at step \d+: the loss is (NaN|-?Infinity); first non-finite value: layer \d+ /);
  });
});
