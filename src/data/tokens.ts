// Token datasets for language models: sequences of token ids, each row one training sequence of T+1
// tokens (the model reads tokens[:, :T] and predicts tokens[:, 1:]), from a safetensors file or, via
// text.ts, from raw text. Also the batch copy, the checks against a model and the unigram entropy.
//
// Legend: N = rows, T = sequence length (seqLen), W = T + 1 tokens per row, V = vocabulary, b = rows of
// one batch (one system's share). Batch order is data/batches.ts's BatchOrder over the N rows: without
// shuffling, step s takes rows [s·B, (s+1)·B) modulo N, in file order (docs/data-tokens.md).
import { basename } from 'node:path';
import { ValidationError, requireInt, requireNumber, requireObject } from '../errors.js';
import { onlyTensors, readSafetensors, tensorToNumbers, type Tensor } from '../io/safetensors.js';

/** N sequences of W = T + 1 tokens. */
export interface TokenSplit {
  /** [n, T+1] row-major token ids. */
  tokens: Int32Array;
  n: number;
}

export interface TokenDataset {
  kind: 'tokens';
  name: string;
  /** T: tokens the model reads per row (each row holds T + 1). */
  seqLen: number;
  /** V: token ids are in [0, V). */
  vocab: number;
  train: TokenSplit;
  /** Null when the data has no test split. */
  test: TokenSplit | null;
  /** Where the data comes from and how it was split (for reports). */
  source: string;
}

export interface TokenFileOptions {
  /** Fraction of rows (the last ones) held out for testing when the file has no tokens_test. Default 0. */
  testFraction?: number;
  /** Name for reports (default metadata "name", else the file name). */
  name?: string;
  /** V; default metadata "vocab", else max token + 1 over both splits. */
  vocab?: number;
}

/**
 * `--data FILE.safetensors` for a language model: `tokens` (I32 or I64 [N, T+1]), optionally
 * `tokens_test` ([M, T+1]). Without tokens_test every row trains unless testFraction holds out the last ones.
 */
export function loadTokenFile(path: string, opts: TokenFileOptions = {}): TokenDataset {
  const { tensors, metadata } = readSafetensors(path, '--data');
  const all = readTokens(tensors, 'tokens', path, null);
  onlyTensors(tensors, ['tokens', 'tokens_test'], path, 'a tokens file');
  const W = all.width;
  const explicit = tensors.has('tokens_test') ? readTokens(tensors, 'tokens_test', path, W).split : null;
  const vocab = tokenVocab(opts.vocab, metadata.vocab, explicit ? [all.split, explicit] : [all.split], path);
  let train = all.split;
  let test = explicit;
  let how = 'explicit tokens_test';
  if (!explicit) {
    const f = opts.testFraction ?? 0;
    ({ train, test } = splitLastRows(all.split, W, f));
    how = test ? `last ${test.n} of ${all.split.n} rows held out (testFraction ${f})` : 'no test split';
  }
  const ds: TokenDataset = { kind: 'tokens', name: opts.name ?? metadata.name ?? basename(path), seqLen: W - 1, vocab, train, test, source: `${path}; ${how}` };
  checkTokens(ds, vocab, ds.seqLen);
  return ds;
}

/** Rows [from, to) of a split (a view). */
export function sliceTokens(s: TokenSplit, from: number, to: number, width: number): TokenSplit {
  return { tokens: s.tokens.subarray(from * width, to * width), n: to - from };
}

/** Train = the first N - round(N·f) rows, test = the last round(N·f) (null when none): deterministic. */
export function splitLastRows(all: TokenSplit, width: number, testFraction: number): { train: TokenSplit; test: TokenSplit | null } {
  requireNumber('testFraction', testFraction, 0, 1, true);
  const nTest = Math.round(all.n * testFraction);
  const nTrain = all.n - nTest;
  if (nTrain < 1) throw new ValidationError('testFraction', testFraction, `expected to leave at least one training row of ${all.n}`);
  return { train: sliceTokens(all, 0, nTrain, width), test: nTest > 0 ? sliceTokens(all, nTrain, all.n, width) : null };
}

/**
 * Copies b = rows.length rows into ids and labels [b·T]: ids[j·T + t] = tokens[rows[j], t],
 * labels[j·T + t] = tokens[rows[j], t + 1]. A row wider than T + 1 contributes its first T + 1 tokens.
 */
export function fillTokenBatch(split: TokenSplit, T: number, rows: ArrayLike<number>, ids: Int32Array, labels: Int32Array): void {
  requireInt('fillTokenBatch.T', T, 1);
  const W = split.n > 0 ? split.tokens.length / split.n : T + 1;
  if (W < T + 1) throw new ValidationError('fillTokenBatch.T', T, `expected at most ${W - 1} (rows hold ${W} tokens)`);
  const b = rows.length;
  if (ids.length < b * T) throw new ValidationError('fillTokenBatch.ids.length', ids.length, `expected >= b·T = ${b * T}`);
  if (labels.length < b * T) throw new ValidationError('fillTokenBatch.labels.length', labels.length, `expected >= b·T = ${b * T}`);
  const tok = split.tokens;
  for (let j = 0; j < b; j++) {
    const r = rows[j];
    if (!(Number.isInteger(r) && r >= 0 && r < split.n)) throw new ValidationError(`fillTokenBatch.rows[${j}]`, r, `expected a row in [0, ${split.n})`);
    const src = r * W;
    const dst = j * T;
    for (let t = 0; t < T; t++) {
      ids[dst + t] = tok[src + t];
      labels[dst + t] = tok[src + t + 1];
    }
  }
}

