// MemoryX: the ONLY master copy of the weights (fp32) and of all optimizer state, per streamed layer, in
// two tiers (DRAM = WASM memory within a byte budget, flash = a file). It streams a layer's WIRE block on
// request for a pass (dense weights as is, a sparse weight as its weight stream: non-zeros only, in the
// column layout for the forward and the row layout for the backward), applies the
// optimizer to a layer as soon as its reduced gradient is complete, and counts every byte it moves.
//
// Legend: l = streamed layer, P_l = master floats (= gradient floats; a sparse weight counts nnz),
// W_l = wire words, S = optimizer state arrays (0, 1 or 2), t = optimizer steps committed.
// Record of a layer (two slots of it, in DRAM at a fixed pointer or in the flash file; the same bytes either way):
//   [ values P_l | state 1 P_l | state 2 P_l ]   (fp32; state 1/2 = momentum, or Adam's m and v)
// A step is a transaction: beginStep(), update(l) per layer (any order), then commitStep() or
// rollbackStep(). An update reads the layer's active slot and writes its other slot (a DRAM record through
// the optimizer kernel's `from`, with no copy; a flash record through the staging slot); commit makes the
// written slots active, rollback forgets them, so a failed step leaves no half-applied update. Until the
// commit, a layer streams its committed values on either tier. A DRAM record of an untied layer can also be
// updated by other threads (handOff(l), then handedOffDone(l)): they run updateRecord on slices of it, the
// same elementwise kernel, so the bits are those of update(l).
import type { Wasm } from '../wasm/module.js';
import { CapacityError, ValidationError } from '../errors.js';
import { resolveOptimizer, stateArrays, type OptimizerConfig, type ResolvedOptimizer } from './optimizer.js';
import { FlashFile, planTiers, type TierPlan } from './tiers.js';
import { valueWordIndex } from '../sparse/stream.js';
import type { MxLayer } from './layers.js';
import type { WirePass } from '../model/plan.js';

/**
 * Runs one optimizer step over n floats (the optimizer kernels): writes the weights and state at wPtr, s1Ptr,
 * s2Ptr (0 = no such state array), reading them `from` bytes away (0 or omitted: in place).
 */
export interface Updater {
  update(o: ResolvedOptimizer, t: number, wPtr: number, gPtr: number, s1Ptr: number, s2Ptr: number, n: number, from?: number): void;
}

/** An update MemoryX hands to other threads: the record slot to write, its distance to the slot read, the optimizer step. */
export interface RecordUpdate {
  ptr: number;
  from: number;
  t: number;
}

/**
 * Runs the optimizer on floats [lo, hi) of the P-float parts of a record [values | state 1 | state 2]
 * (MemoryX's layout) at byte recPtr, with the gradient at gPtr (P floats), reading the record `from` bytes
 * away (0: in place). Elementwise, so any split of [0, P) into slices gives the bits of the whole.
 */
export function updateRecord(u: Updater, o: ResolvedOptimizer, t: number, recPtr: number, gPtr: number, P: number, from: number, lo: number, hi: number): void {
  const S = stateArrays(o);
  const part = (k: number) => recPtr + 4 * (k * P + lo);
  u.update(o, t, part(0), gPtr + 4 * lo, S >= 1 ? part(1) : 0, S >= 2 ? part(2) : 0, hi - lo, from);
}

export interface MemoryXOptions {
  optimizer: OptimizerConfig;
  /** DRAM tier budget in bytes for weights + optimizer state (default: unlimited). */
  dramBytes?: number;
  /** Flash tier file (default: a temp file, deleted on close). */
  flashPath?: string;
}

/** Byte counters (cumulative). */
export interface MemoryXCounters {
  /** Wire bytes MemoryX sent to SwarmX (weights, each pass of each layer, once for all systems). */
  bytesStreamed: number;
  /** Reduced gradient bytes MemoryX received from SwarmX. */
  bytesGradients: number;
  /** Flash tier traffic. */
  flashBytesRead: number;
  flashBytesWritten: number;
  /** Layer updates applied (committed or not). */
  updates: number;
}

