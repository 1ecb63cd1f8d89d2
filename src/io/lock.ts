// The one lock every weightstream writer takes (sweep results, training checkpoints): one process at a
// time per file, and a lock left by a dead process (exited, killed, zombie, pid reused) never blocks.
//
// Mechanism (proper-lockfile): the lock is the directory `<file>.lock`, made with mkdir(2) (atomic on local
// and network file systems); the holder refreshes its mtime every second, and a lock not refreshed for
// `staleSeconds` is stale and taken over. Beside it, `<file>.lock.owner` says who holds it (pid, process
// start time, kernel boot id, pid namespace, host). That record only speeds things up and names the holder:
// on the same kernel and pid namespace (Linux /proc), a holder that is provably dead (gone, a zombie, or
// its pid now another process) is taken over once its lock is 2 s old instead of `staleSeconds`, and a
// provably live holder is refused at once. Everything else (another host, no /proc) waits for staleness.
// What this guarantees where: docs/reliability.md, "Locks".
import * as fs from 'node:fs';
import { landingPath, makeDirs } from './files.js';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { requireNumber } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { describeHolder, holderState, processIdentity, readOr, readOwner, type Owner } from './lock-holder.js';

export { holderState, processIdentity } from './lock-holder.js';

/** A lock that is held by a live process, or that this process held and lost (another process took it over). */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

export interface LockOptions {
  /** What holds the lock, for messages ("sweep", "training run"). */
  what?: string;
  /** A lock not refreshed for this long is taken over (>= 2; default 10). Must exceed clock skew between hosts on a network file system. */
  staleSeconds?: number;
  /** Called once when the lock is found held and this call starts waiting for it to go stale (a line of text naming the holder). */
  onWait?: (message: string) => void;
  /**
   * Refuse a file that has other names (hard links). The lock is keyed on one name, so a writer that appends
   * in place (a sweep's results) through another name would not see it. Writers that replace the file by a
   * rename (checkpoints) leave the other names on the old bytes and need not refuse.
   */
  oneName?: boolean;
}

export interface HeldLock {
  /** The locked file (canonical path). */
  readonly file: string;
  /** Throws a LockError if the lock was lost (taken over by another process); call before each write. */
  assertHeld(): void;
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

const DEAD_HOLDER_STALE_MS = 2000; // proper-lockfile's smallest stale period
const POLL_MS = 200;
const held = new Map<string, { lost?: Error }>(); // canonical file -> this process's lock on it

function me(what: string): Owner {
  return { ...processIdentity(), host: hostname(), what, since: new Date().toISOString() };
}

/** The path a lock is keyed on: where the file lands (symlinks followed, a dangling one's target too: src/io/files.ts). */
function canonical(file: string): string {
  return landingPath(file);
}

/** A lock file from weightstream <= 0.1 (a plain file holding a pid, never refreshed): removed once older than the stale period. */
function removeLegacyLock(lockDir: string, staleMs: number): void {
  const st = readOr(() => fs.lstatSync(lockDir), null);
  if (st && !st.isDirectory() && Date.now() - st.mtimeMs > staleMs) readOr(() => fs.unlinkSync(lockDir), undefined);
}

/**
 * Takes the lock on `file` for this process, waiting at most `staleSeconds` (+1 s) for a lock whose holder
 * cannot be seen to go stale; a provably dead holder's lock is taken over after at most 2 s. Throws a
 * LockError naming the holder when a live process holds it.
 */
export async function acquireLock(file: string, o: LockOptions = {}): Promise<HeldLock> {
  const what = o.what ?? 'process';
  const staleMs = requireNumber('staleSeconds', o.staleSeconds ?? 10, 2, 3600) * 1000;
  makeDirs(dirname(resolve(file)), file); // as the atomic writer does for the file itself (Node's recursive mkdir can loop)
  const target = canonical(file);
  // a directory's subdirectories are names of it too (their ..): refused as what it is, not as a file of n names
  if (readOr(() => fs.statSync(target).isDirectory(), false)) throw new LockError(`${file}: is a directory: a ${what} writes (and locks) a file`);
  const links = o.oneName ? readOr(() => fs.statSync(target).nlink, 1) : 1;
  if (links > 1) throw new LockError(`${file}: the file has ${links} names (hard links), and its lock covers one: another ${what} could append through another name; give a file of its own`);
  const lockDir = `${target}.lock`;
  const ownerFile = `${lockDir}.owner`;
  const state: { lost?: Error } = {};
  // proper-lockfile removes held locks on exit and fatal signals with rmdirSync: drop the owner record with it.
  const lockFs = { ...fs, rmdirSync: (p: string) => { fs.rmdirSync(p); readOr(() => fs.unlinkSync(ownerFile), undefined); } };
  const t0 = Date.now();
  let waited = false;
  for (;;) {
    const owner = readOwner(ownerFile);
    const holder = owner ? holderState(owner) : 'unknown';
    const refusal = `${file}: ${describeHolder(owner, what)} is using it: wait for it to end (lock ${lockDir})`;
    if (holder === 'alive' && fs.existsSync(lockDir)) throw new LockError(refusal);
    removeLegacyLock(lockDir, staleMs);
    try {
      const release = await lockfile.lock(target, {
        lockfilePath: lockDir, realpath: false, retries: 0, fs: lockFs, update: 1000,
        stale: holder === 'dead' ? DEAD_HOLDER_STALE_MS : staleMs,
        onCompromised: (err) => { state.lost = err; },
      });
      try {
        writeFileAtomic(ownerFile, JSON.stringify(me(what)) + '\n');
      } catch (err) {
        await release().catch(() => undefined); // no lock left behind when its record cannot be written (disk full)
        throw err;
      }
      held.set(target, state);
      return handle(target, file, lockDir, ownerFile, release, state);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') {
        // the lock cannot be made where the file is (a read-only or special file system): one line naming the file
        if (typeof code === 'string' && !(e instanceof LockError)) throw new LockError(`${file}: cannot make its lock ${lockDir} (${code})`);
        throw e;
      }
      if (Date.now() - t0 > staleMs + 1000) throw new LockError(refusal);
      const upTo = holder === 'dead' ? DEAD_HOLDER_STALE_MS : staleMs;
      if (!waited) o.onWait?.(`${file}: held by ${describeHolder(owner, what).replace(/^another /, 'a ')}: waiting up to ${upTo / 1000} s for it to go stale`);
      waited = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

function handle(target: string, file: string, lockDir: string, ownerFile: string, release: () => Promise<void>, state: { lost?: Error }): HeldLock {
  let released = false;
  return {
    file: target,
    assertHeld() {
      if (state.lost) throw new LockError(`${file}: lost its lock ${lockDir} (${state.lost.message}): another process may be writing it; stopping`);
    },
    async release() {
      if (released) return;
      released = true;
      held.delete(target);
      if (state.lost) return; // the lock directory is someone else's now
      await release().catch(() => undefined); // already removed: nothing to release
      // Then the record (a kill in between leaves a record without a lock, which the next holder overwrites),
      // unless the next holder has already written its own.
      if (readOwner(ownerFile)?.pid === process.pid) readOr(() => fs.unlinkSync(ownerFile), undefined);
    },
  };
}

/** Throws if this process locked `file` and has since lost the lock; does nothing for a file it never locked. */
export function assertNotLost(file: string): void {
  const s = held.get(canonical(file));
  if (s?.lost) throw new LockError(`${file}: lost its lock ${canonical(file)}.lock (${s.lost.message}): another process may be writing it`);
}

/** Runs `fn` holding the lock on `file`, released afterwards whatever happens. */
export async function withLock<T>(file: string, o: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(file, o);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
