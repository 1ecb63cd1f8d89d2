// How fast is the at-scale estimate? (1) the median of one GPT-3 175B estimate (tinybench), goal < 5 ms;
// (2) a sweep of >= 10,000 estimates over systems x sparsity x model on one thread, goal < 10 s.
// Prints a table and writes bench/results/estimate.json (atomically; --quick: estimate-quick.json).
// Run: npm run build:ts && node dist/bench/estimate.js [--quick]
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { claims } from '../src/perf/claims.js';
import { estimate } from '../src/perf/estimate.js';
import { preset, presetNames } from '../src/perf/models.js';
import { defaultSpecs } from '../src/perf/specs.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('estimate', 'How fast the at-scale estimate runs: one GPT-3 175B estimate, then a sweep of >= 10,000; writes bench/results/estimate.json.', {
  quick: { type: 'boolean', help: 'timings of 200 ms, not 1 s, and one repetition; writes estimate-quick.json' },
});

const { quick } = ARGS;
const timeMs = quick ? 200 : 1000;

async function median(name: string, fn: () => void): Promise<{ name: string; medianMs: number; samples: number }> {
  const bench = new Bench({ time: timeMs, warmupTime: 100 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result as unknown as { latency?: { p50: number; samples?: number[]; samplesCount?: number } };
  if (!r.latency) throw new Error(`tinybench: ${name} did not complete`);
  return { name, medianMs: r.latency.p50, samples: r.latency.samplesCount ?? r.latency.samples?.length ?? 0 };
}

async function main() {
  const specs = defaultSpecs();
  const gpt3 = preset('gpt3-175b');
  const one = [
    await median('gpt3-175b, 192 systems, dense', () => estimate(gpt3, { systems: 192 }, specs)),
    await median('gpt3-175b, 192 systems, 90 % sparse', () => estimate(gpt3, { systems: 192, sparsity: 0.9 }, specs)),
    await median('gpt3-175b, 1 system, dense', () => estimate(gpt3, { systems: 1 }, specs)),
    await median('gpt-1t, 192 systems, dense', () => estimate(preset('gpt-1t'), { systems: 192 }, specs)),
    await median('claims (all rows)', () => claims(specs)),
  ];

  // The sweep: every preset whose 2048-token sequence fits a wafer (not the 120 T), systems 1..192, 6 sparsities.
  const models = presetNames().filter((n) => n !== 'gpt-120t').map((n) => preset(n));
  const sparsities = [0, 0.5, 0.75, 0.9, 0.95, 0.99];
  const systems = Array.from({ length: 192 }, (_, i) => i + 1);
  const configs = models.length * sparsities.length * systems.length;
  const reps = quick ? 1 : 3;
  const sweepSeconds: number[] = [];
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const m of models) for (const s of sparsities) for (const n of systems) sink += estimate(m, { systems: n, sparsity: s }, specs).trainSeconds;
    sweepSeconds.push((performance.now() - t0) / 1000);
  }
  sweepSeconds.sort((a, b) => a - b);
  const sweepMedian = sweepSeconds[Math.floor(sweepSeconds.length / 2)];
  const per10k = (sweepMedian * 10_000) / configs;

  const result = {
    bench: 'estimate',
    when: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    quick,
    single: one,
    sweep: { estimates: configs, models: models.map((m) => m.name), sparsities, systems: '1..192', repetitions: reps, medianSeconds: sweepMedian, secondsPer10k: per10k, usPerEstimate: (sweepMedian * 1e6) / configs },
    targets: { singleMs: 5, sweep10kSeconds: 10 },
    pass: { single: one[0].medianMs < 5, sweep: per10k < 10 },
    checksum: sink,
  };
  console.log('one estimate (median, tinybench):');
  for (const o of one) console.log(`  ${o.name.padEnd(40)} ${o.medianMs.toFixed(3).padStart(9)} ms  (${o.samples} samples)`);
  console.log(`sweep: ${configs} estimates (${models.length} models x ${sparsities.length} sparsities x 192 system counts), one thread:`);
  console.log(`  median of ${reps}: ${sweepMedian.toFixed(2)} s = ${per10k.toFixed(2)} s per 10,000 (${result.sweep.usPerEstimate.toFixed(1)} us each)`);
  console.log(`targets: one GPT-3 175B estimate < 5 ms: ${result.pass.single ? 'met' : 'MISSED'}; 10,000 estimates < 10 s: ${result.pass.sweep ? 'met' : 'MISSED'}`);
  const out = resultsFile('estimate', quick && 'quick');
  writeJsonAtomic(out, result);
  console.log(`wrote ${out}`);
}

await main();
