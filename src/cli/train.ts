// `weightstream train`: trains a model in weight-streaming mode on N simulated CS-2 (worker threads), with
// MemoryX (weights + optimizer state, DRAM and flash tiers) and SwarmX (broadcast / tree reduce) on the
// main thread. Prints a progress bar and a summary, or one JSON object with --json. The flags are a
// TrainConfig (src/cluster/config.ts) with its defaults (TRAIN_DEFAULTS, shown in --help); runTrain runs it.
import type { Command } from 'commander';
import { ValidationError, renamePath } from '../errors.js';
import { TRAIN_CONFIG_FIELDS, TRAIN_DEFAULTS as D, type TrainConfig } from '../cluster/config.js';
import { createProgress } from './progress.js';
import { UsageError, emit, flagError, option, outputError, parseChoice, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';

/** An exact count with thousands separators (317,982). */
const exact = (n: number) => n.toLocaleString('en-US');

type TrainCliOptions = CommonOptions & Omit<TrainConfig, 'model'> & { model: string };

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .summary('train by weight streaming on N simulated CS-2')
    .description("train a network by weight streaming on N simulated CS-2 (worker threads): MemoryX streams each layer's weights, SwarmX broadcasts them and tree-reduces the gradients, MemoryX updates each layer at once")
    .addOption(option('--model <file|name>', 'model JSON file, Hugging Face GPT-2 config.json, or preset (mlp, mlp2, resmlp, wide; GPTs: gpt-nano, gpt-micro, gpt-mini)', undefined, D.model))
    .addOption(option('--data <file|name>', `features: a safetensors file with x (F32 [N, D]) and y (I32/I64 [N]), a CSV file (.csv/.tsv: numeric features, the label column named label/y/class/target or last; the last 20 % of rows for testing), the shipped digits, or a seeded teacher; a GPT: the shipped text ${D.textData} (its default), a .txt file (bytes, windows of T+1 at stride T, last 10 % for testing), or a safetensors file with tokens (I32/I64 [N, T+1])`, undefined))
    .addOption(option('--seq-len <T>', 'a GPT: tokens per training sequence (default the model\'s n_positions; a tokens file gives its own)', parseInteger('--seq-len', 1, 1 << 16)))
    .addOption(option('--sample <n>', 'a GPT: after training, generate n tokens (bytes) from the trained weights and print them', parseInteger('--sample', 0, 1e6)))
    .addOption(option('--prompt <text>', 'a GPT: the text --sample continues (default the start of the test split)'))
    .addOption(option('--systems <n>', 'simulated CS-2 systems (worker threads)', parseInteger('--systems', 1, 64), D.systems))
    .addOption(option('--steps <n>', 'training steps (with --resume: the total, counting the checkpoint\'s)', parseInteger('--steps', 0, 1e9), D.steps))
    .addOption(option('--batch <n>', 'global batch (samples per step over all systems; at least --systems)', parseInteger('--batch', 1, 1 << 24), D.batch))
    .addOption(option('--lr <x>', `learning rate (default ${D.sgd.lr} for sgd, ${D.adamw.lr} for adamw)`, parseNumber('--lr', 0, 1e6)))
    .addOption(option('--optimizer <name>', 'sgd (with momentum) or adamw', parseChoice('--optimizer', ['sgd', 'adamw'] as const), D.optimizer))
    .addOption(option('--momentum <m>', `SGD momentum in [0, 1) (default ${D.sgd.momentum}; the library's cluster.train() takes torch's 0 when its optimizer omits it)`, parseNumber('--momentum', 0, 0.999999)))
    .addOption(option('--weight-decay <x>', `weight decay (default: ${D.sgd.weightDecay} for sgd, ${D.adamw.weightDecay} for adamw, decoupled)`, parseNumber('--weight-decay', 0, 1e6)))
    .addOption(option('--sparsity <s>', 'put a seeded unstructured mask of this sparsity in [0, 1) on every linear layer', parseNumber('--sparsity', 0, 0.999999)))
    .addOption(option('--seed <k>', 'seed of the initial weights and of the shuffled order', parseInteger('--seed', 0, 0xffffffff), D.seed))
    .option('--shuffle', 'shuffle the training samples every epoch (seeded)')
    .addOption(option('--init <file.safetensors>', 'initial weights (PyTorch nn.Sequential state dict names and layout)'))
    .addOption(option('--save <file.safetensors>', 'save the trained weights (PyTorch layout; a GPT: Hugging Face names, and config.json beside it — name it model.safetensors for GPT2LMHeadModel.from_pretrained(dir))'))
    .addOption(option('--checkpoint <file>', 'write MemoryX state here at the end (and every --checkpoint-every steps)'))
    .addOption(option('--checkpoint-every <n>', 'steps between checkpoints', parseInteger('--checkpoint-every', 1, 1e9)))
    .addOption(option('--resume <file>', 'continue from a checkpoint (bit-identical to an uninterrupted run)'))
    .addOption(option('--fan-in <n>', 'SwarmX reduce-tree fan-in', parseInteger('--fan-in', 2, 64), D.fanIn))
    .addOption(option('--dram-bytes <n>', 'MemoryX DRAM budget for weights + optimizer state; layers beyond it live on the flash tier (a file)', parseNumber('--dram-bytes', 0, 1e15)))
    .addOption(option('--wafer-sram-bytes <n>', 'wafer SRAM per system for activations (default 40e9, the WSE-2)', parseNumber('--wafer-sram-bytes', 1, 1e15)))
    .addOption(option('--pipeline <mode>', 'pipeline of the simulated timeline: none (serial), coarse (streams and gradients overlap compute), full (updates overlap too); none also runs the simulator without prefetch', parseChoice('--pipeline', ['none', 'coarse', 'full'] as const), D.pipeline))
    .addOption(option('--trace <file>', 'write the simulated timeline (first 100 steps) as a Chrome Trace Event JSON file (Perfetto, chrome://tracing)'))
    .addOption(option('--spec <file>', 'a hardware spec JSON for the simulated durations, replacing (or with "base", amending) a built-in one; repeatable', collect));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream train --model mlp --data digits --systems 2 --steps 300 --batch 64 --lr 0.01 --optimizer adamw --shuffle',
    'weightstream train --model mlp --data digits --systems 4 --sparsity 0.9 --steps 300 --optimizer adamw --lr 0.01 --json',
    'weightstream train --model model.json --data train.safetensors --init init.safetensors --save trained.safetensors',
    'weightstream train --model model.json --data own.csv --steps 200   # header row optional; label column named "label" or last',
    'weightstream train --steps 100 --checkpoint run.ckpt --checkpoint-every 20   # then: --steps 200 --resume run.ckpt',
    'weightstream train --model wide --data digits --dram-bytes 9e6 --systems 2   # 2 of 3 layers live on the flash tier',
    'weightstream train --model wide --systems 4 --steps 100 --pipeline coarse --trace trace.json --json   # open trace.json in Perfetto',
    'weightstream train --model gpt-micro --data austen --systems 4 --steps 300 --batch 16 --optimizer adamw --lr 0.003 --sample 200',
    'weightstream train --model config.json --data tokens.safetensors --sparsity 0.9 --save out/model.safetensors   # a Hugging Face GPT-2 config',
  ]);
  cmd.action(async (opts: TrainCliOptions) => {
    // outputs never eat inputs; checked before any work; a refusal is of an output option's value: a usage error (exit 2)
    try {
      (await import('../cluster/paths.js')).checkTrainPaths(opts, flagOf);
    } catch (e) {
      throw outputError(e);
    }
    const { prepareTrain, runPrepared } = await import('../cluster/run-train.js');
    const { json: _j, quiet: _q, debug: _d, ...config } = opts;
    let prepared;
    try {
      prepared = prepareTrain(config);
    } catch (e) {
      throw asUsage(e, config);
    }
    const progress = createProgress({ label: 'train', total: opts.steps ?? D.steps, quiet: opts.quiet || opts.json, unit: 'steps' });
    const uninstallCleanup = (await import('../io/cleanup.js')).installCleanup(); // ^C removes temp files (flash tier, checkpoint temps)
    let run;
    try {
      run = await runPrepared(prepared, { onStep: (step, loss) => progress.update(step + 1, `loss ${loss.toFixed(4)}`) });
    } catch (e) {
      throw asFlag(e); // the library names config fields (steps); the command line, its flags (--steps)
    } finally {
      progress.stop();
      uninstallCleanup();
    }
    const r = run.summary;
    const tokens = r.tokensPerSecond !== r.samplesPerSecond;
    emit(opts, r, () => {
      const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
      const flash = r.memoryx.tiers.filter((t) => t === 'flash').length;
      return [
        `trained ${r.model} on ${r.data}: ${r.steps} steps of ${r.batch} samples on ${r.systems} CS-2 system${r.systems > 1 ? 's' : ''}${r.resumedFrom !== null ? ` (resumed at step ${r.resumedFrom})` : ''}`,
        `  loss ${r.loss.length ? r.loss[0].toFixed(4) : '-'} -> ${Number.isFinite(r.finalLoss) ? r.finalLoss.toFixed(4) : '-'}${r.testAccuracy !== null ? `, ${tokens ? 'next-token accuracy on the test split' : 'test accuracy'} ${(100 * r.testAccuracy).toFixed(2)} %` : ''}${tokens && r.testLoss !== null ? `, test loss ${r.testLoss.toFixed(4)} nats per token` : ''}`,
        `  parameters ${exact(r.parameters.master)} in MemoryX (${exact(r.parameters.pytorch)} dense)${r.sparsity ? `, sparsity ${r.sparsity}` : ''}; ${flash ? `${flash} of ${r.memoryx.tiers.length} layers on the flash tier` : 'all layers in DRAM'}`,
        `  streamed ${mb(r.bytesStreamed)} of weights, reduced ${mb(r.bytesReduced)} of gradients (${mb(r.bytesGradientsSent)} sent by the systems)${r.resumedFrom !== null ? ` in the ${r.steps - r.resumedFrom} steps since the resume` : ''}, SwarmX fan-in ${r.swarmx.fanIn}`,
        `  ${r.wallSeconds.toFixed(2)} s wall, ${r.samplesPerSecond.toFixed(0)} ${tokens ? `sequences/s, ${r.tokensPerSecond.toFixed(0)} tokens/s` : 'samples/s'}${r.retries ? `, ${r.retries} step retries after faults` : ''}`,
        r.timeline
          ? `  simulated on the spec'd hardware (pipeline ${r.pipeline}): ${(r.timeline.simulatedStepSeconds * 1e6).toFixed(2)} µs per step, ${(r.timeline.exposedLatencySeconds * 1e6).toFixed(2)} µs of it exposed (not hidden behind compute); busy: ${Object.entries(r.timeline.utilization).map(([k, v]) => `${k} ${(100 * v).toFixed(0)} %`).join(', ')}`
          : '',
        r.timeline?.trace ? `  trace ${r.timeline.trace.file} (${r.timeline.trace.steps} steps, ${r.timeline.trace.events} events, ${(r.timeline.trace.bytes / 1e6).toFixed(2)} MB)` : '',
        r.saved ? `  weights saved to ${r.saved}${r.savedConfig ? ` (and ${r.savedConfig})` : ''}` : '',
        r.sample ? `  sample (temperature 0.8, top-k 40) after ${JSON.stringify(r.sample.prompt)}${r.sample.promptBytesDropped ? ` (the prompt's first ${r.sample.promptBytesDropped} bytes dropped: the model reads the last --seq-len, the context it trained at)` : ''}:\n${r.sample.text}` : '',
        r.checkpoint ? `  checkpoint ${r.checkpoint}` : '',
      ].filter(Boolean).join('\n');
    });
  });
}

/**
 * A config field's error from prepareTrain, named by its flag (batch → --batch, fanIn → --fan-in): a usage error
 * (exit 2), unless the flag names a file that exists, whose contents it is about: that is a failed run (exit 1), as
 * estimate's and sweep's bad files are (README: 1 failed, 2 usage).
 */
function asUsage(e: unknown, config: Record<string, unknown>): unknown {
  if (!(e instanceof ValidationError) || !(TRAIN_CONFIG_FIELDS as readonly string[]).includes(e.path)) return e;
  return flagError(e, flagOf(e.path), config[e.path]);
}

/** A config field's error from the run itself (a resume past its steps, data the model cannot read), named by its flag; still a failed run (exit 1). */
function asFlag(e: unknown): unknown {
  if (!(e instanceof ValidationError) || !(TRAIN_CONFIG_FIELDS as readonly string[]).includes(e.path)) return e;
  return renamePath(e, flagOf(e.path));
}

/** The flag of a config field: batch → --batch, fanIn → --fan-in. */
function flagOf(field: string): string {
  return '--' + field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
