// An outside reference: the same seeded inputs go to NumPy (GEMM, GEMV in float64) and, when torch is
// importable, to PyTorch (GELU-tanh, softmax cross-entropy and LayerNorm with float64 autograd; AdamW
// and SGD with torch.optim in float32) through raw .f32/.i32 files in a temp dir; test/python/check_dense.py
// writes its results back and the WASM kernels must agree within their named tolerances. Debian's
// /usr/bin/python3 is used (it has numpy/scipy/torch; the python3 first on PATH may not).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wasm } from '../../src/wasm/module.js';
import { Rng, randomF32 } from '../../src/ref/rng.js';
import { rootPath } from '../../src/paths.js';
import { GEMM_REL_TOL, gemm, gemv } from '../../src/kernels/dense.js';
import * as nn from '../../src/kernels/nn.js';
import { adamw, sgdMomentum, OPTIM_REL_TOL } from '../../src/kernels/optim.js';
import { compareArrays } from '../../src/kernels/compare.js';
import type { GemmForm } from '../../src/ref/dense.js';
import { missing, outside, pythonPath } from '../helpers/outside.js';

const PY = pythonPath();
const hasNumpy = outside(['numpy'], 'dense kernels vs NumPy (test/kernels/dense-numpy.test.ts)');

interface Case {
  name: string;
  op: string;
  [k: string]: unknown;
}

