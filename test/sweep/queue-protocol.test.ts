// What a worker accepts from the queue (no Redis needed): only a {kind, config} that a sweep file could
// describe, of a kind it takes, naming no file, under the size limit, whose job id is its hash. And the
// --queue URL: redis://, rediss://, env:NAME; the password never printed.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { runHash } from '../../src/sweep/hash.js';
import { redactUrl, resolveQueueUrl, connectFailure } from '../../src/sweep/queue/connection.js';
import { QUEUE_KINDS, validateJob } from '../../src/sweep/queue/protocol.js';
import { runQueuedSweep } from '../../src/sweep/queue/coordinator.js';
import { validateSweep } from '../../src/sweep/spec.js';

const BUILD = '0.1.0+0123456789ab';
const job = (kind: string, config: Record<string, unknown>, build = BUILD) => ({ data: { kind, config, build }, id: runHash(kind, config) });
const refused = async (data: unknown, id: string | undefined, re: RegExp, kinds: readonly string[] = QUEUE_KINDS) => {
  const e = await validateJob(data, id, kinds, BUILD).then(() => undefined, (x: unknown) => x);
  expect(e, `refused: ${JSON.stringify(data)}`).toBeInstanceOf(ValidationError);
  expect((e as Error).message).toMatch(re);
};

