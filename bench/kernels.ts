// The kernel benchmark: every registered kernel variant (src/kernels/all.ts) timed on its bench shape,
// next to baselines measured in the same run, as a table on stdout and rows in bench/results/kernels.json
// (written atomically; run facts in bench/results/kernels.meta.json).
//   dense GEMM n x n x n, n = 256, 512, 1024: WASM variants vs a naive JS triple loop, the plain-TS
//     reference, TensorFlow.js WASM (XNNPACK, 1 thread) and NumPy (OpenBLAS, 1 thread: the physical limit);
//   sparse B = 256, K = N = 1024 at sparsity 0 ... 0.99: weight-stream kernels vs the dense WASM GEMM of
//     the same shape and form (the forward: the fastest of the three GEMM forms on its shape), and SciPy CSR;
//   the other kernels (GEMV, AXPY, nn, attention, embedding, optim) on one shape each vs their plain-TS reference.
// Ratios are baselineMs / medianMs (> 1: faster than the baseline). gflops counts useful FLOP (2·nnz·B for
// sparse), effGflops dense-equivalent FLOP.
// Run: npm run build && npm run bench:kernels [-- --quick] [-- --no-python] [-- --no-tfjs] [-- --only=dense,sparse,other]
import { cpus } from 'node:os';
import { Wasm } from '../src/wasm/module.js';
import { kernelVariants, type KernelVariant, type Shape } from '../src/kernels/registry.js';
import '../src/kernels/all.js';
import { randomF32 } from '../src/ref/rng.js';
import { gemmRef } from '../src/ref/dense.js';
import { compareArrays } from '../src/kernels/compare.js';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';
import { interleavedMedians, lastMinMs, medianMs, naiveJsGemm, python, tfjsMatMul, type NumpyResult, type ScipyResult } from './kernels-baselines.js';
import { benchArgs, refuseArgs } from './args.js';

const ARGS = benchArgs('kernels', 'The WASM kernels against baselines measured in the same run (NumPy, SciPy, TF.js, plain JS); writes bench/results/kernels.json.', {
  quick: { type: 'boolean', help: 'shorter timings, fewer sizes; writes kernels.quick.json' },
  'no-python': { type: 'boolean', help: 'skip the NumPy and SciPy baselines; writes kernels.no-python.json' },
  'no-tfjs': { type: 'boolean', help: 'skip the TF.js baseline; writes kernels.no-tfjs.json' },
  only: { type: 'string', help: '<list> comma list of sections: dense, sparse, other; writes kernels.<list>.json' },
});
const { quick } = ARGS;
const usePython = !ARGS['no-python'];
const useTfjs = !ARGS['no-tfjs'];
const SECTIONS = ['dense', 'sparse', 'other'] as const;
const only = new Set(ARGS.only !== undefined ? ARGS.only.split(',') : SECTIONS);
for (const x of only) {
  if (!(SECTIONS as readonly string[]).includes(x)) refuseArgs('kernels', `--only: expected a comma list of ${SECTIONS.join(', ')}, got ${JSON.stringify(x)}`);
}
const TIME_MS = quick ? 150 : 600;
const DENSE_N = quick ? [256, 512] : [256, 512, 1024];
/** Sizes at which the slow baselines (naive JS loop, TS reference, naive scalar WASM) run: seconds per call beyond. */
const SLOW_N = quick ? [256] : [256, 512];
const SPARSE = { B: 256, K: 1024, N: 1024 };
const SPARSITIES = quick ? [0, 0.9, 0.99] : [0, 0.5, 0.75, 0.9, 0.95, 0.99];
/** The shape each remaining op is benched on. */
const OTHER_SHAPES: Record<string, Shape> = {
  'gemv-n': { M: 1024, K: 1024 }, 'gemv-t': { M: 1024, K: 1024 }, axpy: { n: 1 << 20 },
  'bias-add': { N: 1024, B: 256 }, 'bias-grad': { N: 1024, B: 256 },
  'relu-fwd': { n: 1 << 18 }, 'relu-bwd': { n: 1 << 18 }, 'gelu-fwd': { n: 1 << 18 }, 'gelu-bwd': { n: 1 << 18 },
  'softmax-xent': { C: 1000, B: 256 }, 'layernorm-fwd': { F: 1024, B: 256 }, 'layernorm-bwd': { F: 1024, B: 256 },
  'sgd-momentum': { n: 1 << 20 }, adamw: { n: 1 << 20, step: 10 },
  // a GPT-micro-sized block: 4 sequences of 128 tokens, 256 channels, 4 heads (hd 64); vocabulary 1024
  'attention-fwd': { nSeq: 4, T: 128, C: 256, H: 4 }, 'attention-bwd': { nSeq: 4, T: 128, C: 256, H: 4 },
  'embedding-fwd': { n: 512, T: 128, C: 256, V: 1024 }, 'embedding-bwd': { n: 512, T: 128, C: 256, V: 1024 },
};
/** The dense GEMM form that computes the same product as each sparse op (feature-major). */
const DENSE_FORM_OF: Record<string, string> = { 'spmm-fwd': 'gemm-tn', 'spmm-delta': 'gemm-nn', 'spmm-grad': 'gemm-nt' };
/** The sparse forward the engine runs (src/nn/executor.ts): the targets are judged on it. */
const ENGINE_FWD = 'spmm-fwd-col-simd';
/** Yt [N, B] = Wᵀ·Xt as a GEMM: M = N outputs, N = B columns, K contracted; every 4x8 form is timed on it. */
const fwdShape = (): Shape => ({ M: SPARSE.N, N: SPARSE.B, K: SPARSE.K });

