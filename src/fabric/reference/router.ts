// Reference routers and edges (the spec of assembly/fabric/router.ts), plain and slow: every router and
// every injector is looked at in every cycle.
//
// A router, each cycle, tries each color with a non-empty queue, lowest color first. The head wavelet of
// that color moves when (a) it did not arrive in this cycle, and (b) for EVERY output of its static route
// (route[color][the direction it came from]; several outputs = multicast) the output link was not used in
// this cycle and the destination has room: the core input queue of the color's channel (RAMP), the
// neighbour router's queue of the same color (N E S W), or nothing to check (EDGE, the south sink).
// Then every copy moves at once: one wavelet per link direction per cycle.
// An edge injector feeds its column's stream, one word per cycle, into the top router's color-0 queue
// (as if from the north) when it has room and the shared edge cap (0 = none) is not spent this cycle;
// under a cap, columns are served in the order they asked (injectorsStep).
//
// Legend: Ru = used rows; node id = c·Ru + r, so north = id − 1, south = id + 1, east = id + Ru, west = id − Ru.
import { DIR } from '../abi.js';
import type { RefMesh, RefNode } from './mesh.js';

/** The neighbour of node `n` in mesh direction d (routes never point off the mesh except EDGE). */
function neighbour(m: RefMesh, n: RefNode, d: number): RefNode {
  if (d === DIR.N) return m.nodes[n.id - 1];
  if (d === DIR.S) return m.nodes[n.id + 1];
  if (d === DIR.E) return m.nodes[n.id + m.Ru];
  return m.nodes[n.id - m.Ru];
}

/** The output directions of an out-mask, lowest first. */
function outputs(mask: number): number[] {
  const out: number[] = [];
  for (let d = 0; d <= DIR.EDGE; d++) if (mask & (1 << d)) out.push(d);
  return out;
}

/** Can the head of `color` at router n leave now to every destination of its route? */
function canMove(m: RefMesh, n: RefNode, color: number, outs: number[]): boolean {
  for (const d of outs) {
    if (n.linkUsed[d] === m.now) return false; // the link carried a wavelet this cycle
    if (d === DIR.RAMP) {
      if (n.cq[m.colorChannel[color]].length >= m.cqDepth) return false;
    } else if (d !== DIR.EDGE) {
      if (neighbour(m, n, d).rq[color].length >= m.rqDepth) return false;
    }
  }
  return true;
}

/** One cycle of every router, in node order. True if any wavelet moved. */
export function routersStep(m: RefMesh): boolean {
  let moved = false;
  for (const n of m.nodes) {
    for (let color = 0; color < n.rq.length; color++) {
      const q = n.rq[color];
      if (q.length === 0) continue;
      const head = q[0];
      if (head.arrived === m.now) continue; // arrived this cycle: may move from the next one
      const outs = outputs(n.route[color][head.inDir]);
      if (!canMove(m, n, color, outs)) continue;
      q.shift();
      for (const d of outs) {
        n.linkUsed[d] = m.now;
        if (d === DIR.RAMP) {
          n.cq[m.colorChannel[color]].push(head.data);
          m.count.rampIn++;
        } else if (d === DIR.EDGE) {
          m.sinks[n.col].push(head.data);
          m.count.sunk++;
        } else {
          neighbour(m, n, d).rq[color].push({ data: head.data, inDir: (d + 2) & 3, arrived: m.now });
          m.count.hops++;
        }
      }
      m.last = Math.max(m.last, m.now + 1); // a core's task may end later (the count is when all went quiet)
      moved = true;
    }
  }
  return moved;
}

/**
 * One cycle of the edge injectors, served in the order they asked (the edge's arbiter is a FIFO of
 * requests; it matters only under a shared cap). A column served or refused by the cap asks again at the
 * back; a column whose top queue is full stops asking until room appears (see rejoinInjectors); a column
 * whose stream is consumed leaves. True if any word entered the mesh.
 */
export function injectorsStep(m: RefMesh): boolean {
  m.edgeUsed = 0;
  let fed = false;
  const again: number[] = [];
  for (const c of m.injOrder) {
    const s = m.streams[c];
    if (m.injPos[c] >= s.length) continue;
    const top = m.nodes[c * m.Ru];
    if (top.rq[0].length >= m.rqDepth) {
      m.injParked[c] = true;
      continue;
    }
    if (m.edgeCap !== 0 && m.edgeUsed >= m.edgeCap) {
      again.push(c); // the edge's shared bandwidth is spent this cycle
      continue;
    }
    m.edgeUsed++;
    top.rq[0].push({ data: s[m.injPos[c]++], inDir: DIR.N, arrived: m.now });
    m.count.injected++;
    fed = true;
    if (m.injPos[c] < s.length) again.push(c);
  }
  m.injOrder = again;
  return fed;
}

/** At the end of a cycle: columns whose full top queue now has room ask again, at the back, in column order. */
export function rejoinInjectors(m: RefMesh): void {
  for (let c = 0; c < m.Cu; c++) {
    if (m.injParked[c] && m.nodes[c * m.Ru].rq[0].length < m.rqDepth) {
      m.injParked[c] = false;
      m.injOrder.push(c);
    }
  }
}

/** A core sends one wavelet into its own router (the ramp out); the caller checked the queue has room. */
export function coreSend(m: RefMesh, n: RefNode, color: number, data: number): void {
  n.rq[color].push({ data, inDir: DIR.RAMP, arrived: m.now });
  m.count.rampOut++;
}
