// A seeded teacher–student dataset: inputs x ~ N(0, 1) [N, D]; labels from a fixed random "teacher" MLP
// (D -> H, tanh, H -> C, weights N(0, 1/fan_in), no biases), y = argmax of its logits. tanh keeps the
// hidden features centred, so the classes come out roughly balanced (a ReLU teacher gives one class
// most of the samples). The same seed gives the same data on every machine.
import { refuseUnknownFields, requireInt, requireNumber, requireObject } from '../errors.js';
import { Rng } from '../ref/rng.js';
import { splitLast, type Dataset } from './dataset.js';

export interface TeacherOptions {
  /** Samples (train + test). Default 4096. */
  samples?: number;
  /** D. Default 32. */
  features?: number;
  /** C. Default 10. */
  classes?: number;
  /** Teacher's hidden width. Default 64. */
  hidden?: number;
  /** Default 0. */
  seed?: number;
  /** The last fraction of samples held out for testing. Default 0.2. */
  testFraction?: number;
}

/** Generates a teacher–student dataset. */
export function teacherData(opts: TeacherOptions = {}): Dataset {
  refuseUnknownFields(requireObject('options', opts), ['samples', 'features', 'classes', 'hidden', 'seed', 'testFraction'], 'teacher data');
  const n = requireInt('teacher.samples', opts.samples ?? 4096, 2);
  const D = requireInt('teacher.features', opts.features ?? 32, 1);
  const C = requireInt('teacher.classes', opts.classes ?? 10, 2);
  const H = requireInt('teacher.hidden', opts.hidden ?? 64, 1);
  const seed = requireInt('teacher.seed', opts.seed ?? 0, 0, 0xffffffff);
  const testFraction = requireNumber('teacher.testFraction', opts.testFraction ?? 0.2, 0, 1, true);
  const rng = new Rng(seed);
  const w1 = new Float64Array(D * H).map(() => rng.normal(0, 1 / Math.sqrt(D)));
  const w2 = new Float64Array(H * C).map(() => rng.normal(0, 1 / Math.sqrt(H)));
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  const h = new Float64Array(H);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) x[i * D + d] = rng.normal();
    for (let j = 0; j < H; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += x[i * D + d] * w1[d * H + j];
      h[j] = Math.tanh(s);
    }
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < H; j++) s += h[j] * w2[j * C + c];
      if (s > bestV) {
        bestV = s;
        best = c;
      }
    }
    y[i] = best;
  }
  const { train, test } = splitLast({ x, y, n }, D, testFraction);
  return {
    name: 'teacher',
    features: D,
    classes: C,
    train,
    test,
    source: `teacher-student: x ~ N(0,1) [${n}, ${D}], labels = argmax of a random ${D}-${H}-${C} tanh MLP, seed ${seed}; last ${test ? test.n : 0} held out`,
  };
}