export interface Row {
  kernel: string;
  shape: Shape;
  sparsity: number;
  medianMs: number;
  /** Fastest sample (where timed here; null for Python medians): a lower bound on a noisy machine. */
  minMs: number | null;
  gflops: number;
  effGflops: number;
  /** baselineMs / medianMs for each baseline measured on the same shape in this run (null: not measured). */
  vsDenseWasm: number | null;
  vsTfjs: number | null;
  vsNumpy: number | null;
  vsScipy: number | null;
  vsReference: number | null;
  vsNaiveJs: number | null;
}

const rows: Row[] = [];
const w = new Wasm({ flavor: 'release', initialBytes: 96 << 20 });

function row(
  kernel: string, shape: Shape, sparsity: number, ms: number, flop: number, effFlop: number,
  base: Partial<Record<keyof Row, number | undefined>> = {}, minMs: number | null = null,
): Row {
  const vs = (b: number | undefined): number | null => (b && Number.isFinite(b) ? b / ms : null);
  const r: Row = {
    kernel, shape, sparsity, medianMs: ms, minMs, gflops: flop / ms / 1e6, effGflops: effFlop / ms / 1e6,
    vsDenseWasm: vs(base.vsDenseWasm), vsTfjs: vs(base.vsTfjs), vsNumpy: vs(base.vsNumpy),
    vsScipy: vs(base.vsScipy), vsReference: vs(base.vsReference), vsNaiveJs: vs(base.vsNaiveJs),
  };
  rows.push(r);
  return r;
}

/** Times a registered variant on a shape; returns its median and FLOP counts. */
async function timeVariant(v: KernelVariant, shape: Shape, sparsity?: number): Promise<{ ms: number; min: number; flop: number; effFlop: number }> {
  const k = v.prepare(w, shape, { seed: 1, sparsity });
  try {
    const ms = await medianMs(() => k.run(), TIME_MS);
    return { ms, min: lastMinMs, flop: k.flop, effFlop: k.effFlop };
  } finally {
    k.dispose();
  }
}