describe.skipIf(!hasNumpy)('dense/nn/optim kernels agree with NumPy and PyTorch', () => {
  const w = new Wasm();
  const dir = mkdtempSync(join(tmpdir(), 'ws-numpy-'));
  const cases: Case[] = [];
  /** WASM outputs per case, compared after the Python run. */
  const outputs = new Map<string, Record<string, Float32Array>>();
  const tolerances = new Map<string, number>();
  let file = 0;
  const put = (a: Float32Array | Int32Array): string => {
    const name = `in${file++}.${a instanceof Int32Array ? 'i32' : 'f32'}`;
    writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return name;
  };
  const scoped = <T>(f: () => T): T => {
    const mark = w.arena.mark();
    try {
      return f();
    } finally {
      w.arena.release(mark);
    }
  };

  // GEMM in all three forms, GEMV in both
  const shapes: Array<[number, number, number]> = [[1, 1, 1], [37, 23, 300], [64, 64, 64], [5, 1000, 7], [129, 65, 513]];
  let seed = 1;
  for (const form of ['nn', 'nt', 'tn'] as GemmForm[]) {
    for (const [M, N, K] of shapes) {
      const A = randomF32(M * K, seed++);
      const B = randomF32(K * N, seed++);
      const name = `gemm_${form}_${M}x${N}x${K}`;
      cases.push({ name, op: 'gemm', form, M, N, K, a: put(A), b: put(B) });
      outputs.set(name, {
        c: scoped(() => {
          const c = w.allocF32(M * N);
          gemm(w, form, c, w.allocF32(A.length, A), w.allocF32(B.length, B), M, N, K);
          return w.f32(c, M * N).slice();
        }),
      });
      tolerances.set(name, GEMM_REL_TOL);
    }
  }
  for (const form of ['n', 't'] as const) {
    const [M, K] = [77, 131];
    const A = randomF32(M * K, seed++);
    const X = randomF32(form === 'n' ? K : M, seed++);
    const name = `gemv_${form}`;
    cases.push({ name, op: 'gemv', form, M, K, a: put(A), x: put(X) });
    const ny = form === 'n' ? M : K;
    outputs.set(name, {
      y: scoped(() => {
        const y = w.allocF32(ny);
        gemv(w, form, y, w.allocF32(A.length, A), w.allocF32(X.length, X), M, K);
        return w.f32(y, ny).slice();
      }),
    });
    tolerances.set(name, GEMM_REL_TOL);
  }

  // nn ops (compared with torch float64 autograd)
  {
    const n = 1001;
    const X = randomF32(n, seed++, -5, 5);
    const DY = randomF32(n, seed++);
    cases.push({ name: 'gelu', op: 'gelu', n, x: put(X), dy: put(DY) });
    outputs.set('gelu', scoped(() => {
      const [x, dy, y, dx] = [w.allocF32(n, X), w.allocF32(n, DY), w.allocF32(n), w.allocF32(n)];
      nn.gelu(w, y, x, n);
      nn.geluBackward(w, dx, dy, x, n);
      return { y: w.f32(y, n).slice(), dx: w.f32(dx, n).slice() };
    }));
    tolerances.set('gelu', nn.GELU_REL_TOL);
  }
  {
    const [C, B] = [10, 37];
    const L = randomF32(C * B, seed++, -4, 4);
    const rng = new Rng(seed++);
    const Lab = Int32Array.from({ length: B }, () => rng.int(C));
    cases.push({ name: 'softmax_xent', op: 'softmax_xent', C, B, logits: put(L), labels: put(Lab) });
    outputs.set('softmax_xent', scoped(() => {
      const dl = w.allocF32(C * B);
      const loss = nn.softmaxCrossEntropy(w, dl, w.allocF32(L.length, L), w.allocI32(B, Lab), C, B);
      return { loss: Float32Array.of(loss), dlogits: w.f32(dl, C * B).slice() };
    }));
    tolerances.set('softmax_xent', nn.SOFTMAX_XENT_REL_TOL);
  }
  {
    const [F, B, eps] = [48, 19, 1e-5];
    const X = randomF32(F * B, seed++, -3, 3);
    const G = randomF32(F, seed++, 0.5, 1.5);
    const Be = randomF32(F, seed++);
    const DY = randomF32(F * B, seed++);
    cases.push({ name: 'layernorm', op: 'layernorm', F, B, eps, x: put(X), gamma: put(G), beta: put(Be), dy: put(DY) });
    outputs.set('layernorm', scoped(() => {
      const [x, g, be, dy] = [w.allocF32(F * B, X), w.allocF32(F, G), w.allocF32(F, Be), w.allocF32(F * B, DY)];
      const [y, mean, rstd, dx, dg, db] = [w.allocF32(F * B), w.allocF32(B), w.allocF32(B), w.allocF32(F * B), w.allocF32(F), w.allocF32(F)];
      nn.layerNorm(w, y, mean, rstd, x, g, be, F, B, eps);
      nn.layerNormBackward(w, dx, dg, db, dy, x, mean, rstd, g, F, B);
      return { y: w.f32(y, F * B).slice(), dx: w.f32(dx, F * B).slice(), dgamma: w.f32(dg, F).slice(), dbeta: w.f32(db, F).slice() };
    }));
    tolerances.set('layernorm', nn.LAYERNORM_REL_TOL);
  }

  // optimizer steps (compared with torch.optim in float32, unmasked)
  const steps = 5;
  for (const op of ['adamw', 'sgd'] as const) {
    const n = 257;
    const P0 = randomF32(n, seed++);
    const Gs = randomF32(n * steps, seed++);
    const hyper = op === 'adamw'
      ? { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 }
      : { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 };
    cases.push({ name: op, op, n, steps, hyper, p: put(P0), grads: put(Gs) });
    outputs.set(op, scoped(() => {
      const zeros = new Float32Array(n);
      const [p, g, s1, s2] = [w.allocF32(n, P0), w.allocF32(n), w.allocF32(n, zeros), w.allocF32(n, zeros)];
      for (let t = 0; t < steps; t++) {
        w.f32(g, n).set(Gs.subarray(t * n, (t + 1) * n));
        if (op === 'adamw') adamw(w, p, g, s1, s2, 0, n, { ...(hyper as { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }), step: t + 1 });
        else sgdMomentum(w, p, g, s1, 0, n, hyper as { lr: number; momentum: number; weightDecay: number });
      }
      return { p: w.f32(p, n).slice() };
    }));
    tolerances.set(op, OPTIM_REL_TOL * steps);
  }

  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ cases }));
  const run = spawnSync(PY, [rootPath('test', 'python', 'check_dense.py'), dir], { encoding: 'utf8', timeout: 120_000 });

  it('the Python side ran', () => {
    expect(run.status, run.stderr).toBe(0);
  });

  const results = run.status === 0
    ? (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { done: string[]; skipped: string[]; torch: string | null })
    : { done: [], skipped: [], torch: null };
  if (results.torch === null && run.status === 0) missing('torch', 'nn/optim kernels vs PyTorch (test/kernels/dense-numpy.test.ts)', `${PY} cannot import torch`);

  for (const c of cases) {
    const torchCase = !c.op.startsWith('gem');
    it.skipIf(torchCase && results.torch === null)(`${c.name} agrees with ${torchCase ? 'PyTorch' : 'NumPy'}`, () => {
      expect(results.done).toContain(c.name);
      for (const [out, got] of Object.entries(outputs.get(c.name)!)) {
        const bytes = readFileSync(join(dir, `${c.name}.${out}.f32`));
        const ref = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        expect(ref.length, `${c.name}.${out}`).toBe(got.length);
        expect(compareArrays(got, ref).maxRelError, `${c.name}.${out}`).toBeLessThanOrEqual(tolerances.get(c.name)!);
      }
    });
  }

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
