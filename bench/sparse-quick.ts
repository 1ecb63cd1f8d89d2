// A quick micro-bench of the sparse kernels for tuning (the full comparison table is bench/kernels.ts):
// medians (tinybench) of spmm forward (output-major from the column layout, AXPY SIMD, scalar), delta and gradient on B = 256, K = N = 1024 across
// sparsities, against the dense WASM GEMM of the same shape when the module exports one, and SciPy CSR
// (one thread) measured in a Python child process on the same shape in the same run.
// Writes bench/results/sparse-quick.json (atomically). Run: npm run build && node dist/bench/sparse-quick.js [--quick] [--no-python]
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { Wasm } from '../src/wasm/module.js';
import { randomStream } from '../src/sparse/stream.js';
import { randomF32 } from '../src/ref/rng.js';
import { putColumnStream, putStream, spmmDelta, spmmForward, spmmForwardColumns, spmmGrad } from '../src/kernels/sparse.js';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('sparse-quick', 'The sparse kernels against the dense GEMM and SciPy CSR on B = 256, K = N = 1024; writes bench/results/sparse-quick.json.', {
  quick: { type: 'boolean', help: 'sparsities 0.9 and 0.99 only, shorter timings' },
  'no-python': { type: 'boolean', help: 'skip the SciPy baseline' },
});

const { quick } = ARGS;
const python = !ARGS['no-python'];
const B = 256;
const K = 1024;
const N = 1024;
const sparsities = quick ? [0.9, 0.99] : [0, 0.5, 0.75, 0.9, 0.95, 0.99];
const timeMs = quick ? 150 : 500;

interface Row {
  kernel: string;
  sparsity: number;
  medianMs: number;
  gflops: number;
  effGflops: number;
}

async function median(fn: () => void): Promise<number> {
  const bench = new Bench({ time: timeMs, warmupTime: 50 });
  bench.add('x', fn);
  await bench.run();
  const r = bench.tasks[0].result as unknown as { latency?: { p50: number } };
  if (!r.latency) throw new Error('tinybench: task did not complete');
  return r.latency.p50;
}

