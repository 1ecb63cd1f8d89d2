// One training step of the cluster, read top to bottom: the batch shared out to the systems, the forward
// pass layer by layer (MemoryX streams a layer → SwarmX broadcasts it → the systems compute), the loss, the
// backward pass in reverse order (the layer streamed AGAIN → the systems compute delta + gradient → SwarmX
// reduces → MemoryX updates the layer). The step is a MemoryX transaction: a system that throws or dies
// rolls it back and the step is retried (bounded) from MemoryX's state.
//
// With prefetch the commands are QUEUED (src/protocol/cs2.ts): no barrier per layer. Main streams a layer
// into a free broadcast slot and publishes its command at once; each system starts it as soon as it is done
// with its previous one. Main waits only for what it needs: a slot to reuse (every system done with the
// command that read it), a layer's gradients to reduce (every system done with its backward). The backward
// of layer l goes out before main reduces and updates layer l+1 (its gradient sits in the other gradient
// buffer), so the systems compute while main works (MemoryX updates a layer into its record's other slot, so
// the transaction costs no copy). With updateOn 'systems', a layer MemoryX can hand off is reduced AND
// updated by the systems in one REDUCE that main queues and does not wait for (the step ends once every
// command is done; a backward that would overwrite the gradient buffer such a REDUCE reads waits for it on the
// systems' side). Without prefetch, every command is a barrier and main's work runs after it (update l right
// after backward l). The bits are the same either way.
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
      await run.sys.abandon();
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
  await issue(run, CMD.STEP, { step, attempt, batch: B });
  for (let l = 0; l < L; l++) {
    const cur = await streamLayer(run, step, l, 'streamFwd');
    const fwd = layerFlop(plan, l, 1).forward;
    await readSlot(run, cur, CMD.FORWARD, { layer: l, slot: cur.slot }, (seq) => run.systemEvents('forward', step, l, seq, fwd));
  }
  await issue(run, CMD.LOSS, { arg: 0 });
  // gradSeq[l]: the command after which layer l's gradient is complete (its backward, or its REDUCE)
  const gradSeq: number[] = new Array(L).fill(0);
  // readers[b]: the last REDUCE on the systems' threads that reads gradient buffer b (0: none yet). A backward
  // writing buffer b waits, on the systems' side, until every system has done it: a handed-off REDUCE is not
  // awaited by main, so main's order alone no longer keeps the next writer of a buffer behind its readers.
  const readers = [0, 0];
  for (let l = L - 1; l >= 0; l--) {
    const cur = streamsInBackward(plan, l) ? await streamLayer(run, step, l, 'streamBwd') : NO_STREAM;
    const f = layerFlop(plan, l, 1);
    gradSeq[l] = await readSlot(run, cur, CMD.BACKWARD, { layer: l, slot: cur.slot, arg: l % 2, after: readers[l % 2] }, (seq) => run.systemEvents('backward', step, l, seq, f.delta + f.gradient));
    if (s.reduceOnSystems && !handsOff(run, l)) gradSeq[l] = await reduceOnSystems(run, step, l, gradSeq[l], wire(l));
    const u = s.prefetch ? l + 1 : l;
    if (u < L) readers[u % 2] = await reduceAndUpdate(run, step, u, gradSeq[u], wire(u));
  }
  if (s.prefetch) await reduceAndUpdate(run, step, 0, gradSeq[0], wire(0));
  // the updates handed to the systems are queued, not awaited: the step ends once every system did them all
  await sys.waitFor(sys.commands);
  let total = 0;
  for (let w = 0; w < N; w++) total += sys.lossShare(w);
  return total;
}

/** Publishes a command; without prefetch, also waits until every system has done it (a barrier per command). */
async function issue(run: Run, cmd: Command, f: CommandFields, onDone?: (seq: number) => void): Promise<number> {
  const seq = await run.sys.publish(cmd, f, onDone);
  if (!run.s.prefetch) await run.sys.waitFor(seq);
  return seq;
}

/** Issues a command that reads broadcast slot `cur` (none: -1); once every system did it, its events (and a test's poison). */
async function readSlot(run: Run, cur: Slot, cmd: Command, f: CommandFields, events: (seq: number) => void): Promise<number> {
  const seq = await issue(run, cmd, f, (seq) => {
    poison(run, cur);
    events(seq);
  });
  if (cur.slot >= 0) run.slotReaders[cur.slot] = Math.max(run.slotReaders[cur.slot], seq);
  return seq;
}

