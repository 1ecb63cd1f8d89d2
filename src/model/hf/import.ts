// The one entry for a Hugging Face config.json: which family it is (model_type, else architectures[0]),
// and that family's importer → the decoder architecture, its closed-form parameter count and the fields
// it ignored. GPT-2 keeps its own importer (gpt2.ts), which also builds the training engine's description;
// the other families are for the at-scale model only (purpose 'train' refuses them by name).
import { ValidationError } from '../../errors.js';
import { DECODER_FAMILIES, decoderParamCount, type DecoderArch, type DecoderFamily } from './arch.js';
import { importGpt2Config } from './gpt2.js';
import { gptjArch } from './gptj.js';
import { llamaArch } from './llama.js';
import { neoxArch } from './neox.js';

/** Hugging Face model classes → family, for a config without model_type. */
const ARCHITECTURES: Record<string, DecoderFamily> = {
  GPT2LMHeadModel: 'gpt2', GPTJForCausalLM: 'gptj', GPTNeoXForCausalLM: 'gpt_neox', LlamaForCausalLM: 'llama', MistralForCausalLM: 'mistral', MixtralForCausalLM: 'mixtral',
};

export interface HfArchImport {
  family: DecoderFamily;
  arch: DecoderArch;
  /** Fields read and ignored: they change neither time nor capacity. */
  ignored: string[];
  /** Parameters in closed form (decoderParamCount), each tensor once. */
  params: number;
}

/** The family a config names (model_type, else its architectures), or null for a bare GPT-2-style object. */
export function hfFamily(c: Record<string, unknown>, path: string): DecoderFamily | null {
  if (c.model_type !== undefined) {
    if (typeof c.model_type === 'string' && (DECODER_FAMILIES as readonly string[]).includes(c.model_type)) return c.model_type as DecoderFamily;
    throw new ValidationError(`${path}: model_type`, c.model_type, `expected one of ${DECODER_FAMILIES.join(', ')} (the families modelled)`);
  }
  if (Array.isArray(c.architectures) && typeof c.architectures[0] === 'string') {
    const fam = ARCHITECTURES[c.architectures[0]];
    if (!fam) throw new ValidationError(`${path}: architectures`, c.architectures, `expected one of ${Object.keys(ARCHITECTURES).join(', ')} (or a model_type)`);
    return fam;
  }
  return null;
}

/**
 * A parsed config.json → its architecture. `purpose` 'train' (the functional engine) takes GPT-2 only and
 * refuses the others in one line; 'estimate' takes every family. `maxParams` bounds GPT-2's count.
 */
export function importHfConfig(raw: unknown, opts: { path?: string; purpose?: 'train' | 'estimate'; maxParams?: number } = {}): HfArchImport {
  const path = opts.path ?? 'config.json';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(path, raw, 'expected a JSON object (a Hugging Face config.json)');
  const c = raw as Record<string, unknown>;
  const family = hfFamily(c, path) ?? 'gpt2';
  if (family !== 'gpt2' && (opts.purpose ?? 'estimate') === 'train') {
    throw new ValidationError(`${path}: model_type`, c.model_type ?? family, 'expected "gpt2": the functional level trains GPT-2-family configs; `weightstream estimate --model FILE` takes this one');
  }
  // a config given by architectures alone is read as if it named its model_type
  const named = c.model_type === undefined ? { ...c, model_type: family } : c;
  const { arch, ignored } = archOf(family, named, path, opts);
  return { family, arch, ignored, params: decoderParamCount(arch) };
}

function archOf(family: DecoderFamily, c: Record<string, unknown>, path: string, opts: { purpose?: 'train' | 'estimate'; maxParams?: number }): { arch: DecoderArch; ignored: string[] } {
  switch (family) {
    case 'gpt2':
      return gpt2Arch(c, path, opts);
    case 'gptj':
      return gptjArch(c, path);
    case 'gpt_neox':
      return neoxArch(c, path);
    default:
      return llamaArch(c, path, family);
  }
}

/** GPT-2 through its own importer (the same fields used, ignored, refused), as an architecture. */
function gpt2Arch(c: Record<string, unknown>, path: string, opts: { purpose?: 'train' | 'estimate'; maxParams?: number }): { arch: DecoderArch; ignored: string[] } {
  const imp = importGpt2Config(c, { path, purpose: opts.purpose ?? 'estimate', maxParams: opts.maxParams ?? Infinity });
  const s = imp.shape;
  const arch: DecoderArch = {
    family: 'gpt2', nLayer: s.L, dModel: s.C, nHead: s.H, nKvHead: s.H, headDim: s.C / s.H, dFF: s.I, vocab: s.V, maxPositions: s.P,
    learnedPositions: s.P, rotaryDims: 0, norm: 'layernorm', normsPerBlock: 2, parallel: false, gatedMlp: false,
    qkvBias: true, outBias: true, mlpBias: true, headBias: false, tied: s.tied, experts: 1, expertsPerToken: 1, slidingWindow: null,
  };
  return { arch, ignored: imp.ignored };
}
