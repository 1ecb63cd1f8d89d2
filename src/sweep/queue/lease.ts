// One coordinator collects a queue's results at a time. Two coordinators of the same sweep (with other
// --out files, or on two hosts) would each write the results they take and remove those jobs, so the other
// enqueues them again and they run twice (9 executions for 6 runs), and the first to finish clears the
// queue under the other. The collector key holds who collects (host, pid, --out) for LEASE_MS and is renewed
// every third of it; a coordinator that died lets it expire, so its rerun waits at most that long (not at all
// when the holder was on this machine and is provably gone: src/io/lock.ts holderState).
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { holderState, processIdentity } from '../../io/lock.js';
import { QueueError } from './connection.js';
import { QUEUE_DEFAULTS, collectorKey } from './protocol.js';

export const LEASE_MS = 10_000;
const POLL_MS = 250;

// Compare-and-set on the holder's own value: renew or release only a lease this coordinator still holds.
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface CollectorLease {
  /** Stops renewing and gives the lease back (if still held). */
  release(): Promise<void>;
}

/**
 * Takes the collector lease of queue `name` for this process writing `out`, waiting up to LEASE_MS for a
 * holder that stopped renewing; throws a QueueError naming the holder when it is still renewed after that.
 */
export async function takeCollectorLease(redis: Redis, name: string, out: string, signal?: AbortSignal): Promise<CollectorLease> {
  const key = collectorKey(QUEUE_DEFAULTS.prefix, name);
  const me = JSON.stringify({ ...processIdentity(), host: hostname(), out: resolve(out), since: new Date().toISOString() });
  const end = Date.now() + LEASE_MS + 1000;
  let holder: string | null = null;
  while ((await redis.set(key, me, 'PX', LEASE_MS, 'NX')) !== 'OK') {
    holder = (await redis.get(key)) ?? holder;
    // a holder on this machine that is provably gone (killed, a zombie, its pid reused) needs no waiting, and
    // one provably alive is refused at once; one elsewhere is waited for until its lease would have expired
    const state = holder === null ? 'unknown' : stateOf(holder);
    if (state === 'dead') {
      await redis.eval(RELEASE, 1, key, holder as string).catch(() => {});
      continue;
    }
    if (state === 'alive' || Date.now() > end || signal?.aborted) {
      const h = parseHolder(holder);
      throw new QueueError(`queue "${name}" is being collected by another coordinator (${h}): wait for it to end, or give this sweep its own --queue-name`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const timer = setInterval(() => void redis.eval(RENEW, 1, key, me, String(LEASE_MS)).catch(() => {}), LEASE_MS / 3);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, me).catch(() => {});
    },
  };
}

function stateOf(raw: string): ReturnType<typeof holderState> {
  try {
    return holderState(JSON.parse(raw) as Parameters<typeof holderState>[0]);
  } catch {
    return 'unknown';
  }
}

function parseHolder(raw: string | null): string {
  try {
    const h = JSON.parse(raw ?? '') as { host: string; pid: number; out: string; since: string };
    return `pid ${h.pid} on ${h.host}, writing ${h.out}, since ${h.since}`;
  } catch {
    return 'unknown';
  }
}
