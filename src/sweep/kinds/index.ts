// The kinds of sweep run and, for each, how one configuration is checked (main thread, before anything
// runs) and run (in a pool worker). Each kind calls its area's public API; nothing is simulated here.
//   estimate  the at-scale time/capacity model (src/perf)          kinds/estimate.ts
//   fabric    the cycle-level wafer fabric (src/fabric)             kinds/fabric.ts
//   train     functional training on simulated CS-2 (src/cluster)   kinds/train.ts
//   module    a user's JS module exporting run(config)              kinds/module.ts
// An area's modules load only when its kind is used (dynamic import), once per thread.
import type { RunKind } from '../types.js';
import type { KindAdapter } from './common.js';
import { estimateAdapter } from './estimate.js';
import { fabricAdapter } from './fabric.js';
import { moduleAdapter } from './module.js';
import { trainAdapter } from './train.js';

export type { KindAdapter } from './common.js';
export { ESTIMATE_FIELDS } from './estimate.js';
export { FABRIC_FIELDS } from './fabric.js';
export { TRAIN_FIELDS } from './train.js';

const builtin: Partial<Record<RunKind, () => Promise<KindAdapter>>> = {
  estimate: estimateAdapter,
  fabric: fabricAdapter,
  train: trainAdapter,
};
const loaded = new Map<RunKind, Promise<KindAdapter>>();

/** The adapter for a kind; kind `module` needs the module's path. */
export async function adapterFor(kind: RunKind, module?: string): Promise<KindAdapter> {
  if (kind === 'module') {
    if (!module) throw new TypeError('kind module: no module path');
    return moduleAdapter(module);
  }
  const load = builtin[kind];
  if (!load) throw new Error(`kind ${kind}: not available in this build`);
  let p = loaded.get(kind);
  if (!p) loaded.set(kind, (p = load()));
  return p;
}