/**
 * Checks a token dataset against a model of vocabulary `vocab` and `nPositions` positions: every token
 * in [0, vocab) and T <= nPositions. One-line ValidationError naming the tensor, index and value.
 */
export function checkTokens(ds: TokenDataset, vocab: number, nPositions: number): void {
  requireInt('vocab_size', vocab, 1);
  requireInt('n_positions', nPositions, 1);
  const W = ds.seqLen + 1;
  if (ds.seqLen > nPositions) {
    throw new ValidationError(`${ds.name}: tokens.shape`, [ds.train.n, W], `expected rows of at most n_positions + 1 = ${nPositions + 1} tokens (sequences longer than n_positions)`);
  }
  const splits: [string, TokenSplit | null][] = [['tokens', ds.train], ['tokens_test', ds.test]];
  for (const [name, s] of splits) {
    if (!s) continue;
    if (s.tokens.length !== s.n * W) throw new ValidationError(`${ds.name}: ${name}.length`, s.tokens.length, `expected N·(T+1) = ${s.n}·${W}`);
    const tok = s.tokens;
    for (let i = 0; i < tok.length; i++) {
      const v = tok[i];
      if (!(v >= 0 && v < vocab && Number.isInteger(v))) { // NaN and 1.5 too, where the tokens are a plain array
        throw new ValidationError(`${ds.name}: ${name}[${Math.floor(i / W)}, ${i % W}]`, v, `expected a token id in [0, ${vocab}) (vocab_size)`);
      }
    }
  }
}

/** Shannon entropy of a count table: H = -Σ p·log p with p = count / total, in bits and nats. */
export function entropyOfCounts(counts: ArrayLike<number>): { bits: number; nats: number; total: number } {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  let nats = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) {
      const p = counts[i] / total;
      nats -= p * Math.log(p);
    }
  }
  return { bits: nats / Math.LN2, nats, total };
}

/**
 * Unigram entropy of the training targets (tokens[:, 1:] of the training split): the cross-entropy of the
 * best model that ignores context, so a language model that learns anything goes below it. With the text
 * loader's default stride every byte of the training text after the first is a target exactly once.
 */
export function unigramEntropy(ds: TokenDataset): { bits: number; nats: number; tokens: number } {
  requireObject('dataset', ds);
  const W = ds.seqLen + 1;
  const counts = new Float64Array(ds.vocab);
  const tok = ds.train.tokens;
  for (let r = 0; r < ds.train.n; r++) for (let t = 1; t < W; t++) counts[tok[r * W + t]]++;
  const e = entropyOfCounts(counts);
  return { bits: e.bits, nats: e.nats, tokens: e.total };
}

function readTokens(tensors: Map<string, Tensor>, name: string, path: string, width: number | null): { split: TokenSplit; width: number } {
  const t = tensors.get(name);
  if (!t) throw new ValidationError(`${path}: ${name}`, '(missing)', 'expected an I32 or I64 tensor [N, T+1] of token ids');
  if (t.dtype !== 'I32' && t.dtype !== 'I64') throw new ValidationError(`${path}: ${name}.dtype`, t.dtype, 'expected I32 or I64 token ids');
  const okShape = t.shape.length === 2 && t.shape[0] >= 1 && t.shape[1] >= 2 && (width === null || t.shape[1] === width);
  if (!okShape) throw new ValidationError(`${path}: ${name}.shape`, t.shape, width === null ? 'expected [N, T+1] with N >= 1, T >= 1' : `expected [M, ${width}] like tokens`);
  const [n, W] = t.shape;
  const v = tensorToNumbers(t, `${path}: ${name}`);
  const out = new Int32Array(n * W);
  for (let i = 0; i < out.length; i++) {
    const x = v[i];
    if (!(x >= 0 && x <= 0x7fffffff)) throw new ValidationError(`${path}: ${name}[${Math.floor(i / W)}, ${i % W}]`, x, 'expected a non-negative token id');
    out[i] = x;
  }
  return { split: { tokens: out, n }, width: W };
}

function tokenVocab(given: number | undefined, meta: string | undefined, splits: TokenSplit[], path: string): number {
  if (given !== undefined) return requireInt('vocab', given, 1);
  if (meta !== undefined) {
    const v = Number(meta);
    if (!Number.isInteger(v) || v < 1) throw new ValidationError(`${path}: __metadata__.vocab`, meta, 'expected an integer >= 1');
    return v;
  }
  let max = 0;
  for (const s of splits) for (const x of s.tokens) max = Math.max(max, x);
  return max + 1;
}
