// Baselines for bench/kernels.ts, each measured in the same run as the kernels: the median timer
// (tinybench, adaptive iteration counts so slow baselines finish), a naive JS triple loop, TensorFlow.js's
// WASM backend (XNNPACK, one thread), and NumPy/SciPy medians from a /usr/bin/python3 child process.
import { execFileSync } from 'node:child_process';
import { Bench } from 'tinybench';
import { rootPath } from '../src/paths.js';

/**
 * Median wall time of fn in ms. A probe call sizes the run: about `timeMs` of samples (at least 3),
 * after warm-up calls (at least `minWarmup`: WASM runs baseline-tier code until V8 tiers it up).
 */
export async function medianMs(fn: () => void, timeMs: number, minWarmup = 3): Promise<number> {
  return (await timeMs_(fn, timeMs, minWarmup)).median;
}

/** The fastest sample of the last medianMs call (a noise-free lower bound on a busy machine). */
export let lastMinMs = NaN;

async function timeMs_(fn: () => void, timeMs: number, minWarmup: number): Promise<{ median: number; min: number }> {
  const t0 = performance.now();
  fn();
  const probe = Math.max(performance.now() - t0, 1e-3);
  const bench = new Bench({
    time: timeMs,
    iterations: Math.max(3, Math.min(64, Math.ceil(timeMs / probe))),
    warmupTime: Math.min(250, timeMs),
    warmupIterations: Math.max(minWarmup, Math.min(16, Math.ceil(200 / probe))),
    throws: true,
  });
  bench.add('task', fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`tinybench: task ended in state ${r.state}`);
  lastMinMs = r.latency.min;
  return { median: r.latency.p50, min: r.latency.min };
}

/**
 * Medians (ms) of several functions timed in alternating short rounds (A B A B ...), so that load from
 * other processes falls on all of them alike: the fair way to take a ratio on a shared machine.
 */
export async function interleavedMedians(fns: Array<() => void>, timeMs: number, rounds = 12): Promise<number[]> {
  for (const fn of fns) for (let i = 0; i < 3; i++) fn(); // warm-up: V8 tiers WASM up after the first calls
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const bench = new Bench({ time: timeMs / rounds, iterations: 1, warmup: false, retainSamples: true, throws: true });
      bench.add('task', fns[i]);
      await bench.run();
      const res = bench.tasks[0].result;
      if (res.state !== 'completed') throw new Error(`tinybench: task ended in state ${res.state}`);
      samples[i].push(...(res.latency.samples ?? []));
    }
  }
  return samples.map((xs) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  });
}

/** C[M,N] = A[M,K]·B[K,N], the loop a person writes first (i, j, k; f32 arrays, JS numbers). */
export function naiveJsGemm(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  }
}

/** TF.js WASM backend's matMul on n x n, or null with the reason printed when it cannot load. */
export async function tfjsMatMul(): Promise<((a: Float32Array, b: Float32Array, n: number) => () => void) | null> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
    await tf.setBackend('wasm');
    await tf.ready();
    if (tf.getBackend() !== 'wasm') throw new Error(`backend is ${tf.getBackend()}`);
    return (a, b, n) => {
      const ta = tf.tensor2d(a, [n, n]);
      const tb = tf.tensor2d(b, [n, n]);
      // The WASM backend runs its kernels synchronously: matMul returns after XNNPACK computed C.
      return () => tf.matMul(ta, tb).dispose();
    };
  } catch (e) {
    console.error(`tfjs-wasm baseline skipped: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

export interface NumpyResult {
  numpy: string;
  blas: Array<Record<string, unknown>>;
  openblasCoretype: string | null;
  medianMs: Record<string, number>;
  minMs: Record<string, number>;
}

export interface ScipyResult {
  scipy: string;
  medianMs: { fwd: Record<string, number>; delta: Record<string, number> };
  minMs: { fwd: Record<string, number>; delta: Record<string, number> };
}

/** Runs bench/python/<script> with a JSON argument under Debian's python, one BLAS thread; null when it fails. */
export function python<T>(script: string, args: unknown): T | null {
  try {
    const out = execFileSync('/usr/bin/python3', [rootPath('bench', 'python', script), JSON.stringify(args)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
      maxBuffer: 1 << 20,
    });
    return JSON.parse(out) as T;
  } catch (e) {
    console.error(`python baseline ${script} skipped: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}
