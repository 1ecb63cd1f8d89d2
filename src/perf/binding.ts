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

/** The terms of min(system I/O, MemoryX stream, SwarmX lanes) equal to the link's rate (several when they tie), as ids and names. */
function tiedLinks(r: Rates, system: string, portGbps: number): Array<{ id: string; name: string }> {
  const near = (x: number) => Math.abs(x - r.linkGBps) <= 1e-9 * r.linkGBps;
  const terms = [
    { id: 'cs2-io', name: `${system} I/O`, GBps: r.ioGBps },
    { id: 'memoryx', name: 'MemoryX stream', GBps: r.memoryxGBps },
    { id: 'swarmx-link', name: `SwarmX lanes (${r.lanes}${r.lanesDerived ? ', derived from the I/O' : ''} x ${portGbps} Gb/s)`, GBps: r.lanesGBps },
  ];
  return terms.filter((t) => near(t.GBps));
}

/** The terms equal to the link's rate, named with their figures. */
export function linkNames(r: Rates, system: string, portGbps: number): string {
  return `${tiedLinks(r, system, portGbps).map((t) => t.name).join(' = ')} at ${+r.linkGBps.toPrecision(4)} GB/s`;
}

/**
 * The binding resource as an id: 'wafer-compute' (compute), 'memoryx-update' (the optimizer's update), or
 * for the weight stream and the gradients out (the same link) its narrowest part: 'cs2-io', 'memoryx'
 * (its stream rate) or 'swarmx-link' (lanes × port rate), the first where two tie.
 */
export function boundResource(bound: Bound, rates: Rates): string {
  if (bound === 'compute') return 'wafer-compute';
  if (bound === 'update') return 'memoryx-update';
  return tiedLinks(rates, '', 0)[0]?.id ?? 'weight-stream-link';
}
