// The binding resource by name: which unit or link bounds the step, so an output never leaves a limit
// unnamed (e.g. doubling MemoryX and the CS-2 I/O while SwarmX's lanes stay the weight stream's limit).
// Bound 'stream' names the term(s) of min(system I/O, MemoryX stream, SwarmX lanes) that set the link.
import type { Bound } from './types.js';
import type { Rates } from './rates.js';

/** "compute (CS-3 wafer)", "weight stream: SwarmX lanes (12 x 100 Gb/s = 150 GB/s)", ... */
export function bindingResource(bound: Bound, rates: Rates, system: string, portGbps: number): string {
  switch (bound) {
    case 'compute':
      return `compute (${system} wafer)`;
    case 'reduce':
      return `gradients out: ${linkNames(rates, system, portGbps)}`;
    case 'update':
      return 'MemoryX update (optimizer-state bandwidth)';
    case 'stream':
      return `weight stream: ${linkNames(rates, system, portGbps)}`;
  }
}

/** The terms equal to the link's rate, named with their figures. */
export function linkNames(r: Rates, system: string, portGbps: number): string {
  const near = (x: number) => Math.abs(x - r.linkGBps) <= 1e-9 * r.linkGBps;
  const names: string[] = [];
  if (near(r.ioGBps)) names.push(`${system} I/O`);
  if (near(r.memoryxGBps)) names.push('MemoryX stream');
  if (near(r.lanesGBps)) names.push(`SwarmX lanes (${r.lanes}${r.lanesDerived ? ', derived from the I/O' : ''} x ${portGbps} Gb/s)`);
  return `${names.join(' = ')} at ${+r.linkGBps.toPrecision(4)} GB/s`;
}
