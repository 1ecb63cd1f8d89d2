// Which sweep a queue name serves: the coordinator claims the name for its sweep file's content
// (SET NX of the owner key), and a coordinator of another sweep is refused while the first one's jobs
// remain. When a sweep has written every result, it clears its queue and gives the name back.
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QueueError } from './connection.js';
import { QUEUE_DEFAULTS, ownerKey, queueName, type OwnerRecord } from './protocol.js';

/** Jobs of every state a queue holds. */
export async function jobsLeft(queue: Queue): Promise<number> {
  const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed', 'waiting-children');
  return Object.values(c).reduce((s, n) => s + n, 0);
}

/** Claims `name` for this sweep; throws a QueueError naming the other sweep if it still has jobs. */
export async function claimQueue(redis: Redis, name: string, me: OwnerRecord): Promise<void> {
  const key = ownerKey(QUEUE_DEFAULTS.prefix, name);
  for (let attempt = 0; attempt < 3; attempt++) {
    if ((await redis.set(key, JSON.stringify(me), 'NX')) === 'OK') return;
    const raw = await redis.get(key);
    if (raw === null) continue; // released meanwhile
    let other: OwnerRecord;
    try {
      other = JSON.parse(raw) as OwnerRecord;
    } catch {
      other = { sweep: '?', kind: 'estimate', createdAt: '?' };
    }
    if (other.sweep === me.sweep && other.build === me.build) return; // the same sweep, restarted
    const q = new Queue(queueName(name, other.kind, other.build), { connection: redis, prefix: QUEUE_DEFAULTS.prefix });
    const left = await jobsLeft(q);
    await q.close();
    if (left > 0) {
      const what = other.name ?? other.source ?? other.sweep.slice(0, 12);
      // one build per sweep: the same sweep's jobs of another build stay in that build's queue
      throw new QueueError(other.sweep === me.sweep
        ? `queue "${name}" holds ${left} jobs of this sweep enqueued by another build (${other.build ?? 'an older version'}; this is ${me.build}): collect them with that build, or run this one with its own --queue-name`
        : `queue "${name}" is serving another sweep (${what}, started ${other.createdAt}, ${left} jobs left): finish that one, or run this one with its own --queue-name`);
    }
    // The other sweep left nothing behind (it was abandoned after its jobs were cleared): take the name over.
    await redis.watch(key);
    if ((await redis.get(key)) === raw && (await redis.multi().set(key, JSON.stringify(me)).exec()) !== null) return;
    await redis.unwatch();
  }
  throw new QueueError(`queue "${name}": cannot claim it (another sweep is starting on it)`);
}

/** Gives the name back and deletes the sweep's queue (every result is in the file). */
export async function releaseQueue(redis: Redis, queue: Queue, name: string, me: OwnerRecord): Promise<void> {
  await queue.obliterate({ force: true });
  const key = ownerKey(QUEUE_DEFAULTS.prefix, name);
  const raw = await redis.get(key);
  if (raw !== null && (JSON.parse(raw) as OwnerRecord).sweep === me.sweep) await redis.del(key);
}