async function denseSection(checks: Record<string, number>): Promise<NumpyResult | null> {
  const numpy = usePython ? python<NumpyResult>('dense_numpy.py', { sizes: DENSE_N, timeMs: TIME_MS }) : null;
  const tf = useTfjs ? await tfjsMatMul() : null;
  const gemms = kernelVariants().filter((v) => v.op.startsWith('gemm-'));
  for (const n of DENSE_N) {
    const shape = { M: n, N: n, K: n };
    const flop = 2 * n ** 3;
    const A = randomF32(n * n, 11);
    const B = randomF32(n * n, 12);
    const C = new Float32Array(n * n);
    const base: Record<string, number | undefined> = { vsNumpy: numpy?.medianMs[String(n)] };
    const mins: Record<string, number> = {};
    if (tf) {
      base.vsTfjs = await medianMs(tf(A, B, n), TIME_MS);
      mins.tfjs = lastMinMs;
    }
    const slow = SLOW_N.includes(n);
    if (slow) {
      base.vsNaiveJs = await medianMs(() => naiveJsGemm(C, A, B, n, n, n), TIME_MS, 1);
      mins.naive = lastMinMs;
      base.vsReference = await medianMs(() => gemmRef('nn', C, A, B, n, n, n), TIME_MS, 1);
      mins.ref = lastMinMs;
    }
    const simd = gemms.find((v) => v.name === 'gemm-nn-4x8-simd')!;
    const first = await timeVariant(simd, shape);
    base.vsDenseWasm = first.ms;
    for (const v of gemms) {
      if (!slow && v.name.includes('naive')) continue;
      const t = v === simd ? first : await timeVariant(v, shape);
      row(v.name, shape, 0, t.ms, flop, flop, base, t.min);
    }
    if (base.vsNaiveJs) row('js-naive-triple-loop', shape, 0, base.vsNaiveJs, flop, flop, base, mins.naive);
    if (base.vsReference) {
      row('ts-reference-gemm-nn', shape, 0, base.vsReference, flop, flop, base, mins.ref);
      // The reference just ran on A, B: check the SIMD kernel's answer on the same inputs while we have it.
      const mark = w.arena.mark();
      const [a, b, c] = [w.allocF32(n * n, A), w.allocF32(n * n, B), w.allocF32(n * n)];
      (w.exports as unknown as { gemmNn4x8Simd(c: number, a: number, b: number, M: number, N: number, K: number, acc: number): void }).gemmNn4x8Simd(c, a, b, n, n, n, 0);
      checks[`gemm-nn-4x8-simd n=${n} maxRelError vs reference`] = compareArrays(w.f32(c, n * n), C).maxRelError;
      w.arena.release(mark);
    }
    if (base.vsTfjs) row('tfjs-wasm-matmul (XNNPACK, 1 thread)', shape, 0, base.vsTfjs, flop, flop, base, mins.tfjs);
    if (base.vsNumpy) row('numpy-openblas-sgemm (1 thread)', shape, 0, base.vsNumpy, flop, flop, base, numpy?.minMs[String(n)] ?? null);
  }
  return numpy;
}

