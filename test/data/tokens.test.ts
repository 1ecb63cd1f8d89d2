// Token datasets: safetensors token files (I32/I64, explicit or held-out test rows, vocab from metadata
// or max + 1), the bytes tokenizer and text windows (stride, test split, every byte a target once), the
// shipped text, token batches in file order, the checks against a model and the unigram entropy.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  BatchOrder, checkTokens, decodeBytes, encodeBytes, entropyOfCounts, fillTokenBatch, loadShippedText, loadTextFile, loadTokenFile,
  resolveTokenData, textDataset, unigramEntropy,
} from '../../src/data/index.js';
import { writeSafetensors, type Tensor } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'ws-tokens-'));
const file = (name: string, t: Record<string, Tensor>, meta?: Record<string, string>) => {
  const f = join(dir, name);
  writeSafetensors(f, t, meta);
  return f;
};
const i32 = (shape: number[], f: (i: number) => number): Tensor => ({ dtype: 'I32', shape, data: Int32Array.from({ length: shape[0] * shape[1] }, (_, i) => f(i)) });

describe('token files', () => {
  test('I32 tokens [N, T+1]: T, vocab = max + 1, every row trains by default, testFraction holds out the last rows', () => {
    const f = file('t.safetensors', { tokens: i32([5, 4], (i) => i % 7) });
    const d = loadTokenFile(f);
    expect([d.kind, d.seqLen, d.vocab, d.train.n, d.test]).toEqual(['tokens', 3, 7, 5, null]);
    const h = loadTokenFile(f, { testFraction: 0.4 });
    expect([h.train.n, h.test!.n, [...h.test!.tokens.subarray(0, 4)]]).toEqual([3, 2, [12 % 7, 13 % 7, 14 % 7, 15 % 7]]);
  });

  test('I64 tokens with tokens_test and vocab from metadata', () => {
    const big = (n: number, W: number, off: number): Tensor => ({ dtype: 'I64', shape: [n, W], data: BigInt64Array.from({ length: n * W }, (_, i) => BigInt((i + off) % 50)) });
    const d = loadTokenFile(file('t64.safetensors', { tokens: big(3, 5, 0), tokens_test: big(2, 5, 9) }, { vocab: '100', name: 'toy' }));
    expect([d.name, d.seqLen, d.vocab, d.train.n, d.test!.n, d.test!.tokens[0]]).toEqual(['toy', 4, 100, 3, 2, 9]);
  });

  test('bad token files are refused by tensor, index and value', () => {
    expect(() => loadTokenFile(file('none.safetensors', { x: i32([2, 3], () => 0) }))).toThrow(/: tokens: expected an I32 or I64 tensor \[N, T\+1\] of token ids, got "\(missing\)"/);
    // a misspelt test split was ignored: every row trained and there was no test loss
    expect(() => loadTokenFile(file('val.safetensors', { tokens: i32([2, 3], () => 0), tokens_val: i32([1, 3], () => 0) }))).toThrow(/val\.safetensors: tokens_val: expected only the tensors of a tokens file \(tokens, tokens_test\), got "\(present\)"$/);
    expect(() => loadTokenFile(file('f32.safetensors', { tokens: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }))).toThrow(/tokens.dtype: expected I32 or I64 token ids, got "F32"/);
    expect(() => loadTokenFile(file('w1.safetensors', { tokens: i32([2, 1], () => 0) }))).toThrow(/tokens.shape: expected \[N, T\+1\] with N >= 1, T >= 1, got \[2,1\]/);
    expect(() => loadTokenFile(file('neg.safetensors', { tokens: i32([2, 3], (i) => (i === 4 ? -2 : 1)) }))).toThrow(/tokens\[1, 1\]: expected a non-negative token id, got -2/);
    expect(() => loadTokenFile(file('tw.safetensors', { tokens: i32([2, 3], () => 0), tokens_test: i32([1, 4], () => 0) }))).toThrow(/tokens_test.shape: expected \[M, 3\] like tokens, got \[1,4\]/);
    expect(() => loadTokenFile(file('oov.safetensors', { tokens: i32([2, 3], (i) => i) }, { vocab: '5' }))).toThrow(/: tokens\[1, 2\]: expected a token id in \[0, 5\) \(vocab_size\), got 5/);
    expect(() => resolveTokenData(join(dir, 'nowhere.txt'), { seqLen: 4 })).toThrow(/--data: expected austen, a .txt file or a safetensors file with tokens/);
  });
});

