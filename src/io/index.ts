// The io area: safetensors files (tensors, and a plan's weights by PyTorch state-dict name).
export { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors, tensorToNumbers } from './safetensors.js';
export type { Dtype, Tensor } from './safetensors.js';
export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { acquireLock, withLock, LockError } from './lock.js';
export type { HeldLock, LockOptions } from './lock.js';
