// Raw text as a token dataset: the bytes tokenizer (token = UTF-8 byte, vocabulary 256) and the cut of a
// byte stream into training windows; the shipped English text (data/austen-pride.txt, data/README.md) and
// the `--data` resolution for language models (a shipped name, FILE.txt or FILE.safetensors).
//
// Windows: L bytes, window k covers bytes [k·stride, k·stride + T + 1) for every k with
// k·stride + T + 1 <= L (a tail shorter than a window is dropped). The default stride T makes
// consecutive windows share one byte, so every byte after the first is a target exactly once.
// Test split: the LAST round(K·testFraction) of the K windows (default 0.1), so train and test are two
// contiguous stretches of the text (with stride T they share the one byte at the seam, as an input).
import { existsSync } from 'node:fs';
import { readInputFile } from '../io/files.js';
import { basename } from 'node:path';
import { ValidationError, requireInt, requireNumber, requireObject } from '../errors.js';
import { rootPath } from '../paths.js';
import { loadTokenFile, splitLastRows, type TokenDataset } from './tokens.js';

/** Vocabulary of the bytes tokenizer. */
export const BYTE_VOCAB = 256;

/** UTF-8 bytes of `text` as token ids in [0, 256). */
export function encodeBytes(text: string): Int32Array {
  if (typeof text !== 'string') throw new ValidationError('text', text, 'expected a string');
  return Int32Array.from(new TextEncoder().encode(text));
}

/** Text of byte token ids (UTF-8; invalid sequences become U+FFFD). Ids outside [0, 256) are an error. */
export function decodeBytes(ids: ArrayLike<number>): string {
  if (typeof (ids as ArrayLike<number> | undefined)?.length !== 'number') throw new ValidationError('decodeBytes.ids', ids, 'expected a list of byte token ids');
  const b = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!(Number.isInteger(v) && v >= 0 && v < BYTE_VOCAB)) throw new ValidationError(`decodeBytes.ids[${i}]`, v, `expected a byte token in [0, ${BYTE_VOCAB})`);
    b[i] = v;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}

export interface TextOptions {
  /** T: tokens the model reads per window (windows hold T + 1 bytes). */
  seqLen: number;
  /** Bytes between window starts, in [1, T]. Default T. */
  stride?: number;
  /** The last fraction of the windows held out for testing. Default 0.1. */
  testFraction?: number;
  /** Name for reports (default the file name). */
  name?: string;
}

/** Cuts byte tokens into [K, T+1] windows and splits off the last windows for testing. */
export function textDataset(bytes: Int32Array, opts: TextOptions, name: string, where: string): TokenDataset {
  const T = requireInt('seqLen', opts.seqLen, 1);
  const stride = requireInt('stride', opts.stride ?? T, 1, T);
  const f = requireNumber('testFraction', opts.testFraction ?? 0.1, 0, 1, true);
  const W = T + 1;
  const L = bytes.length;
  if (L < W) throw new ValidationError(`${where}: length`, `${L} bytes`, `expected at least seqLen + 1 = ${W} bytes`);
  const K = Math.floor((L - W) / stride) + 1;
  const tokens = new Int32Array(K * W);
  for (let k = 0; k < K; k++) tokens.set(bytes.subarray(k * stride, k * stride + W), k * W);
  const { train, test } = splitLastRows({ tokens, n: K }, W, f);
  const used = (K - 1) * stride + W;
  const how = `${L} bytes, bytes tokenizer (V 256), ${K} windows of ${W} bytes at stride ${stride} (last ${L - used} bytes dropped); ` +
    `train ${train.n}, test the last ${test ? test.n : 0} windows (testFraction ${f})`;
  return { kind: 'tokens', name, seqLen: T, vocab: BYTE_VOCAB, train, test, source: `${where}; ${how}` };
}

/** `--data FILE.txt`: the file's bytes as a token dataset (see the window rule at the top). */
export function loadTextFile(path: string, opts: TextOptions): TokenDataset {
  const buf = readInputFile(path, 'text', '--data'); // a FIFO or /dev/zero is refused unread
  return textDataset(Int32Array.from(buf), opts, opts.name ?? basename(path), path);
}

/** The shipped texts by `--data` name, with what a report says about them. */
export const SHIPPED_TEXTS: Record<string, { file: string; source: string }> = {
  austen: {
    file: 'austen-pride.txt',
    source: 'Jane Austen, Pride and Prejudice (1813; public domain; Project Gutenberg text via Debian r-cran-janeaustenr)',
  },
};

/** Path of a shipped text, e.g. shippedTextPath('austen') -> <root>/data/austen-pride.txt. */
export function shippedTextPath(name = 'austen'): string {
  const t = SHIPPED_TEXTS[name];
  if (!t) throw new ValidationError('--data', name, `expected a shipped text (${Object.keys(SHIPPED_TEXTS).join(', ')})`);
  return rootPath('data', t.file);
}

/** A shipped text as a token dataset (default 'austen'). */
export function loadShippedText(opts: TextOptions & { text?: string }): TokenDataset {
  requireObject('options', opts);
  const name = opts.text ?? 'austen';
  const ds = loadTextFile(shippedTextPath(name), { ...opts, name });
  return { ...ds, source: `${SHIPPED_TEXTS[name].source}; ${ds.source}` };
}

/**
 * `--data` for a language model: a shipped text name ('austen'), a .txt file (bytes tokenizer, windows of
 * seqLen + 1, the last testFraction of them held out) or a safetensors file with `tokens` as it is: its own
 * T, and its `tokens_test` rows, if any, as the test split (seqLen and testFraction are for texts; call
 * loadTokenFile to hold out a tokens file's last rows).
 */
export function resolveTokenData(nameOrFile: string, opts: TextOptions): TokenDataset {
  if (nameOrFile in SHIPPED_TEXTS) return loadShippedText({ ...opts, text: nameOrFile });
  if (existsSync(nameOrFile)) {
    if (nameOrFile.endsWith('.safetensors')) return loadTokenFile(nameOrFile, { name: opts.name });
    return loadTextFile(nameOrFile, opts);
  }
  throw new ValidationError('--data', nameOrFile, `expected ${Object.keys(SHIPPED_TEXTS).join(', ')}, a .txt file or a safetensors file with tokens (I32/I64 [N, T+1])`);
}
