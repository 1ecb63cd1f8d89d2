// The files one training run reads and writes, checked before any work (src/io/files.ts does the
// checking): an output never lands on an input nor on another output, and its location is writable.
// The CLI names them as options (`--save`), runTrain and cluster.train as fields (`save`).
import { existsSync, statSync } from 'node:fs';
import { ValidationError, requireString } from '../errors.js';
import { checkOutputs, errnoText, type NamedPath } from '../io/files.js';

/** The paths of a training run that name files (`train`'s options, runTrain's config fields, cluster.train's options). */
export interface TrainPaths {
  model?: unknown;
  data?: unknown;
  init?: string;
  resume?: string;
  spec?: string[];
  save?: string;
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
  // a resumed run's weights are the checkpoint's: an init file would be read and then ignored
  if (o.init !== undefined && o.resume !== undefined) throw new ValidationError(label('init'), o.init, 'expected no init with resume (the checkpoint holds the weights to go on from)');
  for (const k of ['init', 'resume'] as const) if (o[k] !== undefined) requireReadable(label(k), o[k]);
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

/** An input that must be a regular file: a missing one (or a directory) is refused with the others, before any work. */
function requireReadable(label: string, path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ValidationError(label, path, `expected a file to read (${errnoText(e)})`);
  }
  if (st.isDirectory()) throw new ValidationError(label, path, 'expected a file to read (this is a directory)');
  if (!st.isFile()) throw new ValidationError(label, path, 'expected a regular file (not a FIFO, device or socket)');
}
