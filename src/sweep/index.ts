// Batch simulation runs: sweep files (JSON/YAML) expanded into runs, run in parallel on a Piscina pool,
// results appended as JSON Lines (resumable, crash-safe), flattened to CSV on request.
export { loadSweepFile, validateSweep, expandSweep, runCount, filesNamedIn, SweepFileError, MAX_RUNS } from './spec.js';
export { runSweep, validateRuns, pendingRuns } from './run.js';
export type { SweepOptions, SweepSummary } from './run.js';
export { runHash, canonicalJson } from './hash.js';
export { readResults, readResultsForResume, parseResults, ResultsAppender, ResultsFileError } from './results.js';
export { resultsToCsv, latestByHash } from './csv.js';
export { RUN_KINDS } from './types.js';
export type { SweepSpec, Run, RunKind, ResultLine, RunError, Timings, Config, Axis } from './types.js';
