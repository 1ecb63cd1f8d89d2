// The fuzzing harness (issue 17): malformed model JSON, sweep files, specs, HF configs, safetensors
// headers and checkpoints, fed to the library entry points (many) and to the CLI as child processes
// (fewer). `npm test` runs a fixed-seed subset; `npm run fuzz` runs FUZZ_RUNS cases per target with a
// fresh seed (FUZZ_SEED to replay one) and prints the figures docs/reliability.md quotes.
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { validateModel } from '../../src/model/validate.js';
import { compileModel } from '../../src/model/compile.js';
import { modelFromObject } from '../../src/perf/models.js';
import { estimate } from '../../src/perf/estimate.js';
import { validateSpec, defaultSpecs } from '../../src/perf/specs.js';
import { validateSweep, expandSweep, runCount } from '../../src/sweep/spec.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/memoryx/checkpoint.js';
import { CHECKPOINT_SEED, GPT_SEED, HF_SEED, MODEL_SEED, SECRET_MARK, SPEC_SEED, SWEEP_SEED, foreignFile, hostile, malformed, safetensorsBytes } from './arbitraries.js';
import { foreignFileReaders, hostileArgumentCalls } from './targets.js';
import { cliProperty, figures, libraryProperty } from './properties.js';

const LONG = process.env.FUZZ_RUNS !== undefined;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const CLI_RUNS = Number(process.env.FUZZ_CLI_RUNS ?? (LONG ? Math.max(10, RUNS / 20) : 2));
const SEED = Number(process.env.FUZZ_SEED ?? (LONG ? Date.now() % 2 ** 31 : 17));
const params = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

const memoryx = defaultSpecs().memoryx;

describe(`fuzz: library entry points (seed ${SEED}, ${RUNS} cases each)`, () => {
  // A long run (FUZZ_RUNS) needs more than the default 60 s per property.
  const T = Math.max(60_000, RUNS * 100);
  it('model JSON: validateModel, then compile what it accepts', () => {
    fc.assert(fc.property(malformed(MODEL_SEED), (raw) => libraryProperty('model JSON', () => compileModel(validateModel(raw)))), params(RUNS));
  }, T);
  it('HF configs and GPT presets: modelFromObject, then an estimate on 1 system', () => {
    const seeds = fc.oneof(malformed(HF_SEED), malformed(GPT_SEED), malformed(MODEL_SEED));
    fc.assert(fc.property(seeds, (raw) => libraryProperty('HF config / GPT preset', () => estimate(modelFromObject(raw, 'config.json'), { systems: 1, tokens: 1e9, batchTokens: 4096 }))), params(RUNS));
  }, T);
  it('hardware specs: validateSpec against a base', () => {
    fc.assert(fc.property(malformed(SPEC_SEED), (raw) => libraryProperty('spec', () => validateSpec(raw, 'spec.json', memoryx))), params(RUNS));
  }, T);
  it('sweep files: validateSweep, then expand', () => {
    fc.assert(fc.property(malformed(SWEEP_SEED), (raw) => libraryProperty('sweep file', () => {
      const s = validateSweep(raw);
      if (runCount(s) <= 10_000) expandSweep(s);
      if (({} as Record<string, unknown>).systems !== undefined) throw new TypeError('Object.prototype was polluted');
    })), params(RUNS));
  }, T);
  it('safetensors headers: parseSafetensors', () => {
    fc.assert(fc.property(safetensorsBytes, (bytes) => libraryProperty('safetensors header', () => parseSafetensors(bytes, 'w.safetensors'))), params(RUNS));
  }, T);
  it('checkpoints (valid hash, malformed fields): decodeCheckpoint', () => {
    fc.assert(fc.property(malformed(CHECKPOINT_SEED), (c) => libraryProperty('checkpoint', () => {
      let bytes: Uint8Array;
      try {
        bytes = encodeCheckpoint(c as Parameters<typeof encodeCheckpoint>[0]);
      } catch {
        return; // not encodable: nothing to decode
      }
      decodeCheckpoint(bytes, 'ck');
    })), params(RUNS));
  }, T);
  it('checkpoints (flipped bytes): decodeCheckpoint', () => {
    const good = encodeCheckpoint(CHECKPOINT_SEED as Parameters<typeof encodeCheckpoint>[0]);
    const flips = fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(flips, fc.nat({ max: good.length }), (fl, cut) => libraryProperty('checkpoint bytes', () => {
      const b = good.slice(0, cut % 3 === 0 ? cut : good.length);
      for (const [i, x] of fl) if (i < b.length) b[i] ^= x;
      decodeCheckpoint(b, 'ck');
    })), params(RUNS));
  }, T);
});

