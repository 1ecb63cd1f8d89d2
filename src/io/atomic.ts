// Atomic file writes: write a temp file beside the target, fsync it, rename it over the target, so a
// reader (or a crash) never sees a half-written file. A target that is a symlink is written through: the
// link's target file is replaced (the link stays). The temp file is removed on any failure and on
// SIGINT/SIGTERM (src/io/cleanup.ts); stale temps of the same target from dead processes are removed.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { removeStaleTemps, trackTemp } from './cleanup.js';
import { errnoText, landingPath, makeDirsWhy } from './files.js';
import { describeHolder, heldByOther } from './lock-holder.js';

/**
 * Writes `data` to `path` atomically (temp + fsync + rename). Creates the directory if needed. A file that
 * another live process holds the lock of (src/io/lock.ts: a sweep appending its results) is refused: the
 * rename would take it from under that process, whose writes would then go to no file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const target = landingPath(path); // a symlink's target, even one not there yet (the link stays a link)
  const holder = heldByOther(target);
  if (holder) throw new Error(`cannot write ${path}: ${describeHolder(holder, 'process').replace(/^another /, 'a ')} holds its lock and is writing it`);
  const dir = dirname(target);
  const why = makeDirsWhy(dir);
  if (why) throw new Error(`cannot write ${path} (${why})`);
  removeStaleTemps(dir, basename(target));
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const untrack = trackTemp(tmp);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    untrack();
    throw new Error(`cannot write ${path} (${errnoText(err)})`);
  }
  untrack();
}

/** Writes a value as pretty JSON atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
