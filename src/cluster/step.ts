// One training step of the cluster, read top to bottom: the batch shared out to the systems, the forward
// pass layer by layer (MemoryX streams a layer → SwarmX broadcasts it → the systems compute), the loss, the
// backward pass in reverse order (the layer streamed AGAIN → the systems compute delta + gradient → SwarmX
// reduces → MemoryX updates the layer). The step is a MemoryX transaction: a system that throws or dies
// rolls it back and the step is retried (bounded) from MemoryX's state.
//
// The main thread's own work per layer (the next stream; the reduce and update) is written once and runs
// either WHILE the systems compute (prefetch) or after them (serial chain); the bits are the same:
//   forward(l):  the next stream (layer l+1, or after the last layer, layer L-1 again for the backward)
//   backward(l): update layer l+1 (prefetch: its gradient sits in the other gradient buffer) or l (serial),
//                then stream layer l-1; with prefetch, layer 0 is updated after the loop.
// Nothing here is specific to one layer type: a "streamed layer" is whatever the plan groups under it.
// Legend: N = systems, L = streamed layers, B = global batch, P = floats of a layer's gradient block.
import { systemShare } from '../data/batches.js';
import { fillSamples, type AnySplit } from '../data/fill.js';
import { CMD, type Command } from '../protocol/cs2.js';
import { SystemFault, type CommandFields } from './systems.js';
import { layerFlop, nowMs } from './events.js';
import { embeddingLayer, embeddingWire, streamsInBackward } from './embedding-wire.js';
import type { GradientWire } from '../swarmx/swarm.js';
import type { Run } from './run.js';

type Slot = { slot: number; ptr: number };
/** A backward command whose layer reads no weights (the embedding): nothing streamed, no slot. */
const NO_STREAM: Slot = { slot: -1, ptr: -1 };

/** Runs step `step` as a MemoryX transaction, retrying a failed attempt up to `retries` times. */
export async function transaction(run: Run, split: AnySplit, step: number, indices: Int32Array, retries: number, onGiveUp: (e: SystemFault) => Error): Promise<{ loss: number; retries: number }> {
  for (let attempt = 0; ; attempt++) {
    run.mx.beginStep();
    run.recorder.begin();
    try {
      const loss = await runStep(run, split, step, attempt, indices);
      run.mx.commitStep();
      run.recorder.commit();
      return { loss, retries: attempt };
    } catch (e) {
      run.mx.rollbackStep();
      if (!(e instanceof SystemFault)) throw e;
      if (attempt >= retries) throw onGiveUp(e);
      const dead = run.sys.deadSystems();
      if (dead.length) await run.sys.start(dead);
    }
  }
}

/** One training step; returns the mean loss. Throws SystemFault when a system fails. */
async function runStep(run: Run, split: AnySplit, step: number, attempt: number, indices: Int32Array): Promise<number> {
  const { plan, sys, N, s } = run;
  const L = plan.layers.length;
  const B = s.batch;
  const shares: Int32Array[] = [];
  for (let w = 0; w < N; w++) {
    const { start, count } = systemShare(B, N, w);
    shares.push(indices.subarray(start, start + count));
    loadShare(run, w, split, shares[w]);
  }
  const emb = embeddingLayer(plan);
  // the embedding's gradient leaves the wafer as the rows of this step's tokens only (embedding-wire.ts)
  let embWire: GradientWire | undefined;
  const wire = (l: number): GradientWire | undefined => {
    if (l !== emb || !('tokens' in split)) return undefined;
    return (embWire ??= embeddingWire(plan, split, shares));
  };
  await sys.command(CMD.STEP, { step, attempt, batch: B });
  let next = streamLayer(run, step, 0, 'streamFwd');
  for (let l = 0; l < L; l++) {
    const cur = next;
    await onSystems(run, CMD.FORWARD, { layer: l, slot: cur.slot }, () => {
      next = l + 1 < L ? streamLayer(run, step, l + 1, 'streamFwd') : streamLayer(run, step, L - 1, 'streamBwd');
    }, () => {
      poison(run, cur);
      run.systemEvents('forward', step, l, layerFlop(plan, l, 1).forward);
    });
  }
  await sys.command(CMD.LOSS, { arg: 0 });
  let total = 0;
  for (let w = 0; w < N; w++) total += sys.lossShare(w);
  for (let l = L - 1; l >= 0; l--) {
    const cur = next;
    await onSystems(run, CMD.BACKWARD, { layer: l, slot: cur.slot, arg: l % 2 }, () => {
      const u = s.prefetch ? l + 1 : l;
      if (u < L) reduceAndUpdate(run, step, u, wire(u));
      if (l > 0) next = streamsInBackward(plan, l - 1) ? streamLayer(run, step, l - 1, 'streamBwd') : NO_STREAM;
    }, async () => {
      poison(run, cur);
      const f = layerFlop(plan, l, 1);
      run.systemEvents('backward', step, l, f.delta + f.gradient);
      if (s.reduceOnSystems) await reduceOnSystems(run, step, l, wire(l));
    });
  }
  if (s.prefetch) reduceAndUpdate(run, step, 0, wire(0));
  return total;
}

