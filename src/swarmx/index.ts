// SwarmX: the broadcast-reduce tree between MemoryX and the CS-2 systems (fixed reduce order, per-link
// byte counts). The shared memory map it lives in is the whole cluster's (src/protocol/memory-map.ts), re-exported here.
export { reduceTree, LinkCounters } from './tree.js';
export type { ReduceTree, ReduceAdd, TreeLink } from './tree.js';
export { planLayout, slotPtr, BROADCAST_SLOTS } from '../protocol/memory-map.js';
export type { SharedLayout, WorkerRegion, Region, LayoutRequest } from '../protocol/memory-map.js';
export { SwarmX } from './swarm.js';
export type { SwarmXCounters } from './swarm.js';