/** MemoryX state for a checkpoint: optimizer steps and every layer's full record (copies). */
export interface MemoryXSnapshot {
  t: number;
  optimizer: ResolvedOptimizer;
  layers: Array<{ name: string; floats: number; record: Float32Array }>;
}

export class MemoryX {
  readonly layers: MxLayer[];
  readonly optimizer: ResolvedOptimizer;
  readonly tiers: TierPlan;
  /** State arrays per float. */
  readonly S: number;
  private readonly wasm: Wasm;
  private readonly updater: Updater;
  /** DRAM records: slot 0's pointer (slot 1 follows it), -1 for flash layers. */
  private readonly recPtr: number[];
  private readonly stagingPtr: number;
  private readonly flash: FlashFile | null;
  /** Active slot of each layer's record (DRAM or flash); pending[l] = the step wrote its other slot. */
  private readonly active: number[];
  private readonly pending: boolean[];
  /** handedOff[l]: layer l's update was handed to other threads in this step and is not done yet. */
  private readonly handedOff: boolean[];
  /** tieSource[l]: a tied layer streams layer l's values (its gradient is added in update(l)). */
  private readonly tieSource: boolean[];
  /** Index of every value word in a sparse segment's stream (per layer, per segment). */
  private readonly valueWords: Array<Array<Uint32Array | null>>;
  /** Per tied layer: where its gradient waits (byte pointer, -1 otherwise); per source layer: the tied layer pending for it (-1: none). */
  private readonly tiedGradPtr: number[];
  private readonly tiedPending: number[];
  private inStep = false;
  private _t = 0;
  readonly counters: MemoryXCounters = { bytesStreamed: 0, bytesGradients: 0, flashBytesRead: 0, flashBytesWritten: 0, updates: 0 };

  /**
   * @param wasm  an instance over the memory MemoryX lives in (its arena holds the DRAM tier)
   * @param init  each layer's initial master block (P_l floats); optimizer state starts at 0
   */
  constructor(wasm: Wasm, layers: MxLayer[], init: Float32Array[], updater: Updater, opts: MemoryXOptions) {
    this.wasm = wasm;
    this.layers = layers;
    this.updater = updater;
    this.optimizer = resolveOptimizer(opts.optimizer);
    this.S = stateArrays(this.optimizer);
    if (init.length !== layers.length) throw new ValidationError('init.length', init.length, `expected ${layers.length} master blocks`);
    layers.forEach((L, l) => {
      if (init[l].length !== L.floats) throw new ValidationError(`init[${l}].length`, init[l].length, `expected ${L.floats} floats of layer ${L.name}`);
    });
    const recordBytes = recordBytesOf(layers, this.S);
    this.tiers = planTiers(recordBytes, opts.dramBytes ?? Infinity, layers.map((L) => L.name));
    this.recPtr = layers.map((_, l) => (this.tiers.tier[l] === 'dram' ? wasm.arena.alloc(2 * recordBytes[l], 64) : -1));
    this.stagingPtr = this.tiers.stagingBytes > 0 ? wasm.arena.alloc(this.tiers.stagingBytes, 64) : 0;
    this.flash = this.tiers.flashBytes > 0 ? new FlashFile(this.tiers, opts.flashPath) : null;
    this.active = layers.map(() => 0);
    this.pending = layers.map(() => false);
    this.handedOff = layers.map(() => false);
    this.tieSource = layers.map((_, l) => layers.some((L) => L.tiedTo?.layer === l));
    this.valueWords = layers.map((L) => L.segments.map((s) => (s.template ? valueWordIndex(s.template, s.size) : null)));
    this.tiedGradPtr = layers.map((L) => (L.tiedTo ? wasm.arena.alloc(4 * L.floats, 64) : -1));
    this.tiedPending = layers.map(() => -1);
    layers.forEach((L, l) => {
      if (!L.tiedTo) return this.writeRecord(l, init[l], null);
      const src = layers[L.tiedTo.layer];
      if (src.tiedTo || L.tiedTo.offset + L.floats > src.floats) throw new ValidationError(`layers[${l}].tiedTo`, L.tiedTo.layer, `expected an untied layer holding ${L.floats} floats at offset ${L.tiedTo.offset}`);
    });
  }

