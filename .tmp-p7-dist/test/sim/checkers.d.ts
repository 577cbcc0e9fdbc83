import type { Entry, LogIndex, NodeId, Term } from '../../src/raft/types.js';
/** A read-only view of one member's log (stable storage plus anything not yet persisted). */
export interface LogView {
    /** Index covered by the member's snapshot (0 when none); entries at or below are compacted. */
    snapshotIndex(): LogIndex;
    lastIndex(): LogIndex;
    /** Term of the entry at `i`, or undefined when compacted (< snapshot index) or past the end. */
    term(i: LogIndex): Term | undefined;
}
export declare function fingerprint(e: Entry): string;
export declare class SafetyChecker {
    /** term -> leader id. */
    private leaders;
    /** index -> committed entry (the first one applied there). */
    private committed;
    private maxCommitted;
    /** `${index}/${term}` -> what was persisted there. */
    private persisted;
    /** Per leader (node/term): committed indexes already verified in its log. */
    private leaderCheckedUpTo;
    /** Lowest committed index recorded since leaders were last checked (forces a re-check). */
    private dirtyFrom;
    /** `${node}` -> [life, commit]. */
    private commits;
    /** Election Safety, then Leader Completeness for a member that is leader of `term` now. */
    checkLeader(node: NodeId, term: Term, log: LogView): void;
    /** Call after every member's leadership was checked in a step. */
    endStep(): void;
    /**
     * Log Matching. `entries` were just persisted by `node`, contiguous, and `prevTerm` is the term
     * of the entry before the first one in that member's log (undefined if compacted away).
     */
    onPersist(node: NodeId, entries: readonly Entry[], prevTerm: Term | undefined): void;
    /** State Machine Safety for one applied entry; records it as committed for Leader Completeness. */
    onApply(node: NodeId, e: Entry, nodeTerm: Term): void;
    /** The committed entry at `i`, if some member applied one (for snapshot checks). */
    committedAt(i: LogIndex): {
        term: Term;
        fp: string;
    } | undefined;
    get highestCommitted(): LogIndex;
    /** Commit indexes never go back within one life of a member. */
    onCommit(node: NodeId, life: number, commit: LogIndex): void;
}
