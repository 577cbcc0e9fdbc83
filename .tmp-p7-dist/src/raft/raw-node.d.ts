import type { ProposeResult, RaftNodeApi, Status } from './api.js';
import { type ConfChange, type ConfState, type HardState, type LogIndex, type Message, type NodeId, type RaftConfig, type Ready } from './types.js';
export declare const DEFAULT_MAX_INFLIGHT_MSGS = 256;
export declare const DEFAULT_MAX_SIZE_PER_MSG: number;
export declare const DEFAULT_MAX_COMMITTED_SIZE_PER_READY: number;
export declare const DEFAULT_MAX_UNCOMMITTED_ENTRIES_SIZE: number;
export declare const DEFAULT_MAX_PENDING_READ_INDEX = 4096;
export declare const DEFAULT_MAX_MSGS_PER_READY = 65536;
export declare class RawNode implements RaftNodeApi {
    readonly id: NodeId;
    /** Latest term seen. Never decreases. */
    private term;
    /** Candidate voted for in `term`, or NONE. At most one per term. */
    private vote;
    /** Entries, commit and apply indexes. applied <= committed <= lastIndex (see raft-log.ts). */
    private readonly log;
    private role;
    /** The leader of `term` as far as we know, or NONE. */
    private lead;
    /** Membership and, on the leader, each member's replication progress. */
    private readonly prs;
    /** Follower/candidate: ticks since the last reset (leader contact, vote granted, role change).
     *  Leader: ticks since the last check-quorum round. */
    private electionElapsed;
    /** Leader: ticks since the last heartbeat round. */
    private heartbeatElapsed;
    /** In [electionTicks, 2*electionTicks); redrawn from the Rng on every term/role reset. */
    private randomizedElectionTimeout;
    /** Leader: target of an ongoing leadership transfer, or NONE. */
    private leadTransferee;
    /** Leader: index of the latest conf change it may have appended; no new one until applied >= it. */
    private pendingConfIndex;
    /** Leader: payload bytes appended but not yet handed out as committed. */
    private uncommittedSize;
    private readonly readOnly;
    /** Leader: ReadIndex requests that arrived before it committed an entry of its term. */
    private pendingReadIndexMessages;
    /** Outgoing messages for the next Ready (bounded by maxMsgsPerReady; excess is dropped, which
     *  Raft tolerates like network loss). */
    private msgs;
    private readStates;
    /** Leader: new entries or a new commit index to broadcast when the next Ready is built (lets
     *  many proposals between two Readies travel in one AppendEntries per follower). */
    private needBcast;
    private stepFn;
    private tickFn;
    private prevSoft;
    private prevHard;
    /** The Ready handed out by ready() and not yet advance()d. */
    private outstanding;
    /** Messages dropped because the outgoing queue was full (diagnostics). */
    droppedMessages: number;
    private readonly electionTicks;
    private readonly heartbeatTicks;
    private readonly rng;
    private readonly preVote;
    private readonly checkQuorum;
    private readonly maxSizePerMsg;
    private readonly maxCommittedSizePerReady;
    private readonly maxUncommittedEntriesSize;
    private readonly maxPendingReadIndex;
    private readonly maxMsgsPerReady;
    private readonly mut;
    constructor(config: RaftConfig);
    tick(): void;
    campaign(): void;
    propose(data: Uint8Array): ProposeResult;
    proposeConfChange(cc: ConfChange): ProposeResult;
    readIndex(ctx: Uint8Array): boolean;
    transferLeadership(to: NodeId): void;
    reportSnapshot(to: NodeId, ok: boolean): void;
    reportUnreachable(to: NodeId): void;
    hasReady(): boolean;
    ready(): Ready;
    advance(rd: Ready): void;
    compact(index: LogIndex, data: Uint8Array): void;
    status(): Status;
    hardState(): HardState;
    step(m: Message): void;
    private handleVoteRequest;
    private becomeFollower;
    private becomePreCandidate;
    private becomeCandidate;
    private becomeLeader;
    /** Per-term reset shared by every role change. */
    private reset;
    private promotable;
    private tickElection;
    private tickHeartbeat;
    private hup;
    private startCampaign;
    private hasUnappliedConfChanges;
    private stepFollower;
    private handleAppend;
    private handleHeartbeat;
    private handleSnapshot;
    /** Install `snap` if it is news to us. Returns false when it is not (already committed, or
     *  our log already has its last entry — then we just commit up to it). */
    private restore;
    private stepCandidate;
    private stepLeader;
    private handleAppendResponse;
    private handleHeartbeatResponse;
    /** Returns false when the request is dropped (queue full or duplicate context). */
    private leaderReadIndex;
    private answerRead;
    private pushReadState;
    private releasePendingReadIndex;
    private leaderTransfer;
    private sendTimeoutNow;
    private refuseProposal;
    private refusal;
    private appendProposal;
    /** Leader: append entries of the current term to our log and count our own copy. */
    private appendEntries;
    /**
     * Advance the commit index to the largest index stored on a quorum of voters — but only if
     * that entry is of the current term (§5.4.2, Figure 8): an entry of an earlier term can be on
     * a majority and still be overwritten by a later leader, so it is committed only indirectly,
     * when an entry of the current term after it is.
     */
    private maybeCommit;
    private committedEntryInCurrentTerm;
    private flushBroadcast;
    private sendAppend;
    /** Send the next AppendEntries (or a snapshot) to `to` if its progress allows. */
    private maybeSendAppend;
    private bcastHeartbeat;
    confState(): ConfState;
    /** Membership as of `index` (in the stable log, not compacted): the snapshot's plus changes. */
    private confStateAt;
    private applyConfChange;
    private local;
    private send;
}
