// Register tiles of four queries for the blocked attention kernels (attention-*-4q-simd.ts). Rows are
// contiguous in tokens; the four queries t1b..t1b+3 are four contiguous columns, so one v128 load gives
// a query's four values of one feature d. nKeys (a multiple of 4) keys 0..nKeys-1 of the same sequence.
// Legend: a, b, v: pointers to column 0 of the sequence in feature row d = 0 of a head; ld = bytes per
// feature row; rows: 4 rows of keys, rs bytes apart; hd features. Every sum runs over d (or t2) in one
// fixed order, so results do not depend on the batch around the sequence.

/** rows_r[t2] = Σ_d a[d, t1b+r]·b[d, t2] for r < 4, t2 < nKeys (d ascending, one accumulator per entry). */
@inline
export function productTile(rows: usize, rs: usize, a: usize, b: usize, ld: usize, hd: i32, t1b: i32, nKeys: i32): void {
  const aq = a + (<usize>t1b << 2);
  let t2 = 0;
  for (; t2 + 8 <= nKeys; t2 += 8) {
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
    const bk = b + (<usize>t2 << 2);
    for (let d = 0; d < hd; d++) {
      const rd = <usize>d * ld;
      const x = v128.load(aq + rd);
      const k0 = v128.load(bk + rd), k1 = v128.load(bk + rd, 16);
      const x0 = i32x4.shuffle(x, x, 0, 0, 0, 0), x1 = i32x4.shuffle(x, x, 1, 1, 1, 1);
      const x2 = i32x4.shuffle(x, x, 2, 2, 2, 2), x3 = i32x4.shuffle(x, x, 3, 3, 3, 3);
      c0 = f32x4.add(c0, f32x4.mul(x0, k0)); e0 = f32x4.add(e0, f32x4.mul(x0, k1));
      c1 = f32x4.add(c1, f32x4.mul(x1, k0)); e1 = f32x4.add(e1, f32x4.mul(x1, k1));
      c2 = f32x4.add(c2, f32x4.mul(x2, k0)); e2 = f32x4.add(e2, f32x4.mul(x2, k1));
      c3 = f32x4.add(c3, f32x4.mul(x3, k0)); e3 = f32x4.add(e3, f32x4.mul(x3, k1));
    }
    const o = <usize>t2 << 2;
    v128.store(rows + o, c0); v128.store(rows + o, e0, 16);
    v128.store(rows + rs + o, c1); v128.store(rows + rs + o, e1, 16);
    v128.store(rows + 2 * rs + o, c2); v128.store(rows + 2 * rs + o, e2, 16);
    v128.store(rows + 3 * rs + o, c3); v128.store(rows + 3 * rs + o, e3, 16);
  }
  if (t2 < nKeys) {
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
    const bk = b + (<usize>t2 << 2);
    for (let d = 0; d < hd; d++) {
      const rd = <usize>d * ld;
      const x = v128.load(aq + rd);
      const k0 = v128.load(bk + rd);
      c0 = f32x4.add(c0, f32x4.mul(i32x4.shuffle(x, x, 0, 0, 0, 0), k0));
      c1 = f32x4.add(c1, f32x4.mul(i32x4.shuffle(x, x, 1, 1, 1, 1), k0));
      c2 = f32x4.add(c2, f32x4.mul(i32x4.shuffle(x, x, 2, 2, 2, 2), k0));
      c3 = f32x4.add(c3, f32x4.mul(i32x4.shuffle(x, x, 3, 3, 3, 3), k0));
    }
    const o = <usize>t2 << 2;
    v128.store(rows + o, c0);
    v128.store(rows + rs + o, c1);
    v128.store(rows + 2 * rs + o, c2);
    v128.store(rows + 3 * rs + o, c3);
  }
}

/**
 * out[d, t1b+r] = Σ_{t2<nKeys} rows_r[t2]·v[d, t2] for d < hd, r < 4 (stored as one v128 per d): four lane
 * sums per (d, r), combined as (l0 + l1) + (l2 + l3). Two features per pass share the loads of the rows.
 * Entries of rows past a query's last key must be 0.
 */
