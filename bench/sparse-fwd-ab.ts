// An A/B of the sparse forward against every dense GEMM form on the forward's own shape, for a shared
// machine: short alternating rounds (load falls on all alike), reporting medians AND fastest samples.
// Also checks that the output-major forward equals the AXPY forward bit for bit on this case.
// Run: npm run build && node dist/bench/sparse-fwd-ab.js [sparsity=0.9] [B,K,N=256,1024,1024] [rounds=150]
import { Wasm } from '../src/wasm/module.js';
import { randomStream } from '../src/sparse/stream.js';
import { randomF32 } from '../src/ref/rng.js';
import { putColumnStream, putStream, spmmForward, spmmForwardColumns } from '../src/kernels/sparse.js';

type Gemm = (c: number, a: number, b: number, M: number, N: number, K: number, acc: number) => void;

const s = Number(process.argv[2] ?? 0.9);
const [B, K, N] = (process.argv[3] ?? '256,1024,1024').split(',').map(Number);
const rounds = Number(process.argv[4] ?? 150);
const w = new Wasm({ flavor: 'release', initialBytes: 96 << 20 });
const e = w.exports as unknown as Record<'gemmTn4x8Simd' | 'gemmNn4x8Simd' | 'gemmNt4x8Simd', Gemm>;
const x = w.allocF32(K * B, randomF32(K * B, 1));
const y = w.allocF32(N * B);
const y2 = w.allocF32(N * B);
const Wd = w.allocF32(K * N, randomF32(K * N, 3));
const st = randomStream(K, N, s, 7);
const rows = putStream(w, st);
const cols = putColumnStream(w, st);
// Yt [N, B] as a GEMM: M = N, N = B, K contracted (every form does 2·K·N·B FLOP on it)
const cases: Record<string, () => void> = {
  'gemm-tn-4x8-simd': () => e.gemmTn4x8Simd(y2, Wd, x, N, B, K, 0),
  'gemm-nn-4x8-simd': () => e.gemmNn4x8Simd(y2, Wd, x, N, B, K, 0),
  'gemm-nt-4x8-simd': () => e.gemmNt4x8Simd(y2, Wd, x, N, B, K, 0),
  'spmm-fwd-axpy-simd': () => spmmForward(w, y, x, rows, B, { checked: false }),
  'spmm-fwd-col-simd': () => spmmForwardColumns(w, y2, x, cols, B, { checked: false }),
};
const t: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const f of Object.values(cases)) for (let i = 0; i < 3; i++) f(); // warm-up (V8 tiers WASM up)
for (let r = 0; r < rounds; r++) {
  for (const [k, f] of Object.entries(cases)) {
    const reps = k.startsWith('gemm') ? 1 : 4;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    t[k].push((performance.now() - t0) / reps);
  }
}
cases['spmm-fwd-axpy-simd']();
const a = new Uint32Array(w.f32(y, N * B).slice().buffer);
cases['spmm-fwd-col-simd']();
const c = new Uint32Array(w.f32(y2, N * B).slice().buffer);
const differ = a.reduce((n, v, i) => n + (v !== c[i] ? 1 : 0), 0);
const med = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1];
const min = (v: number[]): number => Math.min(...v);
const dense = Object.keys(cases).filter((k) => k.startsWith('gemm'));
const bestMed = Math.min(...dense.map((k) => med(t[k])));
const bestMin = Math.min(...dense.map((k) => min(t[k])));
console.log(`sparsity ${s}, B=${B} K=${K} N=${N}, ${rounds} rounds; outputs differing between the two forwards: ${differ}`);
for (const k of Object.keys(cases)) {
  const ratio = k.startsWith('spmm') ? `  vs fastest dense: ${(bestMed / med(t[k])).toFixed(2)}x median, ${(bestMin / min(t[k])).toFixed(2)}x fastest` : '';
  console.log(`${k.padEnd(20)} median ${med(t[k]).toFixed(3)} ms  fastest ${min(t[k]).toFixed(3)} ms${ratio}`);
}
