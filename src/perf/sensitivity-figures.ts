// The hardware figures `estimate --sensitivity` varies: those that enter the at-scale estimate (the
// wafer's cores, clock and fabric do not: its peak and efficiency stand for them). activationSramFraction
// is left out (x2 would pass 1; waferSramGB carries the same question).
import type { Specs } from './specs.js';

export interface SensitivityFigure {
  spec: 'cs2' | 'memoryx' | 'swarmx';
  key: string;
  /** Whether scaling it is meaningful for these specs (a zero default stays zero). */
  applies: (specs: Specs) => boolean;
  /** Why it is not varied where `applies` is false (said under the table); only figures that may not apply have one. */
  why?: string;
}

const always = () => true;
const ZERO = 'its value is 0 in the spec, and x0.5 and x2 leave it 0 (a spec with a value, --spec, varies it)';
const nonzero = (spec: 'cs2' | 'memoryx' | 'swarmx', key: string) => (s: Specs) => ((s[spec].v as Record<string, unknown>)[key] as number) > 0;

export const SENSITIVITY_FIGURES: readonly SensitivityFigure[] = [
  { spec: 'cs2', key: 'peakPFLOPs', applies: always },
  { spec: 'cs2', key: 'computeEfficiency', applies: (s) => s.cs2.v.computeEfficiency * 2 <= 1, why: 'x2 would pass 1, the peak' },
  { spec: 'cs2', key: 'ioGBps', applies: always },
  { spec: 'cs2', key: 'waferSramGB', applies: always },
  { spec: 'memoryx', key: 'streamGBps', applies: always },
  { spec: 'memoryx', key: 'updateGBps', applies: always },
  { spec: 'swarmx', key: 'portGbps', applies: always },
  { spec: 'swarmx', key: 'portsPerSystem', applies: always },
  { spec: 'swarmx', key: 'hopLatencyUs', applies: nonzero('swarmx', 'hopLatencyUs'), why: ZERO },
  { spec: 'swarmx', key: 'stepJitterFraction', applies: nonzero('swarmx', 'stepJitterFraction'), why: ZERO },
  { spec: 'swarmx', key: 'hostStepOverheadMs', applies: nonzero('swarmx', 'hostStepOverheadMs'), why: ZERO },
];