describe('validateJob: the worker-side check of every job payload', () => {
  it('accepts what a sweep file can describe, with its hash as id', async () => {
    const ok = job('estimate', { model: 'gpt3-xl', systems: 4 });
    await expect(validateJob(ok.data, ok.id, QUEUE_KINDS, BUILD)).resolves.toEqual(ok.data);
    const f = job('fabric', { rows: 4, cols: 4, batch: 4, in: 16, out: 16 });
    await expect(validateJob(f.data, f.id, QUEUE_KINDS, BUILD)).resolves.toEqual(f.data);
  });

  it('refuses kind module (a worker never imports a file a job names) and kinds outside --kinds', async () => {
    const m = job('module', { x: 1 });
    await refused(m.data, m.id, /^job\.kind: expected one of estimate, fabric, train/);
    const f = job('fabric', { rows: 4, cols: 4, batch: 4, in: 16, out: 16 });
    await refused(f.data, f.id, /^job\.kind: expected one of estimate \(this worker's --kinds\), got "fabric"/, ['estimate']);
  });

  it('refuses configurations that name files: estimate model and spec, train model and data', async () => {
    for (const [kind, config, re] of [
      ['estimate', { model: '/etc/passwd', systems: 1 }, /^model: expected a preset name or an inline model on a queue/],
      ['estimate', { model: '../../secret.json', systems: 1 }, /^model: expected a preset name/],
      ['estimate', { model: 'gpt3-xl', systems: 1, spec: ['/etc/shadow'] }, /^spec: expected no spec files on a queue/],
      ['train', { model: '/tmp/model.json' }, /^model: expected a preset \(/],
      ['train', { data: '/home/user/private.safetensors' }, /^data: expected digits or teacher on a queue/],
    ] as const) {
      const j = job(kind, config);
      await refused(j.data, j.id, re);
    }
  });

  it('refuses bad shapes, unknown fields, a job id that is not the hash, and oversized payloads', async () => {
    const ok = job('estimate', { model: 'gpt3-xl', systems: 4 });
    await refused(ok.data, 'not-the-hash', /^job id: expected the hash of the job's configuration/);
    await refused({ ...ok.data, run: 'rm -rf /' }, ok.id, /^job: expected exactly the fields kind, config and build/);
    await refused([ok.data], ok.id, /^job: expected \{kind, config\}/);
    await refused(null, ok.id, /^job: expected \{kind, config\}/);
    // a job of the build before (no build field) and one another build enqueued: refused, naming both builds
    await refused({ kind: 'estimate', config: ok.data.config }, ok.id, /^job: expected exactly the fields kind, config and build/);
    const other = job('estimate', { model: 'gpt3-xl', systems: 4 }, '0.1.0+ffffffffffff');
    await refused(other.data, other.id, /^job\.build: expected this worker's build 0\.1\.0\+0123456789ab: the sweep was enqueued by another build, .*got "0\.1\.0\+ffffffffffff"$/);
    const typo = job('estimate', { model: 'gpt3-xl', systemz: 4 });
    await refused(typo.data, typo.id, /systemz: unknown field for an estimate run/);
    const bad = job('estimate', { model: 'gpt3-xl', systems: -1 });
    await refused(bad.data, bad.id, /^base\.systems: expected a positive integer, got -1/);
    // A payload as it arrives from Redis (JSON.parse): a __proto__ key is refused and pollutes nothing.
    const polluted = JSON.parse(`{"kind": "estimate", "config": {"__proto__": {"polluted": 1}, "model": "gpt3-xl", "systems": 1}, "build": "${BUILD}"}`) as { kind: string; config: Record<string, unknown> };
    await refused(polluted, runHash('estimate', polluted.config), /^job\.config\.__proto__: expected no such key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const big = job('estimate', { model: 'gpt3-xl', systems: 1, detail: 'x'.repeat(1 << 20) });
    await refused(big.data, big.id, /^job: expected at most 1048576 bytes/);
  });
});

describe('--queue URL', () => {
  it('takes redis://, rediss:// and env:NAME; refuses anything else in one line', () => {
    expect(resolveQueueUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(resolveQueueUrl('rediss://u:p@h:6380/2')).toBe('rediss://u:p@h:6380/2');
    expect(resolveQueueUrl('env:MY_Q', { MY_Q: 'redis://:pw@h:1' })).toBe('redis://:pw@h:1');
    expect(() => resolveQueueUrl('env:MY_Q', {})).toThrow(/^--queue: environment variable MY_Q is not set/);
    expect(() => resolveQueueUrl('http://h:1')).toThrow(/^--queue: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/h:1"$/);
    expect(() => resolveQueueUrl('sweep.yaml')).toThrow(/^--queue: expected redis:\/\/\[user:pass@\]host:port\[\/db\], rediss:\/\/\.\.\. or env:NAME/);
    expect(() => resolveQueueUrl('redis://h:1/x')).toThrow(/^--queue: expected a database number/);
    // ?db=99 reached the client but not the database check (which reads the path): the sweep ran in database 0
    expect(() => resolveQueueUrl('redis://h:1?db=99')).toThrow('--queue: expected no ?query or #fragment (a database goes after the port: redis://host:port/N), got "redis://h:1?db=99"');
    expect(() => resolveQueueUrl('redis://:pw@h:1/2?password=x')).toThrow(/^(?!.*pw@).*no \?query/);
  });

  it('never prints the password', () => {
    expect(redactUrl('redis://:s3cret@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(redactUrl('rediss://alice:s3cret@h:6380')).toBe('rediss://alice:***@h:6380');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(() => resolveQueueUrl('ftp://:s3cret@h')).toThrow(/^(?!.*s3cret)/);
    expect(connectFailure('redis://:***@h:1', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'cannot reach Redis at redis://:***@h:1: connection refused (is redis-server running on that port?)',
    );
    // an HTTP server on the port: ioredis's own words were "Protocol error, got "H" as reply type byte. Please report this."
    expect(connectFailure('redis://h:1', new Error('Protocol error, got "H" as reply type byte. Please report this.'))).toBe(
      "cannot reach Redis at redis://h:1: the server there does not speak Redis's protocol (another service on that port, or one that expects TLS: rediss://?)",
    );
  });
});

describe('runQueuedSweep: its options refused before Redis is asked', () => {
  const spec = validateSweep({ kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { systems: [1, 2] } });
  const out = join(mkdtempSync(join(tmpdir(), 'ws-qopts-')), 'runs.jsonl');
  const url = 'redis://127.0.0.1:1'; // never reached: the refusal comes first

  it('refuses an onProgress or onLog that is not a function', async () => {
    await expect(runQueuedSweep(spec, { out, url, onProgress: 5 as never })).rejects.toThrow(/^onProgress: expected a function, got 5$/);
    await expect(runQueuedSweep(spec, { out, url, onLog: 'x' as never })).rejects.toThrow(/^onLog: expected a function, got "x"$/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an out that is missing or a directory, naming out', async () => {
    await expect(runQueuedSweep(spec, { url } as never)).rejects.toThrow(/^out: expected a string, got undefined$/);
    await expect(runQueuedSweep(spec, { out: tmpdir(), url })).rejects.toThrow(/^out: expected a file to write, not a directory, got "/);
  });
});
