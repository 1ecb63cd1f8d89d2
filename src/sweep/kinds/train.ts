// Run kind `train`: functional weight-streaming training on N simulated CS-2 through runTrain (src/cluster
// run-train.ts, the configuration-as-data entry `weightstream train` uses too): the same TrainConfig, the
// same defaults (TRAIN_DEFAULTS) and the same summary as `weightstream train --json`, less the timeline's
// per-layer detail (its step time, exposed latency and utilization stay).
import type { Config } from '../types.js';
import { onlyKnown, type KindAdapter } from './common.js';

/** The TrainConfig fields a sweep may set (files the run would write, init and resume are left out). */
export const TRAIN_FIELDS = [
  'model', 'data', 'systems', 'steps', 'batch', 'optimizer', 'lr', 'momentum', 'weightDecay', 'sparsity', 'seed', 'shuffle',
  'fanIn', 'dramBytes', 'waferSramBytes', 'evaluate', 'pipeline', 'spec',
] as const;

export async function trainAdapter(): Promise<KindAdapter> {
  const { prepareTrain, runPrepared } = await import('../../cluster/run-train.js');
  type Prepared = ReturnType<typeof prepareTrain>;
  const dataCache = new Map<string, Prepared['data']>();
  const prepare = (c: Config) => {
    onlyKnown(c, TRAIN_FIELDS, 'train');
    return prepareTrain(c as Parameters<typeof prepareTrain>[0], dataCache);
  };
  return {
    validate(c) {
      prepare(c);
    },
    async run(c) {
      const { summary } = await runPrepared(prepare(c));
      const { timeline: _detail, ...line } = summary;
      return { kind: 'train', ...line };
    },
  };
}
