// The cross-check between the two levels (issue 6): for the same model and hardware spec, the training
// engine's simulated step time (bytes and FLOP it MEASURED while really training) and the at-scale
// model's (its ANALYTIC bytes and FLOP for the engine's model description, src/perf/models.ts
// perfModelFromEngine) agree within 5 % in every pipeline mode. Both go through one conversion to seconds
// (src/perf/rates.ts) and one schedule (src/timeline/schedule.ts), so agreement means the two levels count
// the same work. Precision matched explicitly: the engine streams fp32 (4 B weights, 4 B gradients, 4 B
// sparse index words) and keeps fp32 weights + state in MemoryX (the at-scale default is mixed FP16).
// Checked on the spec'd hardware (stream/latency-bound for models this small) and on a slow wafer
// (compute-bound), so both the byte counts and the FLOP counts are compared, and with half-duplex I/O.
// The workers run compiled JS: `npm run build:ts` (npm test builds first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../src/cluster/engine.js';
import { loadDigits } from '../../src/data/index.js';
import { perfModelFromEngine } from '../../src/perf/models.js';
import { pipelineEstimate } from '../../src/perf/pipeline.js';
import { defaultSpecs, type Specs } from '../../src/perf/specs.js';
import type { ModelSpec } from '../../src/model/types.js';
import { PIPELINE_MODES } from '../../src/timeline/schedule.js';

/** The two levels may differ by this fraction of the step time (issue 6). Observed: 0 for the dense model (the same
 *  bytes and FLOP, bit for bit), ≤ 1.4e-5 for the sparse one (the seeded mask's real non-zeros vs the nominal 10 %). */
const CROSS_RTOL = 0.05;

const data = loadDigits();
const N = 2;
const B = 32;
let cluster: Cluster;
beforeAll(async () => {
  cluster = await createCluster({ systems: N });
});
afterAll(async () => {
  await cluster.close();
});

const models: Record<string, ModelSpec> = {
  dense: {
    input: 64,
    layers: [
      { type: 'linear', out: 128 },
      { type: 'relu' },
      { type: 'residual', layers: [{ type: 'layernorm' }, { type: 'linear', out: 128 }, { type: 'gelu' }] },
      { type: 'layernorm' },
      { type: 'linear', out: 10 },
    ],
  } as ModelSpec,
  sparse: {
    input: 64,
    layers: [{ type: 'linear', out: 256, sparsity: 0.9 }, { type: 'relu' }, { type: 'linear', out: 128, sparsity: 0.9 }, { type: 'relu' }, { type: 'linear', out: 10 }],
  } as ModelSpec,
};

function slowWafer(): Specs {
  const d = defaultSpecs();
  return { ...d, cs2: { ...d.cs2, v: { ...d.cs2.v, peakPFLOPs: 1e-6 } } };
}

function halfDuplex(): Specs {
  const d = defaultSpecs();
  return { ...d, cs2: { ...d.cs2, v: { ...d.cs2.v, ioFullDuplex: false } } };
}

describe('engine vs at-scale model, simulated step time', () => {
  for (const [name, model] of Object.entries(models)) {
    for (const [hw, specs] of [['spec\'d hardware', defaultSpecs()], ['a slow wafer', slowWafer()], ['half-duplex I/O', halfDuplex()]] as const) {
      it(`${name} model on ${hw}: within ${CROSS_RTOL * 100} % in none, coarse and full`, async () => {
        const perf = perfModelFromEngine(model);
        for (const pipeline of PIPELINE_MODES) {
          const r = await cluster.train(model, data, { steps: 3, batch: B, optimizer: { kind: 'adamw', lr: 1e-3 }, evaluate: false, pipeline, specs });
          const e = pipelineEstimate(perf, { systems: N, batchTokens: B, pipeline, steps: 3, precision: 'fp32', optimizer: 'adam', weightBytes: 4, gradBytes: 4, sparseIndexBytes: 4 }, specs);
          const engine = r.simulatedStepSeconds!;
          expect(Math.abs(engine - e.simulatedStepSeconds) / e.simulatedStepSeconds, `${pipeline}: engine ${engine}, at-scale ${e.simulatedStepSeconds}`).toBeLessThanOrEqual(CROSS_RTOL);
          expect(r.timeline!.layers.length).toBe(e.layers.length);
          // dense: the two levels count exactly the same bytes and FLOP
          if (name === 'dense') {
            for (let l = 0; l < e.layers.length; l++) {
              expect(r.timeline!.layers[l].bytes).toEqual(e.layers[l].bytes);
              expect(r.timeline!.layers[l].flop).toEqual(e.layers[l].flop);
            }
          }
        }
      });
    }
  }
});
