// The fields of an EstimateConfig, as data: the estimate refuses any other, and the sweep's estimate kind
// checks a configuration against them without loading the at-scale model (its modules load only when a run
// needs them). Type-only imports: nothing else loads with this file.
import type { EveryField } from '../errors.js';
import type { EstimateConfig } from './run.js';

/** Every field of an EstimateConfig: any other is refused (a misspelt one would be ignored). */
export const ESTIMATE_CONFIG_FIELDS = [
  'model', 'systems', 'sparsity', 'tokens', 'batchTokens', 'spec', 'system', 'gpu', 'devices', 'efficiency', 'recompute', 'pipeline',
  'precision', 'optimizer', 'attention', 'detail', 'seqLen', 'batchSeqs', 'passes', 'microBatchSeqs',
] as const satisfies ReadonlyArray<keyof EstimateConfig>;
// and every field of it (a field added to EstimateConfig and not here fails to compile)
const _everyEstimateField: EveryField<EstimateConfig, typeof ESTIMATE_CONFIG_FIELDS> = true;
void _everyEstimateField;
