// Which system is modelled: `--system cs2|cs3` (or an id from a --spec file) puts that system's spec in
// the estimate's system slot, with its generation's MemoryX when one is shipped (memoryx-<id>.json).
// Also the name the outputs print for it ("CS-2", "CS-3"): never "CS-2" for another system.
import { join } from 'node:path';
import { ValidationError, ownEntry } from '../errors.js';
import type { Cs2Spec, Specs } from './specs.js';

/** The specs with system `id` modelled (unchanged when id is undefined). */
export function withSystem(specs: Specs, id: string | undefined): Specs {
  if (id === undefined) return specs;
  const sys = typeof id === 'string' ? ownEntry(specs.systems, id) : undefined;
  if (!sys) throw new ValidationError('system', id, `expected one of ${Object.keys(specs.systems).join(', ')}`);
  // the system's own MemoryX generation, unless a user file already replaced the built-in MemoryX
  const builtIn = specs.memoryx.file === join('specs', 'hardware', 'memoryx.json');
  const mx = builtIn ? ownEntry(specs.memoryxFor, id) : undefined;
  return { ...specs, cs2: sys, memoryx: mx ?? specs.memoryx };
}

/** The short name of a system spec: 'cs2' -> 'CS-2', 'cs3' -> 'CS-3', else its id. */
export function systemLabel(spec: Cs2Spec): string {
  const m = /^cs(\d+)$/i.exec(spec.id);
  return m ? `CS-${m[1]}` : spec.id;
}
