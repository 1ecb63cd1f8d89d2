// Queued sweeps when something is wrong, with real servers and the real CLI: Redis unreachable, silent,
// password missing or wrong, a bad --queue, a queue serving another sweep file: one line each, exit 1
// or 2, within the connect timeout, no stack trace. And: enqueueing twice creates nothing new, and a
// hostile job planted in the queue is refused by the worker and recorded as that run's error line.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildId } from '../../src/build.js';
import { queueName } from '../../src/sweep/queue/protocol.js';
import { expandSweep, loadSweepFile } from '../../src/sweep/spec.js';
import { cli, freePort, haveRedisServer, lineCount, startRedis, until, type RedisServer } from './fixtures/redis.js';

// Needs a real redis-server: the project's one rule for outside tools (test/helpers/outside.ts).
const haveRedis = haveRedisServer('queued-sweep failures vs a real redis-server');

const dir = mkdtempSync(join(tmpdir(), 'ws-queue-err-'));
let redis: RedisServer;
let locked: RedisServer;

function sweepFile(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const small = () => sweepFile('small.yaml', 'kind: estimate\nname: small\naxes:\n  model: [gpt3-small, gpt3-xl]\n  systems: [1, 2, 4]\n');

/** Runs the CLI to its end; returns exit code, stderr and seconds taken. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const t0 = Date.now();
  const c = cli(args, env, dir);
  const { code } = await c.exited;
  return { code, stderr: c.stderr(), stdout: c.stdout(), seconds: (Date.now() - t0) / 1000 };
}

/** Exactly one line on stderr, no stack trace. */
function oneLine(stderr: string, re: RegExp) {
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(re);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe.skipIf(!haveRedis)('queued sweeps: failures are one line, never a hang', () => {
  beforeAll(async () => {
    [redis, locked] = await Promise.all([startRedis(), startRedis(['--requirepass', 's3cret-pw'], 's3cret-pw')]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), locked?.stop()]);
  });

  it('Redis unreachable, or a port that never answers: exit 1, one line, within the 5 s connect timeout', async () => {
    const port = await freePort();
    // A server that accepts the connection and says nothing.
    const silent: Server = createServer(() => {});
    const sport = await new Promise<number>((res) => silent.listen(0, '127.0.0.1', () => res((silent.address() as { port: number }).port)));
    try {
      const [r, w] = await Promise.all([
        run(['sweep', small(), '--out', 'x.jsonl', '--queue', `redis://127.0.0.1:${port}`]),
        run(['worker', '--queue', `redis://127.0.0.1:${sport}`, '--concurrency', '1']),
      ]);
      expect(r.code).toBe(1);
      oneLine(r.stderr, new RegExp(`^weightstream: error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: connection refused`));
      expect(w.code).toBe(1);
      oneLine(w.stderr, /cannot reach Redis at .*: no answer within 5 s/);
      // Bounded: no longer than an instant failure (same start-up cost, side by side) plus the 5 s timeout and a margin.
      expect(w.seconds).toBeLessThan(r.seconds + 10);
      expect(w.seconds).toBeGreaterThan(4);
    } finally {
      silent.close();
    }
  }, 150_000);

  // (the worker used to retry until killed, and the sweep to fill database 0 and wait: this test's timeout catches both)
  it('a database the server does not have (/99 of 16): exit 1, one line, from the sweep and the worker alike', async () => {
    const url = `redis://127.0.0.1:${redis.port}/99`;
    const [s, w] = await Promise.all([
      run(['sweep', small(), '--out', 'db99.jsonl', '--queue', url]),
      run(['worker', '--queue', url, '--concurrency', '1']),
    ]);
    for (const r of [s, w]) {
      expect(r.code).toBe(1);
      oneLine(r.stderr, new RegExp(`^weightstream: error: Redis at redis://127\\.0\\.0\\.1:${redis.port}/99 has no database 99 `));
    }
  }, 60_000);

  it('a password given to a Redis that asks for none: said once, in one line (ioredis warned once a connection, twice or more)', async () => {
    const w = cli(['worker', '--queue', `redis://:pw@127.0.0.1:${redis.port}`, '--queue-name', 'pw', '--concurrency', '1'], {}, dir);
    await until(() => /taking estimate, fabric, train runs/.test(w.stderr()), 20_000, 'the worker to start');
    await new Promise((r) => setTimeout(r, 500)); // its queues' connections are up
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(w.stderr()).not.toContain('[WARN]');
    expect(w.stderr().match(/asks for no password/g)).toEqual(['asks for no password']);
    expect(w.stderr()).toContain(`weightstream: Redis at redis://:***@127.0.0.1:${redis.port} asks for no password: the one given is not used`);
  }, 60_000);

  it('no password, a wrong one (from env:NAME): exit 1, one line that does not print the password; a bad URL: exit 2', async () => {
    const url = `redis://127.0.0.1:${locked.port}`;
    const mod = sweepFile('mod.yaml', `kind: module\nmodule: ${join(__dirname, 'fixtures', 'runner.mjs')}\naxes:\n  x: [1, 2]\n`);
    const file = sweepFile('file-model.yaml', 'kind: estimate\naxes:\n  model: [gpt3-small, ./my-model.json]\n');
    // Independent runs, side by side.
    const [none, wrong, bad, unset, m, fm] = await Promise.all([
      run(['worker', '--queue', url]),
      run(['sweep', small(), '--out', 'x.jsonl', '--queue', 'env:WS_Q'], { WS_Q: `redis://:not-the-pw@127.0.0.1:${locked.port}` }),
      run(['worker', '--queue', 'http://127.0.0.1:1']),
      run(['worker'], { WEIGHTSTREAM_QUEUE: '' }),
      run(['sweep', mod, '--queue', redis.url]),
      run(['sweep', file, '--queue', redis.url, '--dry-run']),
    ]);
    expect(none.code).toBe(1);
    oneLine(none.stderr, /Redis at redis:\/\/127\.0\.0\.1:\d+ requires a password/);
    expect(wrong.code).toBe(1);
    oneLine(wrong.stderr, /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the user name or password \(WRONGPASS\)/);
    expect(wrong.stderr).not.toContain('not-the-pw');
    expect(bad.code).toBe(2);
    oneLine(bad.stderr, /^weightstream: error: --queue: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(unset.code).toBe(2);
    oneLine(unset.stderr, /--queue: environment variable WEIGHTSTREAM_QUEUE is not set/);
    expect(m.code).toBe(1);
    oneLine(m.stderr, /^weightstream: error: kind: expected one of estimate, fabric, train on a queue/);
    expect(fm.code).toBe(1);
    oneLine(fm.stderr, /^weightstream: error: axes\.model\[1\]: expected a preset name or an inline model on a queue/);
  }, 150_000);

  it('enqueueing twice creates nothing new; a second sweep file on the same queue is refused while the first has jobs', async () => {
    const f = small();
    const args = ['sweep', f, '--out', 'twice.jsonl', '--queue', redis.url, '--queue-name', 'twice'];
    const count = () => redis.client.llen(`weightstream:${queueName('twice', 'estimate', buildId())}:wait`);
    for (let i = 0; i < 2; i++) {
      const c = cli(args, {}, dir);
      // The progress line appears once every job is queued and the coordinator waits for results.
      await until(() => c.stderr().includes('sweep: 0/6 runs (0 workers)'), 20_000, 'the coordinator to wait for results');
      c.proc.kill('SIGINT'); // no worker yet: stop collecting, the jobs stay
      expect((await c.exited).code).toBe(1);
      expect(c.stderr()).toMatch(/6 results not collected: run the same command again/);
      expect(await count()).toBe(6);
    }
    const other = sweepFile('other.yaml', 'kind: estimate\naxes:\n  systems: [1, 2]\nbase: {model: gpt3-small}\n');
    const r = await run(['sweep', other, '--out', 'other.jsonl', '--queue', redis.url, '--queue-name', 'twice']);
    expect(r.code).toBe(1);
    oneLine(r.stderr, /queue "twice" is serving another sweep \(small, started .*, 6 jobs left\): finish that one, or run this one with its own --queue-name/);
    // A worker, then the first sweep's command again: it finishes, and the name is free for the other.
    const w = cli(['worker', '--queue', redis.url, '--queue-name', 'twice', '--concurrency', '1', '--quiet']);
    expect((await run([...args, '--quiet'])).code).toBe(0);
    expect((await run(['sweep', other, '--out', 'other.jsonl', '--queue', redis.url, '--queue-name', 'twice', '--quiet'])).code).toBe(0);
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
    expect(readFileSync(join(dir, 'twice.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  }, 150_000);

  it('a hostile job planted under a run\'s hash is refused by the worker and recorded as that run\'s error; the others run', async () => {
    const f = small();
    const runs = expandSweep(loadSweepFile(f));
    const q = new Queue(queueName('hostile', 'estimate', buildId()), { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'weightstream' });
    await q.add('estimate', { kind: 'estimate', config: { model: '/etc/passwd', systems: 1 }, build: buildId() }, { jobId: runs[0].hash });
    await q.add('estimate', { kind: 'module', config: {}, module: '/tmp/evil.mjs' }, { jobId: 'evil' });
    // a good configuration of another build planted in this build's queue (workers of another build never see this
    // queue: each build has its own): the job's own build is checked too, and it is not run here
    await q.add('estimate', { kind: 'estimate', config: runs[1].config, build: '0.0.1+000000000000' }, { jobId: runs[1].hash });
    await q.close();
    const w = cli(['worker', '--queue', redis.url, '--queue-name', 'hostile', '--concurrency', '1']);
    const r = await run(['sweep', f, '--out', 'hostile.jsonl', '--queue', redis.url, '--queue-name', 'hostile', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runs: 6, ran: 6, failed: 2, build: buildId() });
    const lines = readFileSync(join(dir, 'hostile.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { hash: string; error?: { name: string; message: string }; ranOn?: unknown });
    const bad = lines.find((l) => l.hash === runs[0].hash)!;
    expect(bad.error?.name).toBe('JobFailed');
    expect(bad.error?.message).toMatch(/^refused by the worker on .*: model: expected a preset name or an inline model on a queue .* \(after 1 attempt\)$/); // planted with one attempt (a sweep's jobs have 3: a refusal is one of them)
    const foreign = lines.find((l) => l.hash === runs[1].hash)!;
    expect(foreign.error?.message).toMatch(/^refused by the worker on .*: job\.build: expected this worker's build \S+: the sweep was enqueued by another build, .*got "0\.0\.1\+000000000000" \(after 1 attempt\)$/);
    expect(lines.filter((l) => l.error)).toHaveLength(2);
    // every line that ran says where and with what
    for (const l of lines.filter((x) => !x.error)) expect(l.ranOn).toEqual({ host: hostname(), build: buildId() });
    await until(() => /refused job evil: job: expected exactly the fields kind, config and build/.test(w.stderr()), 10_000, 'the worker to refuse job evil');
    w.proc.kill('SIGTERM');
    expect((await w.exited).code).toBe(0);
  }, 150_000);

  it('Redis going away mid-sweep: the coordinator and a worker say so once, and one signal stops each within seconds', async () => {
    const gone = await startRedis();
    const c = cli(['sweep', small(), '--out', 'gone.jsonl', '--queue', gone.url], {}, dir);
    const w = cli(['worker', '--queue', gone.url, '--concurrency', '1', '--kinds', 'fabric'], {}, dir); // takes none of the estimate runs
    await until(() => /taking fabric runs/.test(w.stderr()) && /sweep: 0\/6 runs/.test(c.stderr()), 20_000, 'the sweep and the worker to start');
    await gone.stop();
    await until(() => /lost the connection to Redis/.test(c.stderr()) && /lost the connection to Redis/.test(w.stderr()), 10_000, 'both to say the connection is lost');
    await new Promise((r) => setTimeout(r, 3000)); // an outage of some seconds: each retry used to print a line, three queues a worker
    const t0 = Date.now();
    c.proc.kill('SIGTERM');
    w.proc.kill('SIGTERM');
    const [cx, wx] = await Promise.all([c.exited, w.exited]);
    expect((Date.now() - t0) / 1000).toBeLessThan(10); // each waited for Redis to come back, holding its lock
    expect(cx.code).toBe(1);
    expect(c.stderr()).toMatch(/stopped with 6 results not collected/);
    expect(wx.code).toBe(0);
    for (const err of [c.stderr(), w.stderr()]) expect(err.match(/lost the connection to Redis/g)).toHaveLength(1);
    expect(w.stderr()).not.toMatch(/ECONNREFUSED[\s\S]*ECONNREFUSED/); // the one line names it once
    expect(existsSync(join(dir, 'gone.jsonl.lock'))).toBe(false);
  }, 60_000);

  it('a worker stopped with a run that outlasts --stop-grace leaves it to other workers and exits 0 (one SIGTERM waited for the run)', async () => {
    const f = sweepFile('long.yaml', 'kind: train\nname: long\nbase: {model: mlp, data: digits, steps: 1000000}\naxes:\n  seed: [1]\n');
    const c = cli(['sweep', f, '--out', 'long.jsonl', '--queue', redis.url, '--queue-name', 'long'], {}, dir);
    const w = cli(['worker', '--queue', redis.url, '--queue-name', 'long', '--concurrency', '1', '--stop-grace', '1'], {}, dir);
    await until(() => /taking estimate, fabric, train runs/.test(w.stderr()) && /sweep: 0\/1 runs/.test(c.stderr()), 20_000, 'the sweep and the worker to start');
    await new Promise((r) => setTimeout(r, 3000)); // the worker has taken the job and trains
    const t0 = Date.now();
    w.proc.kill('SIGTERM');
    const wx = await w.exited;
    expect((Date.now() - t0) / 1000).toBeLessThan(10);
    expect(wx.code).toBe(0);
    expect(w.stderr()).toMatch(/stopping: finishing the runs in flight within 1 s/);
    expect(w.stderr()).toMatch(/the runs in flight did not end within 1 s: left to other workers/);
    expect(w.stdout()).toMatch(/stopped after 0 runs/);
    c.proc.kill('SIGTERM');
    expect((await c.exited).code).toBe(1); // its run not collected: a rerun (and a worker) finishes it
  }, 90_000);

  it('one coordinator collects a queue: a second of the same sweep (another --out) is refused naming the first; after a SIGKILL its rerun takes over at once', async () => {
    const f = small();
    const first = cli(['sweep', f, '--out', 'c1.jsonl', '--queue', redis.url, '--queue-name', 'collect'], {}, dir); // no worker: it waits
    await until(() => /sweep: 0\/6 runs/.test(first.stderr()), 20_000, 'the first coordinator to wait for results');
    // its jobs wait in this build's queue: a worker of another build listens on its own and never takes them
    const counts = async (q: string) => {
      const queue = new Queue(q, { connection: { host: '127.0.0.1', port: redis.port }, prefix: 'weightstream' });
      try {
        return (await queue.getJobCounts('waiting')).waiting;
      } finally {
        await queue.close();
      }
    };
    expect(await counts(queueName('collect', 'estimate', buildId()))).toBe(6);
    expect(await counts('collect.estimate')).toBe(0);
    expect(queueName('collect', 'estimate', buildId())).toBe(`collect.estimate.${buildId()}`);
    const second = await run(['sweep', f, '--out', 'c2.jsonl', '--queue', redis.url, '--queue-name', 'collect']);
    expect(second.seconds).toBeLessThan(8); // its holder is alive on this machine: refused at once, not after the lease
    expect(second.code).toBe(1);
    oneLine(second.stderr, /^weightstream: error: queue "collect" is being collected by another coordinator \(pid \d+ on .*, writing .*c1\.jsonl, since .*\): wait for it to end, or give this sweep its own --queue-name\n$/);
    first.proc.kill('SIGKILL');
    await first.exited;
    const t0 = Date.now();
    const again = cli(['sweep', f, '--out', 'c1.jsonl', '--queue', redis.url, '--queue-name', 'collect'], {}, dir);
    await until(() => /sweep: 0\/6 runs/.test(again.stderr()), 20_000, 'the rerun to take over');
    expect(Date.now() - t0).toBeLessThan(8000); // not the lease's 10 s: its holder is provably gone
    again.proc.kill('SIGTERM');
    expect((await again.exited).code).toBe(1);
  }, 90_000);
  it('Redis frozen (SIGSTOP: the connection stays open, nothing answers): each says so once; one signal stops the coordinator and two workers within seconds, one line each, exit 1; a rerun loses and doubles nothing', async () => {
    const frozen = await startRedis();
    try {
      const f = sweepFile('frozen.yaml', 'kind: fabric\nname: frozen\nbase: {rows: 16, cols: 16, batch: 64, in: 256, out: 256, pass: forward}\naxes: {sparsity: [0, 0.5, 0.9], seed: {from: 1, to: 40}}\n');
      const out = join(dir, 'frozen.jsonl');
      // --lock-seconds 4: the jobs the frozen workers held are free again soon after Redis answers (the rerun below)
      const worker = () => cli(['worker', '--queue', frozen.url, '--concurrency', '1', '--stop-grace', '3', '--lock-seconds', '4'], {}, dir);
      const workers = [worker(), worker()];
      const c = cli(['sweep', f, '--out', 'frozen.jsonl', '--queue', frozen.url], {}, dir);
      const all = [c, ...workers];
      const stderrs = () => all.map((p, i) => `--- ${i ? `worker ${i}` : 'coordinator'}:\n${p.stderr()}`).join('\n');
      let paused = false;
      try {
        await until(() => lineCount(out) >= 5, 60_000, 'the first results');
        process.kill(frozen.pid, 'SIGSTOP');
        paused = true;
        // no signal yet: nothing reports an error on a frozen server's open connection; each notices it does not answer
        await until(() => all.every((p) => /Redis at redis:\/\/127\.0\.0\.1:\d+ has not answered for 5 s/.test(p.stderr())), 20_000, 'each to say Redis does not answer');
        const t0 = Date.now();
        c.proc.kill('SIGINT');
        for (const w of workers) w.proc.kill('SIGTERM');
        const exits = await Promise.race([Promise.all(all.map((p) => p.exited)), sleep(30_000).then(() => null)]);
        const seconds = (Date.now() - t0) / 1000;
        expect(exits, `still running ${seconds} s after one signal each (they waited for Redis):\n${stderrs()}`).not.toBeNull();
        expect(seconds, stderrs()).toBeLessThan(15); // 3 s grace, then 3 s for Redis at most (each waited as long as the freeze)
        expect(exits!.map((x) => x.code), stderrs()).toEqual([1, 1, 1]);
        for (const p of all) {
          expect(p.stderr().match(/has not answered/g), stderrs()).toHaveLength(1);
          expect(p.stderr().match(/did not answer within 3 s of the stop/g), stderrs()).toHaveLength(1);
          expect(p.stderr()).not.toMatch(/\n\s+at /);
        }
        expect(c.stderr()).toMatch(/\nweightstream: error: Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer within 3 s of the stop: the collector lease and the queued jobs are left as they are \(the lease expires within 10 s; the workers go on\); the lines written to frozen\.jsonl are kept: run the same command again to collect the rest\n$/);
        for (const w of workers) expect(w.stderr()).toMatch(/\nweightstream: error: Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer within 3 s of the stop: the jobs this worker held are left as they are \(their locks expire within 4 s, then other workers run them again\)\n$/);
        expect(existsSync(`${out}.lock`)).toBe(false);
      } finally {
        if (paused) process.kill(frozen.pid, 'SIGCONT');
        for (const p of all) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
      }
      // Redis answers again: a rerun with a worker collects the rest, each run's line once
      const w = worker();
      try {
        const again = await run(['sweep', f, '--out', 'frozen.jsonl', '--queue', frozen.url, '--quiet']);
        expect(again.code, again.stderr).toBe(0);
        const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { hash: string; error?: unknown });
        expect(lines.filter((l) => l.error)).toEqual([]);
        expect(new Set(lines.map((l) => l.hash)).size).toBe(120);
        expect(lines).toHaveLength(120);
        w.proc.kill('SIGTERM');
        expect((await w.exited).code).toBe(0);
      } finally {
        if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
      }
    } finally {
      await frozen.stop(); // SIGCONTed above
    }
  }, 180_000);

  it('a connection whose server stops answering (frozen) is said once, and once when it answers again', async () => {
    const { bullConnection, reportOutages } = await import('../../src/sweep/queue/connection.js');
    const frozen = await startRedis();
    const connection = bullConnection(frozen.url);
    const lines: string[] = [];
    const down = reportOutages(connection, frozen.url, (l) => lines.push(l));
    try {
      await until(() => connection.status === 'ready', 10_000, 'the connection');
      process.kill(frozen.pid, 'SIGSTOP');
      try {
        await until(() => lines.length === 1, 15_000, 'the silence to be said');
        expect(lines[0]).toBe(`Redis at ${frozen.url} has not answered for 5 s (the connection is open): waiting for it`);
        expect(down()).toBe(false); // said, not an outage: a stop still bounds its own waits (above)
        await sleep(3000);
        expect(lines).toHaveLength(1);
      } finally {
        process.kill(frozen.pid, 'SIGCONT');
      }
      await until(() => lines.length === 2, 10_000, 'the answer to be said');
      expect(lines[1]).toBe(`Redis at ${frozen.url} answers again`);
      // this process stalls 6 s (long synchronous work) right after a PING went out, Redis answering meanwhile: no
      // silence is said (the timers ran before the answer was read: it was said, then the answer)
      const ping = connection.ping.bind(connection);
      let stalled = false;
      connection.ping = ((...a: unknown[]) => {
        const p = (ping as (...x: unknown[]) => Promise<string>)(...a);
        if (!stalled) {
          stalled = true;
          setImmediate(() => {
            const t0 = Date.now();
            while (Date.now() - t0 < 6000) { /* a stall of the event loop */ }
          });
        }
        return p;
      }) as typeof connection.ping;
      await until(() => stalled, 5000, 'a PING');
      await sleep(8500);
      expect(lines).toHaveLength(2);
    } finally {
      down.stop();
      connection.disconnect();
      await frozen.stop();
    }
  }, 60_000);
});