@inline
export function rowsTimesTile(out: usize, rows: usize, rs: usize, v: usize, ld: usize, hd: i32, t1b: i32, nKeys: i32): void {
  const oq = out + (<usize>t1b << 2);
  let d = 0;
  for (; d + 2 <= hd; d += 2) {
    const rd = <usize>d * ld;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (let t2 = 0; t2 < nKeys; t2 += 4) {
      const o = <usize>t2 << 2;
      const x = v128.load(v + rd + o), y = v128.load(v + rd + ld + o);
      const p0 = v128.load(rows + o), p1 = v128.load(rows + rs + o);
      const p2 = v128.load(rows + 2 * rs + o), p3 = v128.load(rows + 3 * rs + o);
      a0 = f32x4.add(a0, f32x4.mul(p0, x)); b0 = f32x4.add(b0, f32x4.mul(p0, y));
      a1 = f32x4.add(a1, f32x4.mul(p1, x)); b1 = f32x4.add(b1, f32x4.mul(p1, y));
      a2 = f32x4.add(a2, f32x4.mul(p2, x)); b2 = f32x4.add(b2, f32x4.mul(p2, y));
      a3 = f32x4.add(a3, f32x4.mul(p3, x)); b3 = f32x4.add(b3, f32x4.mul(p3, y));
    }
    v128.store(oq + rd, laneSums4(a0, a1, a2, a3));
    v128.store(oq + rd + ld, laneSums4(b0, b1, b2, b3));
  }
  if (d < hd) {
    const rd = <usize>d * ld;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let t2 = 0; t2 < nKeys; t2 += 4) {
      const o = <usize>t2 << 2;
      const x = v128.load(v + rd + o);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(rows + o), x));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(rows + rs + o), x));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(rows + 2 * rs + o), x));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(rows + 3 * rs + o), x));
    }
    v128.store(oq + rd, laneSums4(a0, a1, a2, a3));
  }
}

/** [Σa0, Σa1, Σa2, Σa3], each as (l0 + l1) + (l2 + l3): a transpose, then two vector adds. */
@inline
function laneSums4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7), t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  const l01 = f32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  const l23 = f32x4.add(i32x4.shuffle(t2, t3, 0, 1, 4, 5), i32x4.shuffle(t2, t3, 2, 3, 6, 7));
  return f32x4.add(l01, l23);
}

/** y[d, t2] += Σ_r x[d, t1b+r]·rows_r[t2] (r ascending) for d < hd, t2 < nKeys. */
@inline
export function addTileProducts(y: usize, x: usize, rows: usize, rs: usize, ld: usize, hd: i32, t1b: i32, nKeys: i32): void {
  const xq = x + (<usize>t1b << 2);
  for (let d = 0; d < hd; d++) {
    const rd = <usize>d * ld;
    const xv = v128.load(xq + rd);
    const x0 = i32x4.shuffle(xv, xv, 0, 0, 0, 0), x1 = i32x4.shuffle(xv, xv, 1, 1, 1, 1);
    const x2 = i32x4.shuffle(xv, xv, 2, 2, 2, 2), x3 = i32x4.shuffle(xv, xv, 3, 3, 3, 3);
    const yd = y + rd;
    for (let t2 = 0; t2 < nKeys; t2 += 4) {
      const o = <usize>t2 << 2;
      let acc = v128.load(yd + o);
      acc = f32x4.add(acc, f32x4.mul(x0, v128.load(rows + o)));
      acc = f32x4.add(acc, f32x4.mul(x1, v128.load(rows + rs + o)));
      acc = f32x4.add(acc, f32x4.mul(x2, v128.load(rows + 2 * rs + o)));
      acc = f32x4.add(acc, f32x4.mul(x3, v128.load(rows + 3 * rs + o)));
      v128.store(yd + o, acc);
    }
  }
}
