// The queued sweep's protocol, in one place: Redis names, the settings both ends share (attempts,
// lock duration, stall interval), the job payload a coordinator enqueues and a worker accepts, and the
// reply a worker hands back. Every payload is checked here before a worker runs anything.
//
//   queue  <prefix>:<name>.<kind>.<build>   one BullMQ queue per run kind and build (a worker's --kinds picks queues; it
//          sees only its own build's, so a host of another build never takes, nor burns the attempts of, a job)
//   owner  <prefix>:<name>:owner    which sweep the queue serves now (JSON: OwnerRecord)
//   lease  <prefix>:<name>:collector  the one coordinator collecting its results now (text; expires unless renewed: lease.ts)
//   job    id = the run's hash (src/sweep/hash.ts), data = JobPayload, return value = JobReply
//
// A job names the build that enqueued it (src/build.ts) and a worker runs only its own build's jobs (it listens on
// its build's queues and checks each job): one sweep's lines all come from one build. A reply names the host and
// build that ran it, and its line records them.
import type { RanOn } from '../../build.js';
import { ValidationError } from '../../errors.js';
import { runHash } from '../hash.js';
import { validateRuns } from '../run.js';
import { expandSweep, validateSweep } from '../spec.js';
import type { Config, RunError, RunKind, SweepSpec, Timings } from '../types.js';

/** The kinds a queue carries: never `module` (a worker would import whatever file a job named). */
export const QUEUE_KINDS = ['estimate', 'fabric', 'train'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/** Settings both ends share. Times in the unit their name says. */
export const QUEUE_DEFAULTS = {
  /** Prefix of every Redis key. */
  prefix: 'weightstream',
  /** Default --queue-name: sweeps sharing one Redis use different names. */
  name: 'sweep',
  /** Attempts per job for failures of the job itself (a crashed worker thread, a bad payload is 1); then its error is the line. */
  attempts: 3,
  /** First retry after this long, doubling after each failure. */
  backoffMs: 1000,
  /** A worker holds a job's lock this long and renews it every half; a SIGKILLed worker's job is free after it. */
  lockSeconds: 30,
  /** How often workers look for jobs whose lock expired (stalled) and put them back to wait. */
  stalledIntervalSeconds: 15,
  /** A job that stalls more often than this (it kills its worker each time) fails with its error in the line. */
  maxStalledCount: 2,
  /** The coordinator looks for finished jobs this often. */
  pollMs: 100,
  /** Largest payload a worker accepts (JSON bytes). */
  maxPayloadBytes: 1 << 20,
} as const;

/** What a job carries: one configuration of a sweep, the same {kind, config} its hash covers, and the build that enqueued it. */
export interface JobPayload {
  kind: QueueKind;
  config: Config;
  /** The coordinator's buildId(): only a worker of this build runs the job. */
  build: string;
}

/** What a worker hands back (the job's return value): the result as JSON text, or the run's error. */
export interface JobReply {
  resultJson?: string;
  error?: RunError;
  timings: Timings;
  /** The worker's host and build. */
  ranOn?: RanOn;
}

/** Which sweep a queue serves: a second sweep file on the same queue name is refused while jobs remain. */
export interface OwnerRecord {
  /** runHash('sweep', {kind, base, axes}): the identity of the sweep file's content. */
  sweep: string;
  name?: string;
  source?: string;
  kind: RunKind;
  createdAt: string;
  /** The coordinator's build: its jobs are in that build's queues (absent in records of older versions). */
  build?: string;
}

/** The BullMQ queue of a sweep's kind and build (a record of an older version names no build: its queue had none). */
export const queueName = (name: string, kind: string, build: string | undefined) => (build ? `${name}.${kind}.${build}` : `${name}.${kind}`);
export const ownerKey = (prefix: string, name: string) => `${prefix}:${name}:owner`;
export const collectorKey = (prefix: string, name: string) => `${prefix}:${name}:collector`;

/** The identity of a sweep's content (not of its file name): two files with the same runs are one sweep. */
export function sweepId(spec: SweepSpec): string {
  return runHash('sweep', { kind: spec.kind, base: spec.base, axes: spec.axes });
}

/** Checks --queue-name: letters, digits, '-', '_' (it becomes part of Redis key names). */
export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ValidationError('--queue-name', name, "expected 1 to 64 letters, digits, '-' or '_'");
  return name;
}

