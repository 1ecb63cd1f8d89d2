// `weightstream demo` (what `npm start` runs): the tour a newcomer should see first, as a script of the
// real commands, each printed before it runs so it can be copied: train the shipped digits on 4 simulated
// CS-2 (dense and 90 % sparse), a small GPT on the shipped text (loss, a sample, one traced step at a
// realistic batch), one layer on the cycle-level fabric at several sparsities, the at-scale estimate swept
// over 1..192 systems, the article's claims table, and an HTML report of all of it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { checkOutputs, makeDirs } from '../io/files.js';
import { STOP_SIGNALS } from '../io/cleanup.js';
import { ValidationError } from '../errors.js';
import { rootPath } from '../paths.js';
import { emit, option, outputError, withCommonOptions, withExamples, type CommonOptions } from './common.js';

interface DemoOptions extends CommonOptions {
  out: string;
  quick?: boolean;
}

/** One step of the tour: a weightstream command line, and where its --json output goes (if captured). */
interface Step {
  title: string;
  args: string[];
  /** Capture stdout as JSON into this file (else the command prints to the terminal). */
  json?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .summary('the guided tour (npm start), about 35 s')
    .description('the guided tour (npm start): training on 4 simulated CS-2 dense and sparse, the fabric at several sparsities, GPT-3 on 1..192 CS-2, the claims table, and an HTML report')
    .addOption(option('--out <dir>', 'where the results and the report go', undefined, 'out/demo'))
    .option('--quick', 'shorter training (digits 200 steps instead of 600, gpt-nano 150 instead of 400), the same sweeps: about 0.7x the time (22-27 s against 33-35 s)');
  withCommonOptions(cmd);
  withExamples(cmd, ['weightstream demo', 'weightstream demo --quick --out /tmp/ws-demo', 'npm start']);
  cmd.action(async (opts: DemoOptions) => {
    // the tour writes into --out: check it before the first step (not a file, a writable place), then make it
    try {
      checkOutputs({ inputs: [], outputs: [{ label: '--out', path: opts.out, dir: true }] });
    } catch (e) {
      throw outputError(e); // a bad flag
    }
    const out = resolve(opts.out);
    try {
      checkDemoDir(out, opts.out); // a directory of other files: a value --out refuses (exit 2), as a file there is
      makeDirs(out, '--out', opts.out);
    } catch (e) {
      throw outputError(e);
    }
    writeFileAtomic(join(out, DEMO_MARK), 'written by weightstream demo: a later demo may replace what is here\n');
    const say = (s: string) => {
      if (!opts.quiet && !opts.json) process.stdout.write(s + '\n');
    };
    const f = (name: string) => relative(process.cwd(), join(out, name)) || '.'; // shorter command lines to read and copy
    const steps = tour(f, opts.quick ?? false);
    const t0 = performance.now();
    const captured: Record<string, unknown> = {};
    for (const [i, s] of steps.entries()) {
      say(`\n[${i + 1}/${steps.length}] ${s.title}\n  $ weightstream ${s.args.map(shellQuote).join(' ')}`);
      const value = await runStep(s, opts);
      if (s.json) {
        captured[s.json] = value;
        writeJsonAtomic(f(s.json), value);
      }
    }
    const summary = summarize(captured, f);
    say('\n' + summary.text);
    writeJsonAtomic(f('demo-summary.json'), summary.json);
    const result = { ...summary.json, outDir: out, wallSeconds: (performance.now() - t0) / 1000 };
    emit(opts, result, () => `\ndemo done in ${result.wallSeconds.toFixed(0)} s; the report is ${f('report/report.html')}`);
  });
}

