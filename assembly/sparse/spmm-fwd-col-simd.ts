// f32 sparse forward, feature-major, OUTPUT-MAJOR: reads the column-order weight stream (per output column
// n a count c_n, then c_n (row delta u32, value f32) pairs; see src/sparse/stream.ts) and keeps a chunk
// of Yt[n, :] in f32x4 registers while column n's non-zeros stream past, storing it once (the AXPY
// variant does a read-modify-write of a Yt row per non-zero instead).
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   xPtr: Xt [K, B] in;  yPtr: Yt [N, B] out: Yt = Wᵀ·Xt (accumulate = 0) or Yt += Wᵀ·Xt (accumulate = 1)
//   sPtr: the column stream of W (N + 2·nnz words)
// For column n: Yt[n, :] = Σ over its non-zeros w = W[k, n], k ascending, of w · Xt[k, :]. Each output is
// summed in the same order as the AXPY variant (rows ascending, starting from 0 or Yt), so the two agree
// bit for bit.

// The batch is cut into tiles so that the part of Xt the gathers hit (K rows x tile) stays in L2 while every
// column streams past; each column's pairs are re-read once per tile (from L1/L2). A tile is first packed
// into `scratch`, rows contiguous: Xt's own row stride is often a power of two (B = 256: 1 KB), which maps
// the rows a column gathers onto a few cache sets. Without scratch room for K x 96 bytes the tiles gather
// from Xt in place.
// (Measured here, K = N = 1024, B = 240-256, 90 % sparse: 24-float chunks in six registers beat 16-float
// chunks, whose four accumulators leave the adds waiting on their own latency, and 32-float chunks, whose
// eight accumulators and eight loads do not fit V8's 15 vector registers and spill; two columns at a time
// spill too.)

/** Bytes of Xt one batch tile may span (K rows x tile bytes): about a quarter of a 1 MB L2. */
const TILE_XT_BYTES: usize = 256 << 10;

/** Tile width in bytes for K rows of rowBytes with `scratchBytes` of scratch: a multiple of 96 (or the row), 0 = do not pack. */
function tileBytes(K: usize, rowBytes: usize, scratchBytes: usize): usize {
  let t = (TILE_XT_BYTES / K / 96) * 96;
  if (t < 96) t = 96;
  if (t > rowBytes) t = rowBytes;
  while (t > 96 && t * K > scratchBytes) t -= 96;
  return t * K <= scratchBytes ? t : 0;
}

/** Scratch bytes spmmFwdColSimd packs its tiles into (K x the tile width; less only slows it down). */
export function spmmFwdColScratchBytes(K: i32, B: i32): i32 {
  return <i32>(tileBytes(<usize>K, (<usize>B) << 2, <usize>-1) * <usize>K);
}

export function spmmFwdColSimd(yPtr: usize, xPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32, scratch: usize, scratchBytes: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmFwdColSimd: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  const acc = accumulate != 0;
  const packed = tileBytes(<usize>K, rowBytes, <usize>scratchBytes);
  const T = packed > 0 ? packed : tileBytes(<usize>K, rowBytes, <usize>-1);
  for (let t0: usize = 0; t0 < rowBytes; t0 += T) {
    const w = t0 + T < rowBytes ? T : rowBytes - t0; // this tile's width in bytes
    let xs = xPtr + t0;
    let stride = rowBytes;
    if (packed > 0) {
      for (let k: usize = 0; k < <usize>K; k++) memory.copy(scratch + k * w, xPtr + k * rowBytes + t0, w);
      xs = scratch;
      stride = w;
    }
    let p = sPtr;
    let y = yPtr + t0;
    for (let n = 0; n < N; n++) {
      const first = p + 4;
      const end = first + ((<usize>load<u32>(p)) << 3);
      let b: usize = 0;
      for (; b + 96 <= w; b += 96) chunk24(y + b, xs + b, first, end, stride, acc);
      if (b + 64 <= w) {
        chunk16(y + b, xs + b, first, end, stride, acc);
        b += 64;
      }
      for (; b + 16 <= w; b += 16) chunk4(y + b, xs + b, first, end, stride, acc);
      for (; b < w; b += 4) chunk1(y + b, xs + b, first, end, stride, acc);
      p = end;
      y += rowBytes;
    }
  }
}

// Yt chunk at o (24 floats) from the column's pairs [q, end); x = the chunk of row 0 of the (packed) Xt
// tile, whose rows lie `rowBytes` apart.
// @ts-ignore: decorator
@inline
function chunk24(o: usize, x: usize, q: usize, end: usize, rowBytes: usize, acc: bool): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  if (acc) {
    a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32);
    a3 = v128.load(o, 48); a4 = v128.load(o, 64); a5 = v128.load(o, 80);
  }
  while (q < end) {
    x += (<usize>load<u32>(q)) * rowBytes;
    const wv = f32x4.splat(load<f32>(q, 4));
    q += 8;
    a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(x)));
    a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(x, 16)));
    a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(x, 32)));
    a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(x, 48)));
    a4 = f32x4.add(a4, f32x4.mul(wv, v128.load(x, 64)));
    a5 = f32x4.add(a5, f32x4.mul(wv, v128.load(x, 80)));
  }
  v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32);
  v128.store(o, a3, 48); v128.store(o, a4, 64); v128.store(o, a5, 80);
}

// The same for 16 floats.
// @ts-ignore: decorator
@inline
function chunk16(o: usize, x: usize, q: usize, end: usize, rowBytes: usize, acc: bool): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  if (acc) {
    a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48);
  }
  while (q < end) {
    x += (<usize>load<u32>(q)) * rowBytes;
    const wv = f32x4.splat(load<f32>(q, 4));
    q += 8;
    a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(x)));
    a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(x, 16)));
    a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(x, 32)));
    a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(x, 48)));
  }
  v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
}

// The same for 4 floats.
// @ts-ignore: decorator
@inline
function chunk4(o: usize, x: usize, q: usize, end: usize, rowBytes: usize, acc: bool): void {
  let a0 = acc ? v128.load(o) : f32x4.splat(0);
  while (q < end) {
    x += (<usize>load<u32>(q)) * rowBytes;
    a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(q, 4)), v128.load(x)));
    q += 8;
  }
  v128.store(o, a0);
}

// The same for 1 float.
// @ts-ignore: decorator
@inline
function chunk1(o: usize, x: usize, q: usize, end: usize, rowBytes: usize, acc: bool): void {
  let a: f32 = acc ? load<f32>(o) : 0;
  while (q < end) {
    x += (<usize>load<u32>(q)) * rowBytes;
    a += load<f32>(q, 4) * load<f32>(x);
    q += 8;
  }
  store<f32>(o, a);
}

