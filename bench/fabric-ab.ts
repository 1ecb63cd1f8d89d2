// Is this build's fabric faster than another's? The same layers run by this checkout's build and by a base
// checkout's (`--base DIR`: a worktree of another commit, built with `npm run build`), in one process,
// interleaved run by run in a rotating order so both see the same machine (this 2-core VM's speed swings
// 1.3-2x between hours), after one untimed run of each. Every run of a row must give the same counters and
// cycles (a change that alters the simulation fails here). Reports the median simulation seconds of each,
// CPU ns per event (router and core steps) and the speed ratio this/base.
// Rows: bench/results/fabric-ab.json (atomically; --quick: fabric-ab-quick.json).
// Run: git worktree add ../base <commit> && (cd ../base && npm install && npm run build)
//      npm run build && node dist/bench/fabric-ab.js --base ../base [--quick] [--threads]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';
import * as here from '../src/fabric/run.js';
import { median } from './median.js';
import { speedLayers, timedRun, waferLayer } from './fabric-layers.js';
import { benchArgs, refuseArgs } from './args.js';
import { resultsFile } from './results-file.js';

type Fabric = Pick<typeof here, 'runFabricAsync'>;
const ARGS = benchArgs('fabric-ab', 'This build\'s fabric against a base build\'s, interleaved in one process; writes bench/results/fabric-ab.json (--quick: fabric-ab-quick.json).', {
  base: { type: 'string', help: '<dir> a checkout of the commit to compare with, built (npm run build); required' },
  quick: { type: 'boolean', help: '3 runs a row, not 5; writes fabric-ab-quick.json' },
  threads: { type: 'boolean', help: 'add two wafer-shaped rows on 2 threads' },
});
const { quick, threads: withThreads } = ARGS;
const reps = quick ? 3 : 5;
const skew = { bandCols: 1, block: 128, tile: 24 };

/** The layers: bench/fabric.ts's quick 32x32 shapes (one thread, loop order) and wafer-shaped sparse layers in the skewed order. */
const wafer = (R: number, C: number, threads: number): [string, here.FabricRunOptions] =>
  [`${R}x${C} sparse 0.9, skewed, ${threads} thread${threads > 1 ? 's' : ''}`, { ...waferLayer(R, C), skew, threads }];
const quickLayers = speedLayers(32, 64, [0.9, 0.99]).filter(([name]) => !name.includes('compute-bound (Ks 64')); // the slow ones
const ROWS: Array<[string, here.FabricRunOptions]> = [
  ...quickLayers.map(([name, o]): [string, here.FabricRunOptions] => [`32x32 ${name}`, o]),
  wafer(250, 212, 1),
  wafer(1000, 120, 1),
];
if (withThreads) ROWS.push(wafer(250, 212, 2), wafer(1000, 300, 2));

async function row(name: string, o: here.FabricRunOptions, builds: Fabric[]) {
  const secs = builds.map(() => [] as number[]);
  let events = 0;
  let counters: string | null = null;
  for (let i = -1; i < reps; i++) {
    for (let j = 0; j < builds.length; j++) {
      const b = (j + Math.max(i, 0)) % builds.length; // the first run of a round alternates
      const r = (await builds[b].runFabricAsync(timedRun(o))).result;
      const c = JSON.stringify(r.counters) + r.cycles;
      if (counters !== null && c !== counters) throw new Error(`${name}: the builds' runs differ: ${c} vs ${counters}`);
      counters = c;
      events = r.counters.routerSteps + r.counters.coreSteps;
      if (i >= 0) secs[b].push(r.simSeconds);
    }
  }
  const [thisS, baseS] = secs.map(median);
  return { name, ...o, reps, thisSeconds: thisS, baseSeconds: baseS, speedup: baseS / thisS, thisNsPerEvent: (thisS / events) * 1e9, baseNsPerEvent: (baseS / events) * 1e9, thisRuns: secs[0], baseRuns: secs[1] };
}

async function main() {
  const baseDir = ARGS.base;
  if (!baseDir) refuseArgs('fabric-ab', '--base <dir> (a built checkout of the commit to compare with) is required');
  const baseRun = resolve(baseDir, 'dist/src/fabric/run.js');
  if (!existsSync(baseRun)) refuseArgs('fabric-ab', `--base: no build in ${JSON.stringify(baseDir)} (${baseRun} is missing: run npm install && npm run build there)`);
  const base: Fabric = await import(pathToFileURL(baseRun).href);
  const commit = (dir: string) => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const load0 = loadavg();
  const rows = [];
  for (const [name, o] of ROWS) {
    const r = await row(name, o, [here, base]);
    rows.push(r);
    console.log(`${name}: this ${r.thisSeconds.toFixed(3)} s (${r.thisNsPerEvent.toFixed(1)} ns/event), base ${r.baseSeconds.toFixed(3)} s (${r.baseNsPerEvent.toFixed(1)}): ${r.speedup.toFixed(3)}x`);
  }
  const out = resultsFile('fabric-ab', quick && 'quick');
  writeJsonAtomic(out, {
    bench: 'fabric-ab', when: new Date().toISOString(), this: commit(rootPath()), base: commit(resolve(baseDir)), reps,
    loadBefore: load0, loadAfter: loadavg(), rows,
  });
  console.log(`wrote ${out}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
