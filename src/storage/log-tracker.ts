// In-memory bookkeeping of what a store holds: snapshot index/term and, for every entry after it,
// its term and encoded size. Both stores use it to validate writes BEFORE they reach the disk
// (a bad append is a bug in the caller and throws) and to know which stored keys a write kills.

import type { Entry, LogIndex, Term } from '../raft/types.js';
import type { StoreStats } from './raft-store.js';
import { invariant } from '../invariant/index.js';

/** An inclusive range of entry indexes to delete; empty when from > to. */
export interface IndexRange {
  from: LogIndex;
  to: LogIndex;
}

export class LogTracker {
  /** Index and term of the latest snapshot (0, 0 when none). Invariant: snapIndex <= lastIndex. */
  snapIndex: LogIndex = 0;
  snapTerm: Term = 0;
  /** terms[i] and sizes[i] describe entry snapIndex + 1 + i. Invariant: same length. */
  private terms: Term[] = [];
  private sizes: number[] = [];
  /** Sum of sizes. */
  bytes = 0;

  get count(): number {
    return this.terms.length;
  }

  get firstIndex(): LogIndex {
    return this.snapIndex + 1;
  }

  get lastIndex(): LogIndex {
    return this.snapIndex + this.terms.length;
  }

  /** The store's statistics: what this tracker knows plus the store's write counters. */
  stats(writes: number, syncedWrites: number): StoreStats {
    return { entries: this.count, bytes: this.bytes, firstIndex: this.firstIndex, lastIndex: this.lastIndex, snapshotIndex: this.snapIndex, writes, syncedWrites };
  }

  /** Term of entry `i`, the snapshot's term at snapIndex, undefined when not held. */
  termAt(i: LogIndex): Term | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex) return undefined;
    return this.terms[i - this.snapIndex - 1];
  }

  reset(snapIndex: LogIndex, snapTerm: Term): void {
    this.snapIndex = snapIndex;
    this.snapTerm = snapTerm;
    this.terms = [];
    this.sizes = [];
    this.bytes = 0;
  }

  /**
   * Records an append of `entries` (with their encoded sizes) and returns the stored indexes it
   * kills beyond its new last index. Throws on anything that would break the log's shape.
   */
  append(entries: readonly Entry[], sizes: readonly number[]): IndexRange {
    if (entries.length === 0) return { from: 1, to: 0 };
    invariant(sizes.length === entries.length, () => `append: ${entries.length} entries but ${sizes.length} sizes`);
    const first = entries[0]!.index;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      invariant(Number.isSafeInteger(e.index) && Number.isSafeInteger(e.term) && e.term >= 0, () => `append: entry ${i} has invalid index ${e.index} / term ${e.term}`);
      invariant(e.index === first + i, () => `append: entries are not contiguous: position ${i} has index ${e.index}, expected ${first + i}`);
      invariant(i === 0 || e.term >= entries[i - 1]!.term, () => `append: term decreases within the batch at index ${e.index} (${entries[i - 1]!.term} -> ${e.term})`);
    }
    invariant(first > this.snapIndex, () => `append: first index ${first} is at or below the snapshot index ${this.snapIndex}`);
    invariant(first <= this.lastIndex + 1, () => `append: first index ${first} leaves a gap after the last stored index ${this.lastIndex}`);
    const prevTerm = this.termAt(first - 1);
    invariant(prevTerm === undefined || entries[0]!.term >= prevTerm, () => `append: entry ${first} has term ${entries[0]!.term}, below the previous entry's term ${prevTerm}`);
    const oldLast = this.lastIndex;
    const newLast = first + entries.length - 1;
    const keep = first - this.snapIndex - 1;
    for (let i = keep; i < this.sizes.length; i++) this.bytes -= this.sizes[i]!;
    this.terms.length = keep;
    this.sizes.length = keep;
    for (let i = 0; i < entries.length; i++) {
      this.terms.push(entries[i]!.term);
      this.sizes.push(sizes[i]!);
      this.bytes += sizes[i]!;
    }
    return { from: newLast + 1, to: oldLast };
  }

  /**
   * Records a snapshot at (index, term) and returns the stored entry indexes to delete.
   * - 'compact': the snapshot covers a prefix of our log: entries <= index die, later ones stay.
   *   Compacting past the last entry or with a term that contradicts the log is a bug (throws).
   * - 'install': a snapshot from the leader. If our entry at `index` has `term`, behave like
   *   'compact'; otherwise our whole log is discarded.
   */
  snapshot(index: LogIndex, term: Term, mode: 'compact' | 'install'): IndexRange {
    invariant(Number.isSafeInteger(index) && index >= 0 && Number.isSafeInteger(term) && term >= 0, () => `snapshot: invalid index ${index} / term ${term}`);
    invariant(index >= this.snapIndex, () => `snapshot: index ${index} is older than the stored snapshot at ${this.snapIndex}`);
    const have = this.termAt(index);
    if (mode === 'compact') {
      invariant(index <= this.lastIndex, () => `compact: snapshot index ${index} is beyond the last stored index ${this.lastIndex}`);
      invariant(have === term, () => `compact: snapshot term ${term} at index ${index} contradicts the stored term ${have}`);
    }
    if (have === term) {
      const drop = index - this.snapIndex;
      for (let i = 0; i < drop; i++) this.bytes -= this.sizes[i]!;
      this.terms.splice(0, drop);
      this.sizes.splice(0, drop);
      const range = { from: this.snapIndex + 1, to: index };
      this.snapIndex = index;
      this.snapTerm = term;
      return range;
    }
    const range = { from: this.snapIndex + 1, to: this.lastIndex };
    this.reset(index, term);
    return range;
  }
}