async function sparseSection(): Promise<ScipyResult | null> {
  const scipy = usePython ? python<ScipyResult>('sparse_scipy.py', { ...SPARSE, sparsities: SPARSITIES, timeMs: TIME_MS }) : null;
  const { B, K, N } = SPARSE;
  const flop = 2 * K * N * B;
  const dense: Record<string, number> = {};
  for (const v of kernelVariants().filter((x) => x.name.endsWith('-4x8-simd'))) {
    const shape = v.op === 'gemm-tn' ? { M: N, N: B, K } : v.op === 'gemm-nn' ? { M: K, N: B, K: N } : { M: K, N, K: B };
    const t = await timeVariant(v, shape);
    dense[v.op] = t.ms;
    row(`${v.name} (sparse shape)`, shape, 0, t.ms, flop, flop, { vsDenseWasm: t.ms }, t.min);
  }
  // The forward's bar: the fastest of the three forms on the forward's own shape (tn is already timed there).
  let fastestFwd = dense['gemm-tn'];
  for (const v of kernelVariants().filter((x) => x.name.endsWith('-4x8-simd') && x.op !== 'gemm-tn')) {
    const t = await timeVariant(v, fwdShape());
    fastestFwd = Math.min(fastestFwd, t.ms);
    row(`${v.name} (sparse fwd shape)`, fwdShape(), 0, t.ms, flop, flop, { vsDenseWasm: t.ms }, t.min);
  }
  for (const s of SPARSITIES) {
    for (const v of kernelVariants().filter((x) => x.area === 'sparse')) {
      if (quick && v.name.endsWith('scalar') && s < 0.9) continue;
      const t = await timeVariant(v, { ...SPARSE }, s);
      const sc = v.op === 'spmm-fwd' ? scipy?.medianMs.fwd[String(s)] : v.op === 'spmm-delta' ? scipy?.medianMs.delta[String(s)] : undefined;
      const bar = v.op === 'spmm-fwd' ? fastestFwd : dense[DENSE_FORM_OF[v.op]];
      row(v.name, { ...SPARSE }, s, t.ms, t.flop, t.effFlop, { vsDenseWasm: bar, vsScipy: sc }, t.min);
    }
    if (scipy) {
      const nnz = Math.round((1 - s) * K * N);
      for (const op of ['fwd', 'delta'] as const) {
        const ms = scipy.medianMs[op][String(s)];
        const min = scipy.minMs[op][String(s)] ?? null;
        const bar = op === 'fwd' ? fastestFwd : dense[DENSE_FORM_OF[`spmm-${op}`]];
        if (ms) row(`scipy-csr-${op} (1 thread)`, { ...SPARSE }, s, ms, 2 * nnz * B, flop, { vsDenseWasm: bar }, min);
      }
    }
  }
  return scipy;
}

async function otherSection(): Promise<void> {
  for (const v of kernelVariants().filter((x) => !x.op.startsWith('gemm-') && x.area !== 'sparse')) {
    const shape = OTHER_SHAPES[v.op];
    if (!shape) {
      console.error(`no bench shape for op ${v.op} (${v.name}): skipped`);
      continue;
    }
    const sparsity = v.area === 'optim' ? 0.5 : undefined;
    const k = v.prepare(w, shape, { seed: 1, sparsity });
    try {
      const ms = await medianMs(() => k.run(), TIME_MS);
      const min = lastMinMs;
      const refMs = await medianMs(() => k.runReference(), TIME_MS, 1);
      row(v.name, shape, sparsity ?? 0, ms, k.flop, k.effFlop, { vsReference: refMs }, min);
    } finally {
      k.dispose();
    }
  }
}

interface Paired {
  target: string;
  kernelMs: number;
  baselineMs: number;
  ratio: number;
  met: boolean;
}

/**
 * The targets that compare two kernels of this process, re-measured in alternating rounds (see
 * interleavedMedians): on a busy machine these ratios are the fair ones.
 */
async function pairedSection(): Promise<Paired[]> {
  const out: Paired[] = [];
  const find = (name: string): KernelVariant | undefined => kernelVariants().find((v) => v.name === name);
  const pair = async (target: string, a: { run(): void }, b: { run(): void }, need: number): Promise<void> => {
    const [ka, kb] = await interleavedMedians([() => a.run(), () => b.run()], 2 * TIME_MS);
    out.push({ target, kernelMs: ka, baselineMs: kb, ratio: kb / ka, met: kb / ka >= need });
  };
  const gemm = find('gemm-nn-4x8-simd');
  if (only.has('dense') && gemm && useTfjs) {
    const tf = await tfjsMatMul();
    if (tf) {
      const k = gemm.prepare(w, { M: 512, N: 512, K: 512 }, { seed: 1 });
      await pair('dense WASM GEMM n=512 >= 1.3x TF.js WASM (interleaved)', k, { run: tf(randomF32(512 * 512, 11), randomF32(512 * 512, 12), 512) }, 1.3);
      k.dispose();
    }
  }
  const fwd = find(ENGINE_FWD);
  const gemms = kernelVariants().filter((x) => x.name.endsWith('-4x8-simd'));
  if (only.has('sparse') && fwd && gemms.length) {
    for (const [s, need] of [[0.9, 5], [0.99, 40]] as const) {
      // the sparse forward and every dense form on the forward's shape, alternating; the bar is the fastest form
      const ds = gemms.map((v) => v.prepare(w, fwdShape(), { seed: 1 }));
      const k = fwd.prepare(w, { ...SPARSE }, { seed: 1, sparsity: s });
      const [ka, ...kd] = await interleavedMedians([() => k.run(), ...ds.map((d) => () => d.run())], 2 * TIME_MS * (1 + ds.length) / 2);
      const best = Math.min(...kd);
      const form = gemms[kd.indexOf(best)].name;
      const target = `sparse fwd (${ENGINE_FWD}) at ${s.toFixed(2)} >= ${need}x the fastest dense WASM GEMM form (${form}) (interleaved)`;
      out.push({ target, kernelMs: ka, baselineMs: best, ratio: best / ka, met: best / ka >= need });
      k.dispose();
      for (const d of ds.reverse()) d.dispose(); // arena marks are released last-in, first-out
    }
  }
  return out;
}

