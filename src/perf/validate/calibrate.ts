// Calibration: the one compute efficiency at which the model reproduces ONE named measurement
// (specs/validation/measurements.json `calibration.case`). Samples/s rises monotonically with the
// efficiency, so a bisection on (0, 1] finds it; every other case is then held out.
import type { Specs } from '../specs.js';
import type { Measurement } from './measurements.js';
import { ValidationError } from '../../errors.js';
import { predict } from './predict.js';

export interface Calibration {
  case: string;
  release: string | null;
  system: string;
  efficiency: number;
}

/** The efficiency in (0, 1] at which `m`'s predicted samples/s equals the measured (to 1e-6 relative). */
export function calibrate(m: Measurement, specs: Specs): Calibration {
  const target = m.measured.samplesPerSecond;
  if (m.kind !== 'throughput' || target === undefined) throw new Error(`weightstream: calibration case ${m.id} must be a throughput case`);
  let lo = 1e-4;
  let hi = 1;
  // a measurement no efficiency in [lo, 1] reproduces is refused: clamped, it would be labelled "fitted"
  const atPeak = predict(m, hi, specs).value;
  if (atPeak < target) throw new ValidationError(`${m.id}: measured.samplesPerSecond`, target, `expected at most ${atPeak.toPrecision(4)} samples/s, the model's prediction at 100 % of peak (no efficiency reproduces more: check the measurement and the hardware spec)`);
  const atFloor = predict(m, lo, specs).value;
  if (atFloor > target) throw new ValidationError(`${m.id}: measured.samplesPerSecond`, target, `expected at least ${atFloor.toPrecision(4)} samples/s, the model's prediction at ${lo * 100} % of peak (no efficiency reproduces less)`);
  for (let i = 0; i < 60 && (hi - lo) / hi > 1e-7; i++) {
    const mid = (lo + hi) / 2;
    if (predict(m, mid, specs).value < target) lo = mid;
    else hi = mid;
  }
  return { case: m.id, release: m.release, system: m.system, efficiency: (lo + hi) / 2 };
}
