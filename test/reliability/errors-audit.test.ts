// Issue 17 item 12, the audit of one-line errors (docs/reliability.md, "Error messages audit"): each row is
// one case the audit found unclear, as a library call or (where the CLI adds the fault) a CLI run, with the
// message it must give now. Every message is one line, names the field or option, is none of
// TypeError/RangeError, and never quotes a file that is not what it claims to be (the marker SECRET).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { makeDirs, makeDirsWhy } from '../../src/io/files.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { modelFromObject, resolveModel as resolvePerfModel } from '../../src/perf/models.js';
import { validateModel } from '../../src/model/validate.js';
import { loadSweepFile, validateSweep, expandSweep } from '../../src/sweep/spec.js';
import { parseSafetensors, readSafetensors, serializeSafetensors, tensorToNumbers } from '../../src/io/safetensors.js';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint } from '../../src/memoryx/checkpoint.js';
import { readInput } from '../../src/report/inputs.js';
import { prepareTrain } from '../../src/cluster/run-train.js';
import { initParams } from '../../src/model/params.js';
import { withSparsity } from '../../src/model/load.js';
import { gpt2ConfigOf } from '../../src/model/hf.js';
import { resultsToCsv } from '../../src/sweep/csv.js';
import { buildReport } from '../../src/report/index.js';
import { claims } from '../../src/perf/claims.js';
import { estimateGpu } from '../../src/perf/gpu.js';
import { loadSpecs } from '../../src/perf/specs.js';
import { runFabric } from '../../src/fabric/run.js';
import { teacherData } from '../../src/data/teacher.js';
import { toTrace } from '../../src/timeline/trace.js';
import { decodeStream } from '../../src/sparse/stream.js';
import { preset } from '../../src/perf/models.js';

const SECRET = 'root:x:0:0:SECRET:/root:/bin/bash\n';
let d = '';
const f = (name: string) => join(d, name);

beforeAll(() => {
  d = mkdtempSync(join(tmpdir(), 'ws-errors-'));
  writeFileSync(f('passwd'), SECRET);
  writeFileSync(f('str.json'), JSON.stringify(SECRET));
  writeFileSync(f('deep.json'), '['.repeat(3000) + ']'.repeat(3000));
  writeFileSync(f('passwd.json'), SECRET);
  writeFileSync(f('deep.yaml'), 'kind: estimate\nbase: ' + '['.repeat(3000) + ']'.repeat(3000) + '\naxes: {}\n');
  writeFileSync(f('deep2.yaml'), '['.repeat(2300) + '"SECRET"' + ']'.repeat(2300));
  writeFileSync(f('directive.yaml'), '%x\u00ffSECRET\nkind: estimate\nbase: {model: gpt3-small}\naxes: {systems: [1]}\n');
  writeFileSync(f('bad.yaml'), 'kind: estimate\nbase: {model: [SECRET\n');
  const h = Buffer.from('{"x":SECRET}');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(f('hdr.safetensors'), Buffer.concat([len, h]));
  writeFileSync(f('trace.json'), JSON.stringify({ traceEvents: [{ ph: 'X', ts: 0, dur: 1, name: 'a' }, null] }));
  writeFileSync(f('trace-ts.json'), JSON.stringify({ traceEvents: [{ ph: 'X', ts: 'soon', dur: 1 }] }));
  writeFileSync(f('heat.json'), JSON.stringify({ rows: -4, cols: 4, values: [1, 2] }));
  writeFileSync(f('loss.json'), JSON.stringify({ loss: [1, { a: 1 }], bytesStreamed: 1 }));
  writeFileSync(f('sweep-data.yaml'), `kind: train\nbase: {model: mlp, steps: 1, data: ${f('passwd')}}\naxes: {seed: [1]}\n`);
  writeFileSync(f('sweep-model.yaml'), `kind: train\nbase: {model: ${f('str.json')}, steps: 1}\naxes: {seed: [1]}\n`);
  writeFileSync(f('a-file'), 'x');
  mkdirSync(f('others'));
  writeFileSync(join(f('others'), 'mine.txt'), 'not the demo\'s\n');
});

