// Sparse everywhere (M10): with a 90 % mask on every linear layer, only the non-zeros are streamed to the
// systems, only their gradients are reduced and updated, masked weights stay exactly 0 after training,
// the traffic scales with nnz, and the model still learns the digits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/engine.js';
import { loadDigits } from '../../src/data/index.js';
import { compileModel } from '../../src/model/compile.js';
import { PRESETS, withSparsity } from '../../src/model/load.js';
import { stateDict } from '../../src/model/params.js';
import { validateModel } from '../../src/model/validate.js';

const data = loadDigits();
const dense = validateModel(PRESETS.mlp(64, 10));
const sparse = withSparsity(dense, 0.9);
const opts = { steps: 300, batch: 64, optimizer: { kind: 'adamw' as const, lr: 0.01 }, seed: 1, shuffle: true };
let c: Cluster;

beforeAll(async () => {
  c = await createCluster({ systems: 2 });
});
afterAll(async () => {
  await c.close();
});

describe('90 % sparse training on 2 systems', () => {
  it('keeps masked weights exactly 0, moves bytes in proportion to nnz, and learns', async () => {
    const d = await c.train(dense, data, { ...opts, steps: 30, evaluate: false });
    const s = await c.train(sparse, data, opts);
    const plan = compileModel(sparse);

    // Masked weights are exactly 0 in the trained state dict (PyTorch layout [out, in]); kept ones moved.
    const sd = stateDict(plan, s.params);
    let masked = 0;
    for (const p of plan.params.filter((q) => q.sparse)) {
      const [N, K] = p.torchShape;
      const t = sd.get(p.name)!.data;
      const mask = p.sparse!.maskKN;
      for (let k = 0; k < K; k++)
        for (let n = 0; n < N; n++) {
          if (mask[k * N + n] === 0) {
            expect(t[n * K + k]).toBe(0);
            expect(Object.is(t[n * K + k], -0)).toBe(false);
            masked++;
          }
        }
      expect(p.sparse!.nnz).toBe(K * N - Math.round(0.9 * K * N));
    }
    expect(masked).toBeGreaterThan(0.89 * plan.torchParams - 300);

    // Bytes: streamed = steps x Σ wire words of both passes (a sparse weight: N + 2·nnz forward in the column
    // layout, K + 2·nnz backward in the row layout, plus biases each time);
    // reduced = steps x Σ (nnz + biases): the gradient is as small as the weights.
    const wire = plan.layers.reduce((a, L) => a + 4 * (L.fwdWireWords + L.wireWords), 0);
    const grads = plan.layers.reduce((a, L) => a + 4 * L.paramFloats, 0);
    expect(s.bytesStreamed).toBe(opts.steps * wire);
    expect(s.bytesReduced).toBe(opts.steps * grads);
    // Against the dense model, per step, by hand: weights K·N → nnz = round(0.1·K·N) for 64x256 and
    // 256x10 (1638 + 256 = 1894 non-zeros), biases 266 stay dense. Dense: 16384 + 2560 + 266 = 19210 floats.
    expect(d.bytesReduced / 30).toBe(4 * 19210);
    expect(s.bytesReduced / opts.steps).toBe(4 * (1894 + 266)); // 11.2 % of dense
    expect(d.bytesStreamed / 30).toBe(2 * 4 * 19210);
    // counts + pairs: forward 256 + 10 column counts, backward 64 + 256 row counts; 22.6 % of dense
    expect(s.bytesStreamed / opts.steps).toBe(4 * ((256 + 10) + (64 + 256) + 2 * 2 * 1894 + 2 * 266));

    // It learns: the loss falls by > 10x and the held-out digits are mostly right.
    expect(s.finalLoss).toBeLessThan(s.loss[0] / 10);
    expect(s.testAccuracy!).toBeGreaterThan(0.9);
  });
});