/** The tour's command lines. */
function tour(f: (name: string) => string, quick: boolean): Step[] {
  const trainSteps = quick ? '200' : '600';
  const train = (sparsity: string) => [
    'train', '--model', 'wide', '--data', 'digits', '--systems', '4', '--steps', trainSteps, '--batch', '64',
    '--optimizer', 'adamw', '--lr', '0.003', '--shuffle', '--seed', '1', ...(sparsity === '0' ? [] : ['--sparsity', sparsity]),
    '--trace', f(sparsity === '0' ? 'trace-dense.json' : 'trace-sparse.json'), '--json',
  ];
  const gpt = (systems: string, steps: string, batch: string, extra: string[]) => [
    'train', '--model', 'gpt-nano', '--data', 'austen', '--systems', systems, '--steps', steps, '--batch', batch,
    '--optimizer', 'adamw', '--lr', '0.003', '--shuffle', '--seed', '0', ...extra, '--json',
  ];
  for (const name of ['fabric.jsonl', 'scaling.jsonl', 'model-size.jsonl']) rmSync(f(name), { force: true });
  writeFileAtomic(f('fabric-sweep.json'), JSON.stringify(fabricSweep, null, 2));
  writeFileAtomic(f('scaling-sweep.json'), JSON.stringify(scalingSweep(), null, 2));
  return [
    { title: 'Train the UCI digits on 4 simulated CS-2, dense (MemoryX streams every layer, SwarmX reduces the gradients)', args: train('0'), json: 'train-dense.json' },
    { title: 'The same at 90 % unstructured sparsity: only non-zero weights are streamed, reduced and updated', args: train('0.9'), json: 'train-sparse.json' },
    {
      title: 'A GPT (gpt-nano: 2 blocks, 64 wide, tied embeddings) on Pride and Prejudice by bytes: every weight streams from MemoryX, attention stays on the wafer',
      args: gpt('4', quick ? '150' : '400', '16', ['--sample', '200']),
      json: 'train-gpt.json',
    },
    {
      title: 'One GPT step at a realistic batch for one wafer (1024 sequences = 65k tokens on 1 CS-2), traced: the wafer computes while the next weights stream',
      args: gpt('1', '2', '1024', ['--trace', f('trace-gpt.json')]),
      json: 'train-gpt-step.json',
    },
    { title: 'One layer on the cycle-level wafer at several sparsities: dataflow triggers skip zero weights', args: ['sweep', f('fabric-sweep.json'), '--out', f('fabric.jsonl'), '--quiet', '--json'], json: 'fabric-sweep-summary.json' },
    {
      title: 'Where the cycles go: per-core busy cycles of the 90 % sparse layer, as a heatmap for the report',
      args: ['fabric', '--rows', '16', '--cols', '16', '--batch', '256', '--in', '1024', '--out', '64', '--sparsity', '0.9', '--seed', '1', '--heatmap', f('heatmap.json'), '--json'],
      json: 'fabric-run.json',
    },
    { title: 'GPT-3 175B on 1..192 CS-2, dense and sparse: the at-scale model', args: ['sweep', f('scaling-sweep.json'), '--out', f('scaling.jsonl'), '--quiet', '--json'], json: 'scaling-sweep-summary.json' },
    { title: 'Time to train vs model size, CS-2 cluster vs GPU clusters', args: ['sweep', rootPath('examples', 'sweeps', 'model-size.yaml'), '--out', f('model-size.jsonl'), '--quiet', '--json'], json: 'model-size-summary.json' },
    {
      title: 'What if the hardware were different? Each figure x0.5 and x2 for GPT-3 175B on 192 CS-2, largest swing first, naming what binds',
      args: ['estimate', '--model', 'gpt3-175b', '--systems', '192', '--sensitivity', '--json'],
      json: 'sensitivity.json',
    },
    { title: "The article's claims, checked line by line", args: ['claims'] },
    {
      title: 'An HTML report of all of the above (self-contained, charts as SVG)',
      // The timeline is the GPT step's (the wafer computes for most of it, overlapped with the stream);
      // the MLP's trace (trace-dense.json, for Perfetto) would show an idle wafer: its compute is ~0 % of a step.
      args: ['report', f('train-dense.json'), f('train-sparse.json'), f('train-gpt.json'), f('fabric.jsonl'), f('scaling.jsonl'), f('model-size.jsonl'), f('trace-gpt.json'), f('heatmap.json'), f('sensitivity.json'), '--out', f('report'), '--json'],
      json: 'report-summary.json',
    },
  ];
}