describe('checks against a model', () => {
  const f = file('chk.safetensors', { tokens: i32([3, 9], (i) => i % 60), tokens_test: i32([1, 9], (i) => (i === 6 ? 63 : 0)) });
  test('tokens out of the vocabulary name the tensor, row, position and value', () => {
    const d = loadTokenFile(f);
    expect(() => checkTokens(d, 64, 8)).not.toThrow();
    // train row r, position t holds 9r + t (0..26); tokens_test[0, 6] holds 63
    expect(() => checkTokens(d, 62, 8)).toThrow(/^chk.safetensors: tokens_test\[0, 6\]: expected a token id in \[0, 62\) \(vocab_size\), got 63$/);
    expect(() => checkTokens(d, 20, 8)).toThrow(/^chk.safetensors: tokens\[2, 2\]: expected a token id in \[0, 20\) \(vocab_size\), got 20$/);
  });
  test('sequences longer than n_positions', () => {
    const d = loadTokenFile(f);
    expect(() => checkTokens(d, 64, 7)).toThrow(/^chk.safetensors: tokens.shape: expected rows of at most n_positions \+ 1 = 8 tokens \(sequences longer than n_positions\), got \[3,9\]$/);
  });
});

describe('bytes tokenizer and text windows', () => {
  test('encode/decode round-trips UTF-8; invalid sequences decode to U+FFFD; ids outside bytes are refused', () => {
    const s = 'Café – naïve ✓';
    const ids = encodeBytes(s);
    expect(ids.length).toBe(new TextEncoder().encode(s).length);
    expect(decodeBytes(ids)).toBe(s);
    expect(decodeBytes([0x41, 0xff, 0x42])).toBe('A\ufffdB');
    expect(() => decodeBytes([65, 256])).toThrow(/decodeBytes.ids\[1\]: expected a byte token in \[0, 256\), got 256/);
  });

  test('default stride T: windows share one byte, every byte after the first is a target exactly once; the tail is dropped', () => {
    const bytes = encodeBytes('abcdefghijklmnopq'); // 17 bytes
    const d = textDataset(bytes, { seqLen: 4, testFraction: 0.25 }, 'toy', 'toy');
    // windows of 5 at 0, 4, 8, 12 (16 + 5 > 17): K = 4, test = the last round(4·0.25) = 1
    expect([d.seqLen, d.vocab, d.train.n, d.test!.n]).toEqual([4, 256, 3, 1]);
    expect(decodeBytes(d.train.tokens)).toBe('abcdeefghiijklm');
    expect(decodeBytes(d.test!.tokens)).toBe('mnopq');
    const targets: number[] = [];
    for (const s of [d.train, d.test!]) for (let r = 0; r < s.n; r++) targets.push(...s.tokens.subarray(r * 5 + 1, r * 5 + 5));
    expect(decodeBytes(targets)).toBe('bcdefghijklmnopq');
    expect(d.source).toMatch(/4 windows of 5 bytes at stride 4 \(last 0 bytes dropped\)/);
  });

  test('stride 1 gives every window; bad options are refused by name', () => {
    const d = textDataset(encodeBytes('abcdefg'), { seqLen: 3, stride: 1, testFraction: 0 }, 'toy', 'toy');
    expect(d.train.n).toBe(4);
    expect(d.test).toBeNull();
    expect(() => textDataset(encodeBytes('abcdefg'), { seqLen: 3, stride: 4 }, 'toy', 'toy')).toThrow(/^stride: expected an integer in \[1, 3\], got 4$/);
    expect(() => textDataset(encodeBytes('abc'), { seqLen: 3 }, 'toy', 'toy.txt')).toThrow(/^toy.txt: length: expected at least seqLen \+ 1 = 4 bytes, got "3 bytes"$/);
    expect(() => textDataset(encodeBytes('abcdefg'), { seqLen: 3, testFraction: 1 }, 'toy', 'toy')).toThrow(/^testFraction: expected a finite number >= 0, < 1, got 1$/);
  });

  test('a .txt file through resolveTokenData', () => {
    const f = join(dir, 'x.txt');
    writeFileSync(f, 'hello world, hello weights');
    const d = resolveTokenData(f, { seqLen: 8 });
    expect(d).toEqual(loadTextFile(f, { seqLen: 8 }));
    expect(d.name).toBe('x.txt');
  });
});

describe('the shipped text', () => {
  test('austen: Pride and Prejudice, 684,768 ASCII bytes, 90/10 split, public domain stated', () => {
    const d = loadShippedText({ seqLen: 64 });
    expect(d.name).toBe('austen');
    const K = Math.floor((684768 - 65) / 64) + 1;
    expect([d.train.n + d.test!.n, d.test!.n]).toEqual([K, Math.round(K * 0.1)]);
    expect(decodeBytes(d.train.tokens.subarray(0, 19))).toBe('PRIDE AND PREJUDICE');
    expect(d.source).toMatch(/public domain/);
    expect(() => checkTokens(d, 128, 64)).not.toThrow(); // ASCII only
    expect(resolveTokenData('austen', { seqLen: 64 }).train.n).toBe(d.train.n);
    const h = unigramEntropy(d);
    expect(h.tokens).toBe(d.train.n * 64);
    expect(h.bits).toBeGreaterThan(4.3); // English letters ~4.1-4.5 bits/char with spaces and punctuation
    expect(h.bits).toBeLessThan(4.7);
  });
});

