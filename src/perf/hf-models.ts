// Hugging Face config.json files as at-scale models: every family the importers know (src/model/hf),
// GPT-2 through the GPT layer list (its figures unchanged), the others through decoderLayers; and the
// shipped configs in specs/hf (see its README), usable by name (`--model llama-2-7b`).
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ValidationError } from '../errors.js';
import { hfFamily, importHfConfig } from '../model/hf.js';
import { rootPath } from '../paths.js';
import { decoderLayers } from './decoder-layers.js';
import { countParams, type GptShape } from './layers.js';
import type { PerfModel } from './models.js';

const HF_DIR = () => rootPath('specs', 'hf');

/** Names of the shipped Hugging Face configs (specs/hf/*.json). */
export function hfConfigNames(): string[] {
  return existsSync(HF_DIR()) ? readdirSync(HF_DIR()).filter((n) => n.endsWith('.json')).map((n) => basename(n, '.json')).sort() : [];
}

/** The path of a shipped config by name, or null. */
export function hfConfigPath(name: string): string | null {
  if (!/^[\w.-]+$/.test(name)) return null;
  const file = join(HF_DIR(), `${name}.json`);
  return existsSync(file) ? file : null;
}

/** Whether a parsed object is a non-GPT-2 Hugging Face config (GPT-2 and bare GPT-2-style objects keep their own path). */
export function isDecoderConfig(raw: Record<string, unknown>, origin: string): boolean {
  const fam = hfFamily(raw, origin);
  return fam !== null && fam !== 'gpt2';
}

/**
 * A GPT-J / GPT-NeoX / Llama / Mistral / Mixtral config.json as a PerfModel; `seqLen` (default the config's
 * max positions) is the context the attention FLOP use. The layer list's parameters must equal the
 * importer's closed form (the published counts are tested against the latter).
 */
export function decoderModelFromHfConfig(raw: unknown, file: string, attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  const imp = importHfConfig(raw, { path: file, purpose: 'estimate' });
  const a = imp.arch;
  const T = contextOf(a.maxPositions, seqLen, file);
  const layers = decoderLayers(a, T, attention);
  const params = countParams(layers);
  if (params !== imp.params) throw new Error(`internal: ${file}: layer list has ${params} parameters, the closed form ${imp.params}`);
  const o = raw as Record<string, unknown>;
  const name = typeof o._name_or_path === 'string' && o._name_or_path ? o._name_or_path : basename(file, '.json');
  const gpt: GptShape = { nLayer: a.nLayer, dModel: a.dModel, nHead: a.nHead, dFF: a.dFF, contextTokens: T, vocab: a.vocab, tiedEmbedding: a.tied };
  return {
    name, title: `${name} (Hugging Face ${imp.family} config)`, origin: file, layers, params, contextTokens: T, gpt, attention,
    ignoredFields: imp.ignored, arch: a,
  };
}

/** The context of a run: the model's (its positions) or a shorter --seq-len; longer is refused (no positions for it). */
export function contextOf(positions: number, seqLen: number | undefined, file: string): number {
  if (seqLen === undefined) return positions;
  if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > positions) throw new ValidationError('seqLen', seqLen, `expected an integer in [1, ${positions}] (${file} has ${positions} positions)`);
  return seqLen;
}
