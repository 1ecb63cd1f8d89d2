// MemoryX's undo log for its DRAM tier: a copy of a layer's record as it was when the step began, taken
// before the step's update of that layer writes over it (or earlier, ahead of the update, so the copy
// leaves the update's critical path: the record does not change between beginStep and its update), and
// written back by a rollback. Legend: l = streamed layer.

export class UndoLog {
  private readonly copies: Array<Uint8Array | null>;
  /** saved[l]: the copy holds the record as at beginStep; updated[l]: the step updated the record. */
  private readonly saved: boolean[];
  private readonly updated: boolean[];

  constructor(layers: number) {
    this.copies = new Array(layers).fill(null);
    this.saved = new Array(layers).fill(false);
    this.updated = new Array(layers).fill(false);
  }

  /** Copies the record (bytes of `memory` at `ptr`) unless this step's copy is already taken. */
  save(l: number, memory: ArrayBuffer, ptr: number, bytes: number): void {
    if (this.saved[l]) return;
    let u = this.copies[l];
    if (!u) u = this.copies[l] = new Uint8Array(bytes);
    u.set(new Uint8Array(memory, ptr, bytes));
    this.saved[l] = true;
  }

  /** Whether layer l was updated in this step. */
  isUpdated(l: number): boolean {
    return this.updated[l];
  }

  /** Layer l is about to be updated: its copy must exist (save first). */
  markUpdated(l: number): void {
    if (!this.saved[l]) throw new Error(`MemoryX undo: layer ${l} is updated without its record saved`);
    this.updated[l] = true;
  }

  /** Writes every updated layer's copy back (rollback) and forgets the step. */
  restore(memory: ArrayBuffer, ptrs: readonly number[]): void {
    for (let l = 0; l < this.updated.length; l++) if (this.updated[l]) new Uint8Array(memory, ptrs[l], this.copies[l]!.length).set(this.copies[l]!);
    this.clear();
  }

  /** Forgets the step (commit): the next step's updates save again. */
  clear(): void {
    this.saved.fill(false);
    this.updated.fill(false);
  }
}
