// Temporary files of our own making and their removal: every temp file we create is tracked until it is
// renamed or removed; SIGINT/SIGTERM/SIGHUP (installCleanup) and process exit remove the tracked ones, and the
// next run removes stale ones of our naming whose process is gone (a SIGKILL leaves them behind).
//
// Our names: `.<target>.<pid>.<ms>.tmp` beside an atomic write's target (src/io/atomic.ts), and
// `weightstream-memoryx-<pid>-<ms>-<rand>.flash` in the temp directory (MemoryX's flash tier).
import { readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The signals that stop a long command: ^C, a kill, and the terminal closing (SIGHUP). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const tracked = new Set<string>();
let exitHook = false;

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Removes every tracked temporary file now (synchronously: safe in an exit or signal handler). */
export function removeTrackedTemps(): void {
  for (const p of tracked) removeQuietly(p);
  tracked.clear();
}

/** Tracks a temporary file until the returned function is called (it was renamed into place or removed). */
export function trackTemp(path: string): () => void {
  tracked.add(path);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', removeTrackedTemps);
  }
  return () => void tracked.delete(path);
}

/** The files being tracked now (for tests). */
export function trackedTemps(): string[] {
  return [...tracked];
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: no signal, only "does it exist"
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Atomic-write temp of `target` (a base name): `.<target>.<pid>.<ms>.tmp`. */
const atomicTemp = (target: string) => new RegExp(`^\\.${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.\\d+\\.tmp$`);
const FLASH = /^weightstream-memoryx-(\d+)-\d+-\d+\.flash$/;

/** Removes the files of `dir` whose name matches `re` (its group 1 a pid) and that `drop(pid, path)` picks. */
function removeMatching(dir: string, re: RegExp, drop: (pid: number, path: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = re.exec(n);
    const p = join(dir, n);
    if (m && drop(Number(m[1]), p)) {
      removeQuietly(p);
      removed.push(p);
    }
  }
  return removed;
}

/**
 * Removes this process's flash-tier files in `dir` that this thread does not track: those of worker threads
 * that were stopped (a terminated thread runs no exit hook). Call from the main thread once no worker of
 * the process uses one (its pool is destroyed, or the process is about to exit). Returns what it removed.
 */
export function removeOrphanFlash(dir = tmpdir()): string[] {
  return removeMatching(dir, FLASH, (pid, p) => pid === process.pid && !tracked.has(p));
}

/**
 * Removes stale temporaries of our naming in `dir` whose process is gone: atomic-write temps of
 * `target` (a base name), or every flash-tier file when `target` is omitted. Returns what it removed.
 */
export function removeStaleTemps(dir: string, target?: string): string[] {
  return removeMatching(dir, target === undefined ? FLASH : atomicTemp(target), (pid) => !alive(pid));
}

/**
 * For a long command: SIGINT/SIGTERM/SIGHUP remove the tracked temporaries, print one line and exit 1; stale
 * flash files of dead runs are removed from the temp directory now. Returns the uninstall function.
 */
export function installCleanup(what = 'weightstream'): () => void {
  removeStaleTemps(tmpdir());
  const onSignal = (sig: NodeJS.Signals) => {
    removeTrackedTemps();
    process.stderr.write(`\n${what}: interrupted (${sig}); temporary files removed\n`);
    process.exit(1);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  return () => {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
  };
}
