// Batch shape as users state it (seqLen, batchSeqs, passes or sequences per pass, set or chosen by the
// model), the binding resource by name, the per-layer rows, and the same through the built CLI (text and --json).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapacityError } from '../../src/errors.js';
import type { Estimate } from '../../src/perf/estimate.js';
import { boundResource } from '../../src/perf/binding.js';
import { hardwareRates } from '../../src/perf/rates.js';
import { runEstimate } from '../../src/perf/run.js';
import { defaultSpecs, type Specs } from '../../src/perf/specs.js';
import { rootPath } from '../../src/paths.js';

const cs2 = (c: Parameters<typeof runEstimate>[0]) => runEstimate(c) as Estimate;
const llama = { model: 'llama-2-7b', systems: 1, seqLen: 2048, tokens: 1e10 };

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('an estimate configuration', () => {
  it('refuses a misspelt field (the dense result came back for sparsty: 0.9); pipeline is a field of its own', () => {
    expect(() => runEstimate({ model: 'gpt3-175b', systems: 16, sparsty: 0.9 } as never)).toThrow(/^sparsty: unknown field for an estimate \(expected one of model, systems, sparsity, /);
    expect(() => runEstimate({ model: 'gpt3-175b', gpu: 'h100', devices: 8, sparsty: 0.9 } as never)).toThrow(/^sparsty: unknown field/);
    expect(cs2({ model: 'gpt3-xl', systems: 2, pipeline: 'none' }).stepSeconds).toBeGreaterThan(cs2({ model: 'gpt3-xl', systems: 2 }).stepSeconds);
  });
});

describe('batch shape', () => {
  it('--batch-seqs N is N sequences of the run\'s seqLen; sequences/s = tokens/s / seqLen', () => {
    const a = cs2({ ...llama, batchSeqs: 99 });
    const b = cs2({ ...llama, batchTokens: 99 * 2048 });
    expect(a.stepSeconds).toBe(b.stepSeconds);
    expect([a.batchTokens, a.batchSeqs, a.seqLen]).toEqual([99 * 2048, 99, 2048]);
    expect(a.samplesPerSecond).toBeCloseTo(a.tokensPerSecond / 2048, 9);
    expect(() => cs2({ ...llama, batchSeqs: 99, batchTokens: 1e6 })).toThrow(/batchSeqs: expected either batchSeqs or batchTokens, not both/);
  });

  it('seqLen replaces the context: attention FLOP scale with it, parameters do not (GPT-3 XL, learned positions)', () => {
    const full = cs2({ model: 'gpt3-xl', systems: 1 });
    const half = cs2({ model: 'gpt3-xl', systems: 1, seqLen: 1024 });
    expect(half.params).toBe(full.params);
    expect(half.attentionFlop / full.attentionFlop).toBeCloseTo(0.5, 12);
    expect(half.seqLen).toBe(1024);
  });

  it('passes per step: chosen by the model (and why), or set by --passes / --micro-batch-seqs', () => {
    // issue 15 (hw): 99 x 2048 is one pass, as the compiler ran it (the wafer keeps the block inputs off it);
    // ten times the batch takes several
    const chosen = cs2({ ...llama, batchSeqs: 99 });
    expect(chosen.passesSource).toBe('model');
    expect(chosen.passesReason).toBe("chosen by the model: one pass holds the 202800 tokens' activations");
    const several = cs2({ ...llama, batchSeqs: 990 });
    expect(several.microBatches).toBeGreaterThan(1);
    expect(several.passesReason).toMatch(/^chosen by the model: activations, one pass holds \d+ tokens of the 2\.028e\+6 per CS-2$/);
    const set = cs2({ ...llama, batchSeqs: 99, passes: 9 });
    expect([set.microBatches, set.passesSource, set.passesReason, set.microBatchTokens]).toEqual([9, 'set', 'set', 11 * 2048]);
    const seqs = cs2({ ...llama, batchSeqs: 99, microBatchSeqs: 11 });
    expect([seqs.microBatches, seqs.passesReason]).toEqual([9, 'set: --micro-batch-seqs']);
    expect(seqs.stepSeconds).toBe(set.stepSeconds);
    // fewer passes than the wafer holds: refused, naming the fewest that fit
    expect(() => cs2({ ...llama, batchSeqs: 990, passes: 1 })).toThrow(CapacityError);
    expect(() => cs2({ ...llama, batchSeqs: 990, passes: 1 })).toThrow(/--passes 1 puts 2\.028e\+6 tokens in a pass.*use at least \d+ passes/);
    expect(() => cs2({ ...llama, batchSeqs: 99, passes: 100 })).toThrow(/passes: expected at most the 99 sequences/);
    expect(() => cs2({ ...llama, batchSeqs: 99, passes: 2, microBatchSeqs: 3 })).toThrow(/passes: expected either passes or microBatchSeqs, not both/);
  });

  it('a batch that does not split evenly: the passes count the busiest system\'s whole sequences (ceil, as the docs say)', () => {
    // 3661 sequences on 3 systems: 1221, 1220 and 1220; --micro-batch-seqs 5 is ceil(1221 / 5) = 245 passes (it was 244, rounding 1220.33)
    const uneven = { ...llama, systems: 3, batchSeqs: 3661 };
    expect(cs2({ ...uneven, microBatchSeqs: 5 }).microBatches).toBe(245);
    // the busiest system can take a pass per sequence; one more is refused naming its 1221
    expect(cs2({ ...uneven, passes: 1221 }).microBatches).toBe(1221);
    expect(() => cs2({ ...uneven, passes: 1222 })).toThrow(/passes: expected at most the 1221 sequences each CS-2 takes per step/);
  });

  it('the binding resource by name: the narrowest part of the weight-stream link, the wafer, or the update', () => {
    const specs = defaultSpecs();
    const r = hardwareRates(specs, 1);
    expect(boundResource('compute', r)).toBe('wafer-compute');
    expect(boundResource('update', r)).toBe('memoryx-update');
    const withIo = (io: number, mx: number): Specs => ({ ...specs, cs2: { ...specs.cs2, v: { ...specs.cs2.v, ioGBps: io } }, memoryx: { ...specs.memoryx, v: { ...specs.memoryx.v, streamGBps: mx } } });
    // issue 15 (hw): the lanes are derived from the I/O unless stated, so SwarmX binds only with stated lanes
    const lanes = r.lanesGBps;
    const stated = (x: Specs): Specs => ({ ...x, swarmx: { ...x.swarmx, v: { ...x.swarmx.v, portsPerSystem: r.lanes } } });
    for (const [io, mx, name] of [[lanes / 2, lanes * 2, 'cs2-io'], [lanes * 2, lanes / 2, 'memoryx'], [lanes * 2, lanes * 3, 'swarmx-link']] as const) {
      const s = stated(withIo(io, mx));
      expect(boundResource('stream', hardwareRates(s, 1)), name).toBe(name);
      expect(boundResource('reduce', hardwareRates(s, 1)), name).toBe(name);
    }
  });

  it('per-layer rows: parameters add up to the model\'s, FLOP per token to the dense model FLOP', () => {
    const e = cs2({ ...llama, batchSeqs: 99, detail: true });
    let p = 0, f = 0;
    for (const l of e.layers!) (p += l.params), (f += l.flopPerToken);
    expect(p).toBe(e.params);
    expect(f * e.trainTokens).toBeCloseTo(e.modelFlop, -8);
    expect(e.layers!.find((l) => l.name === 'h0.qkv')!.params).toBe(4096 * 3 * 4096);
  });
});

describe('sweeps vary the batch shape', () => {
  it('the estimate run kind takes seqLen, batchSeqs and passes (a sweep axis each)', async () => {
    const { estimateAdapter } = await import('../../src/sweep/kinds/estimate.js');
    const a = await estimateAdapter();
    const r = (await a.run({ model: 'llama-2-7b', systems: 1, tokens: 1e9, seqLen: 1024, batchSeqs: 64, passes: 2 })) as unknown as Estimate;
    expect([r.seqLen, r.batchSeqs, r.microBatches, r.passesSource]).toEqual([1024, 64, 2, 'set']);
  });
});

describe('weightstream estimate: batch shape, --detail text, JSON fields (built CLI)', () => {
  it('text: the passes line says chosen or set; --detail prints the per-layer table with exact counts', () => {
    const r = cli('estimate', '--model', 'llama-2-7b', '--systems', '1', '--seq-len', '2048', '--batch-seqs', '99', '--tokens', '10B', '--detail');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/passes per step +1 \(chosen by the model: one pass holds the 202800 tokens' activations\)/); // 3 before issue 15's wafer rule (hw)
    expect(r.stdout).toMatch(/batch +99 sequences of 2,048 tokens per step/);
    expect(r.stdout).toMatch(/Per layer \(seconds per pass of \d+ tokens on one system\):/);
    expect(r.stdout).toMatch(/h0\.qkv +linear +50,331,648 /);
    expect(r.stdout).toMatch(/ignored fields +_name_or_path, architectures/);
    expect(r.stdout).toMatch(/bound +wafer-compute \(compute;/);
    const set = cli('estimate', '--model', 'llama-2-7b', '--systems', '1', '--seq-len', '2048', '--batch-seqs', '99', '--tokens', '10B', '--passes', '9');
    expect(set.stdout).toMatch(/passes per step +9 \(set\)/);
  });

  it('--json: params, tokensPerSecond, samplesPerSecond, stepSeconds, trainDays, bound and boundResource, system, ignoredFields, layers', () => {
    const r = cli('estimate', '--model', 'specs/hf/mixtral-8x7b-v0.1.json', '--systems', '4', '--seq-len', '4096', '--batch-seqs', '64', '--tokens', '1B', '--json', '--detail');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    for (const k of ['params', 'tokensPerSecond', 'samplesPerSecond', 'stepSeconds', 'trainDays', 'bound', 'boundResource', 'system', 'passesSource', 'ignoredFields', 'layers']) expect(o, k).toHaveProperty(k);
    expect(o.params).toBe(46_702_792_704);
    expect(o.system).toMatch(/CS-2/);
    expect(o.layers[0]).toHaveProperty('flopPerToken');
  });

  it('conflicting flags are refused by name (exit 2, one line)', () => {
    for (const [args, msg] of [
      [['--batch-seqs', '8', '--batch-tokens', '1M'], /--batch-seqs: not with --batch-tokens/],
      [['--passes', '2', '--micro-batch-seqs', '4'], /--passes: not with --micro-batch-seqs/],
    ] as const) {
      const r = cli('estimate', '--model', 'llama-2-7b', '--systems', '1', '--tokens', '1B', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const long = cli('estimate', '--model', 'gpt-j-6b', '--systems', '1', '--tokens', '1B', '--batch-seqs', '8', '--seq-len', '4096');
    expect(long.code).toBe(2); // a bad flag: exit 2 (README), as fabric's --threads past its columns
    expect(long.stderr).toMatch(/--seq-len: expected an integer in \[1, 2048\]/);
  });

  it('"with attention" only where there is attention: an MLP says why its per-layer count is below 6·P·D', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-mlp-'));
    const file = join(dir, 'mlp.json');
    writeFileSync(file, JSON.stringify({ input: 784, layers: [{ type: 'linear', out: 400 }, { type: 'relu' }, { type: 'linear', out: 10 }] }));
    const r = cli('estimate', '--model', file, '--systems', '1', '--batch-tokens', '1000', '--tokens', '1M');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/with attention/);
    expect(r.stdout).toMatch(/no attention; counted per layer .* \(below 6·P·D: the first layer computes no input gradient/);
    const gpt = cli('estimate', '--model', 'gpt3-small', '--systems', '1');
    expect(gpt.stdout).toMatch(/with attention [0-9.e+]+ \(attention [0-9.e+]+\)/);
  });
});
