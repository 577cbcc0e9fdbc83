import type { PeerProgress, ProgressState } from './api.js';
import type { LogIndex, NodeId } from './types.js';
/** A bounded FIFO of the last index carried by each in-flight AppendEntries (a ring buffer). */
export declare class Inflights {
    readonly capacity: number;
    private readonly buf;
    private start;
    private n;
    constructor(capacity: number);
    count(): number;
    full(): boolean;
    add(last: LogIndex): void;
    /** Forget every in-flight message whose last index is <= `to` (they were acknowledged). */
    freeLE(to: LogIndex): void;
    freeFirstOne(): void;
    reset(): void;
}
export declare class Progress {
    match: LogIndex;
    next: LogIndex;
    state: ProgressState;
    /** In snapshot state: the index of the snapshot being sent. */
    pendingSnapshot: LogIndex;
    /** In probe state: an AppendEntries is out, wait for its answer before sending another. */
    probeSent: boolean;
    /** Heard from since the last check-quorum round. */
    recentActive: boolean;
    isLearner: boolean;
    readonly inflights: Inflights;
    constructor(next: LogIndex, isLearner: boolean, maxInflight: number);
    private check;
    becomeProbe(): void;
    becomeReplicate(): void;
    becomeSnapshot(snapIndex: LogIndex): void;
    /** An acknowledgement up to `n`. Returns true if `match` moved. */
    maybeUpdate(n: LogIndex): boolean;
    /**
     * A rejection of the AppendEntries whose prevLogIndex was `rejected`; `hint` is where the
     * leader estimates the logs last agree. Returns false when the rejection is stale.
     */
    maybeDecrTo(rejected: LogIndex, hint: LogIndex): boolean;
    isPaused(): boolean;
    /** Bookkeeping after sending an AppendEntries whose last entry is `last` (count = entries). */
    sentEntries(count: number, last: LogIndex): void;
    view(): PeerProgress;
}
export type VoteResult = 'won' | 'lost' | 'pending';
/** Membership plus per-member progress. Voters and learners are disjoint. */
export declare class ProgressTracker {
    readonly maxInflight: number;
    readonly progress: Map<number, Progress>;
    private votes;
    /** Sorted voter ids, cached (membership changes are rare; quorum math is per message). */
    private voterIds;
    private readonly matchScratch;
    constructor(maxInflight: number);
    voters(): NodeId[];
    learners(): NodeId[];
    isVoter(id: NodeId): boolean;
    quorum(): number;
    /** Set membership exactly; existing progress is kept for members that stay. */
    setMembers(voters: readonly NodeId[], learners: readonly NodeId[], nextIndex: LogIndex): void;
    upsert(id: NodeId, isLearner: boolean, nextIndex: LogIndex): void;
    remove(id: NodeId): void;
    private refresh;
    /** The largest index replicated on a quorum of voters (0 with no voters). */
    committedIndex(): LogIndex;
    resetVotes(): void;
    recordVote(id: NodeId, granted: boolean): void;
    tallyVotes(): {
        granted: number;
        rejected: number;
        result: VoteResult;
    };
    /** Check-quorum: have a quorum of voters (counting `self`) been heard from recently? */
    quorumActive(self: NodeId): boolean;
}