  /** Optimizer steps committed so far. */
  get t(): number {
    return this._t;
  }

  /** Wire bytes of layer l for a pass (what one broadcast of it moves). */
  wireBytes(l: number, pass: WirePass): number {
    const L = this.layers[l];
    return 4 * (pass === 'forward' ? L.fwdWireWords : L.wireWords);
  }

  /**
   * Streams layer l for a pass: writes its wire block at byte `dstPtr` of the memory. Dense tensors are
   * copied; a sparse weight is its skeleton in the pass's layout (forward: columns, backward: rows) with the
   * current non-zero values filled in. Returns the bytes.
   */
  stream(l: number, dstPtr: number, pass: WirePass): number {
    const L = this.layers[l];
    const fwd = pass === 'forward';
    const bytes = this.wireBytes(l, pass);
    const buf = this.wasm.memory.buffer;
    const dst = new Uint32Array(buf, dstPtr, bytes / 4);
    if (L.tiedTo) {
      // the tied head streams its source's values (the embedding's wte) again: the weights cross the link twice a pass
      const at = this.valuesPtr(L.tiedTo.layer) + 4 * L.tiedTo.offset;
      dst.set(new Uint32Array(buf, at, L.floats));
      this.counters.bytesStreamed += bytes;
      return bytes;
    }
    const src = this.valuesPtr(l);
    const vals = new Uint32Array(buf, src, L.floats);
    L.segments.forEach((s, si) => {
      const base = fwd ? s.fwdWireOffset : s.wireOffset;
      if (!s.template) {
        dst.set(vals.subarray(s.offset, s.offset + s.size), base);
        return;
      }
      dst.set(fwd ? s.columns!.words : s.template, base);
      const idx = fwd ? s.columns!.valueAt : this.valueWords[l][si]!;
      const off = s.offset;
      for (let i = 0; i < idx.length; i++) dst[base + idx[i]] = vals[off + i];
    });
    this.counters.bytesStreamed += bytes;
    return bytes;
  }

  beginStep(): void {
    if (this.inStep) throw new Error('MemoryX.beginStep: a step is already open (commit or roll it back first)');
    this.inStep = true;
  }

  /**
   * Applies the optimizer to layer l with its complete, reduced gradient (P_l floats at byte `gradPtr`,
   * the master block's layout: a sparse weight's gradient is stream-aligned, nnz floats).
   */
  update(l: number, gradPtr: number): void {
    if (!this.inStep) throw new Error('MemoryX.update: no open step (call beginStep first)');
    const L = this.layers[l];
    const P = L.floats;
    if (L.tiedTo) return this.holdTiedGradient(l, gradPtr);
    const tied = this.tiedPending[l];
    if (tied >= 0) {
      // both uses of a tied weight meet here: gradient of this layer's segment += the tied layer's, then one update
      addTiedGradient(this.wasm, gradPtr + 4 * this.layers[tied].tiedTo!.offset, this.tiedGradPtr[tied], this.layers[tied].floats);
      this.tiedPending[l] = -1;
    }
    this.refuseSecondUpdate(l, 'update');
    const recBytes = this.tiers.recordBytes[l];
    const dram = this.tiers.tier[l] === 'dram';
    // DRAM: read the active slot, write the other; flash: stage the active slot, update it there, write it to the other
    const at = dram ? this.dramTarget(l) : { ptr: this.stagingPtr, from: 0, t: this._t + 1 };
    if (!dram) this.flash!.read(l, this.active[l], new Uint8Array(this.wasm.memory.buffer, at.ptr, recBytes));
    updateRecord(this.updater, this.optimizer, at.t, at.ptr, gradPtr, P, at.from, 0, P);
    if (!dram) this.flash!.write(l, 1 - this.active[l], new Uint8Array(this.wasm.memory.buffer, at.ptr, recBytes));
    this.markUpdated(l);
    this.syncFlashCounters();
  }

