// SwarmX's broadcast-reduce tree: which system's gradient is added to which, in a FIXED order that depends
// only on (systems, fanIn), never on thread timing, so every run sums the same floats in the same order.
// Legend: N = systems (leaves), f = fan-in of a SwarmX node, L = levels above the leaves.
//
//   level 0: leaves = systems 0..N-1; level k+1: node j has the children [j·f, min((j+1)·f, n_k)) of level k;
//   the single node of the top level links to MemoryX. A node's sum is c0 + c1 + ... + c_{f-1}, left to
//   right, kept in the buffer of its leftmost leaf (in place: no extra buffer), so the result ends in
//   system 0's gradient buffer. Every node has one uplink; broadcast goes down the links, reduce goes up.
import { requireInt } from '../errors.js';

/** One addition of the reduce: buffer of leaf `into` += buffer of leaf `from` (in this order). */
export interface ReduceAdd {
  level: number;
  /** Node index at `level` whose sum this is. */
  node: number;
  into: number;
  from: number;
}

/** One link of the tree: the uplink of node `node` at `level` (level 0 = a system's own link). */
export interface TreeLink {
  name: string;
  level: number;
  node: number;
}

export interface ReduceTree {
  systems: number;
  fanIn: number;
  /** Nodes per level, leaves first; the last level has one node (its uplink goes to MemoryX). */
  levelSizes: number[];
  /** Additions in execution order: level by level, node by node, child by child. */
  adds: ReduceAdd[];
  links: TreeLink[];
  /** Leaf whose buffer holds the final sum (always 0). */
  root: number;
}

/** Builds the fixed reduce order for N systems and a fan-in f (2 ≤ f). */
export function reduceTree(systems: number, fanIn = 4): ReduceTree {
  requireInt('systems', systems, 1, 1024);
  requireInt('fanIn', fanIn, 2, 1024);
  const levelSizes = [systems];
  // leftmost[k][j]: the leaf whose buffer holds node j of level k.
  let leftmost = Array.from({ length: systems }, (_, i) => i);
  const adds: ReduceAdd[] = [];
  const links: TreeLink[] = [];
  let level = 0;
  for (;;) {
    const n = leftmost.length;
    for (let j = 0; j < n; j++) links.push({ name: level === 0 ? `cs2-${j}` : `swarmx-L${level}-${j}`, level, node: j });
    if (n === 1) break;
    const next: number[] = [];
    for (let j = 0; j * fanIn < n; j++) {
      const first = j * fanIn;
      const last = Math.min(n, first + fanIn);
      for (let c = first + 1; c < last; c++) adds.push({ level: level + 1, node: j, into: leftmost[first], from: leftmost[c] });
      next.push(leftmost[first]);
    }
    leftmost = next;
    levelSizes.push(next.length);
    level++;
  }
  return { systems, fanIn, levelSizes, adds, links, root: 0 };
}

/** Per-link byte counters of a tree: `down` = weights broadcast, `up` = gradients reduced. */
export class LinkCounters {
  readonly tree: ReduceTree;
  readonly down: Float64Array;
  readonly up: Float64Array;
  constructor(tree: ReduceTree) {
    this.tree = tree;
    this.down = new Float64Array(tree.links.length);
    this.up = new Float64Array(tree.links.length);
  }
  /** One broadcast of `bytes`: every link carries them once (no copy per system at the source). */
  broadcast(bytes: number): void {
    for (let i = 0; i < this.down.length; i++) this.down[i] += bytes;
  }
  /** One reduce of a gradient of `bytes`: every uplink carries one (partial) sum of that size. */
  reduce(bytes: number): void {
    for (let i = 0; i < this.up.length; i++) this.up[i] += bytes;
  }
  snapshot(): Array<{ link: string; bytesDown: number; bytesUp: number }> {
    return this.tree.links.map((l, i) => ({ link: l.name, bytesDown: this.down[i], bytesUp: this.up[i] }));
  }
}
