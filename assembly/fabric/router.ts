// The fabric's routers and edges: each router forwards the head wavelet of each color queue to every
// output of that color's static route (unicast or multicast) when every destination has room and no
// output link was used this cycle (one 32-bit wavelet per cycle per link direction, the ramp included);
// edge injectors feed each column's weight stream in at the north edge; the south edge sinks gradients.
// A router whose heads are blocked for lack of room is parked until the full queue pops (no polling).
//
// Legend: r = router id (= node id, column-major: c·R + row), nd = its node record, color = routing channel,
// Q = router queue depth.
import {
  St, DIR_N, DIR_E, DIR_S, DIR_RAMP, DIR_EDGE, H_RMASK, H_RQHEAD, H_RQCOUNT, H_CQCOUNT, H_OUTS,
  F_ROW, F_COL, H_RCLASS, ROUTE_CLASS_BYTES, node, coreField, pushedNow, headFresh, schedRouter, schedCore, schedInjector, rqCountAt, rqPushAt, cqPushAt,
} from './state';
import { wakeOtherBand, runDone } from './band-sync';

/** Index of router r's neighbour in direction d (the host's routes never point off the mesh except EDGE). */
@inline function neighbour(r: u32, d: u32): u32 {
  if (d == DIR_N) return r - 1;
  if (d == DIR_S) return r + 1;
  if (d == DIR_E) return r + St.rows;
  return r - St.rows;
}

/** Byte address of the node record of nd's neighbour in direction d (N, E, S or W): no multiply. */
@inline function nbNode(nd: usize, d: u32): usize {
  if (d == DIR_N) return nd - St.nodeBytes;
  if (d == DIR_S) return nd + St.nodeBytes;
  if (d == DIR_E) return nd + St.colBytes;
  return nd - St.colBytes;
}

/** The route table's row of the router at nd (its route class): out-masks u8[color][input direction]. */
@inline function routeRow(nd: usize): usize {
  return St.routes + <usize>(<u32>load<u8>(nd + H_RCLASS) * ROUTE_CLASS_BYTES);
}

/**
 * Wakes whoever feeds router r's queue of `color` (it was full, so a feeder may be blocked on it). Cores
 * and injectors act before routers, so they see the room next cycle; a feeding router not yet visited in
 * this cycle (a higher id: routers go in id order) sees it now, as it would if every router were visited.
 */
function wakeFeeders(r: u32, nd: usize, color: u32): void {
  // bit 8·d set when input d has a route: the color's 5 route bytes in one load, each folded to its low bit
  let x = load<u64>(routeRow(nd) + <usize>(color * 5)) & 0xffffffffff;
  x |= x >>> 4;
  x |= x >>> 2;
  x |= x >>> 1;
  x &= 0x0101010101;
  if (x == 0) return;
  const now = St.now;
  const next = now + 1;
  do {
    const d = <u32>ctz(x) >>> 3;
    x &= x - 1;
    if (d == DIR_RAMP) {
      schedCore(r, next);
    } else if (d == DIR_N && coreField(r, F_ROW) == 0) {
      schedInjector(coreField(r, F_COL)); // row 0's north input is the edge
    } else {
      const f = neighbour(r, d);
      if (f > r) {
        schedNeighbour(f, now);
        St.wokeAhead = 1;
      } else {
        schedNeighbour(f, next);
      }
    }
  } while (x != 0);
}

/**
 * Schedules router f, a neighbour of the router stepping, for cycle `at`: in this thread's band, or (east or
 * west across a band boundary, threads only) in the neighbour band's set (bands.ts).
 */
@inline function schedNeighbour(f: u32, at: u32): void {
  if (f - St.idLo < St.idSpan) schedRouter(f, at);
  else wakeOtherBand(f, at);
}

/** Writes a wavelet leaving the mesh through the south edge into the sink of router r's column. */
function sink(r: u32, data: u32): void {
  const c = coreField(r, F_COL);
  const pp = St.sinkPos + (<usize>c << 2);
  const pos = load<u32>(pp);
  store<u32>(load<u32>(St.sinkPtr + (<usize>c << 2)) + (pos << 2), data);
  store<u32>(pp, pos + 1);
  St.sunk++;
}

/** One cycle of router r: every color queue tries to forward its head. Inlined into the router walk (a call
 *  in V8's wasm code spills every live value of the caller: measured 2-8 % on the bench cases). */
