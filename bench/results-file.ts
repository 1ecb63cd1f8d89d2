// Where a bench writes its rows: bench/results/<name>.json for a full run, which is committed and which later
// runs compare with; bench/results/<name>-<variant>.json for a partial one (--quick, only some rows), so that
// a partial run never replaces a full run's record (the `-quick` files are git-ignored).
import { rootPath } from '../src/paths.js';

/** The results file of bench `name`; `variant` (e.g. 'quick') names a partial run's file beside it. */
export function resultsFile(name: string, variant?: string | false): string {
  return rootPath('bench', 'results', variant ? `${name}-${variant}.json` : `${name}.json`);
}
