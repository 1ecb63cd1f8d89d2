// The hardware figures `estimate --sensitivity` varies: those that enter the at-scale estimate (the
// wafer's cores, clock and fabric do not: its peak and efficiency stand for them). activationSramFraction
// is left out (x2 would pass 1; waferSramGB carries the same question).
import type { Specs } from './specs.js';

export interface SensitivityFigure {
  spec: 'cs2' | 'memoryx' | 'swarmx';
  key: string;
  /** Whether scaling it is meaningful for these specs (a zero default stays zero). */
  applies: (specs: Specs) => boolean;
}

const always = () => true;
const nonzero = (spec: 'cs2' | 'memoryx' | 'swarmx', key: string) => (s: Specs) => ((s[spec].v as Record<string, unknown>)[key] as number) > 0;

export const SENSITIVITY_FIGURES: readonly SensitivityFigure[] = [
  { spec: 'cs2', key: 'peakPFLOPs', applies: always },
  { spec: 'cs2', key: 'computeEfficiency', applies: (s) => s.cs2.v.computeEfficiency * 2 <= 1 },
  { spec: 'cs2', key: 'ioGBps', applies: always },
  { spec: 'cs2', key: 'waferSramGB', applies: always },
  { spec: 'memoryx', key: 'streamGBps', applies: always },
  { spec: 'memoryx', key: 'updateGBps', applies: always },
  { spec: 'swarmx', key: 'portGbps', applies: always },
  { spec: 'swarmx', key: 'portsPerSystem', applies: always },
  { spec: 'swarmx', key: 'hopLatencyUs', applies: nonzero('swarmx', 'hopLatencyUs') },
  { spec: 'swarmx', key: 'stepJitterFraction', applies: nonzero('swarmx', 'stepJitterFraction') },
  { spec: 'swarmx', key: 'hostStepOverheadMs', applies: nonzero('swarmx', 'hostStepOverheadMs') },
];