/** A compute-bound forward layer on a 16 x 16 mesh: 64 input features per column, so each core's AXPYs
 *  outweigh the per-output reduction along its row (docs/fabric.md: where the speed-up curve bends). */
const fabricSweep = {
  name: 'demo-fabric-sparsity',
  kind: 'fabric',
  base: { rows: 16, cols: 16, batch: 256, in: 1024, out: 64, pass: 'forward', seed: 1 },
  axes: { sparsity: [0, 0.5, 0.75, 0.9, 0.95] },
};

/** Cluster sizes that double (and the largest, 192): each a marker, joined where close on the log axis;
 *  one series per sparsity on the scaling chart and one per cluster size on the sparsity chart. */
function scalingSweep() {
  const systems = [1, 2, 4, 8, 16, 32, 64, 128, 192];
  return { name: 'demo-gpt3-175b-scaling', kind: 'estimate', base: { model: 'gpt3-175b' }, axes: { systems, sparsity: [0, 0.5, 0.75, 0.9] } };
}

/** The file that marks a directory as a demo's own: a later demo replaces what is there, and nothing else. */
const DEMO_MARK = '.weightstream-demo';

/** Refuses an --out that holds files of someone else's (not empty, and neither marked nor a finished demo's). */
function checkDemoDir(out: string, given: string): void {
  let names: string[];
  try {
    names = readdirSync(out);
  } catch {
    return; // not there yet (checkOutputs refused a file)
  }
  if (names.length === 0 || names.includes(DEMO_MARK) || names.includes('demo-summary.json')) return;
  throw new ValidationError('--out', given, `expected an empty directory or an earlier demo's (it holds ${names.length} other file${names.length === 1 ? '' : 's'}, e.g. ${names.slice(0, 3).join(', ')}, which the demo would replace or remove)`);
}

/**
 * Runs one step as a child process of this CLI and gives its parsed --json output when captured. A signal to
 * the demo (^C, a kill, the terminal closing) goes on to the step, so no step outlives the demo or writes into
 * --out after it has gone.
 */
function runStep(s: Step, opts: DemoOptions): Promise<unknown> {
  const bin = rootPath('bin', 'weightstream.js');
  const args = [bin, ...s.args, ...(opts.quiet || opts.json ? ['--quiet'] : [])].filter((a, i, all) => a !== '--quiet' || all.indexOf(a) === i);
  const child = spawn(process.execPath, args, { stdio: ['ignore', s.json ? 'pipe' : opts.quiet || opts.json ? 'ignore' : 'inherit', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => chunks.push(b));
  let stoppedBy: NodeJS.Signals | undefined;
  const forward = (sig: NodeJS.Signals) => {
    stoppedBy = sig;
    child.kill(sig);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, forward);
  return new Promise((resolveStep, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const sig of STOP_SIGNALS) process.off(sig, forward);
      if (stoppedBy) return void reject(new DemoStopped(`demo: stopped (${stoppedBy}) during \`weightstream ${s.args[0]}\`, which was stopped too; run the demo again to start over`));
      if (code !== 0) return void reject(new Error(`demo: \`weightstream ${s.args.join(' ')}\` failed with exit code ${code}`));
      resolveStep(s.json ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined);
    });
  });
}

/** The demo was stopped by a signal while a step ran (the step was stopped with it). */
class DemoStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoStopped';
  }
}

