// The Redis connection of a queued sweep: the --queue URL (redis://, rediss:// for TLS, or env:NAME to
// read it from an environment variable so a password never shows in `ps`), its printable form with the
// password hidden, and a connect that fails within a bounded time with one line saying why
// (unreachable, no or wrong password, too old a server) instead of retrying forever.
import { Redis, type RedisOptions } from 'ioredis';

/** Seconds a connect may take before the sweep or worker gives up (both ends). */
export const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * Seconds a stop waits for Redis (giving the collector lease back, handing finished jobs back, closing the queues)
 * before it leaves them as they are. A live server answers in milliseconds; one that is frozen or behind a partition
 * that drops packets reports no error and would be waited for as long as it lasts.
 */
export const CLOSE_WAIT_SECONDS = 3;

/** Seconds a PING may go unanswered on an open connection before the server is said not to answer. */
export const SILENT_SECONDS = CONNECT_TIMEOUT_SECONDS;

/** The oldest Redis BullMQ supports well (streams, LMOVE/BLMOVE). */
const MIN_REDIS = [6, 2];

/** A queue that cannot be used: unreachable, refused, or not ours. Exit code 1; message is one line. */
export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

/** A --queue value that is not a Redis URL (the CLI maps it to exit code 2, like any bad option). */
export class QueueUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUrlError';
  }
}

/** The Redis URL a --queue value names: the value itself, or for `env:NAME` the variable NAME. */
export function resolveQueueUrl(value: string, env: NodeJS.ProcessEnv = process.env): string {
  let url = value;
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new QueueUrlError(`--queue: expected env:NAME with NAME an environment variable name, got ${JSON.stringify(value)}`);
    const v = env[name];
    if (v === undefined || v === '') throw new QueueUrlError(`--queue: environment variable ${name} is not set (expected a redis:// or rediss:// URL in it)`);
    url = v;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueUrlError(`--queue: expected redis://[user:pass@]host:port[/db], rediss://... or env:NAME, got ${JSON.stringify(redactUrl(url))}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new QueueUrlError(`--queue: expected a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`);
  }
  if (parsed.pathname && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname)) {
    throw new QueueUrlError(`--queue: expected a database number after the port (/0 .. /15), got ${JSON.stringify(parsed.pathname)}`);
  }
  // the database's one place is the path: a query (?db=99) would reach the client but not the database check
  if (parsed.search || parsed.hash) {
    throw new QueueUrlError(`--queue: expected no ?query or #fragment (a database goes after the port: redis://host:port/N), got ${JSON.stringify(redactUrl(url))}`);
  }
  return url;
}

/** The URL as it may be printed: the password (if any) replaced by ***. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon < 0 ? auth : auth.slice(0, colon) + ':***'}@`;
  });
}

/**
 * Options for the long-lived connections BullMQ uses (it requires maxRetriesPerRequest null on a
 * worker's blocking connection): a bounded connect, reconnects spaced up to 2 s after a drop.
 */
export function bullConnection(url: string): Redis {
  const opts: RedisOptions = {
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_SECONDS * 1000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
  return new Redis(url, opts);
}

/**
 * Connects once, with no retry, and checks the server answers PING and is Redis >= 6.2. Throws a
 * QueueError with one line naming the cause; never waits longer than CONNECT_TIMEOUT_SECONDS (+ a little).
 */
export async function checkRedis(url: string): Promise<{ version: string }> {
  const where = redactUrl(url);
  const client = new Redis(url, {
    lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_SECONDS * 1000, commandTimeout: CONNECT_TIMEOUT_SECONDS * 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false,
  });
  let last: (Error & { code?: string }) | undefined;
  client.on('error', (e: Error) => (last = e));
  // One deadline over connect, ready check and PING together (each has its own timeout in ioredis).
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_SECONDS * 1000);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), deadline]);
    // ioredis selects the URL's database while connecting, and a server without it only logs the refusal
    // (the client then works in database 0): select it again here, where a refusal is an answer.
    const db = Number(new URL(url).pathname.slice(1) || 0);
    if (db > 0) {
      await Promise.race([client.select(db), deadline]).catch((e: Error) => {
        if (/DB index is out of range/i.test(e.message)) throw new QueueError(`Redis at ${where} has no database ${db} (its "databases" setting is lower; by default it has 16: /0 .. /15)`);
        throw e;
      });
    }
    // An ACL user may be refused INFO (@dangerous): then the version is not checked here.
    const info = await Promise.race([client.info('server').catch((e: Error) => (/^NOPERM/.test(e.message) ? 'redis_version:99' : Promise.reject(e))), deadline]);
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
    const [maj, min] = version.split('.').map(Number);
    if (maj < MIN_REDIS[0] || (maj === MIN_REDIS[0] && min < MIN_REDIS[1])) throw new QueueError(`Redis at ${where} is version ${version}: the queue needs Redis ${MIN_REDIS.join('.')} or newer`);
    return { version };
  } catch (e) {
    if (e instanceof QueueError) throw e;
    const err = e as Error & { code?: string };
    throw new QueueError(connectFailure(where, err.code === 'ETIMEDOUT' ? err : (last ?? err)));
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/** One line for a failed connect, from the error ioredis reported. */
export function connectFailure(where: string, e: Error & { code?: string }): string {
  const msg = e.message ?? String(e);
  if (/^NOAUTH/.test(msg)) return `Redis at ${where} requires a password: put it in the URL (redis://:PASSWORD@host:port), best through --queue env:NAME`;
  if (/^WRONGPASS|invalid password|invalid username-password/i.test(msg)) return `Redis at ${where} refused the user name or password (WRONGPASS)`;
  if (e.code === 'ETIMEDOUT' || /ETIMEDOUT|timed? ?out|Command timed out/i.test(msg)) return `cannot reach Redis at ${where}: no answer within ${CONNECT_TIMEOUT_SECONDS} s (is the host right, is a firewall in the way, does it speak TLS: rediss://?)`;
  if (/^Protocol error/.test(msg)) return `cannot reach Redis at ${where}: the server there does not speak Redis's protocol (another service on that port, or one that expects TLS: rediss://?)`;
  if (e.code === 'ECONNREFUSED') return `cannot reach Redis at ${where}: connection refused (is redis-server running on that port?)`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot reach Redis at ${where}: unknown host`;
  return `cannot reach Redis at ${where}: ${e.code ? e.code + ' ' : ''}${msg.split('\n')[0]}`;
}

/** What untilStopped resolves with when the signal came first. */
export const STOPPED: unique symbol = Symbol('stopped');

/**
 * The promise's value, or STOPPED as soon as `signal` aborts. A long-lived connection queues its commands
 * while Redis is away (BullMQ needs maxRetriesPerRequest null), so a call can wait for the whole outage: a
 * stop must not wait with it. The abandoned call's later outcome is ignored.
 */
export function untilStopped<T>(p: Promise<T>, signal?: AbortSignal): Promise<T | typeof STOPPED> {
  if (!signal) return p;
  if (signal.aborted) return (p.catch(() => {}), Promise.resolve(STOPPED));
  return new Promise((resolve, reject) => {
    const stop = () => resolve(STOPPED);
    signal.addEventListener('abort', stop, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', stop), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', stop), reject(e)),
    );
  });
}

/** Waits for `p` at most `ms` (a close that needs an unreachable Redis); its outcome after that is ignored. Resolves whether it settled in time. */
export async function atMost(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([p.then(() => true, () => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

/** What StopBound.wait rejects with once the stop has waited its time for Redis. */
export class NoAnswerError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms / 1000} s of the stop`);
    this.name = 'NoAnswerError';
  }
}

