// GEMM, naive scalar triple loop (no SIMD, no blocking): the WASM baseline the blocked SIMD variants
// are measured against, in the same three forms. f32 accumulation in k order.
// Legend: C[M,N] (+)= op(A)[M,K]·op(B)[K,N]; nn: A[M,K], B[K,N]; nt: B stored [N,K]; tn: A stored [K,M].

@inline
function gemmNaive(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, transA: bool, transB: bool, accumulate: bool): void {
  assert(M > 0 && N > 0 && K > 0, "gemm: sizes must be positive");
  // op(A)[i,k] at a + (i·rsA + k·csA)·4; op(B)[k,j] at b + (k·rsB + j·csB)·4
  const rsA: usize = transA ? 1 : <usize>K, csA: usize = transA ? <usize>M : 1;
  const rsB: usize = transB ? 1 : <usize>N, csB: usize = transB ? <usize>K : 1;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      const pa = a + <usize>i * rsA * 4, pb = b + <usize>j * csB * 4;
      for (let k = 0; k < K; k++) s += load<f32>(pa + <usize>k * csA * 4) * load<f32>(pb + <usize>k * rsB * 4);
      const pc = c + (<usize>i * <usize>N + <usize>j) * 4;
      store<f32>(pc, accumulate ? load<f32>(pc) + s : s);
    }
  }
}

export function gemmNnNaiveScalar(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmNaive(c, a, b, M, N, K, false, false, accumulate != 0);
}

export function gemmNtNaiveScalar(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmNaive(c, a, b, M, N, K, false, true, accumulate != 0);
}

export function gemmTnNaiveScalar(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmNaive(c, a, b, M, N, K, true, false, accumulate != 0);
}
