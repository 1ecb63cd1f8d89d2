// `train --data tokens.safetensors` uses the file as it is (docs/data-tokens.md): every row trains unless the
// file has tokens_test, and its rows fix T, so a different seqLen is refused rather than ignored.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain } from '../../src/cluster/run-train.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-token-file-'));

/** rows x (T + 1) tokens below 50, written as a tokens file (with `test` rows as tokens_test when > 0). */
function tokenFile(name: string, rows: number, test = 0, T = 16): string {
  const make = (n: number, salt: number) => ({ dtype: 'I32' as const, shape: [n, T + 1], data: new Int32Array(n * (T + 1)).map((_, i) => (i * 7 + salt) % 50) });
  const file = join(dir, name);
  writeSafetensors(file, test > 0 ? { tokens: make(rows, 0), tokens_test: make(test, 3) } : { tokens: make(rows, 0) });
  return file;
}

describe('a tokens file as --data', () => {
  it('trains every row and has no test split without tokens_test; with it, those rows are the test split', async () => {
    const plain = await runTrain({ model: 'gpt-nano', data: tokenFile('plain.safetensors', 8), steps: 1, batch: 8 });
    expect(plain.summary.testLoss).toBeNull(); // the last 10 % used to be held out in silence
    const split = await runTrain({ model: 'gpt-nano', data: tokenFile('split.safetensors', 8, 2), steps: 1, batch: 8 });
    expect(split.summary.testLoss).toBeGreaterThan(0);
    expect(split.summary.loss[0]).toBe(plain.summary.loss[0]); // the same 8 training rows
  }, 60_000);

  it("refuses a seqLen other than the file's own T, and takes its own", async () => {
    const file = tokenFile('t16.safetensors', 4);
    await expect(runTrain({ model: 'gpt-nano', data: file, steps: 1, batch: 4, seqLen: 8 })).rejects.toThrow(
      "seqLen: expected 16 or none with a tokens file (its rows hold 17 tokens), got 8",
    );
    const own = await runTrain({ model: 'gpt-nano', data: file, steps: 1, batch: 4, seqLen: 16 });
    expect(own.summary.loss).toHaveLength(1);
  }, 60_000);

  it('a token past the model\'s vocabulary is named by tensor, row and position, as the data\'s', async () => {
    const file = join(dir, 'past.safetensors');
    writeSafetensors(file, { tokens: { dtype: 'I32', shape: [4, 17], data: new Int32Array(4 * 17).map((_, i) => (i === 20 ? 1001 : i % 50)) } });
    await expect(runTrain({ model: 'gpt-nano', data: file, steps: 1, batch: 4 })).rejects.toThrow('data: past.safetensors: tokens[1, 3]: expected a token id in [0, 256) (vocab_size), got 1001');
  });
});
