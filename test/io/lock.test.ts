// The one lock (src/io/lock.ts), with real processes as holders: a live holder is refused at once with a
// one-line error naming it; a holder that exited, was SIGKILLed, is a zombie, or whose pid now belongs to
// another process is taken over within the stated 2 s; a holder that cannot be seen (another host) is
// taken over once stale, or refused after the stale period if it keeps its lock fresh. Linux (/proc).
// Needs `npm run build:ts` (the holder process imports the compiled module).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockError, acquireLock, withLock } from '../../src/io/lock.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { lockCheckpoint, saveCheckpoint } from '../../src/memoryx/checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-lock-'));
const holderScript = join(__dirname, 'fixtures', 'hold-lock.mjs');
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** The state letter of a process (R, S, Z ...) from /proc, or null once it is gone. */
function procState(pid: number): string | null {
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
}

/**
 * Starts a process that takes the lock on `file` and holds it; resolves with its pid once it holds it.
 * zombie: its parent is `sleep` (a shell exec'd into it), which never reaps it, so once killed it stays a zombie.
 */
function startHolder(file: string, what: string, zombie = false): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = zombie
    ? spawn('sh', ['-c', `"${process.execPath}" "${holderScript}" "${file}" "${what}" & echo "pid $!"; exec sleep 120`], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, [holderScript, file, what], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(parent);
  return new Promise((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('locked\n')) return;
      const pid = zombie ? Number(/pid (\d+)/.exec(out)![1]) : parent.pid!;
      resolve({ pid, parent });
    });
    parent.on('exit', (code) => reject(new Error(`the holder exited (${code}) before taking the lock: ${out}`)));
  });
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function untilGone(pid: number, zombieOk: boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = procState(pid);
    if (s === null || (zombieOk && s === 'Z')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`process ${pid} did not die`);
}

