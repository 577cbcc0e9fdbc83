import { type MemoryLog } from './log-storage.js';
import type { Entry, LogIndex, Snapshot, Term } from './types.js';
export declare class RaftLog {
    readonly storage: MemoryLog;
    private readonly u;
    committed: LogIndex;
    applying: LogIndex;
    applied: LogIndex;
    constructor(storage: MemoryLog, applied: LogIndex | undefined);
    checkInvariants(): void;
    firstIndex(): LogIndex;
    lastIndex(): LogIndex;
    lastTerm(): Term;
    /** Term at i for i in [firstIndex()-1, lastIndex()]; undefined outside (compacted or future). */
    term(i: LogIndex): Term | undefined;
    matchTerm(i: LogIndex, t: Term): boolean;
    /** §5.4.1: is a candidate log ending at (index, term) at least as up-to-date as ours? */
    isUpToDate(index: LogIndex, term: Term): boolean;
    /** Entries in [lo, hi) (hi clamped to lastIndex()+1), at most maxBytes (at least one entry).
     *  lo must not be compacted. */
    entries(lo: LogIndex, hi: LogIndex, maxBytes?: number): Entry[];
    /** The snapshot a lagging follower should receive: the unstable one if any, else the stored one. */
    snapshot(): Snapshot;
    /**
     * Append entries after a conflict check already done by the caller; entries[0].index may be
     * anywhere in (committed, lastIndex()+1]. Returns the new lastIndex.
     */
    append(ents: Entry[]): LogIndex;
    /**
     * The follower side of AppendEntries (Figure 2, receiver rules 2-5). Returns the index of the
     * last new entry, or undefined when (prevIndex, prevTerm) does not match our log.
     * With `truncateAlways` (mutation (c)) the log after prevIndex is replaced by `ents` even when
     * nothing conflicts — a stale or duplicated message then erases newer entries (kept no lower
     * than our own commit index so that the core's own assertions do not mask the bug).
     */
    maybeAppend(prevIndex: LogIndex, prevTerm: Term, leaderCommit: LogIndex, ents: Entry[], truncateAlways: boolean): LogIndex | undefined;
    /** Mutation (c) helper: drop every entry after `keep`. */
    private truncateAfter;
    /** Index of the first entry of `ents` that is not already in the log with the same term; 0 if all are. */
    findConflict(ents: Entry[]): LogIndex;
    /**
     * The largest index i <= index whose term is <= term, with that term, searching no lower than
     * firstIndex()-1. Terms never decrease along a log, so this is a binary search.
     */
    findConflictByTerm(index: LogIndex, term: Term): {
        index: LogIndex;
        term: Term;
    };
    commitTo(i: LogIndex): void;
    /** Install a received snapshot as the new unstable base: the whole log is replaced. */
    restore(snap: Snapshot): void;
    hasUnstableEntriesToHandOut(): boolean;
    unstableEntriesToHandOut(): Entry[];
    snapshotToHandOut(): Snapshot | undefined;
    /** A snapshot is waiting to be handed out or applied: no committed entries until it is. */
    private snapshotPending;
    /** Committed entries may be handed out through this index: everything up to committed is in
     *  stable storage or in the Ready that carries them (which is persisted before apply). */
    hasNextCommittedEntries(): boolean;
    nextCommittedEntries(maxBytes: number): Entry[];
    /** Mark what a Ready handed out. */
    acceptReady(entries: Entry[], snap: Snapshot | undefined, committed: Entry[]): void;
    /** The snapshot handed out in a Ready is durable and applied. */
    stableSnapTo(snap: Snapshot): void;
    /** The entries handed out in a Ready are durable: move them to the stable log. */
    stableEntries(ents: Entry[]): void;
    appliedTo(i: LogIndex): void;
}