/**
 * The queue's rule on top of the sweep file's: a queued configuration names no file, so a worker reads
 * only what ships with weightstream. Throws a ValidationError whose path is inside the configuration.
 */
export async function checkQueueable(kind: string, config: Config): Promise<void> {
  if (!(QUEUE_KINDS as readonly string[]).includes(kind)) {
    throw new ValidationError('kind', kind, `expected one of ${QUEUE_KINDS.join(', ')} on a queue (a worker never imports a module a job names)`);
  }
  const noFile = (field: string, v: unknown, ok: (s: string) => boolean, what: string) => {
    if (typeof v === 'string' && !ok(v)) throw new ValidationError(field, v, `expected ${what} on a queue (workers read no files a job names)`);
  };
  if (kind === 'estimate') {
    if (config.spec !== undefined) throw new ValidationError('spec', config.spec, 'expected no spec files on a queue (workers read no files a job names; the shipped specs apply)');
    noFile('model', config.model, (s) => /^[\w-][\w.-]*$/.test(s) && !s.endsWith('.json'), 'a preset name or an inline model');
  }
  if (kind === 'train') {
    const { PRESETS } = await import('../../model/load.js');
    noFile('model', config.model, (s) => Object.hasOwn(PRESETS, s), `a preset (${Object.keys(PRESETS).join(', ')}) or an inline model`);
    noFile('data', config.data, (s) => s === 'digits' || s === 'teacher', 'digits or teacher');
    if (config.data !== undefined && typeof config.data !== 'string') throw new ValidationError('data', config.data, 'expected digits or teacher');
  }
}

/**
 * A worker's check of a job before anything runs: size, shape, a kind this worker takes, the worker's own build,
 * the sweep file's validator (the same as a local sweep), the queue's rule, the kind's own validator, and the
 * job id equal to the configuration's hash. Returns the payload typed; throws a ValidationError.
 */
export async function validateJob(data: unknown, jobId: string | undefined, kinds: readonly string[], build: string): Promise<JobPayload> {
  const bytes = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (bytes > QUEUE_DEFAULTS.maxPayloadBytes) throw new ValidationError('job', `${bytes} bytes`, `expected at most ${QUEUE_DEFAULTS.maxPayloadBytes} bytes`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ValidationError('job', data, 'expected {kind, config}');
  const keys = Object.keys(data);
  if (keys.length !== 3 || !['kind', 'config', 'build'].every((k) => keys.includes(k))) throw new ValidationError('job', keys, 'expected exactly the fields kind, config and build');
  noPrototypeKeys(data, 'job');
  const { kind, config, build: theirs } = data as { kind: unknown; config: unknown; build: unknown };
  if (typeof kind !== 'string' || !kinds.includes(kind)) throw new ValidationError('job.kind', kind, `expected one of ${kinds.join(', ')} (this worker's --kinds)`);
  if (theirs !== build) throw new ValidationError('job.build', theirs, `expected this worker's build ${build}: the sweep was enqueued by another build, and one sweep's results come from one build (build both from the same commit)`);
  // The sweep file's own validator, on a one-run sweep whose base is the configuration.
  const spec = validateSweep({ kind, base: config });
  await checkQueueable(kind, spec.base);
  await validateRuns(spec, expandSweep(spec));
  const hash = runHash(kind, spec.base);
  if (jobId !== hash) throw new ValidationError('job id', jobId, `expected the hash of the job's configuration (${hash})`);
  return { kind: kind as QueueKind, config: spec.base, build };
}

/** Refuses __proto__, constructor and prototype as keys anywhere in a payload (it came over the network). */
function noPrototypeKeys(v: unknown, path: string): void {
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v)) {
    const here = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
    if (!Array.isArray(v) && (k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new ValidationError(here, x, 'expected no such key (it could reach an object prototype)');
    noPrototypeKeys(x, here);
  }
}