/** The error `fn` throws (sync or async); fails the test when it throws none. */
async function errorOf(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

function expectClean(e: Error, pattern: RegExp): void {
  expect(e.name).not.toMatch(/^(TypeError|RangeError|ReferenceError|SyntaxError)$/);
  expect(e.message).not.toContain('\n');
  expect(e.message).not.toMatch(/SECRET|root:x/);
  expect(e.message).toMatch(pattern);
}

// [what the audit found, the call, the message now]
const LIBRARY: Array<[string, () => unknown, RegExp]> = [
  // (e) echoes a file that is not what it claims to be
  ['a JSON string given as a perf model', () => modelFromObject(JSON.parse(JSON.stringify(SECRET)), f('str.json')), /str\.json: expected a GPT preset .*, got a string of 34 characters$/],
  ['a 3000-deep array given as a perf model', () => resolvePerfModel(f('deep.json')), /deep\.json: expected a GPT preset .*, got a list of 1 item$/],
  ['a string given as an engine model', () => validateModel(SECRET), /^model: expected an object, got a string of 34 characters$/],
  ['a password file as a .json sweep', () => loadSweepFile(f('passwd.json')), /^sweep file: expected valid JSON \(a syntax error( at line \d+, column \d+)?\), got "[^"]*passwd\.json"$/],
  ['a password file as a YAML sweep (one string)', () => loadSweepFile(f('passwd')), /^\(sweep file\): expected a mapping with kind, base and axes, got a string of \d+ characters$/],
  ['a YAML syntax error (the parser quotes the line)', () => loadSweepFile(f('bad.yaml')), /bad\.yaml:\d+:\d+: not valid YAML \([a-z ]+\)$/],
  ['a password file as safetensors (its first 8 bytes as a "length")', () => readSafetensors(f('passwd'), '--data'), /passwd: header length: expected at most 26 .*, got "more than the file holds"$/],
  ['a safetensors header that is not JSON', () => readSafetensors(f('hdr.safetensors')), /hdr\.safetensors: header: expected JSON \(a syntax error( at line \d+, column \d+)?\), got "\(unparsable\)"$/],
  ['a safetensors header that is a list', () => parseSafetensors(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 91, 93]), 'h'), /^h: header: expected a JSON object, got a list of 0 items$/],
  // (b) internal TypeError/RangeError text
  ['YAML nested 3000 deep (stack overflow in the parser)', () => loadSweepFile(f('deep.yaml')), /deep\.yaml: not valid YAML: nested too deeply to parse/],
  ['YAML nested 2,300 deep around a string (aborted the process: V8 out of memory in the parser)', () => loadSweepFile(f('deep2.yaml')), /deep2\.yaml: not valid YAML: nested too deeply to parse/],
  ['a trace event that is null', () => readInput(f('trace.json')), /trace\.json: traceEvents\[1\]: expected an event object with ph \(a string\), got null$/],
  ['a trace event with ts "soon"', () => readInput(f('trace-ts.json')), /traceEvents\[0\]\.ts: expected a finite number of microseconds, got a string of 4 characters$/],
  ['a heatmap with negative rows', () => readInput(f('heat.json')), /heat\.json: not a sweep result file, .* fabric heatmap \(rows, cols, values\) or sensitivity \(estimate --sensitivity --json: baseline, rows\); as a heatmap, rows: expected a positive integer, got -4$/],
  ['a training summary with an object as a loss', () => readInput(f('loss.json')), /loss\.json: loss\[1\]: expected a number, got an object with 1 field$/],
  ['a checkpoint payload that is not msgpack', () => decodeCheckpoint(rehash(Buffer.from('\xc1\xc1SECRET', 'latin1'))), /payload cannot be decoded \(not msgpack\), though its hash matches$/],
  ['initParams(undefined)', () => initParams(undefined as never, 0), /^plan: expected an object, got undefined$/],
  ['initParams({})', () => initParams({} as never, 0), /^plan\.params: expected a list, got undefined$/],
  ['withSparsity({}, 0.5)', () => withSparsity({} as never, 0.5), /^model\.layers: expected a list, got undefined$/],
  ['gpt2ConfigOf(null)', () => gpt2ConfigOf(null as never), /^model: expected an object, got null$/],
  ['expandSweep({})', () => expandSweep({} as never), /^sweep\.axes: expected a list, got undefined$/],
  ['validateSweep then expandSweep(42)', () => expandSweep(42 as never), /^sweep: expected an object, got 42$/],
  ['resultsToCsv(undefined)', () => resultsToCsv(undefined as never), /^lines: expected a list, got undefined$/],
  ['buildReport([null])', () => buildReport([null] as never), /^inputs\[0\]: expected an object, got null$/],
  ['claims(null)', () => claims(null as never), /^specs: expected an object, got null$/],
  ['claims({})', () => claims({} as never), /^specs\.cs2: expected an object, got undefined$/],
  ['estimateGpu(model, undefined)', () => estimateGpu(preset('gpt3-small'), undefined as never), /^options: expected an object, got undefined$/],
  ['loadSpecs(null)', () => loadSpecs(null as never), /^--spec: expected a list, got null$/],
  ['perf resolveModel(undefined)', () => resolvePerfModel(undefined as never), /^--model: expected a string, got undefined$/],
  ['runFabric(undefined)', () => runFabric(undefined as never), /^options: expected an object, got undefined$/],
  ['teacherData(null)', () => teacherData(null as never), /^options: expected an object, got null$/],
  ['toTrace(undefined, [])', () => toTrace(undefined as never, [], 1), /^schedule: expected an object, got undefined$/],
  ['decodeStream(undefined)', () => decodeStream(undefined as never), /^stream: expected an object, got undefined$/],
  ['parseSafetensors("x")', () => parseSafetensors('x' as never), /^safetensors: expected the bytes of a safetensors file \(a Uint8Array\), got a string of 1 character$/],
  ['serializeSafetensors(null)', () => serializeSafetensors(null as never), /^tensors: expected an object, got null$/],
  ['serializeSafetensors({__proto__: {}})', () => serializeSafetensors(JSON.parse('{"__proto__":{"x":1}}')), /^tensors\.__proto__\.shape: expected a list, got undefined$/],
  ['tensorToNumbers(undefined)', () => tensorToNumbers(undefined as never), /^tensor: expected an object, got undefined$/],
  ['loadCheckpoint(undefined)', () => loadCheckpoint(undefined as never), /^checkpoint: expected a string, got undefined$/],
  // (c) the wrong field: errors from inside a file named by the file's name as if it were a field
  ['a train config whose data is a password file', () => prepareTrain({ model: 'mlp', data: f('passwd') }), /^data: expected a safetensors file .* or a CSV file .*, got ".*passwd"$/], // a file that is neither is named by path, never by its bytes
  ['a train config whose model file is a JSON string', () => prepareTrain({ model: f('str.json') }), /str\.json: model: expected an object, got a string of 34 characters$/],
  ['a train config whose data is a directory (was "file: ...")', () => prepareTrain({ model: 'mlp', data: d }), /^data: expected a file, not a directory/],
  // (d) errno without a path; (f) a hang
  ['mkdir under a file', () => makeDirs(join(f('a-file'), 'sub'), '--out'), /^--out: expected a directory we can create \(.*a-file is a file\), got /],
  ['an atomic write under /proc (Node\'s recursive mkdir never returns there)', () => writeFileAtomic('/proc/ws-no-such/x/h.json', 'x'), /^cannot write \/proc\/ws-no-such\/x\/h\.json \(mkdir \/proc\/ws-no-such: ENOENT\)$/],
];