function fmt(x: number | null, d = 1, suffix = 'x'): string {
  return x === null ? '' : x.toFixed(d) + suffix;
}

function printTable(): void {
  const head = ['kernel', 'shape', 'sparsity', 'median ms', 'min ms', 'GFLOP/s', 'eff GFLOP/s', 'vs dense', 'vs tfjs', 'vs numpy', 'vs scipy', 'vs ref', 'vs naive js'];
  const body = rows.map((r) => [
    r.kernel, Object.entries(r.shape).map(([k, v]) => `${k}=${v}`).join(' '), r.sparsity.toFixed(2), r.medianMs.toFixed(3), r.minMs === null ? '' : r.minMs.toFixed(3),
    r.gflops.toFixed(2), r.effGflops.toFixed(2), fmt(r.vsDenseWasm, 2), fmt(r.vsTfjs, 2), fmt(r.vsNumpy, 2), fmt(r.vsScipy, 2),
    fmt(r.vsReference), fmt(r.vsNaiveJs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
}

/**
 * The targets, judged on this run's medians (`value`) and, because this machine is shared, also
 * on the fastest samples (`valueFromMin`: min over min for ratios).
 */
function targets(): Array<{ target: string; value: number | null; valueFromMin: number | null; met: boolean | null }> {
  const get = (kernel: string, pick: (r: Row) => boolean): Row | undefined => rows.find((r) => r.kernel === kernel && pick(r));
  const g512 = get('gemm-nn-4x8-simd', (r) => r.shape.M === 512);
  const tf512 = get('tfjs-wasm-matmul (XNNPACK, 1 thread)', (r) => r.shape.M === 512);
  const np512 = get('numpy-openblas-sgemm (1 thread)', (r) => r.shape.M === 512);
  // the fastest dense form on the forward's shape (by fastest sample)
  const denseFwd = rows
    .filter((r) => r.kernel === 'gemm-tn-4x8-simd (sparse shape)' || r.kernel.endsWith('(sparse fwd shape)'))
    .reduce<Row | undefined>((a, r) => (!a || (r.minMs ?? Infinity) < (a.minMs ?? Infinity) ? r : a), undefined);
  const fwd = (s: number): Row | undefined => get(ENGINE_FWD, (r) => r.sparsity === s);
  const scipyFwd = (s: number): Row | undefined => get('scipy-csr-fwd (1 thread)', (r) => r.sparsity === s);
  const ratioMin = (base: Row | undefined, r: Row | undefined): number | null =>
    base?.minMs && r?.minMs ? base.minMs / r.minMs : null;
  const t = (target: string, value: number | null | undefined, fromMin: number | null, ok: ((v: number) => boolean) | null) => ({
    target, value: value ?? null, valueFromMin: fromMin, met: value === null || value === undefined || !ok ? null : ok(value),
  });
  const gMin = g512?.minMs ? (2 * 512 ** 3) / g512.minMs / 1e6 : null;
  return [
    t('dense WASM GEMM at n=512 >= 40 GFLOP/s', g512?.gflops, gMin, (v) => v >= 40),
    t('dense WASM GEMM at n=512 >= 1.3x TF.js WASM', g512?.vsTfjs, ratioMin(tf512, g512), (v) => v >= 1.3),
    t('sparse fwd at 0.90 >= 5x the fastest dense WASM GEMM form', fwd(0.9)?.vsDenseWasm, ratioMin(denseFwd, fwd(0.9)), (v) => v >= 5),
    t('sparse fwd at 0.99 >= 40x the fastest dense WASM GEMM form', fwd(0.99)?.vsDenseWasm, ratioMin(denseFwd, fwd(0.99)), (v) => v >= 40),
    t('sparse fwd at 0.90 no slower than SciPy CSR', fwd(0.9)?.vsScipy, ratioMin(scipyFwd(0.9), fwd(0.9)), (v) => v >= 1),
    t('sparse fwd at 0.95 no slower than SciPy CSR', fwd(0.95)?.vsScipy, ratioMin(scipyFwd(0.95), fwd(0.95)), (v) => v >= 1),
    t('sparse fwd at 0.99 no slower than SciPy CSR', fwd(0.99)?.vsScipy, ratioMin(scipyFwd(0.99), fwd(0.99)), (v) => v >= 1),
    t('dense WASM GEMM at n=512 as a fraction of NumPy 1-thread SGEMM (the physical limit; no target)', g512?.vsNumpy, ratioMin(np512, g512), null),
  ];
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const checks: Record<string, number> = {};
  const numpy = only.has('dense') ? await denseSection(checks) : null;
  const scipy = only.has('sparse') ? await sparseSection() : null;
  if (only.has('other')) await otherSection();
  const paired = await pairedSection();
  printTable();
  const tg = targets();
  console.log('');
  for (const x of tg) {
    const v = x.value === null ? 'not measured' : x.value.toFixed(2);
    const m = x.valueFromMin === null ? '' : ` (from fastest samples: ${x.valueFromMin.toFixed(2)})`;
    const verdict = x.met === null ? (x.value === null ? 'n/a ' : 'info') : x.met ? 'MET ' : 'MISS';
    console.log(`${verdict}  ${x.target}: ${v}${m}`);
  }
  for (const p of paired) {
    console.log(`${p.met ? 'MET ' : 'MISS'}  ${p.target}: ${p.ratio.toFixed(2)} (${p.kernelMs.toFixed(3)} vs ${p.baselineMs.toFixed(3)} ms)`);
  }
  for (const [k, v] of Object.entries(checks)) console.log(`check: ${k} = ${v.toExponential(2)}`);
  const meta = {
    command: `npm run bench:kernels${quick ? ' -- --quick' : ''}`,
    started,
    finished: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    node: process.version,
    quick,
    sections: [...only],
    timeMsPerCase: TIME_MS,
    numpy: numpy ? { version: numpy.numpy, blas: numpy.blas, OPENBLAS_CORETYPE: numpy.openblasCoretype ?? 'unset' } : null,
    scipy: scipy?.scipy ?? null,
    targets: tg,
    pairedTargets: paired,
    checks,
  };
  // A full run writes kernels.json; a quick or partial one (some sections, or without a baseline's columns)
  // writes beside it, so it never clobbers the full table.
  const tag = [quick ? 'quick' : '', ARGS.only !== undefined ? [...only].join('-') : '', usePython ? '' : 'no-python', useTfjs ? '' : 'no-tfjs'].filter(Boolean).join('.');
  const base = tag ? `kernels.${tag}` : 'kernels';
  const out = rootPath('bench', 'results', `${base}.json`);
  writeJsonAtomic(out, rows);
  writeJsonAtomic(rootPath('bench', 'results', `${base}.meta.json`), meta);
  console.log(`wrote ${out} (${rows.length} rows) and ${base}.meta.json`);
}

await main();