@inline export function routerStep(r: u32): void {
  const nd = node(r);
  let m = <u32>load<u8>(nd + H_RMASK);
  if (m == 0) return;
  St.routerSteps++;
  const stamp = St.now + 1;
  const fresh = pushedNow(nd, stamp); // nothing pushes into this router's queues while it steps
  let used: u32 = 0; // output links used this cycle (a router is stepped at most once per cycle)
  let keep = false;
  while (m != 0) {
    const color = <u32>ctz(m);
    m &= m - 1;
    const head = <u32>load<u8>(nd + H_RQHEAD + <usize>color);
    const cnt = <u32>load<u8>(nd + H_RQCOUNT + <usize>color);
    const slot = <usize>((color << St.rqLog) + head);
    let outs = <u32>load<u8>(nd + H_OUTS + <usize>color);
    if (fresh && headFresh(nd, color, cnt)) {
      keep = true; // arrived this cycle: moves next cycle
      continue;
    }
    if (outs == 0) outs = <u32>load<u8>(routeRow(nd) + <usize>(color * 5) + <usize>load<u8>(nd + St.oDir + slot)); // routes from more than one input
    // Every destination must have room and a free link this cycle (multicast moves all copies at once).
    let ok = true;
    let o = outs;
    while (o != 0) {
      const d = <u32>ctz(o);
      o &= o - 1;
      if ((used & (<u32>1 << d)) != 0) {
        ok = false;
        keep = true; // link contention: retry next cycle
        break;
      }
      if (d == DIR_RAMP) {
        const ch = <u32>load<u8>(St.colorCh + <usize>color);
        if (<u32>load<u8>(nd + H_CQCOUNT + <usize>ch) >= St.cqDepth) { ok = false; break; }
      } else if (d != DIR_EDGE) {
        if (<u32>load<u8>(nbNode(nd, d) + H_RQCOUNT + <usize>color) >= St.rqDepth) { ok = false; break; }
      }
    }
    if (!ok) continue; // blocked for room: the full queue's pop wakes us
    const data = load<u32>(nd + St.oRq + (slot << 2));
    used |= outs;
    o = outs;
    while (o != 0) {
      const d = <u32>ctz(o);
      o &= o - 1;
      if (d == DIR_RAMP) {
        cqPushAt(nd, <u32>load<u8>(St.colorCh + <usize>color), data);
        St.rampIn++;
        // a core busy at stamp is woken when its task ends (wheel or its own next-cycle step)
        if (load<u32>(nd) < stamp) schedCore(r, stamp);
      } else if (d == DIR_EDGE) {
        sink(r, data);
      } else {
        rqPushAt(nbNode(nd, d), color, data, (d + 2) & 3, stamp);
        St.hops++;
        schedNeighbour(neighbour(r, d), stamp);
      }
    }
    store<u8>(nd + H_RQHEAD + <usize>color, <u8>((head + 1) & St.rqMask));
    store<u8>(nd + H_RQCOUNT + <usize>color, <u8>(cnt - 1));
    if (cnt == 1) store<u8>(nd + H_RMASK, load<u8>(nd + H_RMASK) & ~(<u8>(<u32>1 << color)));
    else keep = true;
    if (cnt == St.rqDepth) wakeFeeders(r, nd, color);
    if (stamp > St.last) St.last = stamp; // a core's task may end later
  }
  if (keep) schedRouter(r, stamp);
}

/** One cycle of column c's edge injector: feeds the next word of the column's stream (color 0, from N), from its window (INJ_MASK). */
export function injectorStep(c: u32): void {
  const pp = St.injPos + (<usize>c << 2);
  const pos = load<u32>(pp);
  const len = load<u32>(St.injLen + (<usize>c << 2));
  if (pos >= len) return;
  const top = c * St.rows;
  const nd = node(top);
  if (rqCountAt(nd, 0) >= St.rqDepth) return; // parked: the router's pop wakes us
  if (St.edgeCap != 0 && St.edgeUsed >= St.edgeCap) {
    schedInjector(c); // the edge's shared bandwidth is spent this cycle
    return;
  }
  St.edgeUsed++;
  // a windowed stream (src/fabric/stream-window.ts) holds the words below its fill in a ring the host refills: on one
  // thread between chunks of at most the window's cycles (one word a cycle at most), so past the fill the host broke
  // that promise: trap, never read a stale word; on band threads while they run, so wait for it (the simulated cycle
  // does not move; a stopped run stops the wait). The fill is read atomically: the words below it are the host's.
  const fillAt = St.injFill + (<usize>c << 2);
  if (pos >= atomic.load<u32>(fillAt)) {
    if (St.injWait == 0) unreachable();
    while (pos >= atomic.load<u32>(fillAt)) if (runDone() != 0) return;
  }
  const w = load<u32>(<usize>load<u32>(St.injPtr + (<usize>c << 2)) + (<usize>(pos & St.injMask) << 2));
  rqPushAt(nd, 0, w, DIR_N, St.now + 1);
  // the host reads the count while band threads run: the word above is read before the count says so
  if (St.injWait != 0) atomic.store<u32>(pp, pos + 1);
  else store<u32>(pp, pos + 1);
  St.injected++;
  schedRouter(top, St.now + 1);
  if (pos + 1 < len) schedInjector(c);
}