  /** Whether layer l's update can be handed to other threads: a DRAM record of an untied layer no tied layer adds to. */
  canHandOff(l: number): boolean {
    return this.tiers.tier[l] === 'dram' && !this.layers[l].tiedTo && !this.tieSource[l];
  }

  /**
   * Hands layer l's update to other threads (canHandOff(l) must hold): returns where they run updateRecord
   * on the reduced gradient, slice by slice. The update counts once handedOffDone(l) says every slice is done.
   */
  handOff(l: number): RecordUpdate {
    if (!this.inStep) throw new Error('MemoryX.handOff: no open step (call beginStep first)');
    if (!this.canHandOff(l)) throw new Error(`MemoryX.handOff: layer ${l} (${this.layers[l].name}) is not a DRAM record of an untied layer; update it with update()`);
    this.refuseSecondUpdate(l, 'handOff');
    this.handedOff[l] = true;
    return this.dramTarget(l);
  }

  /** Every slice of layer l's handed-off update is done: it is pending like an update(l) of this step. */
  handedOffDone(l: number): void {
    if (!this.handedOff[l]) throw new Error(`MemoryX.handedOffDone: layer ${l} (${this.layers[l].name}) was not handed off in this step`);
    this.handedOff[l] = false;
    this.markUpdated(l);
  }

  private refuseSecondUpdate(l: number, what: string): void {
    if (this.pending[l] || this.handedOff[l]) throw new Error(`MemoryX.${what}: layer ${l} (${this.layers[l].name}) was already updated in this step`);
  }

  /** A DRAM update's target: the inactive slot, reading the active one. */
  private dramTarget(l: number): RecordUpdate {
    const ptr = this.dramSlot(l, 1 - this.active[l]);
    return { ptr, from: this.dramSlot(l, this.active[l]) - ptr, t: this._t + 1 };
  }

  private markUpdated(l: number): void {
    this.pending[l] = true;
    this.counters.bytesGradients += 4 * this.layers[l].floats;
    this.counters.updates++;
  }

  /** A tied layer's reduced gradient waits in MemoryX until its source layer's update. */
  private holdTiedGradient(l: number, gradPtr: number): void {
    const L = this.layers[l];
    const src = L.tiedTo!.layer;
    if (this.tiedPending[src] >= 0) throw new Error(`MemoryX.update: layer ${l} (${L.name}) was already updated in this step`);
    this.wasm.f32(this.tiedGradPtr[l], L.floats).set(this.wasm.f32(gradPtr, L.floats));
    this.tiedPending[src] = l;
    this.counters.bytesGradients += 4 * L.floats;
    this.counters.updates++;
  }

  /** Makes every update of the open step current; t advances by one. */
  commitStep(): void {
    if (!this.inStep) throw new Error('MemoryX.commitStep: no open step');
    const waiting = this.tiedPending.findIndex((t) => t >= 0);
    if (waiting >= 0) throw new Error(`MemoryX.commitStep: the gradient of tied layer ${this.layers[this.tiedPending[waiting]].name} was never applied (layer ${this.layers[waiting].name} was not updated)`);
    const open = this.handedOff.findIndex((h) => h);
    if (open >= 0) throw new Error(`MemoryX.commitStep: the handed-off update of layer ${this.layers[open].name} is not done`);
    for (let l = 0; l < this.layers.length; l++) {
      if (this.pending[l]) this.active[l] = 1 - this.active[l];
      this.pending[l] = false;
    }
    this._t++;
    this.inStep = false;
  }