interface TrainSummary {
  testAccuracy: number | null;
  finalLoss: number;
  bytesStreamed: number;
  bytesReduced: number;
  wallSeconds: number;
  parameters: { master: number; pytorch: number };
  simulatedStepSeconds?: number;
}

interface GptSummary extends TrainSummary {
  loss: number[];
  sample: { prompt: string; text: string } | null;
  utilization: Record<string, number> | null;
}

interface FabricLine {
  config: { sparsity: number };
  result?: { cycles: number; maxAbsError: number; sparsity: number };
}

/** The closing summary: the numbers a newcomer should take away, as text and as JSON. */
function summarize(captured: Record<string, unknown>, f: (name: string) => string) {
  const dense = captured['train-dense.json'] as TrainSummary;
  const sparse = captured['train-sparse.json'] as TrainSummary;
  const gpt = captured['train-gpt.json'] as GptSummary;
  const step = captured['train-gpt-step.json'] as GptSummary;
  const fabric = readFileSync(f('fabric.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FabricLine).filter((l) => l.result)
    .sort((a, b) => a.config.sparsity - b.config.sparsity);
  const base = fabric.find((l) => l.config.sparsity === 0)?.result?.cycles ?? NaN;
  const curve = fabric.map((l) => ({ sparsity: l.config.sparsity, cycles: l.result!.cycles, speedup: base / l.result!.cycles, ideal: 1 / (1 - l.config.sparsity), maxAbsError: l.result!.maxAbsError }));
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)} %`);
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const text = [
    'Summary',
    `  digits on 4 CS-2, dense:       test accuracy ${pct(dense.testAccuracy)}, ${dense.parameters.master} weights in MemoryX, streamed ${mb(dense.bytesStreamed)}, reduced ${mb(dense.bytesReduced)}`,
    `  digits on 4 CS-2, 90 % sparse: test accuracy ${pct(sparse.testAccuracy)}, ${sparse.parameters.master} weights in MemoryX, streamed ${mb(sparse.bytesStreamed)} (${(dense.bytesStreamed / sparse.bytesStreamed).toFixed(1)}x less), reduced ${mb(sparse.bytesReduced)}`,
    `  gpt-nano on 4 CS-2, by bytes:  loss ${gpt.loss[0].toFixed(2)} -> ${gpt.finalLoss.toFixed(2)} nats (the text's unigram entropy is 3.09), streamed ${mb(gpt.bytesStreamed)}, reduced ${mb(gpt.bytesReduced)} (the embedding's gradient as its batch rows only)`,
    `    sample: ${JSON.stringify(gpt.sample?.text.slice(0, 100) ?? '')}`,
    `    one step of 65k tokens on one CS-2, simulated: ${(1e6 * (step.simulatedStepSeconds ?? NaN)).toFixed(1)} µs, wafer busy ${(100 * (step.utilization?.compute ?? 0)).toFixed(0)} %, weight stream busy ${(100 * (step.utilization?.stream ?? 0)).toFixed(0)} %`,
    '  fabric, one 1024 -> 64 layer, batch 256, on 16 x 16 cores (forward pass):',
    ...curve.map((c) => `    sparsity ${c.sparsity.toFixed(2)}: ${c.cycles} cycles, speed-up ${c.speedup.toFixed(2)}x (ideal ${c.ideal.toFixed(1)}x), max |error| ${c.maxAbsError.toExponential(1)}`),
    // what is there (the steps' JSON, their traces, heatmap, sweep files and results, the report), and this summary
    `  files in ${f('')}: ${[...readdirSync(f('')).filter((n) => n !== DEMO_MARK), 'demo-summary.json'].sort().join(', ')}`,
  ].join('\n');
  return {
    text,
    json: {
      train: { dense, sparse, gpt: { ...gpt, loss: undefined, timeline: undefined }, gptStep: { simulatedStepSeconds: step.simulatedStepSeconds, utilization: step.utilization } },
      fabric: curve,
      report: f('report/report.html'),
    },
  };
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
