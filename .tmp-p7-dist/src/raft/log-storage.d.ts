import { type Entry, type HardState, type LogIndex, type NodeId, type Snapshot, type Term } from './types.js';
/** Bytes an entry counts for in every size limit (payload plus a fixed per-entry overhead). */
export declare function entrySize(e: Entry): number;
export declare function emptySnapshot(): Snapshot;
/** What a brand-new cluster's founding members all start from (see `MemoryLog.bootstrap`). */
export interface BootstrapState {
    /** One AddVoter ConfChange per founding voter, at indexes 1..n, term 1. */
    entries: Entry[];
    /** {term: 1, vote: NONE, commit: n}. */
    hardState: HardState;
}
export declare class MemoryLog {
    /** The latest snapshot. `snap.metadata.index` is the last compacted index (0 when none). */
    private snap;
    /** Entries snap.index+1 .. snap.index+ents.length; contiguous, terms non-decreasing. */
    private ents;
    private hs;
    /**
     * The initial log of a new cluster. Every founding member must start from exactly this (same
     * voters in the same order), so that the founding membership is itself part of the replicated
     * log and a member added later learns it by replication like any other entry.
     */
    static bootstrap(voters: NodeId[]): BootstrapState;
    /** Convenience for tests and the simulator: a MemoryLog holding `MemoryLog.bootstrap(voters)`. */
    static bootstrapped(voters: NodeId[]): MemoryLog;
    /** First index still held as an entry (snapshot index + 1; 1 for a fresh log). */
    firstIndex(): LogIndex;
    /** Last index in the log (the snapshot index when no entries follow it; 0 for a fresh log). */
    lastIndex(): LogIndex;
    /**
     * Term of the entry at `i`, for i in [firstIndex()-1, lastIndex()] (firstIndex()-1 answers with
     * the snapshot's term; index 0 answers 0). Returns `undefined` for a compacted index (below
     * firstIndex()-1) and for a future index (above lastIndex()); never throws.
     */
    term(i: LogIndex): Term | undefined;
    /**
     * Entries in [lo, hi). Throws when lo is compacted (lo < firstIndex()) or hi is beyond
     * lastIndex()+1: callers check bounds first. With `maxBytes`, stops before the entry that would
     * exceed it, but always returns at least one entry when the range is non-empty.
     */
    entries(lo: LogIndex, hi: LogIndex, maxBytes?: number): Entry[];
    snapshot(): Snapshot;
    hardState(): HardState;
    setHardState(hs: HardState): void;
    /** Replace everything with `snap` (boot-time restore, or the core installing a received one). */
    applySnapshot(snap: Snapshot): void;
    /**
     * Append entries (contiguous, ascending). Entries at or below the snapshot index are ignored;
     * an existing entry at an index the batch covers is replaced together with everything after it
     * (the caller resolved the conflict; the batch is authoritative).
     */
    append(entries: Entry[]): void;
    /**
     * Record `snap` as the new snapshot and drop the entries it covers, keeping the ones after it.
     * `snap.metadata.index` must be in the log (<= lastIndex()) with a matching term.
     */
    compact(snap: Snapshot): void;
}
/** ents[from, to) cut at maxBytes (at least one entry when the range is non-empty). */
export declare function limitSize(ents: Entry[], from: number, to: number, maxBytes: number): Entry[];