  /** Undoes every update of the open step: MemoryX is exactly as it was at beginStep(). */
  rollbackStep(): void {
    if (!this.inStep) throw new Error('MemoryX.rollbackStep: no open step');
    for (let l = 0; l < this.layers.length; l++) {
      this.pending[l] = false;
      this.handedOff[l] = false;
      this.tiedPending[l] = -1;
    }
    this.inStep = false;
  }

  /** A copy of layer l's master values (P_l floats). */
  values(l: number): Float32Array {
    const L = this.layers[l];
    if (L.tiedTo) return this.wasm.f32(this.valuesPtr(L.tiedTo.layer) + 4 * L.tiedTo.offset, L.floats).slice();
    return this.wasm.f32(this.valuesPtr(l), L.floats).slice();
  }

  /** Every layer's full record (values + optimizer state) and t, copied out (for a checkpoint). */
  snapshot(): MemoryXSnapshot {
    if (this.inStep) throw new Error('MemoryX.snapshot: a step is open; snapshots are taken between steps');
    return {
      t: this._t,
      optimizer: this.optimizer,
      layers: this.layers.map((L, l) => ({ name: L.name, floats: L.floats, record: this.readRecord(l) })),
    };
  }

  /** Replaces the whole state with a snapshot (same layers and optimizer, else a clear error). */
  restore(s: MemoryXSnapshot): void {
    if (this.inStep) throw new Error('MemoryX.restore: a step is open');
    if (JSON.stringify(s.optimizer) !== JSON.stringify(this.optimizer)) {
      // only the fields that differ, so the line shows them (a whole optimizer was cut before the one that differs)
      const there = s.optimizer as unknown as Record<string, unknown>;
      const here = this.optimizer as unknown as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(there), ...Object.keys(here)])].filter((k) => JSON.stringify(there[k]) !== JSON.stringify(here[k]));
      const pick = (o: Record<string, unknown>) => keys.map((k) => `${k} ${JSON.stringify(o[k])}`).join(', ');
      throw new ValidationError('checkpoint.optimizer', pick(there), `expected this run's optimizer (${pick(here)}): resume with the checkpoint's optimizer settings (--optimizer, --lr, --momentum, --weight-decay)`);
    }
    if (s.layers.length !== this.layers.length) throw new ValidationError('checkpoint.layers.length', s.layers.length, `expected ${this.layers.length} layers`);
    s.layers.forEach((sl, l) => {
      const L = this.layers[l];
      const want = recordFloats(L) * (1 + this.S);
      if (sl.name !== L.name || sl.floats !== L.floats) {
        throw new ValidationError(`checkpoint.layers[${l}]`, `${sl.name} (${sl.floats} floats)`, `expected ${L.name} (${L.floats} floats)`);
      }
      // name and size agree but the record (weights + optimizer state) has another length: say that, not the same words twice
      if (sl.record.length !== want) throw new ValidationError(`checkpoint.layers[${l}].record.length`, sl.record.length, `expected ${want} floats (layer ${L.name}: weights and optimizer state)`);
    });
    s.layers.forEach((sl, l) => {
      const P = recordFloats(this.layers[l]);
      if (P > 0 || !this.layers[l].tiedTo) this.writeRecord(l, sl.record.subarray(0, P), sl.record.subarray(P));
    });
    this._t = s.t;
  }

  /** Flushes the flash tier and releases its file. */
  close(): void {
    this.flash?.close();
  }

  /** Byte pointer of slot `slot` (0 or 1) of DRAM layer l's record. */
  private dramSlot(l: number, slot: number): number {
    return this.recPtr[l] + slot * this.tiers.recordBytes[l];
  }

  /** Where layer l's current (committed) values are, staging them from flash if needed (values only). */
  private valuesPtr(l: number): number {
    // A pending (uncommitted) update is not current: stream the committed slot.
    if (this.tiers.tier[l] === 'dram') return this.dramSlot(l, this.active[l]);
    const P = this.layers[l].floats;
    this.flash!.read(l, this.active[l], new Uint8Array(this.wasm.memory.buffer, this.stagingPtr, 4 * P));
    this.syncFlashCounters();
    return this.stagingPtr;
  }

  private readRecord(l: number): Float32Array {
    const n = recordFloats(this.layers[l]) * (1 + this.S);
    if (n === 0) return new Float32Array(0);
    if (this.tiers.tier[l] === 'dram') return this.wasm.f32(this.dramSlot(l, this.active[l]), n).slice();
    const out = new Float32Array(n);
    this.flash!.read(l, this.active[l], new Uint8Array(out.buffer));
    this.syncFlashCounters();
    return out;
  }

  /** Writes values (P floats) and state ((S·P) floats, or zeros when null) as layer l's current record. */
  private writeRecord(l: number, values: Float32Array, state: Float32Array | null): void {
    const P = this.layers[l].floats;
    const n = P * (1 + this.S);
    if (state && state.length !== P * this.S) throw new CapacityError(`MemoryX: state of layer ${l} has ${state.length} floats, expected ${P * this.S}`);
    this.active[l] = 0;
    if (this.tiers.tier[l] === 'dram') {
      const rec = this.wasm.f32(this.dramSlot(l, 0), n);
      rec.set(values);
      if (state) rec.set(state, P);
      else rec.fill(0, P);
      return;
    }
    const rec = new Float32Array(n);
    rec.set(values);
    if (state) rec.set(state, P);
    this.flash!.write(l, 0, new Uint8Array(rec.buffer));
    this.syncFlashCounters();
  }

  private syncFlashCounters(): void {
    if (!this.flash) return;
    this.counters.flashBytesRead = this.flash.bytesRead;
    this.counters.flashBytesWritten = this.flash.bytesWritten;
  }
}

