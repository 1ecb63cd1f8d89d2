// Plain-TS reference for the dense kernels (the living spec the WASM variants are tested against):
// simple loops, f64 accumulation, no blocking. Row-major throughout.
// Legend: M = rows of C, N = columns of C, K = the contracted size.
//   gemm nn: C[M,N] (+)= A[M,K] · B[K,N]
//   gemm nt: C[M,N] (+)= A[M,K] · B[N,K]ᵀ
//   gemm tn: C[M,N] (+)= A[K,M]ᵀ · B[K,N]
//   gemv n:  y[M] (+)= A[M,K] · x[K];   gemv t: y[K] (+)= A[M,K]ᵀ · x[M]
//   axpy:    y[n] += alpha · x[n]
// In weightstream's feature-major layout (activations [features, batch], weights W[K_in, N_out]):
//   forward Yt = Wᵀ·Xt is tn(W, Xt); delta dXt = W·dYt is nn(W, dYt); gradient dW = Xt·dYtᵀ is nt(Xt, dYt).

export type GemmForm = 'nn' | 'nt' | 'tn';
export const GEMM_FORMS: readonly GemmForm[] = ['nn', 'nt', 'tn'];

/** C[M,N] (+)= op(A)·op(B) in the given form, with f64 accumulation; `accumulate` adds to C. */
export function gemmRef(
  form: GemmForm,
  c: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  accumulate = false,
): void {
  // op(A)[i,k] = a[i*rsA + k*csA]; op(B)[k,j] = b[k*rsB + j*csB]
  const [rsA, csA] = form === 'tn' ? [1, M] : [K, 1];
  const [rsB, csB] = form === 'nt' ? [1, K] : [N, 1];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * rsA + k * csA] * b[k * rsB + j * csB];
      c[i * N + j] = accumulate ? c[i * N + j] + s : s;
    }
  }
}

/** y[M] (+)= A[M,K]·x[K] (form 'n') or y[K] (+)= A[M,K]ᵀ·x[M] (form 't'), f64 accumulation. */
export function gemvRef(
  form: 'n' | 't',
  y: Float32Array,
  a: Float32Array,
  x: Float32Array,
  M: number,
  K: number,
  accumulate = false,
): void {
  if (form === 'n') {
    for (let i = 0; i < M; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * x[k];
      y[i] = accumulate ? y[i] + s : s;
    }
  } else {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let i = 0; i < M; i++) s += a[i * K + k] * x[i];
      y[k] = accumulate ? y[k] + s : s;
    }
  }
}

/** y[n] += alpha·x[n]. */
export function axpyRef(y: Float32Array, x: Float32Array, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}
