// `weightstream estimate`: how long a model trains on N CS-2 (with MemoryX and SwarmX), dense or sparse,
// what bounds it and what it needs — or, with --gpu, the same model on GPUs. See docs/at-scale.md.
import type { Command } from 'commander';
import { UsageError, emit, flagError, option, parseChoice, parseInteger, withCommonOptions, withExamples, type CommonOptions } from './common.js';
import { ValidationError } from '../errors.js';
import type { EstimateConfig } from '../perf/run.js';

interface EstimateCliOptions extends CommonOptions {
  model?: string;
  systems?: number;
  sparsity?: number;
  tokens?: number;
  batchTokens?: number;
  spec?: string[];
  system?: string;
  gpu?: string;
  devices?: number;
  efficiency?: number | { rows: number; cols: number };
  recompute?: 'auto' | 'none' | 'full' | 'cached';
  pipeline?: 'none' | 'coarse' | 'full';
  precision?: 'mixed' | 'fp32';
  optimizer?: 'adam' | 'momentum' | 'sgd';
  attention?: 'causal' | 'full';
  detail?: boolean;
  sensitivity?: boolean;
  seqLen?: number;
  batchSeqs?: number;
  passes?: number;
  microBatchSeqs?: number;
  run?: string;
}

const SUFFIX: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, B: 1e9, G: 1e9, T: 1e12 };

