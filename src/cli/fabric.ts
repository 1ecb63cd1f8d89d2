// `weightstream fabric`: one layer's pass on a simulated mesh of wafer cores, cycle by cycle, with
// real numbers checked against the reference kernels, and where the cycles went.
import { statSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import type { Command } from 'commander';
import { UsageError, emit, flagError, option, outputError, parseChoice, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';
import { createProgress, type Progress } from './progress.js';
import { isStreamWindow } from '../fabric/stream-window.js';
import { BALANCE_CHOICES, type BalanceChoice } from '../fabric/bands.js';

interface FabricCliOptions extends CommonOptions {
  rows: number;
  cols: number;
  batch: number;
  in: number;
  out: number;
  sparsity: number;
  pass: 'forward' | 'delta' | 'gradient';
  seed: number;
  heatmap?: string;
  check: 'auto' | 'full' | 'sampled' | 'off';
  model?: string;
  layer?: string;
  threads: number | 'auto';
  skew: 'auto' | 'on' | 'off' | 'parts' | 'blocks';
  balance: BalanceChoice;
  fold: 'auto' | 'on' | 'off';
  streamWindow: number | 'auto';
}

/** --threads: a count, or auto. */
function parseThreads(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  return parseInteger('--threads', 1, 1024)(value);
}

/** --stream-window: words (0 = whole streams, else a power of two of 16 or more), or auto. */
function parseWindow(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = parseInteger('--stream-window', 0, 2 ** 30)(value);
  if (!isStreamWindow(n)) throw new UsageError(`--stream-window: expected auto, 0 or a power of two of 16 or more, got ${JSON.stringify(value)}`);
  return n;
}

/** A sparsity in [0, 1), as train and estimate take it (1 would stream no weight at all). */
function parseSparsity(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`--sparsity: expected a number in [0, 1), got ${JSON.stringify(value)}`);
  return n;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** Where each set-up stage starts on the set-up bar and its share of it (the weights dominate). */
const SETUP_SHARE: Record<string, [number, number]> = { weights: [0, 0.7], streams: [0.7, 0.15], mesh: [0.85, 0.15], check: [1, 0] };

/** One progress display at a time, by phase: a new phase stops the one before. */
class Phases {
  name = 'setup';
  constructor(public current: Progress) {}
  to(name: string, make: () => Progress): Progress {
    if (name !== this.name) {
      this.current.stop();
      [this.name, this.current] = [name, make()];
    }
    return this.current;
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('fabric')
    .summary("one layer on the wafer's cores at cycle level")
    .description('run one layer (Y = X W, X [batch, in], W [in, out]) on a mesh of wafer cores at cycle level: batch over rows, features over columns, non-zero weights streamed in at the edge, one AXPY per non-zero weight, partial sums reduced along rows; checks the result against the reference kernels')
    .addOption(option('--rows <R>', 'mesh rows', parseInteger('--rows', 1, 4096), 8))
    .addOption(option('--cols <C>', 'mesh columns', parseInteger('--cols', 1, 4096), 8))
    .addOption(option('--model <M>', 'take the layer\'s shape from a model: a GPT preset (gpt-nano, gpt-micro, gpt-mini), an at-scale GPT preset (gpt3-small .. gpt3-175b, gpt-1t, gpt-120t: the shapes `estimate` uses) or such a JSON, a Hugging Face GPT-2 config.json or a model JSON (with --layer; not with --in/--out)'))
    .addOption(option('--layer <NAME>', 'with --model: the linear to map, by module name (e.g. transformer.h.0.mlp.c_fc, transformer.h.1.attn.c_attn, lm_head); K = its in, N = its out features'))
    .addOption(option('--batch <B>', 'samples in the batch (with --model: tokens, default one sequence of the model\'s n_positions for a GPT, 64 samples otherwise)', parseInteger('--batch', 1, 1 << 24), 64))
    .addOption(option('--in <K>', 'input features', parseInteger('--in', 1, 1 << 24), 256))
    .addOption(option('--out <N>', 'output features', parseInteger('--out', 1, 1 << 24), 256))
    .addOption(option('--sparsity <S>', 'fraction of zero weights (unstructured, in [0, 1); with --model, default the layer\'s own)', parseSparsity, 0))
    .addOption(option('--pass <pass>', 'forward (Y = X W), delta (dX = dY Wᵀ) or gradient (dW = Xᵀ dY at non-zeros)', parseChoice('--pass', ['forward', 'delta', 'gradient'] as const), 'forward'))
    .addOption(option('--seed <K>', 'seed of the weights, mask and activations', parseInteger('--seed', 0, 2 ** 32 - 1), 1))
    .addOption(option('--check <how>', 'compare with the reference kernels: full (every output), sampled (8 batch columns, or 64 weight rows for the gradient), off, or auto: full up to 2^29 reference multiply-adds (nnz·batch), sampled above', parseChoice('--check', ['auto', 'full', 'sampled', 'off'] as const), 'auto'))
    .addOption(option('--threads <n>', 'threads for the cycles: bands of columns, one thread each, with the cycles and result of one thread; auto = one per core, at most one per 16 used columns (1 under a shared edge cap)', parseThreads, 'auto'))
    .addOption(option('--skew <how>', 'run bands of one column a few cycles apart, tile by tile (the same cycles and result, fewer cache misses on a large mesh): on, off, or auto: on past 8 MB of node records. On threads, parts = each thread runs parts of the bands dealt out in turn, blocks = each thread a block of 8 cycles of the whole mesh in turn; on and auto take blocks past 48 MiB of node records, parts below', parseChoice('--skew', ['auto', 'on', 'off', 'parts', 'blocks'] as const), 'auto'))
    .addOption(option('--balance <how>', 'threads, a band of columns each (not the skewed order): dynamic = every few tens of milliseconds of cycles the bands trade columns toward the split where each computes for as long (a band on a slower or busier CPU gets fewer; only where each band has a CPU of its own), static = the even split; the same cycles and result either way', parseChoice('--balance', BALANCE_CHOICES), 'dynamic'))
    .addOption(option('--fold <how>', 'fold the rows (forward and delta with equal batch slices: each row is the row above one cycle later, so meshes of 2, 3 and 4 rows are simulated, checked to add the same per row, and give every row\'s cycles, counters and heatmap; the result is checked on their outputs): on, off, or auto: on where it applies and the full mesh would take past 1e10 core-cycles by the closed form', parseChoice('--fold', ['auto', 'on', 'off'] as const), 'auto'))
    .addOption(option('--stream-window <words>', 'words of each column\'s weight stream held in the simulator\'s memory at a time (a power of two; the host holds the streams and refills the windows between chunks of cycles, on one thread in loop order): 0 = whole streams, or auto: a window of 16384 where the whole streams would not fit its 4 GiB (a dense GPT-3 MLP layer)', parseWindow, 'auto'))
    .addOption(option('--heatmap <FILE>', 'write per-core busy cycles as JSON {rows, cols, busy, values, ...}'));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream fabric --rows 16 --cols 16 --batch 256 --in 1024 --out 256',
    'weightstream fabric --rows 16 --cols 16 --batch 256 --in 1024 --out 256 --sparsity 0.9 --json',
    'weightstream fabric --rows 8 --cols 8 --batch 64 --in 300 --out 200 --pass gradient --heatmap busy.json',
    'weightstream fabric --model gpt-micro --layer transformer.h.0.mlp.c_fc --rows 16 --cols 16 --sparsity 0.9',
    'weightstream fabric --model config.json --layer lm_head --batch 512 --rows 32 --cols 32 --json',
    'weightstream fabric --model gpt3-175b --layer transformer.h.0.mlp.c_fc --rows 1000 --cols 850 --batch 4000 --sparsity 0.9   # the same GPT-3 layer by name',
    'weightstream fabric --rows 250 --cols 212 --batch 250 --in 424 --out 212 --sparsity 0.9 --threads 2',
    'weightstream fabric --rows 1000 --cols 850 --batch 4000 --in 12288 --out 49152 --sparsity 0.9   # GPT-3 c_fc on the full WSE-2, rows folded: ~3 min',
    'weightstream fabric --rows 1000 --cols 850 --batch 4000 --in 12288 --out 49152   # the same layer dense: streams windowed, 5 GB of host memory, ~10 min',
  ]);
  cmd.action(async (opts: FabricCliOptions) => {
    if (opts.heatmap) await checkHeatmapPath(opts.heatmap, opts.model);
    const { runFabricAsync, writeHeatmap, modelCycles, fabricMachine, DEFAULT_SKEW, DEFAULT_SKEW_BLOCKS } = await import('../fabric/index.js');
    const layer = await modelLayerOf(cmd, opts);
    if (layer) Object.assign(opts, layer.run);
    const shape = { B: opts.batch, K: opts.in, N: opts.out };
    const estimate = modelCycles(shape, { rows: opts.rows, cols: opts.cols }, opts.pass, fabricMachine(), 1 - opts.sparsity).cycles;
    const bars = new Phases(createProgress({ label: 'fabric set-up', total: 100, quiet: opts.quiet, unit: '%', intervalSeconds: 1 }));
    const cycles = () => createProgress({ label: 'fabric', total: Math.max(1, Math.round(estimate)), quiet: opts.quiet, unit: 'cycles (estimated total)', intervalSeconds: 1, rate: true });
    const check = () => createProgress({ label: 'fabric check', total: 100, quiet: opts.quiet, unit: '% of the weights read', intervalSeconds: 1 });
    // ^C, a kill or a closed terminal: one line and exit 1, the heatmap's temporary removed (as train does)
    const uninstallCleanup = (await import('../io/cleanup.js')).installCleanup();
    const run = await runFabricAsync({
      rows: opts.rows, cols: opts.cols, batch: opts.batch, in: opts.in, out: opts.out,
      sparsity: opts.sparsity, pass: opts.pass, seed: opts.seed, check: opts.check, threads: opts.threads,
      skew: opts.skew === 'auto' ? 'auto' : opts.skew === 'parts' ? DEFAULT_SKEW : opts.skew === 'blocks' ? DEFAULT_SKEW_BLOCKS : opts.skew === 'on',
      balance: opts.balance,
      fold: opts.fold === 'auto' ? 'auto' : opts.fold === 'on',
      streamWindow: opts.streamWindow,
      // set-up stages until the first cycle (a fold's later meshes set up between its runs: not shown); then the
      // cycles, and the check where it runs (the sampled reference of a large layer reads every weight)
      onSetup: (stage, fraction) => {
        if (stage === 'check') bars.to('check', check).update(Math.floor(100 * fraction));
        else if (bars.name === 'setup') bars.current.update(Math.floor(100 * SETUP_SHARE[stage][0] + 100 * SETUP_SHARE[stage][1] * fraction), stage);
      },
      onProgress: (cycle) => bars.to('cycles', cycles).update(Math.min(cycle, Math.round(estimate))),
    }).catch((e: unknown) => {
      throw optionError(e, opts);
    });
    bars.current.stop();
    if (opts.heatmap) writeHeatmap(opts.heatmap, run);
    uninstallCleanup();
    const r = run.result;
    const { counters: _c, machine: _m, ...rest } = r;
    const json = { ...rest, layer: layer?.info ?? null, heatmap: opts.heatmap ?? null, counters: r.counters, machine: r.machine };
    emit(opts, json, () => {
      const b = r.breakdown;
      return [
        layer ? `${layer.info.name} of ${layer.info.model}: K=${r.in} in, N=${r.out} out features, B=${r.batch} ${layer.info.columns}` : '',
        `fabric ${r.pass}: B=${r.batch} K=${r.in} N=${r.out}, sparsity ${r.sparsity.toFixed(3)}, on a ${r.rows}x${r.cols} mesh (${r.usedRows}x${r.usedCols} used)`,
        `  cycles            ${r.cycles} (closed-form model ${r.modelCycles}; ${(r.cycles / (r.machine.clockGHz * 1e3)).toFixed(2)} µs at ${r.machine.clockGHz} GHz)`,
        `  FMACs             ${r.fmacs} (${pct(r.efficiency)} of the mesh's peak)`,
        `  weights streamed  ${r.weightsStreamed} non-zeros (${r.streamWavelets} wavelets), ${r.zeroWeightsSkipped} zeros skipped`,
        r.check === 'off'
          ? `  max |error|       not checked (--check off)`
          : `  max |error|       ${r.maxAbsError.toExponential(2)} vs the reference (${(100 * r.errorBoundRatio).toFixed(1)} % of the f32 bound; ${r.check}: ${r.checkedOutputs} outputs)`,
        `  core cycles       computing ${pct(b.computing)}, streaming ${pct(b.streaming)}, reducing ${pct(b.reducing)}, waiting ${pct(b.waiting)}`,
        `  link utilization  ${pct(r.linkUtilization)}`,
        r.fold ? `  folded rows       simulated meshes of ${r.fold.rows.join(', ')} rows (${r.fold.cyclesPerRow} cycle a row; every counter checked to grow alike), ${(r.fold.simulatedCoreCycles / 1e9).toFixed(2)} G of the ${(r.rows * r.cols * r.cycles / 1e9).toFixed(2)} G core-cycles` : '',
        r.streamWindow ? `  streams           held by the host, ${r.streamWindow} words a column at a time in the simulator (refilled as the columns take them)` : '',
        `  simulated         ${(r.simCoreCyclesPerSecond / 1e6).toFixed(1)} M core-cycles/s on ${r.threads} thread${r.threads > 1 ? 's' : ''}${r.skew ? ` (skewed order: bands of ${r.skew.bandCols} column${r.skew.bandCols > 1 ? 's' : ''}${r.threads > 1 && r.skew.split === 'blocks' ? `, a block of ${r.skew.block} cycles a thread in turn` : ''})` : ''}; wall ${r.wallSeconds.toFixed(2)} s (set-up ${r.setupSeconds.toFixed(2)} s, simulation ${r.simSeconds.toFixed(2)} s, check ${r.checkSeconds.toFixed(2)} s)`,
        r.balance ? `  bands             ${r.balance.bands.map(([c0, c1]) => `[${c0}, ${c1})`).join(' ')} at the end; ${r.balance.moved} column${r.balance.moved === 1 ? '' : 's'} moved (${r.balance.mode === 'static' ? 'static' : `balanced by time every ${r.balance.epochCycles} cycles`})` : '',
        `  memory            ${(r.memoryBytes / 1e6).toFixed(1)} MB simulator (${Math.round(r.memoryEstimate.stateBytesPerCore)} bytes of state per core), about ${(r.memoryEstimate.hostBytes / 1e6).toFixed(1)} MB host`,
        opts.heatmap ? `  heatmap           ${opts.heatmap}` : '',
      ].filter(Boolean).join('\n');
    });
    if (r.check !== 'off' && !(r.errorBoundRatio <= 1)) {
      process.stderr.write(`weightstream: error: the mesh's result differs from the reference beyond the f32 bound (max |error| ${r.maxAbsError})\n`);
      process.exitCode = 1;
    }
  });
}

/**
 * With --model and --layer: the layer's K and N, and the batch and sparsity defaults they imply (an option
 * given on the command line wins). Null without them; a usage error for --model with --in/--out.
 */
async function modelLayerOf(cmd: Command, opts: FabricCliOptions) {
  if (opts.model === undefined && opts.layer === undefined) return null;
  if (opts.model === undefined) throw new UsageError('--layer: only with --model (a GPT preset, config.json or model JSON)');
  if (opts.layer === undefined) throw new UsageError('--model: needs --layer NAME, the linear to map (e.g. transformer.h.0.mlp.c_fc)');
  const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
  for (const o of ['in', 'out']) if (given(o)) throw new UsageError(`--${o}: not with --model (the layer gives K and N)`);
  const { loadFabricModel, linearShapeOf } = await import('../fabric/model-layer.js');
  const reader = (await import('../perf/models.js')).atScaleReader;
  let model;
  try {
    model = loadFabricModel(opts.model, '--model', reader);
  } catch (e) {
    throw e instanceof ValidationError && e.path === '--model' ? flagError(e, '--model', opts.model) : e; // an unknown preset is a bad flag; a file's contents a failed run
  }
  const s = linearShapeOf(model, opts.layer);
  const run = { in: s.K, out: s.N, batch: given('batch') ? opts.batch : model.batch, sparsity: given('sparsity') ? opts.sparsity : s.sparsity };
  const columns = model.tokens ? 'tokens' : 'samples';
  return { run, info: { model: opts.model, name: s.name, kind: s.kind, K: s.K, N: s.N, modelSparsity: s.sparsity, columns } };
}

/** The options whose values the library checks against the mapping, by the library's field name. */
const OPTION_OF: Record<string, keyof FabricCliOptions> = { threads: 'threads', streamWindow: 'streamWindow', fold: 'fold', skew: 'skew' };

/**
 * A library refusal of a field the CLI sets from an option (--threads, --stream-window, --fold, --skew), said as a bad
 * flag: exit 2, the option's name and the value as typed (the library's true and false are the CLI's on and off).
 */
function optionError(e: unknown, opts: FabricCliOptions): unknown {
  if (!(e instanceof ValidationError) || !Object.hasOwn(OPTION_OF, e.path)) return e;
  const key = OPTION_OF[e.path];
  const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  const expected = e.expected.replace(/expected false or '?auto'?/, 'expected off or auto');
  const v = opts[key];
  return new UsageError(`${flag}: ${expected}, got ${typeof v === 'number' ? String(v) : JSON.stringify(String(v))}`);
}

/** Refuses a --heatmap that cannot be written or is the --model file (a preset name is no file). */
async function checkHeatmapPath(heatmap: string, model: string | undefined): Promise<void> {
  const inputs = model !== undefined && statSync(model, { throwIfNoEntry: false })?.isFile() ? [{ label: '--model', path: model }] : [];
  const { checkOutputs } = await import('../io/files.js');
  try {
    checkOutputs({ inputs, outputs: [{ label: '--heatmap', path: heatmap }] });
  } catch (e) {
    throw outputError(e); // a bad flag
  }
}
