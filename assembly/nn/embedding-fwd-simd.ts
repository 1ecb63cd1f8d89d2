// Token + position embedding forward (gather), feature-major output, SIMD by 4x4 blocks:
//   out[c, j] = wte[ids[j]·C + c] + wpe[(j mod T)·C + c]     (token value + position value, as torch's tok_emb + pos_emb)
// Legend: n columns (tokens, j = s·T + t), T positions per sequence, C channels; ids [n] i32 in [0, V);
// wte [V, C], wpe [P ≥ min(n, T), C] (PyTorch's row-per-token layouts); out [C, n].
// Four tokens' rows (contiguous in c) are summed 4 channels at a time and stored transposed into four
// out rows (contiguous in j): both sides stream. Each value is one f32 add, as the scalar tails.
import { storeTransposed4 } from "./transpose4";

export function embeddingFwdSimd(out: usize, ids: usize, wte: usize, wpe: usize, n: i32, T: i32, C: i32): void {
  assert(n > 0 && T > 0 && C > 0, "embeddingFwd: sizes must be positive");
  const ld = <usize>n * 4, rowB = <usize>C * 4;
  const n4 = n & ~3, c4 = C & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const e0 = wte + <usize>load<i32>(ids + (<usize>j << 2)) * rowB;
    const e1 = wte + <usize>load<i32>(ids + (<usize>j << 2), 4) * rowB;
    const e2 = wte + <usize>load<i32>(ids + (<usize>j << 2), 8) * rowB;
    const e3 = wte + <usize>load<i32>(ids + (<usize>j << 2), 12) * rowB;
    const p0 = wpe + <usize>(j % T) * rowB;
    const p1 = wpe + <usize>((j + 1) % T) * rowB;
    const p2 = wpe + <usize>((j + 2) % T) * rowB;
    const p3 = wpe + <usize>((j + 3) % T) * rowB;
    const oj = out + (<usize>j << 2);
    let c = 0;
    for (; c < c4; c += 4) {
      const o = <usize>c << 2;
      storeTransposed4(oj + <usize>c * ld, ld,
        f32x4.add(v128.load(e0 + o), v128.load(p0 + o)), f32x4.add(v128.load(e1 + o), v128.load(p1 + o)),
        f32x4.add(v128.load(e2 + o), v128.load(p2 + o)), f32x4.add(v128.load(e3 + o), v128.load(p3 + o)));
    }
    for (; c < C; c++) {
      const o = <usize>c << 2, r = oj + <usize>c * ld;
      store<f32>(r, load<f32>(e0 + o) + load<f32>(p0 + o));
      store<f32>(r, load<f32>(e1 + o) + load<f32>(p1 + o), 4);
      store<f32>(r, load<f32>(e2 + o) + load<f32>(p2 + o), 8);
      store<f32>(r, load<f32>(e3 + o) + load<f32>(p3 + o), 12);
    }
  }
  for (; j < n; j++) {
    const e = wte + <usize>load<i32>(ids + (<usize>j << 2)) * rowB;
    const p = wpe + <usize>(j % T) * rowB;
    const oj = out + (<usize>j << 2);
    for (let c = 0; c < C; c++) store<f32>(oj + <usize>c * ld, load<f32>(e + (<usize>c << 2)) + load<f32>(p + (<usize>c << 2)));
  }
}
