// A simulated member's durable storage: hard state, snapshot and the entries after it. It is
// written only when the driver persists a Ready (or records a compaction); a crash keeps exactly
// what is here and loses everything else (the RawNode, its unstable entries, the MemoryLog and
// the state machine).

import type { Entry, HardState, Snapshot } from '../../../src/raft/types.js';

export class Disk {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: Snapshot | undefined;
  /** Entries snapshotIndex+1 .. snapshotIndex+entries.length, contiguous. */
  entries: Entry[] = [];

  get snapshotIndex(): number {
    return this.snapshot?.metadata.index ?? 0;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  /** One synced write of a Ready's durable parts: snapshot, then entries, then hard state. */
  persist(hs: HardState | undefined, snap: Snapshot | undefined, entries: readonly Entry[]): void {
    if (snap !== undefined) {
      if (snap.metadata.index < this.snapshotIndex) {
        throw new Error(`Disk.persist: snapshot at ${snap.metadata.index} is older than the stored one at ${this.snapshotIndex}`);
      }
      this.snapshot = snap;
      this.entries = [];
    }
    if (entries.length > 0) {
      const snapIndex = this.snapshotIndex;
      const kept = entries.filter((e) => e.index > snapIndex);
      if (kept.length > 0) {
        const first = (kept[0] as Entry).index;
        if (first > this.lastIndex + 1) {
          throw new Error(`Disk.persist: gap, first new entry ${first} after last index ${this.lastIndex}`);
        }
        this.entries.length = first - snapIndex - 1;
        for (const e of kept) this.entries.push(e);
      }
    }
    if (hs !== undefined) this.hardState = { ...hs };
  }

  /** Record a compaction: `snap` replaces the entries it covers. */
  compact(snap: Snapshot): void {
    const idx = snap.metadata.index;
    const old = this.snapshotIndex;
    if (idx <= old) return;
    if (idx > this.lastIndex) throw new Error(`Disk.compact: index ${idx} beyond last index ${this.lastIndex}`);
    this.entries.splice(0, idx - old);
    this.snapshot = snap;
  }
}
