// The files one training run reads and writes, checked before any work (src/io/files.ts does the
// checking): an output never lands on an input nor on another output, and its location is writable.
// The CLI names them as options (`--save`), runTrain and cluster.train as fields (`save`).
import { existsSync } from 'node:fs';
import { ValidationError, requireInt, requireString, shapeError } from '../errors.js';
import { checkInputFile, checkOutputs, type NamedPath } from '../io/files.js';

/** The paths of a training run that name files (`train`'s options, runTrain's config fields, cluster.train's options). */
export interface TrainPaths {
  model?: unknown;
  data?: unknown;
  init?: string;
  resume?: string;
  spec?: string[];
  save?: string;
  checkpointEvery?: number;
  checkpoint?: string;
  trace?: string;
}

/** The fields that can only be paths (model and data may also name a preset or a dataset). */
const PATH_FIELDS = ['init', 'resume', 'save', 'checkpoint', 'trace'] as const;

/**
 * Refuses, before training, a save/checkpoint/trace that is not a string, is one of the inputs (data, model,
 * init, spec, resume) or another output, is a directory, or is in a place that cannot be written.
 * checkpoint may be the resume file (a run that goes on checkpointing into the file it resumed). `label`
 * names a field in errors: `--save` for the CLI, `save` (the default) for the API.
 */
export function checkTrainPaths(o: TrainPaths, label: (field: string) => string = (f) => f): void {
  for (const k of PATH_FIELDS) if (o[k] !== undefined) requireString(label(k), o[k]);
  refuseInitWithResume(o.init, o.resume, label('init'));
  checkCheckpointEvery(o.checkpointEvery, o.checkpoint, label('checkpointEvery'));
  // the inputs are regular files (missing, a directory or a FIFO is refused with the rest, before any work)
  if (o.init !== undefined) checkInputFile(o.init, 'safetensors', label('init'));
  if (o.resume !== undefined) checkInputFile(o.resume, 'checkpoint', label('resume'));
  const isFile = (p: unknown): p is string => typeof p === 'string' && p !== 'digits' && p !== 'teacher' && existsSync(p);
  const inputs: NamedPath[] = [];
  if (isFile(o.model)) inputs.push({ label: label('model'), path: o.model });
  if (isFile(o.data)) inputs.push({ label: label('data'), path: o.data });
  if (o.init) inputs.push({ label: label('init'), path: o.init });
  for (const s of o.spec ?? []) inputs.push({ label: label('spec'), path: s });
  const outputs: NamedPath[] = [];
  if (o.save) outputs.push({ label: label('save'), path: o.save });
  if (o.trace) outputs.push({ label: label('trace'), path: o.trace });
  if (o.checkpoint) outputs.push({ label: label('checkpoint'), path: o.checkpoint });
  // resume is an input of every output but checkpoint (which may continue in the same file).
  if (o.resume) {
    checkOutputs({ inputs: [...inputs, { label: label('resume'), path: o.resume }], outputs: outputs.filter((x) => x.label !== label('checkpoint')) });
  }
  checkOutputs({ inputs, outputs });
}

/** A resumed run's weights are the checkpoint's: an init (a file, or weights given in code) would be read and then ignored. */
export function refuseInitWithResume(init: unknown, resume: unknown, label = 'init'): void {
  if (init === undefined || resume === undefined) return;
  const why = 'expected no init with resume (the checkpoint holds the weights to go on from)';
  throw typeof init === 'string' ? new ValidationError(label, init, why) : shapeError(label, init, why); // weights: their shape, not their numbers
}

/** Checkpoints every N steps need a checkpoint file, and N an integer >= 1. */
export function checkCheckpointEvery(every: unknown, checkpoint: unknown, label = 'checkpointEvery'): void {
  if (every === undefined) return;
  requireInt(label, every, 1);
  if (checkpoint === undefined || checkpoint === '') throw new ValidationError(label, every, 'expected a checkpoint file to write to');
}