describe(`fuzz: files of the wrong kind and malformed arguments (seed ${SEED}, ${RUNS} cases each)`, () => {
  const T = Math.max(60_000, RUNS * 200);
  const dir = mkdtempSync(join(tmpdir(), 'ws-fuzz-foreign-'));
  it('a file that is not what it claims, given to every reader: refused by name, its contents never echoed', () => {
    const readers = foreignFileReaders();
    fc.assert(fc.property(foreignFile, fc.nat({ max: readers.length - 1 }), (bytes, r) => {
      const [name, ext, read] = readers[r];
      const file = join(dir, `f${ext}`);
      writeFileSync(file, bytes);
      libraryProperty(`wrong-kind file: ${name}`, () => read(file));
      try {
        read(file);
      } catch (e) {
        if (String((e as Error).message).includes(SECRET_MARK)) throw new Error(`${name}: echoes the file: ${(e as Error).message}`);
      }
    }), params(RUNS));
  }, T);
  it('library entry points given hostile arguments: an error of ours naming the argument, never a TypeError', () => {
    const calls = hostileArgumentCalls();
    fc.assert(fc.property(hostile, fc.nat({ max: calls.length - 1 }), (arg, i) => libraryProperty('hostile argument', () => calls[i][1](arg))), params(RUNS));
  }, T);
});

describe(`fuzz: the CLI as a child process (seed ${SEED}, ${CLI_RUNS} cases each)`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-fuzz-'));
  const tmp = mkdtempSync(join(tmpdir(), 'ws-fuzz-tmp-'));
  const text = (v: unknown) => {
    try {
      return JSON.stringify(v) ?? 'null';
    } catch {
      return '{';
    }
  };
  it('estimate --model FILE (HF config, GPT preset or engine model) and --spec FILE', () => {
    fc.assert(fc.property(fc.oneof(malformed(HF_SEED), malformed(GPT_SEED), malformed(MODEL_SEED)), malformed(SPEC_SEED), (model, spec) => {
      writeFileSync(join(dir, 'model.json'), text(model));
      writeFileSync(join(dir, 'spec.json'), text(spec));
      cliProperty('CLI estimate', ['estimate', '--model', './model.json', '--systems', '2', '--tokens', '1e9', '--batch-tokens', '4096', '--spec', 'spec.json'], dir, [join(dir, 'model.json'), join(dir, 'spec.json')], tmp);
    }), params(CLI_RUNS));
  }, CLI_RUNS * 20_000);
  it('sweep FILE --dry-run', () => {
    fc.assert(fc.property(malformed(SWEEP_SEED), (sweep) => {
      writeFileSync(join(dir, 'sweep.json'), text(sweep));
      cliProperty('CLI sweep', ['sweep', 'sweep.json', '--dry-run', '--out', 'r.jsonl'], dir, [join(dir, 'sweep.json')], tmp);
    }), params(CLI_RUNS));
  }, CLI_RUNS * 20_000);
  it('train --init FILE (malformed safetensors)', () => {
    fc.assert(fc.property(safetensorsBytes, (bytes) => {
      writeFileSync(join(dir, 'init.safetensors'), bytes);
      cliProperty('CLI train --init', ['train', '--init', 'init.safetensors', '--steps', '1', '--quiet'], dir, [join(dir, 'init.safetensors')], tmp);
    }), params(Math.max(1, Math.floor(CLI_RUNS / 2))));
  }, CLI_RUNS * 20_000);
});

afterAll(() => {
  if (!LONG) return;
  const rows = Object.entries(figures).map(([t, f]) => `| ${t} | ${f.cases} | ${f.accepted} | ${f.refused} |`);
  process.stdout.write(`\nfuzz figures (seed ${SEED}):\n| target | cases | accepted | refused |\n|---|---|---|---|\n${rows.join('\n')}\n`);
});
