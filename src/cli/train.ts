// `weightstream train`: trains a model in weight-streaming mode on N simulated CS-2 (worker threads), with
// MemoryX (weights + optimizer state, DRAM and flash tiers) and SwarmX (broadcast / tree reduce) on the
// main thread. Prints a progress bar and a summary, or one JSON object with --json.
import type { Command } from 'commander';
import { createProgress } from './progress.js';
import { UsageError, emit, option, parseChoice, parseInteger, parseNumber, withCommonOptions, withExamples, type CommonOptions } from './common.js';

interface TrainCliOptions extends CommonOptions {
  model: string;
  data: string;
  systems: number;
  steps: number;
  batch: number;
  lr?: number;
  optimizer: 'sgd' | 'adamw';
  momentum?: number;
  weightDecay?: number;
  sparsity?: number;
  seed: number;
  shuffle?: boolean;
  init?: string;
  save?: string;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
  fanIn: number;
  dramBytes?: number;
  waferSramBytes?: number;
  pipeline: 'none' | 'coarse' | 'full';
  trace?: string;
  spec?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description("train a network by weight streaming on N simulated CS-2 (worker threads): MemoryX streams each layer's weights, SwarmX broadcasts them and tree-reduces the gradients, MemoryX updates each layer at once")
    .addOption(option('--model <file|name>', 'model JSON file or preset (mlp, mlp2, resmlp, wide)', undefined, 'mlp'))
    .addOption(option('--data <file|digits|teacher>', 'safetensors file with x (F32 [N, D]) and y (I32/I64 [N]), the shipped digits, or a seeded teacher', undefined, 'digits'))
    .addOption(option('--systems <n>', 'simulated CS-2 systems (worker threads)', parseInteger('--systems', 1, 64), 1))
    .addOption(option('--steps <n>', 'training steps (with --resume: the total, counting the checkpoint\'s)', parseInteger('--steps', 0, 1e9), 100))
    .addOption(option('--batch <n>', 'global batch (samples per step over all systems; at least --systems)', parseInteger('--batch', 1, 1 << 24), 64))
    .addOption(option('--lr <x>', 'learning rate (default 0.1 for sgd, 0.001 for adamw)', parseNumber('--lr', 0, 1e6)))
    .addOption(option('--optimizer <name>', 'sgd (with momentum) or adamw', parseChoice('--optimizer', ['sgd', 'adamw'] as const), 'sgd'))
    .addOption(option('--momentum <m>', 'SGD momentum in [0, 1) (default 0.9)', parseNumber('--momentum', 0, 0.999999)))
    .addOption(option('--weight-decay <x>', 'weight decay (default: 0 for sgd, 0.01 for adamw, decoupled)', parseNumber('--weight-decay', 0, 1e6)))
    .addOption(option('--sparsity <s>', 'put a seeded unstructured mask of this sparsity in [0, 1) on every linear layer', parseNumber('--sparsity', 0, 0.999999)))
    .addOption(option('--seed <k>', 'seed of the initial weights and of the shuffled order', parseInteger('--seed', 0, 0xffffffff), 0))
    .option('--shuffle', 'shuffle the training samples every epoch (seeded)')
    .addOption(option('--init <file.safetensors>', 'initial weights (PyTorch nn.Sequential state dict names and layout)'))
    .addOption(option('--save <file.safetensors>', 'save the trained weights (PyTorch layout)'))
    .addOption(option('--checkpoint <file>', 'write MemoryX state here at the end (and every --checkpoint-every steps)'))
    .addOption(option('--checkpoint-every <n>', 'steps between checkpoints', parseInteger('--checkpoint-every', 1, 1e9)))
    .addOption(option('--resume <file>', 'continue from a checkpoint (bit-identical to an uninterrupted run)'))
    .addOption(option('--fan-in <n>', 'SwarmX reduce-tree fan-in', parseInteger('--fan-in', 2, 64), 4))
    .addOption(option('--dram-bytes <n>', 'MemoryX DRAM budget for weights + optimizer state; layers beyond it live on the flash tier (a file)', parseNumber('--dram-bytes', 0, 1e15)))
    .addOption(option('--wafer-sram-bytes <n>', 'wafer SRAM per system for activations (default 40e9, the WSE-2)', parseNumber('--wafer-sram-bytes', 1, 1e15)))
    .addOption(option('--pipeline <mode>', 'pipeline of the simulated timeline: none (serial), coarse (streams and gradients overlap compute), full (updates overlap too); none also runs the simulator without prefetch', parseChoice('--pipeline', ['none', 'coarse', 'full'] as const), 'full'))
    .addOption(option('--trace <file>', 'write the simulated timeline (first 100 steps) as a Chrome Trace Event JSON file (Perfetto, chrome://tracing)'))
    .addOption(option('--spec <file>', 'a hardware spec JSON for the simulated durations, replacing (or with "base", amending) a built-in one; repeatable', collect));
  withCommonOptions(cmd);
  withExamples(cmd, [
    'weightstream train --model mlp --data digits --systems 2 --steps 300 --batch 64 --lr 0.01 --optimizer adamw --shuffle',
    'weightstream train --model mlp --data digits --systems 4 --sparsity 0.9 --steps 300 --optimizer adamw --lr 0.01 --json',
    'weightstream train --model model.json --data train.safetensors --init init.safetensors --save trained.safetensors',
    'weightstream train --steps 100 --checkpoint run.ckpt --checkpoint-every 20   # then: --steps 200 --resume run.ckpt',
    'weightstream train --model wide --data digits --dram-bytes 9e6 --systems 2   # 2 of 3 layers live on the flash tier',
    'weightstream train --model wide --systems 4 --steps 100 --pipeline coarse --trace trace.json --json   # open trace.json in Perfetto',
  ]);
  cmd.action(async (opts: TrainCliOptions) => {
    if (opts.momentum !== undefined && opts.optimizer !== 'sgd') throw new UsageError(`--momentum: only for --optimizer sgd, got --optimizer ${opts.optimizer}`);
    if (opts.checkpointEvery !== undefined && !opts.checkpoint) throw new UsageError('--checkpoint-every: needs --checkpoint FILE');
    if (opts.batch < opts.systems) throw new UsageError(`--batch: expected at least one sample per system (>= --systems ${opts.systems}), got ${opts.batch}`);
    (await import('./outputs.js')).checkTrainPaths(opts); // outputs never eat inputs; checked before any work
    const { resolveData } = await import('../data/index.js');
    const { resolveModel, withSparsity } = await import('../model/load.js');
    const { compileModel } = await import('../model/compile.js');
    const { loadWeights, saveWeights } = await import('../io/safetensors.js');
    const { createCluster } = await import('../cluster/engine.js');
    const { loadSpecs } = await import('../perf/specs.js');
    const specs = loadSpecs(opts.spec ?? []);

    const data = resolveData(opts.data, { seed: opts.seed });
    let spec = resolveModel(opts.model, data.features, data.classes);
    if (opts.sparsity !== undefined) spec = withSparsity(spec, opts.sparsity);
    const plan = compileModel(spec);
    const init = opts.init ? loadWeights(opts.init, plan) : undefined;
    const optimizer =
      opts.optimizer === 'sgd'
        ? { kind: 'sgd' as const, lr: opts.lr ?? 0.1, momentum: opts.momentum ?? 0.9, weightDecay: opts.weightDecay ?? 0 }
        : { kind: 'adamw' as const, lr: opts.lr ?? 0.001, weightDecay: opts.weightDecay ?? 0.01 };

    const cluster = await createCluster({ systems: opts.systems, fanIn: opts.fanIn, dramBytes: opts.dramBytes, waferSramBytes: opts.waferSramBytes });
    const progress = createProgress({ label: 'train', total: opts.steps, quiet: opts.quiet || opts.json, unit: 'steps' });
    const uninstallCleanup = (await import('../io/cleanup.js')).installCleanup(); // ^C removes temp files (flash tier, checkpoint temps)
    let r;
    try {
      r = await cluster.train(spec, data, {
        steps: opts.steps,
        batch: opts.batch,
        optimizer,
        seed: opts.seed,
        shuffle: opts.shuffle ?? false,
        init,
        checkpoint: opts.checkpoint,
        checkpointEvery: opts.checkpointEvery,
        resume: opts.resume,
        pipeline: opts.pipeline,
        specs,
        trace: opts.trace,
        onStep: (step, loss) => progress.update(step + 1, `loss ${loss.toFixed(4)}`),
      });
    } finally {
      progress.stop();
      await cluster.close();
      uninstallCleanup();
    }
    if (opts.save) saveWeights(opts.save, plan, r.params, { model: JSON.stringify(spec), steps: String(r.steps) });
    const result = {
      model: spec.name ?? opts.model,
      data: data.name,
      systems: r.systems,
      steps: r.steps,
      batch: r.batch,
      optimizer,
      sparsity: opts.sparsity ?? 0,
      loss: r.loss,
      finalLoss: r.finalLoss,
      testAccuracy: r.testAccuracy,
      bytesStreamed: r.bytesStreamed,
      bytesReduced: r.bytesReduced,
      bytesGradientsSent: r.bytesGradientsSent,
      wallSeconds: r.wallSeconds,
      samplesPerSecond: r.samplesPerSecond,
      retries: r.retries,
      parameters: { master: plan.paramFloats, pytorch: plan.torchParams },
      memoryx: r.memoryx,
      swarmx: r.swarmx,
      waferSramBytesPerSystem: r.waferSramBytesPerSystem,
      resumedFrom: r.resumedFrom,
      checkpoint: opts.checkpoint ?? null,
      saved: opts.save ?? null,
      pipeline: r.pipeline,
      simulatedStepSeconds: r.simulatedStepSeconds,
      exposedLatencySeconds: r.exposedLatencySeconds,
      utilization: r.utilization,
      timeline: r.timeline,
      trace: r.timeline?.trace ?? null,
    };
    emit(opts, result, () => {
      const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
      const flash = r.memoryx.tiers.filter((t) => t === 'flash').length;
      return [
        `trained ${result.model} on ${data.name}: ${r.steps} steps of ${r.batch} samples on ${r.systems} CS-2 system${r.systems > 1 ? 's' : ''}${r.resumedFrom !== null ? ` (resumed at step ${r.resumedFrom})` : ''}`,
        `  loss ${r.loss.length ? r.loss[0].toFixed(4) : '-'} -> ${Number.isFinite(r.finalLoss) ? r.finalLoss.toFixed(4) : '-'}${r.testAccuracy !== null ? `, test accuracy ${(100 * r.testAccuracy).toFixed(2)} %` : ''}`,
        `  parameters ${plan.paramFloats} in MemoryX (${plan.torchParams} dense)${opts.sparsity ? `, sparsity ${opts.sparsity}` : ''}; ${flash ? `${flash} of ${r.memoryx.tiers.length} layers on the flash tier` : 'all layers in DRAM'}`,
        `  streamed ${mb(r.bytesStreamed)} of weights, reduced ${mb(r.bytesReduced)} of gradients (${mb(r.bytesGradientsSent)} sent by the systems), SwarmX fan-in ${r.swarmx.fanIn}`,
        `  ${r.wallSeconds.toFixed(2)} s wall, ${r.samplesPerSecond.toFixed(0)} samples/s${r.retries ? `, ${r.retries} step retries after faults` : ''}`,
        r.timeline
          ? `  simulated on the spec'd hardware (pipeline ${r.pipeline}): ${(r.timeline.simulatedStepSeconds * 1e6).toFixed(2)} µs per step, ${(r.timeline.exposedLatencySeconds * 1e6).toFixed(2)} µs of it exposed (not hidden behind compute); busy: ${Object.entries(r.timeline.utilization).map(([k, v]) => `${k} ${(100 * v).toFixed(0)} %`).join(', ')}`
          : '',
        r.timeline?.trace ? `  trace ${r.timeline.trace.file} (${r.timeline.trace.steps} steps, ${r.timeline.trace.events} events, ${(r.timeline.trace.bytes / 1e6).toFixed(2)} MB)` : '',
        opts.save ? `  weights saved to ${opts.save}` : '',
        opts.checkpoint ? `  checkpoint ${opts.checkpoint}` : '',
      ].filter(Boolean).join('\n');
    });
  });
}