/** A positive count with an optional suffix (k, M, B/G, T): "300B", "3.2M", "3e11". */
export function parseCount(name: string) {
  return (value: string): number => {
    const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kKMBGT]?)\s*$/.exec(value);
    const n = m ? Number(m[1]) * (m[2] ? SUFFIX[m[2]] : 1) : NaN;
    if (!Number.isFinite(n) || n < 1) throw new UsageError(`${name}: expected a count >= 1 (e.g. 300B, 3.2M, 3e11), got ${JSON.stringify(value)}`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** WSE-2-sized square mesh for `--efficiency fabric`: 922 x 922 = 850,084 cores (FACTS.md: 850,000; the real aspect is not published). */
const WAFER_MESH = 922;

/** --efficiency: a number in (0, 1], or `fabric` / `fabric:RxC` (the fabric simulator's closed-form efficiency on an R x C mesh). */
function parseEfficiency(value: string): number | { rows: number; cols: number } {
  const f = /^fabric(?::(\d+)x(\d+))?$/.exec(value.trim());
  if (f) {
    const rows = f[1] ? Number(f[1]) : WAFER_MESH;
    const cols = f[2] ? Number(f[2]) : WAFER_MESH;
    if (rows >= 1 && cols >= 1) return { rows, cols };
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`--efficiency: expected a number in (0, 1], "fabric" or "fabric:RxC", got ${JSON.stringify(value)}`);
  return n;
}

/** A sparsity in [0, 1). */
function parseSparsity(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`--sparsity: expected a number in [0, 1), got ${JSON.stringify(value)}`);
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command('estimate')
    .summary('time and capacity of training on N CS-2 or GPUs')
    .description('time, bounds and capacity of training a model on N CS-2 with MemoryX and SwarmX (dense or sparse), or on GPUs with --gpu; every assumption is printed with the result')
    .addOption(option('--model <name|file>', 'a preset (gpt3-small .. gpt3-175b, gpt-1t, gpt-120t; or a shipped Hugging Face config: llama-2-7b, gpt-j-6b, ... in specs/hf), a preset-format JSON, a Hugging Face config.json (GPT-2, GPT-J, GPT-NeoX, Llama, Mistral, Mixtral), or a training-engine model description'))
    .addOption(option('--systems <n>', 'CS-2 systems (data parallel)', parseInteger('--systems', 1)))
    .addOption(option('--sparsity <s>', 'unstructured sparsity of the transformer blocks\' weights, in [0, 1)', parseSparsity))
    .addOption(option('--tokens <t>', 'training tokens (default: the preset\'s), e.g. 300B', parseCount('--tokens')))
    .addOption(option('--batch-tokens <b>', 'tokens per optimizer step over all systems (default: the preset\'s), e.g. 3.2M', parseCount('--batch-tokens')))
    .addOption(option('--spec <file>', 'a hardware spec JSON replacing (or with "base", amending) a built-in one; repeatable', collect))
    .addOption(option('--system <id>', 'the system modelled: cs2 (default) or cs3 (specs/hardware/cs3.json, with its MemoryX), or a system id from --spec'))
    .addOption(option('--gpu <id>', 'estimate on GPUs instead: v100, a100, h100, h200 (or an id from --spec)'))
    .addOption(option('--devices <n>', 'GPUs, with --gpu (default 1)', parseInteger('--devices', 1)))
    .addOption(option('--efficiency <e>', 'compute efficiency in (0, 1] (CS-2 default: the spec\'s, peak; GPU default: the spec\'s), or "fabric[:RxC]": per layer from the fabric simulator\'s closed-form model on an R x C mesh (default 922x922, a WSE-2\'s cores)', parseEfficiency))
    .addOption(option('--pipeline <mode>', 'the step\'s pipeline (the training engine\'s modes): none (serial), coarse (stream one layer ahead, updates after the backward), full (coarse + each layer updated once reduced; default)', parseChoice('--pipeline', ['none', 'coarse', 'full'] as const)))
    .addOption(option('--recompute <mode>', 'activation recomputation: auto (none or full, the faster that fits), none, full, cached (full, keeping a block\'s weights on the wafer: a what-if)', parseChoice('--recompute', ['auto', 'none', 'full', 'cached'] as const)))
    .addOption(option('--precision <p>', 'MemoryX state precision: mixed, fp32', parseChoice('--precision', ['mixed', 'fp32'] as const)))
    .addOption(option('--optimizer <o>', 'optimizer state in MemoryX: adam, momentum, sgd', parseChoice('--optimizer', ['adam', 'momentum', 'sgd'] as const)))
    .addOption(option('--attention <a>', 'attention FLOP: causal (Kaplan) or full', parseChoice('--attention', ['causal', 'full'] as const)))
    .addOption(option('--seq-len <n>', 'tokens per sequence for this run (default: the model\'s context; at most its positions)', parseInteger('--seq-len', 1)))
    .addOption(option('--batch-seqs <n>', 'global batch in sequences per optimizer step (instead of --batch-tokens)', parseCount('--batch-seqs')))
    .addOption(option('--passes <n>', 'passes (micro-batches) per step on each system (default: the fewest whose activations fit the wafer)', parseInteger('--passes', 1)))
    .addOption(option('--micro-batch-seqs <n>', 'sequences per pass on each system (passes = ceil(sequences per system / n)); not with --passes', parseInteger('--micro-batch-seqs', 1)))
    .addOption(option('--run <file>', 'a multi-phase run: JSON {model?, source?, phases: [{tokens, systems?, seqLen?, batchSeqs? | batchTokens?, passes? | microBatchSeqs?}]}; each phase estimated and the run totalled (the other flags fill what a phase leaves out)'))
    .option('--detail', 'one row per layer: a table in the text output, `layers` in --json')
    .option('--sensitivity', 'vary each hardware figure x0.5 and x2 and print how the step time moves, largest swing first, with the binding resource (src/perf/sensitivity.ts)');
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream estimate --model gpt3-175b --systems 192',
    'weightstream estimate --model gpt3-175b --systems 192 --sparsity 0.9 --json',
    'weightstream estimate --model gpt-1t --systems 16 --tokens 300B --batch-tokens 6.3M',
    'weightstream estimate --model gpt3-175b --gpu h200 --devices 1024',
    'weightstream estimate --model gpt3-175b --systems 192 --system cs3 --sensitivity   # what moves the step on 192 CS-3?',
    'weightstream estimate --model gpt3-xl --systems 16 --efficiency fabric   # per-layer efficiency from the fabric model (922x922 mesh)',
    'weightstream estimate --model ./config.json --systems 4 --tokens 10B --batch-tokens 0.5M   # a Hugging Face GPT-2 config',
    'weightstream estimate --model llama-2-7b --systems 1 --seq-len 2048 --batch-seqs 99 --tokens 10B --detail   # a shipped config (specs/hf)',
    'weightstream estimate --model specs/hf/mixtral-8x7b-v0.1.json --systems 16 --seq-len 4096 --batch-seqs 1024 --passes 4 --tokens 100B',
    'weightstream estimate --model gpt3-xl --systems 16 --spec my-memoryx.json   # {"base": "memoryx", "figures": {"streamGBps": {"value": 300, "source": "..."}}}',
  ]);
  cmd.action(async (opts: EstimateCliOptions) => {
    if (!opts.model && !opts.run) throw new UsageError('--model: required (a preset name or a JSON file)');
    if (opts.gpu === undefined && opts.systems === undefined && !opts.run) throw new UsageError('--systems: required (or --gpu ID with --devices N)');
    if (opts.run && opts.gpu !== undefined) throw new UsageError('--run: not with --gpu (phases are estimated on CS-2)');
    // each phase states its tokens, and a run's output is its phases: these would be ignored
    if (opts.run && opts.tokens !== undefined) throw new UsageError('--tokens: not with --run (each phase states its own tokens)');
    if (opts.run && opts.detail) throw new UsageError('--detail: not with --run (a run prints its phases, not their layers)');
    if (opts.gpu !== undefined && opts.systems !== undefined) throw new UsageError('--systems: not with --gpu (use --devices)');
    if (opts.gpu === undefined && opts.devices !== undefined) throw new UsageError('--devices: only with --gpu');
    if (opts.batchSeqs !== undefined && opts.batchTokens !== undefined) throw new UsageError('--batch-seqs: not with --batch-tokens (give the batch one way)');
    if (opts.passes !== undefined && opts.microBatchSeqs !== undefined) throw new UsageError('--passes: not with --micro-batch-seqs (set the passes one way)');
    if (opts.gpu !== undefined) refuseCs2Only(opts);
    if (opts.sensitivity && (opts.detail || opts.run)) throw new UsageError(`--sensitivity: not with ${opts.detail ? '--detail' : '--run'} (it prints the step time's swings, not the estimate's layers or phases)`);
    const { runEstimate, formatEstimate, formatGpuEstimate } = await import('../perf/index.js');
    let efficiency: number | ((shape: { kind: string; in: number; out: number; tokens: number }, s: number) => number) | undefined;
    if (typeof opts.efficiency === 'object') {
      if (opts.gpu !== undefined) throw new UsageError('--efficiency: "fabric" is for CS-2 estimates, not --gpu');
      const { fabricEfficiencyFn } = await import('../fabric/efficiency.js');
      efficiency = fabricEfficiencyFn({ rows: opts.efficiency.rows, cols: opts.efficiency.cols, mode: 'model' });
    } else efficiency = opts.efficiency;
    const config = {
      model: opts.model ?? '', systems: opts.systems, sparsity: opts.sparsity, tokens: opts.tokens, batchTokens: opts.batchTokens, spec: opts.spec ?? [], system: opts.system,
      gpu: opts.gpu, devices: opts.gpu !== undefined ? opts.devices ?? 1 : undefined, efficiency, recompute: opts.recompute, pipeline: opts.pipeline,
      precision: opts.precision, optimizer: opts.optimizer, attention: opts.attention, detail: opts.detail,
      seqLen: opts.seqLen, batchSeqs: opts.batchSeqs, passes: opts.passes, microBatchSeqs: opts.microBatchSeqs,
    };
    if (opts.run) return runPhases(opts, opts.run, config);
    if (opts.sensitivity) return sensitivityTable(opts, config);
    let r;
    try {
      r = runEstimate(config);
    } catch (e) {
      throw optionError(e, opts); // the library's field is the option here
    }
    emit(opts, r, () => (r.kind === 'gpu' ? formatGpuEstimate(r) : formatEstimate(r)));
  });
}

