// The library refuses what the CLI refuses, by name, before any work (found by an adversarial pass over
// the Node API, 2026-12-07): values that used to come back as nonsense (negative counts, NaN, Infinity) or
// fail late inside a worker, and option fields that were silently ignored.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/data/index.js';
import { createCluster } from '../../src/cluster/engine.js';
import { withTestHooks } from '../../src/cluster/hooks.js';
import { runTrain } from '../../src/cluster/run-train.js';
import { gptPreset } from '../../src/model/load.js';
import { trainReference } from '../../src/train/reference.js';
import { encodeBytes } from '../../src/data/text.js';
import { teacherData } from '../../src/data/teacher.js';
import { fabricModelEfficiency } from '../../src/fabric/efficiency.js';
import { decoderParamCount } from '../../src/model/hf/arch.js';
import { gpt2ParamCount } from '../../src/model/hf/gpt2.js';
import { claims } from '../../src/perf/claims.js';
import { estimate } from '../../src/perf/estimate.js';
import { preset } from '../../src/perf/models.js';
import { eventSeconds, hardwareRates } from '../../src/perf/rates.js';
import { defaultSpecs } from '../../src/perf/specs.js';

const said = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('at scale', () => {
  it('claims: a long weekend and a cluster size the CLI would refuse, and unknown options', () => {
    expect(said(() => claims(defaultSpecs(), { longWeekendDays: 0 }))).toBe('longWeekendDays: expected a finite number >= 0.01, <= 1000, got 0');
    expect(said(() => claims(defaultSpecs(), { longWeekendDays: NaN }))).toMatch(/^longWeekendDays: expected a finite number/);
    expect(said(() => claims(defaultSpecs(), { systems: 0 }))).toBe('systems: expected an integer >= 1, got 0');
    expect(said(() => claims(defaultSpecs(), { weekend: 3 } as never))).toMatch(/^weekend: unknown field for claims options/);
  });

  it('estimate: a misspelt option is refused, not ignored (tokens is trainTokens here)', () => {
    expect(said(() => estimate(preset('gpt3-xl'), { systems: 1, tokens: 1e9 } as never))).toMatch(/^tokens: unknown field for an estimate \(expected one of systems, sparsity, trainTokens,/);
  });

  it('hardware rates and event times: systems, bytes, flop, efficiency and kind', () => {
    const specs = defaultSpecs();
    for (const n of [0, -1, NaN, 1.5]) expect(said(() => hardwareRates(specs, n))).toMatch(/^systems: expected an integer >= 1/);
    const r = hardwareRates(specs, 1);
    expect(said(() => eventSeconds(r, 'streamFwd', -100, 0, 0.3))).toBe('bytes: expected a finite number >= 0, got -100');
    expect(said(() => eventSeconds(r, 'forward', 0, 1e9, 0))).toBe('efficiency: expected a number in (0, 1], got 0');
    expect(said(() => eventSeconds(r, 'bogus' as never, 1, 1, 0.5))).toMatch(/^kind: expected one of streamFwd/);
    expect(eventSeconds(r, 'forward', 0, 1e9, 0.5)).toBeGreaterThan(0);
  });

  it('parameter counts: no negative or NaN count from a bad shape', () => {
    expect(said(() => gpt2ParamCount(-12, 768, 3072, 1024, 50257, true))).toBe('n_layer: expected an integer >= 1, got -12');
    expect(said(() => gpt2ParamCount(12, 768, 3072, 1024, 50257, 'yes' as never))).toBe('tie_word_embeddings: expected true or false, got "yes"');
    expect(gpt2ParamCount(12, 768, 3072, 1024, 50257, true)).toBe(124_439_808); // GPT-2 small
    expect(said(() => decoderParamCount({} as never))).toBe('arch.nLayer: expected an integer >= 1, got undefined');
  });
});

describe('the fabric closed form', () => {
  it('refuses a mesh of no whole positive size and a non-positive batch, as the simulator does', () => {
    const shape = { B: 64, K: 64, N: 64 };
    expect(said(() => fabricModelEfficiency(shape, 0.5, { rows: -4, cols: 4 }))).toBe('rows: expected an integer >= 1, got -4');
    expect(said(() => fabricModelEfficiency(shape, 0.5, { rows: 2.5, cols: 4 }))).toBe('rows: expected an integer >= 1, got 2.5');
    expect(said(() => fabricModelEfficiency({ ...shape, B: 0 }, 0.5, { rows: 4, cols: 4 }))).toBe('shape.B: expected a finite number >= 1, got 0');
    // a mean batch (tokens per system of the at-scale model) need not be whole
    expect(fabricModelEfficiency({ ...shape, B: 20833.5 }, 0, { rows: 4, cols: 4 }).efficiency).toBeGreaterThan(0);
  });
});

describe('data and training', () => {
  it('teacher data and encodeBytes refuse what they would misread', () => {
    expect(said(() => teacherData({ input: 8 } as never))).toMatch(/^input: unknown field for teacher data/);
    expect(said(() => encodeBytes(42 as never))).toBe('text: expected a string, got 42');
  });

  it("cluster.train: a label past the classes, AdamW's eps 0 and an unknown option are refused before the first step", async () => {
    const cluster = await createCluster({ systems: 1 });
    try {
      const model = { input: 4, layers: [{ type: 'linear' as const, out: 3 }] };
      const split = (y: number[]) => ({ x: new Float32Array(4 * y.length), y: Int32Array.from(y), n: y.length });
      const data = (y: number[]) => ({ name: 'code', features: 4, classes: 3, train: split(y), test: null, source: 'made in the test' });
      const sgd = { kind: 'sgd' as const, lr: 0.1 };
      await expect(cluster.train(model, data([0, 1, 7, 2]), { steps: 2, batch: 4, optimizer: sgd })).rejects.toThrow('data.train.y[2]: expected a class in [0, 3), got 7');
      await expect(cluster.train(model, data([0, 1, 2, 2]), { steps: 2, batch: 4, optimizer: { kind: 'adamw', lr: 0.1, eps: 0 } })).rejects.toThrow('optimizer.eps: expected a finite number > 0, got 0');
      await expect(cluster.train(model, data([0, 1, 2, 2]), { steps: 2, batch: 4, optimizer: sgd, stesp: 4 } as never)).rejects.toThrow(/^stesp: unknown field for a training run/);
      // an optimizer field we do not know was ignored: torch.optim's spellings trained with the defaults
      const opt = (o: object) => cluster.train(model, data([0, 1, 2, 2]), { steps: 2, batch: 4, optimizer: o as never });
      await expect(opt({ kind: 'adamw', lr: 0.1, weight_decay: 0.9 })).rejects.toThrow('optimizer.weight_decay: unknown field for adamw (weightDecay is its name here; expected one of kind, lr, beta1, beta2, eps, weightDecay), got 0.9');
      await expect(opt({ kind: 'adamw', lr: 0.1, betas: [0.1, 0.2] })).rejects.toThrow(/^optimizer\.betas: unknown field for adamw \(beta1 and beta2 are its names here;/);
      await expect(opt({ kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true })).rejects.toThrow(/^optimizer\.nesterov: unknown field for sgd \(Nesterov momentum is not modelled; expected one of kind, lr, momentum, weightDecay\)/);
      await expect(opt({ kind: 'sgd', lr: 0.1, beta1: 0.9 })).rejects.toThrow(/^optimizer\.beta1: unknown field for sgd \(expected one of/);
      const ok = await cluster.train(model, data([0, 1, 2, 2]), { steps: 2, batch: 4, optimizer: sgd });
      expect(ok.loss).toHaveLength(2);
    } finally {
      await cluster.close();
    }
  }, 60_000);

  it('close() during a run stops it at a step\'s end and waits for it (it resolved at once, and the run went on on new threads); train() after it is refused', async () => {
    const cluster = await createCluster({ systems: 2 });
    const model = { input: 4, layers: [{ type: 'linear' as const, out: 3 }] };
    const split = { x: new Float32Array(4 * 8), y: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), n: 8 };
    const data = { name: 'code', features: 4, classes: 3, train: split, test: null, source: 'made in the test' };
    let steps = 0;
    let closed: Promise<void> | undefined;
    const run = cluster.train(model, data, { steps: 1_000_000, batch: 8, optimizer: { kind: 'sgd', lr: 0.1 }, onStep: (k) => ((steps = k + 1), k === 20 && (closed = cluster.close())) });
    await expect(run).rejects.toThrow(/^cluster: closed during training: stopped before step 21 of 1000000; MemoryX held the state after step 20$/);
    await closed;
    expect(steps).toBe(21);
    await expect(cluster.train(model, data, { steps: 2, batch: 8, optimizer: { kind: 'sgd', lr: 0.1 } })).rejects.toThrow('cluster: closed (close() was called): create another to train');
  }, 60_000);

  it('flashPath: an existing file is refused, never overwritten (it was truncated to the weights); a new one is made for each run and removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-flash-'));
    const precious = join(dir, 'precious.txt');
    writeFileSync(precious, 'my precious data\n');
    const model = { input: 64, layers: [{ type: 'linear' as const, out: 48 }, { type: 'relu' as const }, { type: 'linear' as const, out: 10 }] };
    const opts = { steps: 2, batch: 16, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    const mine = await createCluster({ systems: 1, dramBytes: 2.8e4, flashPath: precious });
    try {
      await expect(mine.train(model, loadDigits(), opts)).rejects.toThrow(`flashPath: expected a file that does not exist yet (MemoryX creates its flash tier and removes it at the end; it would overwrite this one), got ${JSON.stringify(precious)}`);
    } finally {
      await mine.close();
    }
    expect(readFileSync(precious, 'utf8')).toBe('my precious data\n');
    const fresh = join(dir, 'tier.flash');
    const c = await createCluster({ systems: 1, dramBytes: 2.8e4, flashPath: fresh });
    try {
      for (let k = 0; k < 2; k++) {
        const r = await c.train(model, loadDigits(), opts);
        expect(r.memoryx.tiers).toContain('flash');
        expect(existsSync(fresh)).toBe(false);
      }
    } finally {
      await c.close();
    }
    await expect(createCluster({ systems: 1, flashPath: 42 } as never)).rejects.toThrow('flashPath: expected a string, got 42');
  }, 60_000);

  it('cluster.train refuses, before the first step, options of the wrong type, paths it cannot write, and combinations it would ignore (some were refused after the last step, some taken the wrong way)', async () => {
    const cluster = await createCluster({ systems: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'ws-opts-'));
    let stepped = 0;
    const o = (x: object) => ({ steps: 3, batch: 8, optimizer: { kind: 'sgd' as const, lr: 0.1 }, onStep: () => stepped++, ...x }) as never;
    const data = teacherData({ samples: 64, features: 8, classes: 4, seed: 1 });
    const model = { input: 8, layers: [{ type: 'linear' as const, out: 4 }] };
    try {
      const refused = async (x: object) => cluster.train(model, data, o(x)).then(() => 'accepted', (e: Error) => e.message);
      expect(await refused({ shuffle: 'false' })).toBe('shuffle: expected true or false, got "false"'); // it shuffled
      expect(await refused({ evaluate: 'no' })).toBe('evaluate: expected true or false, got "no"');
      expect(await refused({ prefetch: 0 })).toBe('prefetch: expected true or false, got 0');
      expect(await refused({ checkpoint: 123 })).toBe('checkpoint: expected a string, got 123'); // after 3 of 3 steps, as "path"
      expect(await refused({ checkpoint: dir })).toBe(`checkpoint: expected a file to write, not a directory, got ${JSON.stringify(dir)}`);
      expect(await refused({ trace: dir })).toBe(`trace: expected a file to write, not a directory, got ${JSON.stringify(dir)}`);
      expect(await refused({ checkpointEvery: 2 })).toBe('checkpointEvery: expected a checkpoint file to write to, got 2'); // it wrote nothing
      expect(await refused({ checkpoint: join(dir, 'c.ckpt'), checkpointEvery: -1 })).toMatch(/^checkpointEvery: expected an integer >= 1, got -1/);
      expect(await refused({ resume: join(dir, 'c.ckpt'), init: [] })).toMatch(/^init: expected no init with resume/); // init was ignored
      expect(await refused({ onEvent: 'x' })).toBe('onEvent: expected a function, got "x"');
      expect(await refused({ specs: {} })).toMatch(/^specs\.cs2: expected a spec as loadSpecs\(\) gives it/);
      const noTest = teacherData({ samples: 64, features: 8, classes: 4, seed: 1, testFraction: 0 });
      expect(await cluster.train(model, noTest, o({ evaluate: true })).then(() => 'accepted', (e: Error) => e.message)).toBe('evaluate: expected data with a test split to evaluate on (this data has none), got true'); // testAccuracy null, without a word
      expect(stepped).toBe(0);
      expect((await cluster.train(model, data, o({ checkpoint: join(dir, 'c.ckpt'), checkpointEvery: 2 }))).loss).toHaveLength(3);
    } finally {
      await cluster.close();
    }
    await expect(createCluster({ systems: 1, flavor: 'relase' } as never)).rejects.toThrow('flavor: expected one of release, debug, got "relase"');
  }, 60_000);

  it('runTrain refuses a save, checkpoint or trace it cannot write before training (the trained weights were lost at the end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-save-'));
    const base = { model: 'mlp', data: 'teacher', steps: 2, batch: 8 };
    await expect(runTrain({ ...base, save: dir })).rejects.toThrow(`save: expected a file to write, not a directory, got ${JSON.stringify(dir)}`);
    await expect(runTrain({ ...base, save: 5 } as never)).rejects.toThrow('save: expected a string, got 5');
    await expect(runTrain({ ...base, trace: join(dir, 'a'), checkpoint: join(dir, 'a') })).rejects.toThrow(/^checkpoint: expected a path distinct from trace /);
  });

  it('a TokenDataset made in code: an id past the vocabulary, a non-integer id and rows short of n are refused by place before the first step', async () => {
    const T = 64;
    const W = T + 1;
    const ds = (tokens: Int32Array | number[], n: number) => ({ kind: 'tokens' as const, name: 'handmade', source: 'code', seqLen: T, vocab: 256, train: { tokens: tokens as Int32Array, n }, test: null });
    const good = new Int32Array(8 * W).map((_, i) => i % 256);
    const bad = good.slice();
    bad[W + 3] = 300; // row 1, position 3: an input only, never a label (it read a row past the embedding table)
    const opts = { steps: 1, batch: 4, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    const c = await createCluster({ systems: 1 });
    try {
      await expect(c.train(gptPreset('gpt-nano')!, ds(bad, 8), opts)).rejects.toThrow('handmade: tokens[1, 3]: expected a token id in [0, 256) (vocab_size), got 300');
      const frac = [...good] as number[];
      frac[5] = 1.5;
      await expect(c.train(gptPreset('gpt-nano')!, ds(frac, 8), opts)).rejects.toThrow('handmade: tokens[0, 5]: expected a token id in [0, 256) (vocab_size), got 1.5');
      await expect(c.train(gptPreset('gpt-nano')!, ds(good.subarray(0, 2 * W), 8), opts)).rejects.toThrow(`handmade: tokens.length: expected N·(T+1) = 8·${W}, got ${2 * W}`); // it blamed T
      // shorter sequences than n_positions: the model's seqLen says so (the refusal tells how)
      const short = { ...ds(new Int32Array(8 * 33), 8), seqLen: 32 };
      await expect(c.train(gptPreset('gpt-nano')!, short, opts)).rejects.toThrow(/^data\.seqLen: expected the model's sequence length 64 \(a model trains on shorter sequences with its seqLen set to theirs: \{ \.\.\.model, seqLen: 32 \}\), got 32$/);
      expect((await c.train({ ...gptPreset('gpt-nano')!, seqLen: 32 }, short, opts)).loss).toHaveLength(1);
    } finally {
      await c.close();
    }
    expect(() => trainReference(gptPreset('gpt-nano')!, ds(bad, 8), opts)).toThrow('handmade: tokens[1, 3]: expected a token id in [0, 256) (vocab_size), got 300');
  }, 60_000);

  it('cluster.train names its own fields, not the CLI flags (it said --data and --steps)', async () => {
    const c = await createCluster({ systems: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'ws-names-'));
    const model = { input: 8, layers: [{ type: 'linear' as const, out: 4 }] };
    const data = teacherData({ samples: 64, features: 8, classes: 4, seed: 1 });
    const opts = { steps: 2, batch: 8, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    try {
      const tokens = { kind: 'tokens' as const, name: 'handmade', source: 'code', seqLen: 4, vocab: 8, train: { tokens: new Int32Array(5 * 8), n: 8 }, test: null };
      await expect(c.train(model, tokens, opts)).rejects.toThrow(/^data: expected features \(8 per sample\) for this model, not token sequences, got "handmade"$/);
      await c.train(model, data, { ...opts, checkpoint: join(dir, 'a.ckpt') });
      await expect(c.train(model, data, { ...opts, resume: join(dir, 'a.ckpt') })).rejects.toThrow(/^steps: expected more than the checkpoint's step 2 \(with resume, steps is the total;/);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('trainReference refuses an unknown option and a boolean given as a string (a misspelt stpes trained 3 steps; "false" shuffled)', () => {
    const data = teacherData({ samples: 64, features: 8, classes: 4, seed: 1 });
    const model = { input: 8, layers: [{ type: 'linear' as const, out: 4 }] };
    const opts = { steps: 2, batch: 8, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    expect(said(() => trainReference(model, data, { ...opts, stpes: 100 } as never))).toMatch(/^stpes: unknown field for a reference run/);
    expect(said(() => trainReference(model, data, { ...opts, shuffle: 'false' } as never))).toBe('shuffle: expected true or false, got "false"');
  });

  it('runs on one cluster go one at a time: a system that dies in the first while a second waits no longer hangs both, nor close()', async () => {
    const c = await createCluster({ systems: 2 });
    const data = teacherData({ samples: 256, features: 8, classes: 4, hidden: 8, seed: 1 });
    const model = { input: 8, layers: [{ type: 'linear' as const, out: 16 }, { type: 'relu' as const }, { type: 'linear' as const, out: 4 }] };
    const opts = { steps: 5, batch: 8, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    const order: string[] = [];
    const p1 = c.train(model, data, withTestHooks({ ...opts, onStep: () => order.push('a') }, { faultInjection: { system: 1, step: 2, layer: 0, kind: 'exit' } }));
    const p2 = c.train(model, data, { ...opts, onStep: () => order.push('b') });
    const [r1, r2] = await Promise.all([p1, p2]);
    expect([r1.retries, r2.retries]).toEqual([1, 0]);
    expect(r2.loss).toEqual(r1.loss); // the retried step gave the same numbers
    expect(order.join('')).toBe('aaaaabbbbb');
    await c.close();
  }, 60_000);

  it('createCluster refuses a field it does not know (dramBytez ran all in DRAM)', async () => {
    await expect(createCluster({ systems: 1, dramBytez: 1e5 } as never)).rejects.toThrow('dramBytez: unknown field for a cluster (expected one of systems, fanIn, waferSramBytes, dramBytes, flashPath, retries, flavor), got 100000');
  });
});
