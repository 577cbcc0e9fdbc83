import type { Entry, LogIndex, Term } from '../raft/types.js';
/** An inclusive range of entry indexes to delete; empty when from > to. */
export interface IndexRange {
    from: LogIndex;
    to: LogIndex;
}
export declare class LogTracker {
    /** Index and term of the latest snapshot (0, 0 when none). Invariant: snapIndex <= lastIndex. */
    snapIndex: LogIndex;
    snapTerm: Term;
    /** terms[i] and sizes[i] describe entry snapIndex + 1 + i. Invariant: same length. */
    private terms;
    private sizes;
    /** Sum of sizes. */
    bytes: number;
    get count(): number;
    get firstIndex(): LogIndex;
    get lastIndex(): LogIndex;
    /** Term of entry `i`, the snapshot's term at snapIndex, undefined when not held. */
    termAt(i: LogIndex): Term | undefined;
    reset(snapIndex: LogIndex, snapTerm: Term): void;
    /**
     * Records an append of `entries` (with their encoded sizes) and returns the stored indexes it
     * kills beyond its new last index. Throws on anything that would break the log's shape.
     */
    append(entries: readonly Entry[], sizes: readonly number[]): IndexRange;
    /**
     * Records a snapshot at (index, term) and returns the stored entry indexes to delete.
     * - 'compact': the snapshot covers a prefix of our log: entries <= index die, later ones stay.
     *   Compacting past the last entry or with a term that contradicts the log is a bug (throws).
     * - 'install': a snapshot from the leader. If our entry at `index` has `term`, behave like
     *   'compact'; otherwise our whole log is discarded.
     */
    snapshot(index: LogIndex, term: Term, mode: 'compact' | 'install'): IndexRange;
}