async function main(): Promise<void> {
  const w = new Wasm({ flavor: 'release', initialBytes: 64 << 20, scratchBytes: 8 << 20 });
  const x = w.allocF32(K * B, randomF32(K * B, 1));
  const dy = w.allocF32(N * B, randomF32(N * B, 2));
  const y = w.allocF32(N * B);
  const dx = w.allocF32(K * B);
  const rows: Row[] = [];
  const dense = (w.exports as Record<string, unknown>).gemmTn4x8Simd as
    | ((c: number, a: number, b: number, M: number, N: number, K: number, acc: number) => void)
    | undefined;
  let denseMs = NaN;
  if (typeof dense === 'function') {
    // Yt [N, B] = tn(W [K, N], Xt [K, B]): M = N, N = B, contracted K.
    const Wd = w.allocF32(K * N, randomF32(K * N, 3));
    denseMs = await median(() => dense(y, Wd, x, N, B, K, 0));
    rows.push({ kernel: 'dense-gemm-tn', sparsity: 0, medianMs: denseMs, ...rates(2 * K * N * B, 2 * K * N * B, denseMs) });
  }
  for (const s of sparsities) {
    const mark = w.arena.mark();
    const st = randomStream(K, N, s, 7);
    const sr = putStream(w, st);
    const sc = putColumnStream(w, st);
    const g = w.allocF32(Math.max(1, st.nnz));
    const flop = 2 * st.nnz * B;
    const eff = 2 * K * N * B;
    const cases: Array<[string, () => void]> = [
      ['spmm-fwd-col-simd', () => spmmForwardColumns(w, y, x, sc, B, { checked: false })],
      ['spmm-fwd-axpy-simd', () => spmmForward(w, y, x, sr, B, { checked: false })],
      ['spmm-fwd-axpy-scalar', () => spmmForward(w, y, x, sr, B, { checked: false, variant: 'scalar' })],
      ['spmm-delta-simd', () => spmmDelta(w, dx, dy, sr, B, { checked: false })],
      ['spmm-grad-simd', () => spmmGrad(w, g, x, dy, sr, B, { checked: false })],
    ];
    for (const [kernel, fn] of cases) {
      if (quick && kernel.endsWith('scalar') && s < 0.9) continue;
      const ms = await median(fn);
      rows.push({ kernel, sparsity: s, medianMs: ms, ...rates(flop, eff, ms) });
    }
    w.arena.release(mark);
  }
  const scipy = python ? scipyTimes(sparsities) : {};
  console.log(`B = ${B}, K = ${K}, N = ${N}; medians; ${new Date().toISOString()}`);
  console.log('kernel                 sparsity  median ms   GFLOP/s  eff GFLOP/s  vs dense  vs scipy');
  for (const r of rows) {
    const vsDense = Number.isFinite(denseMs) && r.kernel !== 'dense-gemm-tn' ? (denseMs / r.medianMs).toFixed(1) + 'x' : '';
    const sc = r.kernel.startsWith('spmm-fwd') ? scipy[String(r.sparsity)] : undefined;
    const vsScipy = sc ? (sc / r.medianMs).toFixed(1) + 'x' : '';
    console.log(
      `${r.kernel.padEnd(22)} ${r.sparsity.toFixed(2).padStart(8)} ${r.medianMs.toFixed(3).padStart(10)} ${r.gflops.toFixed(1).padStart(9)} ${r.effGflops.toFixed(1).padStart(12)} ${vsDense.padStart(9)} ${vsScipy.padStart(9)}`,
    );
  }
  for (const [s, ms] of Object.entries(scipy)) console.log(`scipy csr (Wᵀ as CSR) @ Xt   sparsity ${s}: ${ms.toFixed(3)} ms`);
  const out = resultsFile('sparse-quick');
  writeJsonAtomic(out, {
    machine: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`,
    date: new Date().toISOString(),
    shape: { B, K, N },
    denseGemmTnMs: Number.isFinite(denseMs) ? denseMs : null,
    scipyCsrForwardMs: scipy,
    rows: rows.map((r) => ({
      ...r,
      shape: { B, K, N },
      vsDense: Number.isFinite(denseMs) ? denseMs / r.medianMs : null,
      vsScipy: r.kernel.startsWith('spmm-fwd') && scipy[String(r.sparsity)] ? scipy[String(r.sparsity)] / r.medianMs : null,
    })),
  });
  console.log(`wrote ${out}`);
}

function rates(flop: number, eff: number, ms: number): { gflops: number; effGflops: number } {
  return { gflops: flop / ms / 1e6, effGflops: eff / ms / 1e6 };
}

/** SciPy CSR forward (Yt = Wᵀ·Xt with Wᵀ in CSR) medians in ms, one thread, by sparsity. */
function scipyTimes(sparsities: number[]): Record<string, number> {
  const code = `
import os, sys, json, time
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import numpy as np, scipy.sparse as sp
K = N = ${K}; B = ${B}
rng = np.random.default_rng(7)
X = rng.standard_normal((K, B), dtype=np.float32)
out = {}
for s in json.loads(sys.argv[1]):
    W = rng.standard_normal((K, N), dtype=np.float32)
    W[rng.random((K, N)) < s] = 0
    Wt = sp.csr_matrix(W.T)
    ts = []
    for _ in range(30 if s >= 0.9 else 8):
        t = time.perf_counter(); Wt @ X; ts.append(time.perf_counter() - t)
    out[str(s)] = float(np.median(ts) * 1e3)
print(json.dumps(out))
`;
  try {
    const outText = execFileSync('/usr/bin/python3', ['-c', code, JSON.stringify(sparsities)], { encoding: 'utf8' });
    return JSON.parse(outText) as Record<string, number>;
  } catch (e) {
    console.error(`scipy baseline skipped: ${(e as Error).message.split('\n')[0]}`);
    return {};
  }
}

await main();
