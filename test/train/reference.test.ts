// The in-memory reference trainer: it learns the shipped digits to the accuracy the literature reports
// for an MLP (dense and at 90 % sparsity), masked weights stay exactly 0, runs are bit-identical, and bad
// combinations of model and data are refused.
import { describe, expect, test } from 'vitest';
import { loadDigits, teacherData } from '../../src/data/index.js';
import { compileModel, initParams, toTorch, withSparsity } from '../../src/model/index.js';
import { evaluate } from '../../src/train/evaluate.js';
import { trainReference } from '../../src/train/reference.js';

// Accuracy targets on the digits test split (359 samples, 1 sample = 0.28 %). The literature reports
// ~97-98 % for an MLP on random splits of these digits; scikit-learn 1.2's MLPClassifier(256) gets 96.7 %
// on this exact split, SVC 98.3 %. Measured here (seeds 1-3): dense 96.4-97.5 %, 90 % sparse 96.4-96.7 %.
const DENSE_MIN_ACCURACY = 0.96;
const SPARSE_MIN_ACCURACY = 0.955;

const digits = loadDigits();
const mlp = (hidden: number) => ({ input: 64, layers: [{ type: 'linear', out: hidden }, { type: 'relu' }, { type: 'linear', out: 10 }] });

describe('it learns the digits', () => {
  test(`dense MLP 64-256-10, AdamW: test accuracy >= ${DENSE_MIN_ACCURACY}`, () => {
    const r = trainReference(mlp(256) as never, digits, { steps: 1000, batch: 32, optimizer: { kind: 'adamw', lr: 2e-3, weightDecay: 0.01 }, shuffle: true, seed: 1 });
    console.log(`digits dense 64-256-10: test accuracy ${(100 * r.testAccuracy!).toFixed(2)} %, loss ${r.loss[0].toFixed(3)} -> ${r.finalLoss.toFixed(4)}, ${r.wallSeconds.toFixed(2)} s`);
    expect(r.testAccuracy!).toBeGreaterThanOrEqual(DENSE_MIN_ACCURACY);
  });

  test(`90 % sparse MLP 64-1024-10 (every layer), AdamW: test accuracy >= ${SPARSE_MIN_ACCURACY}, masked weights exactly 0`, () => {
    const spec = withSparsity(mlp(1024) as never, 0.9);
    const plan = compileModel(spec);
    const r = trainReference(plan, digits, { steps: 1000, batch: 64, optimizer: { kind: 'adamw', lr: 5e-3, weightDecay: 0.01 }, shuffle: true, seed: 1 });
    console.log(`digits 90 % sparse 64-1024-10: test accuracy ${(100 * r.testAccuracy!).toFixed(2)} %, loss ${r.loss[0].toFixed(3)} -> ${r.finalLoss.toFixed(4)}, ${r.wallSeconds.toFixed(2)} s`);
    expect(r.testAccuracy!).toBeGreaterThanOrEqual(SPARSE_MIN_ACCURACY);
    for (const p of plan.params) {
      if (!p.sparse) continue;
      const t = toTorch(p, r.params[p.layer]);
      const [N, K] = p.torchShape;
      let zeros = 0;
      let keptNonZero = 0;
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const kept = p.sparse.maskKN[k * N + n] === 1;
          if (!kept) expect(t[n * K + k]).toBe(0);
          if (!kept) zeros++;
          else if (t[n * K + k] !== 0) keptNonZero++;
        }
      }
      expect(zeros).toBe(Math.round(0.9 * K * N));
      expect(keptNonZero).toBe(p.size); // the kept weights did train
    }
    const init = initParams(plan, 1);
    expect(r.params[0]).not.toEqual(init[0]);
  });
});

describe('reference trainer', () => {
  const data = teacherData({ samples: 600, features: 12, classes: 4, seed: 1 });
  const spec = { input: 12, layers: [{ type: 'linear', out: 32, sparsity: 0.5 }, { type: 'relu' }, { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 32 }, { type: 'gelu' }] }, { type: 'linear', out: 4 }] };

  test('the same run twice is bit-identical; shuffling and seeds change it', () => {
    const opts = { steps: 40, batch: 16, optimizer: { kind: 'sgd' as const, lr: 0.1, momentum: 0.9 }, shuffle: true, seed: 2 };
    const a = trainReference(spec as never, data, opts);
    const b = trainReference(spec as never, data, opts);
    expect(a.loss).toEqual(b.loss);
    a.params.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(b.params[i].buffer))).toBe(true));
    expect(trainReference(spec as never, data, { ...opts, shuffle: false }).loss).not.toEqual(a.loss);
    expect(trainReference(spec as never, data, { ...opts, seed: 3 }).loss).not.toEqual(a.loss);
    expect(a.finalLoss).toBeLessThan(a.loss[0]);
  });

  test('evaluation does not depend on the chunk size', () => {
    const plan = compileModel(spec);
    const P = initParams(plan, 4);
    const a = evaluate(plan, P, data.test!, { chunk: 7 });
    const b = evaluate(plan, P, data.test!, { chunk: 1000 });
    expect(a.correct).toBe(b.correct);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    expect(a.n).toBe(120);
  });

  test('a model that does not fit the data is refused', () => {
    const opts = { steps: 1, batch: 4, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
    expect(() => trainReference({ input: 13, layers: [{ type: 'linear', out: 4 }] }, data, opts)).toThrow("model.input: expected the data's 12 features, got 13");
    expect(() => trainReference({ input: 12, layers: [{ type: 'linear', out: 5 }] }, data, opts)).toThrow("model output width: expected the data's 4 classes, got 5");
    expect(() => trainReference({ input: 12, layers: [{ type: 'linear', out: 4 }] }, data, { ...opts, optimizer: { kind: 'adam' as never, lr: 1 } })).toThrow(/optimizer.kind: expected one of sgd, adamw/);
  });
});