describe('the lock', () => {
  it('is refused at once, naming the holder, while another process holds it; taken once it is released', async () => {
    const file = join(dir, 'live.jsonl');
    const { pid, parent } = await startHolder(file, 'sweep');
    const { value: err, seconds } = await timed(() => acquireLock(file, { what: 'sweep' }).then(() => null, (e: unknown) => e));
    expect(err).toBeInstanceOf(LockError);
    const msg = (err as Error).message;
    expect(msg).toContain(`another sweep (pid ${pid} on `);
    expect(msg).toContain(`${file}.lock`);
    expect(msg).not.toContain('\n');
    expect(seconds).toBeLessThan(1);
    parent.kill('SIGTERM'); // a fatal signal: the library removes its lock on the way out
    await untilGone(pid, false);
    const { value: lock, seconds: s2 } = await timed(() => acquireLock(file, { what: 'sweep' }));
    expect(s2).toBeLessThan(1);
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(existsSync(`${file}.lock.owner`)).toBe(false);
  });

  it("keeps another live process's locked file from an atomic write (a sweep's results were replaced by another command's --csv, and its 60 results went to no file)", async () => {
    const file = join(dir, 'held-results.jsonl');
    writeFileSync(file, '{"hash":"a"}\n');
    const { pid, parent } = await startHolder(file, 'sweep');
    expect(() => writeFileAtomic(file, 'a,b\n1,2\n')).toThrow(new RegExp(`^cannot write ${file}: a sweep \\(pid ${pid} on .*\\) holds its lock and is writing it$`));
    expect(readFileSync(file, 'utf8')).toBe('{"hash":"a"}\n');
    parent.kill('SIGTERM');
    await untilGone(pid, false);
    writeFileAtomic(file, 'a,b\n'); // released: written
    expect(readFileSync(file, 'utf8')).toBe('a,b\n');
    // this process's own lock does not stop its own writes (a checkpoint it holds)
    await withLock(file, { what: 'training run' }, async () => writeFileAtomic(file, 'mine\n'));
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('through a symlink to a file not there yet: the write makes the target and the link stays; the lock is the same as the target\'s', async () => {
    const d = mkdtempSync(join(dir, 'dangling-'));
    symlinkSync('results/heat.json', join(d, 'h.json'));
    writeFileAtomic(join(d, 'h.json'), '{}\n'); // it replaced the link with a file, and results/ stayed empty
    expect(lstatSync(join(d, 'h.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'results', 'heat.json'), 'utf8')).toBe('{}\n');
    symlinkSync('results/r.jsonl', join(d, 'r.jsonl'));
    const lock = await acquireLock(join(d, 'r.jsonl'), { what: 'sweep' });
    await expect(acquireLock(join(d, 'results', 'r.jsonl'), { what: 'sweep' })).rejects.toThrow(`another sweep (pid ${process.pid} on `); // both wrote one file
    await lock.release();
  });

  it('is refused to a second taker in the same process', async () => {
    const file = join(dir, 'same.jsonl');
    const lock = await acquireLock(file, { what: 'sweep' });
    await expect(acquireLock(file)).rejects.toThrow(`another sweep (pid ${process.pid} on `);
    await lock.release();
    await lock.release(); // idempotent
    await expect(acquireLock(file, { staleSeconds: Number.NaN })).rejects.toThrow('staleSeconds: expected a finite number >= 2, <= 3600, got NaN');
  });

  it.each([
    ['SIGKILLed', false],
    ['SIGKILLed and left a zombie that nobody reaps', true],
  ])('of a holder %s is taken over within 2 s, never refused', async (_, zombie) => {
    const file = join(dir, `dead-${zombie}.jsonl`);
    const { pid, parent } = await startHolder(file, 'sweep', zombie);
    process.kill(pid, 'SIGKILL');
    await untilGone(pid, zombie);
    if (zombie) expect(procState(pid)).toBe('Z'); // still in the process table: kill(pid, 0) would call it alive
    const waits: string[] = [];
    const { value: lock, seconds } = await timed(() => acquireLock(file, { what: 'sweep', onWait: (m) => waits.push(m) }));
    // taken over on the provably-dead path (2 s + a poll), not by waiting out the 10 s stale period of a
    // holder it cannot see: the bound separates the two paths with room for a loaded machine
    expect(seconds).toBeLessThan(8);
    expect(waits.join()).toContain(`pid ${pid}`);
    lock.assertHeld();
    expect(JSON.parse(readFileSync(`${file}.lock.owner`, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    parent.kill('SIGKILL');
  });

  it('of a pid now used by an unrelated live process (another start time) is taken over within 2 s', async () => {
    const file = join(dir, 'reused.jsonl');
    const { parent } = await startHolder(file, 'sweep');
    parent.kill('SIGKILL');
    await untilGone(parent.pid!, false);
    // The record now names a live process (this one) with another start time: what a reused pid looks like.
    const owner = JSON.parse(readFileSync(`${file}.lock.owner`, 'utf8'));
    writeFileSync(`${file}.lock.owner`, JSON.stringify({ ...owner, pid: process.pid, start: owner.start - 1 }));
    const { value: lock, seconds } = await timed(() => acquireLock(file, { what: 'sweep' }));
    // the dead-holder path (2 s after the last refresh, + 0.2 s polls), not the 10 s stale wait; the room
    // above 2.2 s is for timers on a loaded 2-core machine (3.02 s was seen under CI's parallel test files)
    expect(seconds).toBeLessThan(8);
    await lock.release();
  });

  it('of a holder it cannot see (another host): taken over once stale, refused after the stale period while kept fresh', async () => {
    // Not refreshed (its holder is gone, somewhere else): taken over after staleSeconds.
    const file = join(dir, 'foreign.jsonl');
    mkdirSync(`${file}.lock`);
    writeFileSync(`${file}.lock.owner`, JSON.stringify({ pid: 1, start: 1, bootId: 'another-host', pidNs: 'pid:[1]', host: 'far', what: 'sweep', since: 'then' }));
    const { value: lock, seconds } = await timed(() => acquireLock(file, { staleSeconds: 2 }));
    expect(seconds).toBeGreaterThan(1.5); // it waited for staleness (2 s)
    expect(seconds).toBeLessThan(8); // and then took it (room for a loaded machine's timers)
    await lock.release();

    // Kept fresh by a live holder whose record says it runs on another host: refused after the stale period.
    const { parent } = await startHolder(file, 'sweep');
    const owner = JSON.parse(readFileSync(`${file}.lock.owner`, 'utf8'));
    writeFileSync(`${file}.lock.owner`, JSON.stringify({ ...owner, bootId: 'another-host', host: 'far' }));
    const { value: err, seconds: s2 } = await timed(() => acquireLock(file, { staleSeconds: 3 }).then(() => null, (e: unknown) => e));
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain(`another sweep (pid ${parent.pid} on far`);
    expect(s2).toBeGreaterThan(3.5); // refused only after the stale period (3 s) + 1 s
    expect(s2).toBeLessThan(10); // never a hang
    parent.kill('SIGKILL');
  });

  it.skipIf(!existsSync('/proc/self'))('that cannot be made (/proc takes no directory) is one line naming the file', async () => {
    const err = await acquireLock('/proc/x.jsonl').then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toBe('/proc/x.jsonl: cannot make its lock /proc/x.jsonl.lock (ENOENT)');
  });

  it('refuses a directory as a directory, leaving no lock beside it (it said the directory had n names)', async () => {
    const sub = join(dir, 'a-dir');
    mkdirSync(sub);
    mkdirSync(join(sub, 'child')); // a directory's subdirectories are more names (..) of it: the old refusal counted them
    for (const oneName of [true, false]) {
      const err = await acquireLock(sub, { what: 'sweep', oneName }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(LockError);
      expect((err as Error).message).toBe(`${sub}: is a directory: a sweep writes (and locks) a file`);
    }
    expect(existsSync(`${sub}.lock`)).toBe(false);
  });

  it('reports itself lost (assertHeld throws) once another process removed it', async () => {
    const file = join(dir, 'lost.jsonl');
    const lock = await acquireLock(file, { what: 'sweep' });
    rmdirSync(`${file}.lock`);
    await new Promise((r) => setTimeout(r, 1600)); // the next refresh (every second) finds it gone
    expect(() => lock.assertHeld()).toThrow(LockError);
    await lock.release();
  });

  it('removes a stale lock file of the old kind (a pid file) and is released by withLock when the work throws', async () => {
    const file = join(dir, 'legacy.jsonl');
    writeFileSync(`${file}.lock`, '999999\n');
    utimesSync(`${file}.lock`, new Date(Date.now() - 60e3), new Date(Date.now() - 60e3));
    await expect(withLock(file, { what: 'sweep' }, async () => { throw new Error('work failed'); })).rejects.toThrow('work failed');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe('a checkpoint lock', () => {
  const sample = { step: 1, memoryx: { t: 1, optimizer: { kind: 'sgd' as const, lr: 0.1, momentum: 0, weightDecay: 0 }, layers: [] }, rng: {}, model: 'fp' };

  it('refuses a second training run on the same checkpoint, naming the first', async () => {
    const file = join(dir, 'run.ckpt');
    const { pid, parent } = await startHolder(file, 'training run');
    await expect(lockCheckpoint(file)).rejects.toThrow(`${file}: another training run (pid ${pid} on `);
    parent.kill('SIGKILL');
  });

  it('is taken in a directory that does not exist yet (as the checkpoint writer creates it)', async () => {
    const lock = await lockCheckpoint(join(dir, 'new', 'dir', 'run.ckpt'));
    expect(existsSync(join(dir, 'new', 'dir', 'run.ckpt.lock'))).toBe(true);
    await lock.release();
  });

  it('stops a run that lost its lock from overwriting the checkpoint', async () => {
    const file = join(dir, 'lost.ckpt');
    const lock = await lockCheckpoint(file);
    saveCheckpoint(file, sample);
    rmdirSync(`${file}.lock`);
    await new Promise((r) => setTimeout(r, 1600));
    expect(() => saveCheckpoint(file, sample)).toThrow(LockError);
    await lock.release();
    saveCheckpoint(file, sample); // no lock taken: nothing to lose
  });
});