/**
 * Publishes a command to the systems; the main thread's own work runs while they compute (prefetch) or
 * after they are done and `done` has run (serial).
 */
async function onSystems(run: Run, cmd: Command, fields: CommandFields, mainWork: () => void, done: () => void | Promise<void>): Promise<void> {
  run.sys.publish(cmd, fields);
  if (run.s.prefetch) mainWork();
  await run.sys.wait();
  await done();
  if (!run.s.prefetch) mainWork();
}

/** Writes system w's samples (ids into the split) into its input and labels buffers (data/fill.ts) and sets b. */
export function loadShare(run: Run, w: number, split: AnySplit, ids: Int32Array): void {
  const { sys, plan } = run;
  const buf = run.memory.buffer;
  sys.setSamples(w, ids.length);
  if (ids.length > 0) fillSamples(plan, split, ids, buf, sys.inputPtr(w), sys.labelsPtr(w));
}

/** Streams layer l into the next broadcast slot (MemoryX → SwarmX), recording the event. */
function streamLayer(run: Run, step: number, l: number, kind: 'streamFwd' | 'streamBwd'): Slot {
  const t0 = nowMs();
  const slot = run.swarm.takeSlot();
  const bytes = run.mx.stream(l, slot.ptr, kind === 'streamFwd' ? 'forward' : 'backward');
  run.swarm.broadcast(bytes);
  run.mainEvent(kind, step, l, t0, bytes, 0);
  return slot;
}

/**
 * SwarmX's additions of layer l on the systems' threads (each adds its slice, in the tree's order); the sum
 * lands in system 0's gradient buffer l mod 2.
 */
async function reduceOnSystems(run: Run, step: number, l: number, wire?: GradientWire): Promise<void> {
  const P = run.plan.layers[l].paramFloats;
  // The gradients are already in the systems' regions of the shared memory: "gradient out" moves no
  // bytes in the simulator; the event records what the links would carry (N blocks of 4·P bytes, or a
  // row-sparse gradient's rows).
  run.mainEvent('gradOut', step, l, nowMs(), wire ? wire.sentBytes : run.N * 4 * P, 0);
  const t0 = nowMs();
  await run.sys.command(CMD.REDUCE, { layer: l, arg: l % 2 });
  run.swarm.count(P, l % 2, wire);
  run.mainEvent('reduce', step, l, t0, wire ? wire.reducedBytes : 4 * P, (run.N - 1) * P);
}

/** Reduces layer l's gradients on the main thread (unless the systems did) and lets MemoryX update layer l. */
function reduceAndUpdate(run: Run, step: number, l: number, wire?: GradientWire): void {
  const { swarm, N } = run;
  const P = run.plan.layers[l].paramFloats;
  let g = run.layout.workers[swarm.tree.root].gradPtrs[l % 2];
  if (!run.s.reduceOnSystems) {
    run.mainEvent('gradOut', step, l, nowMs(), wire ? wire.sentBytes : N * 4 * P, 0);
    const t0 = nowMs();
    g = swarm.reduce(P, l % 2, wire);
    run.mainEvent('reduce', step, l, t0, wire ? wire.reducedBytes : 4 * P, (N - 1) * P);
  }
  const t0 = nowMs();
  run.mx.update(l, g);
  run.mainEvent('update', step, l, t0, 4 * P, 0);
}

/** Test hook: overwrite the broadcast slot the systems just read with NaN (they must not keep it). */
function poison(run: Run, slot: Slot): void {
  if (run.s.hooks.poisonBroadcast && slot.slot >= 0) new Float32Array(run.memory.buffer, slot.ptr, run.layout.broadcast.slotBytes / 4).fill(NaN);
}
