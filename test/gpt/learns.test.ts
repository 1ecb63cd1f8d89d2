// The end-to-end check (issue 13): `weightstream train --model gpt-micro --data austen --systems 4`
// learns the shipped text. A model that ignores the context can do no better than the text's unigram
// (byte) entropy, 3.09 nats: the loss on the held-out end of the book must fall well below it. Also the
// sample printed from the trained weights, and config.json written beside --save.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadShippedText } from '../../src/data/text.js';
import { unigramEntropy } from '../../src/data/tokens.js';
import { importGpt2Config } from '../../src/model/hf.js';
import { rootPath } from '../../src/paths.js';

describe('weightstream train --model gpt-micro --data austen --systems 4', () => {
  it('learns: the test loss falls well below the unigram entropy, prints a sample, saves an HF model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-gpt-'));
    const args = ['train', '--model', 'gpt-micro', '--data', 'austen', '--systems', '4', '--steps', '300', '--batch', '16', '--optimizer', 'adamw', '--lr', '0.003', '--shuffle', '--sample', '80', '--save', join(dir, 'model.safetensors'), '--json', '--quiet'];
    const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), ...args], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const H = unigramEntropy(loadShippedText({ seqLen: 64 })).nats;
    expect(H).toBeCloseTo(3.09, 2);
    console.log(`gpt-micro, 300 steps on 4 systems: loss ${s.loss[0].toFixed(3)} -> ${s.finalLoss.toFixed(3)}, test ${s.testLoss.toFixed(3)} nats (unigram ${H.toFixed(3)}); ${s.tokensPerSecond.toFixed(0)} tokens/s; sample ${JSON.stringify(s.sample.text)}`);
    expect(s.testLoss).toBeLessThan(H - 0.3);
    expect(s.sample.text.length).toBeGreaterThan(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(importGpt2Config(config).params).toBe(s.parameters.pytorch);
    expect(existsSync(join(dir, 'model.safetensors'))).toBe(true);
  }, 600_000);
});
