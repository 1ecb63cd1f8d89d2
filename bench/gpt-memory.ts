// Peak memory of GPT training, for bench/gpt.ts: each configuration runs in a fresh Node process (this
// file's main), which reports its own peak resident set size. A process's RSS counts every thread's: the
// main thread (MemoryX's master weights and optimizer state, SwarmX), the CS-2 worker threads and their
// WebAssembly memory (one shared memory laid out per run: MemoryX region + one region per system for its
// weights in flight, activations and gradients), V8's heaps, the loaded code and the token data.
// Modes: 'baseline' (Node + the modules + the token data + the compiled plan, no training), 'reference'
// (src/train/reference.ts on the main thread), 'systems:N' (createCluster({ systems: N }), N workers).
// Run by bench/gpt.ts: node dist/bench/gpt-memory.js '{"mode":"systems:2","model":"gpt-micro","batch":16,...}'
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCluster } from '../src/cluster/engine.js';
import { loadShippedText } from '../src/data/text.js';
import { gptPreset } from '../src/model/load.js';
import { compileModel } from '../src/model/compile.js';
import { trainReference } from '../src/train/reference.js';
import { Wasm } from '../src/wasm/module.js';
import type { OptimizerConfig } from '../src/memoryx/optimizer.js';

export interface MemoryRequest {
  mode: string;
  model: string;
  batch: number;
  seqLen: number;
  steps: number;
  optimizer: OptimizerConfig;
}

export interface MemoryReport {
  mode: string;
  /** process.resourceUsage().maxRSS: peak resident set of the whole process, KiB. */
  maxRssKiB: number;
  /** VmHWM from /proc/self/status (the same peak as the kernel reports it), KiB; null off Linux. */
  vmHwmKiB: number | null;
}

function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function child(r: MemoryRequest): Promise<MemoryReport> {
  const spec = gptPreset(r.model, r.seqLen);
  if (!spec) throw new Error(`model: expected a GPT preset, got ${r.model}`);
  const data = loadShippedText({ seqLen: r.seqLen });
  compileModel(spec);
  const opts = { steps: r.steps, batch: r.batch, optimizer: r.optimizer, seed: 1, shuffle: false, evaluate: false };
  if (r.mode === 'reference') {
    trainReference(spec, data, { ...opts, wasm: new Wasm({ flavor: 'release' }) });
  } else if (r.mode.startsWith('systems:')) {
    const cluster = await createCluster({ systems: Number(r.mode.slice(8)), flavor: 'release' });
    try {
      await cluster.train(spec, data, opts);
    } finally {
      await cluster.close();
    }
  } else if (r.mode !== 'baseline') {
    throw new Error(`mode: expected baseline, reference or systems:N, got ${r.mode}`);
  }
  return { mode: r.mode, maxRssKiB: process.resourceUsage().maxRSS, vmHwmKiB: vmHwm() };
}

/** Runs one configuration in a fresh Node process and returns what it reports. */
export function measureMemory(r: MemoryRequest): MemoryReport {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(r)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as MemoryReport;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  child(JSON.parse(process.argv[2]) as MemoryRequest)
    .then((rep) => console.log(JSON.stringify(rep)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
