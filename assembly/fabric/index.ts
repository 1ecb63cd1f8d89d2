// The cycle-level wafer simulator: mesh of cores, routers and the dataflow-trigger loop.
export {};
