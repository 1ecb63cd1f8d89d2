// Run kind `estimate`: the at-scale model of src/perf, through runEstimate (the configuration-as-data
// entry the estimate CLI uses too): CS-2, or the GPU comparison when `gpu` is set.
import { requireBool } from '../../errors.js';
import type { Config } from '../types.js';
import { ESTIMATE_CONFIG_FIELDS } from '../../perf/estimate-fields.js';
import { asField, onlyKnown, validationOnly, type KindAdapter } from './common.js';

/** The fields of perf's EstimateConfig, plus `assumptions` (keep the assumptions list in the line). */
export const ESTIMATE_FIELDS = [...ESTIMATE_CONFIG_FIELDS, 'assumptions'] as const;

export async function estimateAdapter(): Promise<KindAdapter> {
  const { runEstimate } = await import('../../perf/run.js');
  const run = (c: Config) => {
    onlyKnown(c, ESTIMATE_FIELDS, 'estimate');
    const { assumptions: keep, ...config } = c;
    if (keep !== undefined) requireBool('assumptions', keep);
    let out: { assumptions?: string[] };
    try {
      out = runEstimate(config as unknown as Parameters<typeof runEstimate>[0]);
    } catch (e) {
      throw asField(e);
    }
    // The assumptions are the same text for every run of a sweep: kept only when asked, to keep lines small.
    if (keep !== true) delete out.assumptions;
    return out;
  };
  // The authoritative check is the estimate itself (~0.1-1 ms): too dear for every run of a 10,000-run sweep.
  return { run, validate: (c) => validationOnly(() => run(c)), validateAll: false };
}