/** `--run FILE`: each phase estimated and the run totalled. */
async function runPhases(opts: EstimateCliOptions, file: string, config: EstimateConfig): Promise<void> {
  const { estimatePhases, formatPhases, parseRunFile } = await import('../perf/phases.js');
  const { parseJsonText, readInputText } = await import('../io/files.js');
  let text;
  try {
    text = readInputText(file, 'spec', '--run');
  } catch (e) {
    throw e instanceof ValidationError ? flagError(e, '--run', file) : e; // no readable file: a bad flag
  }
  const run = parseRunFile(parseJsonText(text, '--run', file), file);
  if (!opts.model && run.model === undefined) throw new UsageError('--model: required (the run file names no model)');
  if (opts.model && run.model !== undefined) throw new UsageError(`--model: not with a run file that names its model (${file} does)`);
  const p = estimatePhases(config, run, file);
  emit(opts, p, () => formatPhases(p));
}

/** `--sensitivity`: each hardware figure x0.5 and x2. */
async function sensitivityTable(opts: EstimateCliOptions, config: EstimateConfig): Promise<void> {
  if (opts.gpu !== undefined) throw new UsageError('--sensitivity: not with --gpu (it varies the CS-2/CS-3 hardware)');
  const { runSensitivity, formatSensitivity } = await import('../perf/sensitivity.js');
  let s;
  try {
    s = runSensitivity(config);
  } catch (e) {
    throw optionError(e, opts);
  }
  emit(opts, s, () => formatSensitivity(s));
}

