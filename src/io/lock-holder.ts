// Who holds a lock (src/io/lock.ts): the record its holder writes beside the lock directory, whether that
// process is alive, and whether a file is being written under another live process's lock right now (the
// atomic writer asks before it replaces a file: src/io/atomic.ts).
import * as fs from 'node:fs';

/** Who holds a lock: written by the holder beside the lock directory. */
export interface Owner {
  pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22); tells a reused pid apart. */
  start: number | null;
  bootId: string | null;
  pidNs: string | null;
  host: string;
  what: string;
  since: string;
}

/** f(), or the fallback when it throws (a file gone, a process gone). */
export function readOr<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** State letter and start time of a process from /proc (Linux), or null when there is no such process. */
function procStat(pid: number): { state: string; start: number } | null {
  const stat = readOr(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), null);
  if (stat === null) return null;
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: Number(fields[19]) };
}

const bootId = () => readOr(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), null);
const pidNs = () => readOr(() => fs.readlinkSync('/proc/self/ns/pid'), null);

/** This process as holderState tells it apart from others (a reused pid, another kernel or pid namespace). */
export function processIdentity(): Pick<Owner, 'pid' | 'start' | 'bootId' | 'pidNs'> {
  return { pid: process.pid, start: procStat(process.pid)?.start ?? null, bootId: bootId(), pidNs: pidNs() };
}

/** 'alive' or 'dead' when /proc of this kernel and pid namespace can tell; 'unknown' otherwise (another host, no /proc). */
export function holderState(o: Pick<Owner, 'pid' | 'start' | 'bootId' | 'pidNs'>): 'alive' | 'dead' | 'unknown' {
  if (o.bootId === null || o.start === null || o.bootId !== bootId() || o.pidNs !== pidNs()) return 'unknown';
  const p = procStat(o.pid);
  if (p === null || p.state === 'Z' || p.state === 'X' || p.start !== o.start) return 'dead'; // gone, zombie, or pid reused
  return 'alive';
}

export function readOwner(path: string): Owner | null {
  const o = readOr(() => JSON.parse(fs.readFileSync(path, 'utf8')) as Owner, null);
  return o && Number.isInteger(o.pid) ? o : null;
}

export function describeHolder(o: Owner | null, what: string): string {
  return o ? `another ${o.what} (pid ${o.pid} on ${o.host}, since ${o.since})` : `another ${what}`;
}

/**
 * The holder of the lock on the file at `target` (a canonical path) when it is another process that is alive
 * (this process's own locks, and locks of dead or unknown holders, give null): a write that replaces the file
 * would pull it from under that process (a sweep appending its results to it).
 */
export function heldByOther(target: string): Owner | null {
  const lockDir = `${target}.lock`;
  if (!readOr(() => fs.statSync(lockDir).isDirectory(), false)) return null;
  const o = readOwner(`${lockDir}.owner`);
  if (!o || o.pid === process.pid) return null;
  return holderState(o) === 'alive' ? o : null;
}