/** Writes system w's samples (ids into the split) into its input and labels buffers (data/fill.ts) and sets b. */
export function loadShare(run: Run, w: number, split: AnySplit, ids: Int32Array): void {
  const { sys, plan } = run;
  const buf = run.memory.buffer;
  sys.setSamples(w, ids.length);
  if (ids.length > 0) fillSamples(plan, split, ids, buf, sys.inputPtr(w), sys.labelsPtr(w));
}

/**
 * Streams layer l into the next broadcast slot (MemoryX → SwarmX), recording the event; first waits until
 * every system is done with the last command that read that slot.
 */
async function streamLayer(run: Run, step: number, l: number, kind: 'streamFwd' | 'streamBwd'): Promise<Slot> {
  const slot = run.swarm.takeSlot();
  await run.sys.waitFor(run.slotReaders[slot.slot]);
  const t0 = nowMs();
  const bytes = run.mx.stream(l, slot.ptr, kind === 'streamFwd' ? 'forward' : 'backward');
  run.swarm.broadcast(bytes);
  run.mainEvent(kind, step, l, t0, bytes, 0);
  return slot;
}

/**
 * SwarmX's additions of layer l on the systems' threads (each adds its slice, in the tree's order, once every
 * system has done the layer's backward, command `after`); the sum lands in system 0's gradient buffer l mod 2.
 * With `update` (handsOff), each system also updates the same slice of MemoryX's record of the layer
 * (memoryx/store.ts updateRecord), and MemoryX counts the update once every system has done it; its update
 * event carries the command's span too. Returns the REDUCE's seq.
 */
async function reduceOnSystems(run: Run, step: number, l: number, after: number, wire?: GradientWire, update = false): Promise<number> {
  const P = run.plan.layers[l].paramFloats;
  // The gradients are already in the systems' regions of the shared memory: "gradient out" moves no
  // bytes in the simulator; the event records what the links would carry (N blocks of 4·P bytes, or a
  // row-sparse gradient's rows).
  run.mainEvent('gradOut', step, l, nowMs(), wire ? wire.sentBytes : run.N * 4 * P, 0);
  return issue(run, CMD.REDUCE, { layer: l, arg: l % 2, after, ...(update ? run.mx.handOff(l) : {}) }, (seq) => {
    run.swarm.count(P, l % 2, wire);
    if (update) run.mx.handedOffDone(l);
    const [t0, t1] = run.commandSpan(seq);
    run.emit({ step, layer: l, kind: 'reduce', system: -1, startMs: t0, endMs: t1, bytes: wire ? wire.reducedBytes : 4 * P, flop: (run.N - 1) * P, onSystems: true });
    if (update) run.emit({ step, layer: l, kind: 'update', system: -1, startMs: t0, endMs: t1, bytes: 4 * P, flop: 0, onSystems: true });
  });
}

/** Whether layer l's additions and update go to the systems' threads together (updateOn 'systems'). */
function handsOff(run: Run, l: number): boolean {
  return run.s.updateOnSystems && run.mx.canHandOff(l);
}

/**
 * Once layer l's gradient is complete (command `ready` done by every system), reduces it on the main thread
 * (unless the systems did) and lets MemoryX update layer l; or hands both to the systems (handsOff). Returns
 * the seq of a REDUCE that still reads gradient buffer l mod 2 after it returns (handed off), else 0.
 */
async function reduceAndUpdate(run: Run, step: number, l: number, ready: number, wire?: GradientWire): Promise<number> {
  if (handsOff(run, l)) return reduceOnSystems(run, step, l, ready, wire, true); // queued, not awaited
  const { swarm, N } = run;
  await run.sys.waitFor(ready);
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
  return 0;
}

/** Test hook: overwrite the broadcast slot the systems just read with NaN (they must not keep it). */
function poison(run: Run, slot: Slot): void {
  if (run.s.hooks.poisonBroadcast && slot.slot >= 0) new Float32Array(run.memory.buffer, slot.ptr, run.layout.broadcast.slotBytes / 4).fill(NaN);
}
