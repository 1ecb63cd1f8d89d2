// The seeded generators live in src/rng.ts (used by references, masks, data and inits alike); re-exported here for the references.
export * from '../rng.js';
