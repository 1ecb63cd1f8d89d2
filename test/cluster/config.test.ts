// Training configured once (src/cluster/config.ts + run-train.ts): runTrain is cluster.train() with
// TRAIN_DEFAULTS filled in, bad fields are named (config fields for the API and sweeps, flags for the CLI),
// and the CLI's --help prints the same defaults.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rootPath } from '../../src/paths.js';
import { createCluster } from '../../src/cluster/engine.js';
import { prepareTrain, runTrain } from '../../src/cluster/run-train.js';
import { TRAIN_DEFAULTS } from '../../src/cluster/config.js';
import { resolveData } from '../../src/data/index.js';
import { resolveModel } from '../../src/model/load.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('runTrain', () => {
  it('is cluster.train() with TRAIN_DEFAULTS filled in (SGD lr 0.1, momentum 0.9): the same losses and weights', async () => {
    const { summary, params } = await runTrain({ systems: 2, steps: 4, batch: 16 });
    const data = resolveData(TRAIN_DEFAULTS.data, { seed: 0 });
    const model = resolveModel(TRAIN_DEFAULTS.model, data.features, data.classes);
    const cluster = await createCluster({ systems: 2 });
    try {
      const r = await cluster.train(model, data, { steps: 4, batch: 16, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, seed: 0 });
      expect(summary.loss).toEqual(r.loss);
      expect(summary.testAccuracy).toBe(r.testAccuracy);
      params.forEach((p, l) => expect(p).toEqual(r.params[l]));
    } finally {
      await cluster.close();
    }
    expect(summary).toMatchObject({ model: 'mlp', data: 'digits', systems: 2, steps: 4, batch: 16, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }, sparsity: 0, pipeline: 'full' });
    expect(summary.parameters.master).toBe(19210);
  });

  it('names the bad field of a configuration', () => {
    expect(() => prepareTrain({ systems: 4, batch: 2 })).toThrow('batch: expected an integer >= systems (4), got 2');
    expect(() => prepareTrain({ optimizer: 'adamw', momentum: 0.5 })).toThrow('momentum: expected no momentum for adamw, got 0.5');
    expect(() => prepareTrain({ checkpointEvery: 3 })).toThrow('checkpointEvery: expected a checkpoint file to write to, got 3');
    expect(() => prepareTrain({ lr: -1 })).toThrow(/^lr: expected a finite number >= 0/);
    expect(() => prepareTrain({ data: 'nope' })).toThrow(/^data: expected digits, teacher or a safetensors file/);
    expect(() => prepareTrain({ systems: 0 })).toThrow('systems: expected an integer in [1, 64], got 0');
    // a misspelt field is refused, not ignored (the run would take its default)
    expect(() => prepareTrain({ stpes: 2 } as never)).toThrow(/^stpes: unknown field for a training configuration \(expected one of model, data, systems, steps, /);
    // what only a language model uses is refused for the others, not ignored
    expect(() => prepareTrain({ seqLen: 5 })).toThrow('seqLen: expected a language model (a GPT preset or config.json): only its sequences have a length, got 5');
    expect(() => prepareTrain({ sample: 5 })).toThrow(/^sample: expected a language model/);
    expect(() => prepareTrain({ model: 'gpt-nano', data: 'austen', prompt: 'hi' })).toThrow('prompt: expected it only with sample (--sample N): the text a language model continues, got "hi"');
  });
});

describe('weightstream train and TRAIN_DEFAULTS', () => {
  it('--help shows the shared defaults, momentum included', () => {
    const h = cli('train', '--help').stdout.replace(/\s+/g, ' ');
    expect(h).toContain(`SGD momentum in [0, 1) (default ${TRAIN_DEFAULTS.sgd.momentum};`);
    expect(h).toContain(`learning rate (default ${TRAIN_DEFAULTS.sgd.lr} for sgd, ${TRAIN_DEFAULTS.adamw.lr} for adamw)`);
    expect(h).toContain(`(default: ${TRAIN_DEFAULTS.batch})`);
  });

  it('a configuration error is a usage error naming the flag (exit 2, one line)', () => {
    const r = cli('train', '--optimizer', 'adamw', '--momentum', '0.5');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('weightstream: error: --momentum: expected no momentum for adamw, got 0.5');
    const b = cli('train', '--systems', '4', '--batch', '2');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--batch: expected an integer >= systems \(4\), got 2/);
  });
});
