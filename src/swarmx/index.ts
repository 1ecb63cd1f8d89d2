// SwarmX: the broadcast-reduce tree between MemoryX and the CS-2 systems (fixed reduce order, per-link
// byte counts) and the layout of the one shared memory every system reads. See docs/training.md.
export { reduceTree, LinkCounters } from './tree.js';
export type { ReduceTree, ReduceAdd, TreeLink } from './tree.js';
export { planLayout, slotPtr, BROADCAST_SLOTS } from './layout.js';
export type { SharedLayout, WorkerRegion, Region, LayoutRequest } from './layout.js';
export { SwarmX } from './swarm.js';
export type { SwarmXCounters } from './swarm.js';
