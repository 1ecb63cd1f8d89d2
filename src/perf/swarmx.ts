// SwarmX as the estimate sees it: a tree of broadcast-reduce nodes of fan-in F between MemoryX and N
// CS-2, one tree per port lane. Broadcast and reduce run at line rate (the glossary: floating-point
// reduce at line rate), so a traversal costs bytes / lane bandwidth once, plus depth × hop latency.

export interface SwarmxTree {
  /** Levels of nodes between MemoryX and the systems: ceil(log_F N) (0 for one system). */
  depth: number;
  /** Broadcast-reduce nodes per lane: sum over levels of ceil(N / F^k) (grows linearly with N). */
  nodesPerLane: number;
  /** One traversal's latency (s): depth × hop latency. */
  latencySeconds: number;
}

export function swarmxTree(systems: number, fanIn: number, hopLatencyUs: number): SwarmxTree {
  let depth = 0;
  let nodes = 0;
  let n = systems;
  while (n > 1) {
    n = Math.ceil(n / fanIn);
    nodes += n;
    depth++;
  }
  return { depth, nodesPerLane: nodes, latencySeconds: depth * hopLatencyUs * 1e-6 };
}