describe('batches and entropy', () => {
  test('in file order, step s takes rows [s·B, (s+1)·B) mod N; ids = tokens[:, :T], labels = tokens[:, 1:]', () => {
    const W = 4;
    const split = { tokens: Int32Array.from({ length: 5 * W }, (_, i) => 10 * Math.floor(i / W) + (i % W)), n: 5 };
    const rows = new BatchOrder(5, 3).indices(1); // positions 3, 4, 5 -> rows 3, 4, 0
    expect([...rows]).toEqual([3, 4, 0]);
    const ids = new Int32Array(9);
    const labels = new Int32Array(9);
    fillTokenBatch(split, 3, rows, ids, labels);
    expect([...ids]).toEqual([30, 31, 32, 40, 41, 42, 0, 1, 2]);
    expect([...labels]).toEqual([31, 32, 33, 41, 42, 43, 1, 2, 3]);
    fillTokenBatch(split, 2, [2], ids, labels); // a shorter T reads each row's first T + 1 tokens
    expect([...ids.subarray(0, 2), ...labels.subarray(0, 2)]).toEqual([20, 21, 21, 22]);
    expect(() => fillTokenBatch(split, 4, [0], ids, labels)).toThrow(/fillTokenBatch.T: expected at most 3 \(rows hold 4 tokens\), got 4/);
    expect(() => fillTokenBatch(split, 3, [5], ids, labels)).toThrow(/fillTokenBatch.rows\[0\]: expected a row in \[0, 5\), got 5/);
    expect(() => fillTokenBatch(split, 3, [0, 1, 2, 3], ids, labels)).toThrow(/fillTokenBatch.ids.length: expected >= b·T = 12, got 9/);
  });

  test('entropy of counts: closed forms', () => {
    const e = entropyOfCounts([2, 1, 1, 0]); // p = 1/2, 1/4, 1/4: H = 1.5 bits = 1.5·ln 2 nats
    expect(e.bits).toBeCloseTo(1.5, 12);
    expect(e.nats).toBeCloseTo(1.5 * Math.LN2, 12);
    expect(entropyOfCounts([7]).bits).toBe(0);
  });

  test('unigram entropy of a tiny text counts the training targets once each', () => {
    const text = 'aaabaaab'; // T = 2, windows of 3 at stride 2: [0,3) aaa, [2,5) aba, [4,7) aaa; the last byte is dropped
    const d = textDataset(encodeBytes(text), { seqLen: 2, testFraction: 0 }, 'tiny', 'tiny');
    expect(decodeBytes(d.train.tokens)).toBe('aaaabaaaa');
    // targets: a a | b a | a a  -> 5 a, 1 b: H = -(5/6) log2(5/6) - (1/6) log2(1/6)
    const h = unigramEntropy(d);
    const p = 5 / 6;
    expect(h.tokens).toBe(6);
    expect(h.bits).toBeCloseTo(-p * Math.log2(p) - (1 - p) * Math.log2(1 - p), 12);
    expect(h.nats).toBeCloseTo(h.bits * Math.LN2, 12);
  });
});

describe('the PyTorch GPT fixtures (scripts/make_gpt_fixture.py) read as token files', () => {
  const fx = (c: string, f: string) => join(__dirname, '..', 'fixtures', 'gpt', c, f);
  test('the text case holds the first 40 windows that `--data austen` cuts at T = 16 (Python and TS cut alike)', () => {
    const d = loadTokenFile(fx('sgd_tied_dense', 'tokens.safetensors'));
    const a = loadShippedText({ seqLen: 16 });
    expect([d.seqLen, d.vocab, d.train.n]).toEqual([16, 256, 40]);
    expect([...d.train.tokens]).toEqual([...a.train.tokens.subarray(0, 40 * 17)]);
  });
  test.each(['sgd_tied_dense', 'adamw_untied_dense', 'adamw_tied_sparse90'])('%s: tokens fit its config', (c) => {
    const cfg = JSON.parse(readFileSync(fx(c, 'config.json'), 'utf8'));
    const d = loadTokenFile(fx(c, 'tokens.safetensors'));
    expect(d.vocab).toBe(cfg.vocab_size);
    expect(() => checkTokens(d, cfg.vocab_size, cfg.n_positions)).not.toThrow();
  });
});