/** Checkpoint bytes whose header hash matches `payload` (a payload the decoder must refuse for what it is). */
function rehash(payload: Buffer): Uint8Array {
  const good = encodeCheckpoint({ step: 0, memoryx: { t: 0, optimizer: { kind: 'sgd', lr: 0.1 }, layers: [] }, rng: {}, model: 'm' } as never);
  const out = Buffer.alloc(48 + payload.length);
  Buffer.from(good.subarray(0, 8)).copy(out, 0);
  out.writeBigUInt64LE(BigInt(payload.length), 8);
  createHash('sha256').update(payload).digest().copy(out, 16);
  payload.copy(out, 48);
  return out;
}

describe('error messages audit: library rows', () => {
  it.each(LIBRARY)('%s', async (_what, call, pattern) => {
    if (/\/proc/.test(_what) && !existsSync('/proc/self')) return; // Linux only
    expectClean(await errorOf(call), pattern);
  });

  it('makeDirsWhy makes nested directories and reports none when it did', () => {
    const deep = join(d, 'm', 'n', 'o');
    expect(makeDirsWhy(deep)).toBeUndefined();
    expect(existsSync(deep)).toBe(true);
    expect(makeDirsWhy(deep)).toBeUndefined(); // already there
  });
});

function cli(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { cwd: d, encoding: 'utf8', timeout });
  return { code: r.status, signal: r.signal, stderr: r.stderr, stdout: r.stdout };
}

