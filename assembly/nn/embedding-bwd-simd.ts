// Token + position embedding backward (scatter-add), from a feature-major gradient, SIMD by 4x4 blocks:
//   dwte[ids[j], c] += dout[c, j];  dwpe[j mod T, c] += dout[c, j]   (j ascending; dwpe = 0 skips it)
// Legend: as embedding-fwd-simd.ts; dout [C, n]; dwte [V, C], dwpe [P, C] ADDED to (the caller zeros).
// A 4x4 block of dout (4 channel rows x 4 tokens) is transposed to four per-token vectors, which are added
// to their rows one token after the other: every element receives its terms in ascending j, one f32 add
// each, whatever the blocking (repeated tokens in a block included). Deterministic.
export function embeddingBwdSimd(dwte: usize, dwpe: usize, dout: usize, ids: usize, n: i32, T: i32, C: i32): void {
  assert(n > 0 && T > 0 && C > 0, "embeddingBwd: sizes must be positive");
  const ld = <usize>n * 4, rowB = <usize>C * 4;
  const n4 = n & ~3, c4 = C & ~3;
  const pos = dwpe != 0;
  let j = 0;
  for (; j < n4; j += 4) {
    const dj = dout + (<usize>j << 2);
    for (let c = 0; c < c4; c += 4) {
      const src = dj + <usize>c * ld;
      // the transpose of dout[c..c+3, j..j+3]: g_k = dout[c..c+3, j + k]
      const a0 = v128.load(src), a1 = v128.load(src + ld), a2 = v128.load(src + 2 * ld), a3 = v128.load(src + 3 * ld);
      const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
      const o = <usize>c << 2;
      addRows(dwte, dwpe, ids, j, T, rowB, o, pos, i32x4.shuffle(t0, t1, 0, 1, 4, 5), 0);
      addRows(dwte, dwpe, ids, j, T, rowB, o, pos, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 1);
      addRows(dwte, dwpe, ids, j, T, rowB, o, pos, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 2);
      addRows(dwte, dwpe, ids, j, T, rowB, o, pos, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 3);
    }
    for (let k = 0; k < 4; k++) scatterTail(dwte, dwpe, dout, ids, j + k, c4, C, T, ld, rowB, pos);
  }
  for (; j < n; j++) scatterTail(dwte, dwpe, dout, ids, j, 0, C, T, ld, rowB, pos);
}

/** Token j + k's gradient g (channels o/4 .. o/4 + 3) added to its wte row and its wpe row. */
@inline
function addRows(dwte: usize, dwpe: usize, ids: usize, j: i32, T: i32, rowB: usize, o: usize, pos: bool, g: v128, k: i32): void {
  const e = dwte + <usize>load<i32>(ids + (<usize>(j + k) << 2)) * rowB + o;
  v128.store(e, f32x4.add(v128.load(e), g));
  if (pos) {
    const p = dwpe + <usize>((j + k) % T) * rowB + o;
    v128.store(p, f32x4.add(v128.load(p), g));
  }
}

/** Token j's channels [c0, C), one at a time. */
@inline
function scatterTail(dwte: usize, dwpe: usize, dout: usize, ids: usize, j: i32, c0: i32, C: i32, T: i32, ld: usize, rowB: usize, pos: bool): void {
  const e = dwte + <usize>load<i32>(ids + (<usize>j << 2)) * rowB;
  const p = dwpe + <usize>(j % T) * rowB;
  const dj = dout + (<usize>j << 2);
  for (let c = c0; c < C; c++) {
    const g = load<f32>(dj + <usize>c * ld);
    const o = <usize>c << 2;
    store<f32>(e + o, load<f32>(e + o) + g);
    if (pos) store<f32>(p + o, load<f32>(p + o) + g);
  }
}