/** The options a GPU estimate (6·P·D FLOP at the spec's efficiency on N devices) has no use for: refused, not ignored. */
function refuseCs2Only(opts: EstimateCliOptions): void {
  const given: Array<[string, unknown]> = [
    ['--system', opts.system], ['--pipeline', opts.pipeline], ['--recompute', opts.recompute], ['--precision', opts.precision],
    ['--optimizer', opts.optimizer], ['--attention', opts.attention], ['--seq-len', opts.seqLen], ['--batch-seqs', opts.batchSeqs],
    ['--passes', opts.passes], ['--micro-batch-seqs', opts.microBatchSeqs], ['--detail', opts.detail],
  ];
  const flag = given.find(([, v]) => v !== undefined && v !== false)?.[0];
  if (flag) throw new UsageError(`${flag}: not with --gpu (a CS-2 setting; the GPU estimate counts its spec's FLOP convention, 6·P·D or (6·P + 12·L·d·T)·D at the model's own context T, at the spec's efficiency${flag === '--batch-seqs' ? ': give the batch as --batch-tokens' : ''})`);
}

/** What the model may give and the command line must give where it does not: the option and what it is. */
const NEEDED: Record<string, [string, string]> = {
  batchTokens: ['--batch-tokens', 'batch size in tokens (or give --batch-seqs)'],
  trainTokens: ['--tokens', 'training token count'],
};

/** A library error on a field the user gave as an option, renamed to that option (--gpu, --tokens, --batch-tokens). */
function optionError(e: unknown, opts: { model?: string; gpu?: string; tokens?: number; batchTokens?: number; seqLen?: number; passes?: number; microBatchSeqs?: number; batchSeqs?: number }): unknown {
  if (!(e instanceof ValidationError)) return e;
  // no value: the model gives none and no option did: a missing option (exit 2), not the model file's fault
  if (e.value === undefined && Object.hasOwn(NEEDED, e.path)) return new UsageError(`${NEEDED[e.path][0]}: required: --model ${opts.model} gives no ${NEEDED[e.path][1]}`);
  const given: Record<string, [string, unknown]> = { '--model': ['--model', opts.model], '--spec': ['--spec', e.value], gpu: ['--gpu', opts.gpu], trainTokens: ['--tokens', opts.tokens], tokens: ['--tokens', opts.tokens], batchTokens: ['--batch-tokens', opts.batchTokens], seqLen: ['--seq-len', opts.seqLen],
    passes: ['--passes', opts.passes], microBatchSeqs: ['--micro-batch-seqs', opts.microBatchSeqs], batchSeqs: ['--batch-seqs', opts.batchSeqs],
  };
  const hit = Object.hasOwn(given, e.path) ? given[e.path] : undefined;
  // a bad flag (exit 2); a --model file's contents are a failed run (exit 1)
  return hit && hit[1] !== undefined ? flagError(e, hit[0], hit[1]) : e;
}