// [what the audit found, the command line, exit code, the one line on stderr now]
const CLI: Array<[string, () => string[], number, RegExp]> = [
  ['train --model a JSON array (the message was mangled: "--modelaudit/fx/arr.json")', () => ['train', '--model', f('str.json'), '--steps', '1', '--quiet'], 1, /^weightstream: error: --model: .*str\.json: model: expected an object, got a string of 34 characters$/],
  ['train --data a directory (was "file: ...")', () => ['train', '--data', d, '--steps', '1', '--quiet'], 2, /^weightstream: error: --data: expected a file, not a directory/],
  ['sweep: a data file named by its path as the field (was "base./tmp/.../passwd: header length")', () => ['sweep', f('sweep-data.yaml'), '--dry-run', '--quiet'], 1, /^weightstream: error: base\.data: expected a safetensors file .* or a CSV file .*, got ".*passwd"$/],
  ['sweep: a model file of the wrong kind (was "base.SECRET..." or echoed)', () => ['sweep', f('sweep-model.yaml'), '--dry-run', '--quiet'], 1, /^weightstream: error: base\.model: .*str\.json: model: expected an object, got a string of 34 characters$/],
  ['sweep: a YAML directive the parser warns about (the warning quoted the line on stderr)', () => ['sweep', f('directive.yaml'), '--dry-run', '--quiet'], 1, /not valid YAML|^weightstream: error:/],
  ['estimate --gpu constructor (was "gpu: ..." without the dashes)', () => ['estimate', '--model', 'gpt3-small', '--gpu', 'constructor', '--devices', '2'], 2, /^weightstream: error: --gpu: expected one of a100, h100, h200, v100, got "constructor"$/],
  ['estimate --systems 1e30 (was accepted: "on 1e+30 CS-2")', () => ['estimate', '--model', 'gpt3-small', '--systems', '1e30'], 2, /^weightstream: error: --systems: expected an integer >= 1 below 2\^53, got "1e30"$/],
  ['estimate --tokens 1e30 (was accepted: "3e-19 steps")', () => ['estimate', '--model', 'gpt3-small', '--systems', '1', '--tokens', '1e30'], 2, /^weightstream: error: --tokens: expected a finite number >= 1, <= 10000000000000000, got 1e\+30$/],
  ['estimate --batch-tokens past --tokens (was a fraction of a step)', () => ['estimate', '--model', 'gpt3-small', '--systems', '1', '--tokens', '1e9', '--batch-tokens', '2e9'], 2, /^weightstream: error: --batch-tokens: expected at most the training tokens 1000000000 \(a run of at least one step\), got 2000000000$/],
  ['fabric --heatmap "" (was silently no heatmap)', () => ['fabric', '--rows', '2', '--cols', '2', '--in', '4', '--out', '4', '--heatmap', '', '--quiet'], 2, /^weightstream: error: --heatmap: expected a path, got ""$/],
  ['report --out "" (was a report in the current directory)', () => ['report', f('loss.json'), '--out', ''], 2, /^weightstream: error: --out: expected a path, got ""$/],
  ['demo --out a file (was "EEXIST: file already exists, mkdir ...")', () => ['demo', '--quick', '--out', f('a-file'), '--quiet'], 2, /^weightstream: error: --out: expected a directory to write into \(this is a file\)/],
  ['sweep FILE that names no file (was exit 1: a bad argument, not a bad file)', () => ['sweep', f('no-such.yaml'), '--dry-run', '--quiet'], 2, /^weightstream: error: .*no-such\.yaml: cannot read the sweep file \(ENOENT\)$/],
  ['sweep FILE a directory (was exit 1)', () => ['sweep', d, '--dry-run', '--quiet'], 2, /^weightstream: error: sweep file: expected a file, not a directory, got ".*"$/],
  ['report INPUT that names no file, after a good one (was exit 1)', () => ['report', f('loss.json'), f('no-such.json'), '--out', f('r-missing')], 2, /^weightstream: error: .*no-such\.json: cannot read \(ENOENT\)$/],
  ['fabric --heatmap under /proc (hung forever in Node\'s recursive mkdir)', () => ['fabric', '--rows', '2', '--cols', '2', '--in', '4', '--out', '4', '--heatmap', '/proc/ws-no-such/h.json', '--quiet'], 1, /^weightstream: error: cannot write \/proc\/ws-no-such\/h\.json \(mkdir \/proc\/ws-no-such: ENOENT\)$/],
  ['report --out under /proc (hung; then exit 1 at the first chart)', () => ['report', f('heat.json'), '--out', '/proc/ws-no-such'], 2, /^weightstream: error: --out: expected a directory we can create \(mkdir \/proc\/ws-no-such: ENOENT\)/],
  ['demo --out a directory of other files (exit 1, as a refused file)', () => ['demo', '--quick', '--out', f('others'), '--quiet'], 2, /^weightstream: error: --out: expected an empty directory or an earlier demo's \(it holds 1 other file/],
];

describe('error messages audit: CLI rows (the compiled CLI)', () => {
  it.each(CLI)('%s', (_what, args, code, pattern) => {
    if (/\/proc/.test(_what) && !existsSync('/proc/self')) return;
    const t0 = Date.now();
    const r = cli(args(), 30_000);
    expect(r.signal).toBeNull(); // not killed by the timeout: no hang
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code).toBe(code);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET|root:x|TypeError|RangeError|\n\s+at /);
    expect(lines[0]).toMatch(pattern);
  });

  it('train --resume from a checkpoint whose record is short names the record length (was "expected 0 (16640 floats), got \\"0 (16640 floats)\\"")', () => {
    mkdirSync(join(d, 'ck'), { recursive: true });
    const ck = join(d, 'ck', 'c.ckpt');
    expect(cli(['train', '--steps', '2', '--batch', '8', '--checkpoint', ck, '--quiet']).code).toBe(0);
    const c = decodeCheckpoint(readFileSync(ck));
    c.memoryx.layers[0].record = new Float32Array(3);
    writeFileSync(join(d, 'ck', 'short.ckpt'), encodeCheckpoint(c));
    const r = cli(['train', '--steps', '4', '--batch', '8', '--resume', join(d, 'ck', 'short.ckpt'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^weightstream: error: checkpoint\.layers\[0\]\.record\.length: expected \d+ floats \(layer 0: weights and optimizer state\), got 3$/);
  });
});