/** Bytes of each layer's record: fp32 weights and S optimizer state arrays (a tied layer keeps none: its source's). What the tiers are planned on. */
export function recordBytesOf(layers: MxLayer[], S: number): number[] {
  return layers.map((L) => 4 * recordFloats(L) * (1 + S));
}

/** Bytes MemoryX allocates for its DRAM tier: two slots of each resident record (an update writes the other) and the flash staging slot. */
export function dramTierBytes(tiers: TierPlan): number {
  return 2 * (tiers.dramBytesUsed - tiers.stagingBytes) + tiers.stagingBytes;
}

/**
 * Bytes MemoryX allocates in its arena, and how many allocations (each may waste an alignment pad): its DRAM tier
 * (dramTierBytes: a record each resident layer, the staging slot) and, for each tied layer, the buffer its gradient
 * waits in for its source's (outside the --dram-bytes budget, which holds the records).
 */
export function memoryxAllocations(layers: MxLayer[], tiers: TierPlan): { bytes: number; count: number } {
  const tied = layers.filter((L) => L.tiedTo);
  const resident = tiers.tier.filter((t) => t === 'dram').length;
  return { bytes: dramTierBytes(tiers) + tied.reduce((a, L) => a + 4 * L.floats, 0), count: resident + (tiers.stagingBytes > 0 ? 1 : 0) + tied.length };
}

/** Floats of a layer's own record (a tied layer keeps none). */
function recordFloats(L: MxLayer): number {
  return L.tiedTo ? 0 : L.floats;
}

/**
 * g[0..n) += tied[0..n): where the two gradients of a tied weight meet (MemoryX and the reference trainer
 * both call this, so they add in the same order). One f32 rounding per element, as a WASM f32.add.
 */
export function addTiedGradient(w: Wasm, gPtr: number, tiedPtr: number, n: number): void {
  const g = w.f32(gPtr, n);
  const t = w.f32(tiedPtr, n);
  for (let i = 0; i < n; i++) g[i] = g[i] + t[i];
}

/** Word index of each value word of a stream (owned by src/sparse/stream.ts; re-exported for callers here). */
export { valueWordIndex };
