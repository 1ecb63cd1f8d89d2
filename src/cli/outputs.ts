// The files one training run reads and writes, checked before any work (src/io/files.ts does the
// checking): an output never lands on an input nor on another output, and its location is writable.
import { existsSync } from 'node:fs';
import { checkOutputs, type NamedPath } from '../io/files.js';

/** The path options of `train` (and of a sweep's train run) that name files. */
export interface TrainPaths {
  model?: string;
  data?: string;
  init?: string;
  resume?: string;
  spec?: string[];
  save?: string;
  checkpoint?: string;
  trace?: string;
}

/**
 * Refuses, before training, a --save/--checkpoint/--trace that is one of the inputs (--data, --model,
 * --init, --spec, --resume) or another output, a directory, or in a place that cannot be written.
 * --checkpoint may be the --resume file (a run that goes on checkpointing into the file it resumed).
 */
export function checkTrainPaths(o: TrainPaths): void {
  const isFile = (p?: string) => p !== undefined && p !== 'digits' && p !== 'teacher' && existsSync(p);
  const inputs: NamedPath[] = [];
  if (isFile(o.model)) inputs.push({ label: '--model', path: o.model! });
  if (isFile(o.data)) inputs.push({ label: '--data', path: o.data! });
  if (o.init) inputs.push({ label: '--init', path: o.init });
  for (const s of o.spec ?? []) inputs.push({ label: '--spec', path: s });
  const outputs: NamedPath[] = [];
  if (o.save) outputs.push({ label: '--save', path: o.save });
  if (o.trace) outputs.push({ label: '--trace', path: o.trace });
  if (o.checkpoint) outputs.push({ label: '--checkpoint', path: o.checkpoint });
  // --resume is an input of every output but --checkpoint (which may continue in the same file).
  if (o.resume) {
    checkOutputs({ inputs: [...inputs, { label: '--resume', path: o.resume }], outputs: outputs.filter((x) => x.label !== '--checkpoint') });
  }
  checkOutputs({ inputs, outputs });
}
