// The fabric's routers and edges: each router forwards the head wavelet of each color queue to every
// output of that color's static route (unicast or multicast) when every destination has room and no
// output link was used this cycle (one 32-bit wavelet per cycle per link direction, the ramp included);
// edge injectors feed each column's weight stream in at the north edge; the south edge sinks gradients.
// A router whose heads are blocked for lack of room is parked until the full queue pops (no polling).
//
// Legend: r = router id (= core id, r·C + c), color = routing channel, Q = router queue depth.
import {
  St, DIR_N, DIR_E, DIR_S, DIR_W, DIR_RAMP, DIR_EDGE, NDIR, NCH,
  ST_HOPS, ST_RAMP_IN, ST_INJECTED, ST_SUNK, ST_ROUTER_STEPS, ST_LAST,
  bump, schedRouter, schedCore, schedInjector, rqCount, rqPush, cqPush,
} from './state';

/** Index of router r's neighbour in direction d (the host's routes never point off the mesh except EDGE). */
@inline function neighbour(r: u32, d: u32): u32 {
  if (d == DIR_N) return r - St.cols;
  if (d == DIR_S) return r + St.cols;
  if (d == DIR_E) return r + 1;
  return r - 1;
}

/** Wakes whoever feeds router r's queue of `color` (it was full, so a feeder may be blocked on it). */
function wakeFeeders(r: u32, color: u32): void {
  const rt = St.route + <usize>((r * St.colors + color) * 5);
  const next = St.now + 1;
  for (let d: u32 = 0; d < 5; d++) {
    if (load<u8>(rt + <usize>d) == 0) continue;
    if (d == DIR_RAMP) {
      schedCore(r, next);
    } else if (d == DIR_N && r < St.cols) {
      schedInjector(r); // row 0's north input is the edge
    } else {
      schedRouter(neighbour(r, d), next);
    }
  }
}

/** Writes a wavelet leaving the mesh through the south edge into the sink of router r's column. */
function sink(r: u32, data: u32): void {
  const c = r % St.cols;
  const pp = St.sinkPos + (<usize>c << 2);
  const pos = load<u32>(pp);
  store<u32>(load<u32>(St.sinkPtr + (<usize>c << 2)) + (pos << 2), data);
  store<u32>(pp, pos + 1);
  bump(ST_SUNK, 1);
}

/** One cycle of router r: every color queue tries to forward its head. */
export function routerStep(r: u32): void {
  const mp = St.rmask + <usize>r;
  let m = <u32>load<u8>(mp);
  if (m == 0) return;
  bump(ST_ROUTER_STEPS, 1);
  const now = St.now;
  const stamp = now + 1;
  const stamp29 = stamp & 0x1fffffff;
  const linkBase = St.link + <usize>(r * NDIR * 4);
  const NC = St.colors;
  let keep = false;
  while (m != 0) {
    const color = <u32>ctz(m);
    m &= m - 1;
    const qi = r * NC + color;
    const head = <u32>load<u8>(St.rqHead + <usize>qi);
    const cnt = <u32>load<u8>(St.rqCount + <usize>qi);
    const ent = St.rqData + ((<usize>((qi << St.rqLog) + head)) << 3);
    const meta = load<u32>(ent, 4);
    if ((meta >>> 3) == stamp29) {
      keep = true; // arrived this cycle: moves next cycle
      continue;
    }
    const outs = <u32>load<u8>(St.route + <usize>(qi * 5 + (meta & 7)));
    // Every destination must have room and a free link this cycle (multicast moves all copies at once).
    let ok = true;
    let o = outs;
    while (o != 0) {
      const d = <u32>ctz(o);
      o &= o - 1;
      if (load<u32>(linkBase + (<usize>d << 2)) == stamp) {
        ok = false;
        keep = true; // link contention: retry next cycle
        break;
      }
      if (d == DIR_RAMP) {
        const ch = <u32>load<u8>(St.colorCh + <usize>color);
        if (<u32>load<u8>(St.cqCount + <usize>(r * NCH + ch)) >= St.cqDepth) { ok = false; break; }
      } else if (d != DIR_EDGE) {
        if (rqCount(neighbour(r, d), color) >= St.rqDepth) { ok = false; break; }
      }
    }
    if (!ok) continue; // blocked for room: the full queue's pop wakes us
    const data = load<u32>(ent);
    o = outs;
    while (o != 0) {
      const d = <u32>ctz(o);
      o &= o - 1;
      store<u32>(linkBase + (<usize>d << 2), stamp);
      if (d == DIR_RAMP) {
        cqPush(r, <u32>load<u8>(St.colorCh + <usize>color), data);
        bump(ST_RAMP_IN, 1);
        schedCore(r, stamp);
      } else if (d == DIR_EDGE) {
        sink(r, data);
      } else {
        const nb = neighbour(r, d);
        rqPush(nb, color, data, (d + 2) & 3, stamp);
        bump(ST_HOPS, 1);
        schedRouter(nb, stamp);
      }
    }
    store<u8>(St.rqHead + <usize>qi, <u8>((head + 1) & St.rqMask));
    store<u8>(St.rqCount + <usize>qi, <u8>(cnt - 1));
    if (cnt == 1) store<u8>(mp, load<u8>(mp) & ~(<u8>(<u32>1 << color)));
    else keep = true;
    if (cnt == St.rqDepth) wakeFeeders(r, color);
    store<u64>(St.stats + (<usize>ST_LAST << 3), <u64>stamp);
  }
  if (keep) schedRouter(r, stamp);
}

/** One cycle of column c's edge injector: feeds the next word of the column's stream (color 0, from N). */
export function injectorStep(c: u32): void {
  const pp = St.injPos + (<usize>c << 2);
  const pos = load<u32>(pp);
  const len = load<u32>(St.injLen + (<usize>c << 2));
  if (pos >= len) return;
  if (rqCount(c, 0) >= St.rqDepth) return; // parked: the router's pop wakes us
  if (St.edgeCap != 0 && St.edgeUsed >= St.edgeCap) {
    schedInjector(c); // the edge's shared bandwidth is spent this cycle
    return;
  }
  St.edgeUsed++;
  const w = load<u32>(load<u32>(St.injPtr + (<usize>c << 2)) + (pos << 2));
  rqPush(c, 0, w, DIR_N, St.now + 1);
  store<u32>(pp, pos + 1);
  bump(ST_INJECTED, 1);
  schedRouter(c, St.now + 1);
  if (pos + 1 < len) schedInjector(c);
}