export interface StopBound {
  /**
   * `p`'s outcome; but once the signal has aborted, all the waits together get at most the bound's time, after which
   * this (and every later wait, at once) rejects with a NoAnswerError. Before the signal it waits as `p` does.
   */
  wait<T>(p: Promise<T>): Promise<T>;
  /** Whether a wait gave up on Redis. */
  readonly expired: boolean;
}

/** Bounds the waits on Redis of whatever a stop (`signal`) still does: `ms` from the signal, for all of them together. */
export function boundAfterStop(signal: AbortSignal | undefined, ms = CLOSE_WAIT_SECONDS * 1000): StopBound {
  let deadline = signal?.aborted ? Date.now() + ms : Infinity;
  signal?.addEventListener('abort', () => (deadline = Date.now() + ms), { once: true }); // before any wait's listener
  let expired = false;
  return {
    get expired() {
      return expired;
    },
    wait<T>(p: Promise<T>): Promise<T> {
      if (!signal) return p;
      if (expired) return (p.catch(() => {}), Promise.reject(new NoAnswerError(ms)));
      return new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const arm = () => {
          timer = setTimeout(() => ((expired = true), reject(new NoAnswerError(ms))), Math.max(0, deadline - Date.now()));
        };
        const done = () => (clearTimeout(timer), signal.removeEventListener('abort', arm));
        if (signal.aborted) arm();
        else signal.addEventListener('abort', arm, { once: true });
        p.then((v) => (done(), resolve(v)), (e: unknown) => (done(), reject(e)));
      });
    },
  };
}

/**
 * Says once when a long-lived connection drops (it reconnects on its own) and once when it is back, so an
 * outage is two lines however long it lasts. The same for a server that stops answering on an open connection
 * (frozen, or a partition that drops packets: no error comes): a PING each second, unanswered for SILENT_SECONDS,
 * is said once, and its answer once. Returns whether the connection is down now (an error, not a silence: a
 * stop bounds its own waits, boundAfterStop); stop() ends the PINGs.
 */
export function reportOutages(connection: Redis, url: string, say?: (line: string) => void, advice = ''): (() => boolean) & { stop(): void } {
  let down = false;
  let sent = 0; // when the PING in flight went out (0: none)
  let silent = false;
  connection.on('error', (e: Error) => {
    if (!down) say?.(`lost the connection to Redis at ${redactUrl(url)} (${e.message.split('\n')[0]}): retrying${advice}`);
    down = true;
  });
  connection.on('ready', () => {
    if (down) say?.(`the connection to Redis at ${redactUrl(url)} is back`);
    down = false;
    silent = false; // the line above says it
  });
  let stopped = false;
  const answered = () => {
    sent = 0;
    if (silent && !stopped) say?.(`Redis at ${redactUrl(url)} answers again`);
    silent = false;
  };
  let lastTick = Date.now();
  const probe = setInterval(() => {
    const now = Date.now();
    const blocked = now - lastTick > 2000; // this process did not run its timers (long synchronous work): the answer may be unread
    lastTick = now;
    if (down || connection.status !== 'ready') return;
    if (blocked && sent !== 0) {
      sent = now; // wait again from here, rather than blame Redis for our own stall
    } else if (sent === 0) {
      sent = now;
      connection.ping().then(answered, (e: Error) => (e.name === 'ReplyError' ? answered() : (sent = 0))); // an error reply is an answer; a closed connection is not
    } else if (!silent && now - sent >= SILENT_SECONDS * 1000) {
      silent = true;
      say?.(`Redis at ${redactUrl(url)} has not answered for ${SILENT_SECONDS} s (the connection is open): waiting for it${advice}`);
    }
  }, 1000);
  probe.unref();
  connection.once('end', () => clearInterval(probe));
  return Object.assign(() => down || connection.status !== 'ready', { stop: () => ((stopped = true), clearInterval(probe)) });
}
