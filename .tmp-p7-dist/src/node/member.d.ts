import type { ClusterInfo, ServerFacade, StateView, WatchOptions, WatchSubscription } from '../api/server-facade.js';
import { StateRole, type Message, type Rng } from '../raft/types.js';
import type { Command, CommandResult, LockHolder } from '../state/commands.js';
import { type MemberRecord } from './members.js';
import type { Clock, DurableLog, Logger, NodeMetrics, PeerLink } from './ports.js';
export interface MemberOptions {
    self: MemberRecord;
    /** Founding members (including self) for a brand-new cluster; ignored when the log exists. */
    initialMembers: MemberRecord[];
    /** A new member joining an existing cluster: start empty and learn everything from the leader. */
    join: boolean;
    tickMs: number;
    electionTicks: number;
    heartbeatTicks: number;
    /** Take a snapshot and compact the log every this many applied entries. */
    snapshotThreshold: number;
    historyRevisions: number;
    maxPendingProposals: number;
    maxWatchers: number;
    requestTimeoutMs: number;
    /** The id a member name maps to in this cluster (cmd/ derives it from name + cluster token). */
    memberIdFor: (name: string) => number;
    log: DurableLog;
    peers: PeerLink;
    clock: Clock;
    rng: Rng;
    logger: Logger;
    metrics?: NodeMetrics;
    /** TEST HOOKS that re-introduce bugs on purpose (fault-injection suite only). */
    unsafe?: {
        /** Serve linearizable reads from local state without ReadIndex. */
        localReads?: boolean;
        /** Acknowledge puts and deletes once the leader has persisted them, before they commit. */
        ackBeforeCommit?: boolean;
    };
}
export declare class Member implements ServerFacade {
    private readonly o;
    private readonly raft;
    private readonly memLog;
    private sm;
    private readonly hub;
    private readonly directory;
    private readonly lessor;
    private applied;
    private snapshotIndex;
    private lead;
    private role;
    /** Index of the first entry of this member's current leadership term (its empty entry). */
    private leaderSinceIndex;
    private readonly pending;
    private readonly readQueue;
    private readInFlight;
    private readSeq;
    private applyWaiters;
    private readonly lockWatches;
    private readonly leaderWaiters;
    private loopRunning;
    private loopAgain;
    private stopped;
    private stopping;
    private ticker;
    private lessorTimer;
    private loopIdle;
    private fatalError;
    private constructor();
    /** Recover from the durable log (or bootstrap a new cluster), then start ticking. */
    static start(o: MemberOptions): Promise<Member>;
    /** A Raft message from a peer. */
    handlePeerMessage(msg: Message): void;
    reportSnapshot(to: number, ok: boolean): void;
    reportUnreachable(to: number): void;
    /** A forwarded client request from a follower (we are, or were, the leader). */
    handlePeerRequest(_from: number, payload: Uint8Array): Promise<Uint8Array>;
    private kick;
    private runLoop;
    private handleReady;
    /** UNSAFE test hook: answer proposals as soon as the leader persisted them (a classic bug). */
    private unsafeAckPersisted;
    private afterAdvance;
    private onSoftState;
    private installSnapshot;
    private applyEntries;
    private applyConfChange;
    private notifyApplied;
    private waitApplied;
    private maybeSnapshot;
    private fail;
    private notLeaderError;
    private proposeLocal;
    private waitForLeader;
    propose(cmd: Command, opts?: {
        timeoutMs?: number;
        signal?: AbortSignal;
    }): Promise<CommandResult>;
    private forward;
    private sleep;
    private electionTimeoutMs;
    readBarrier(opts?: {
        timeoutMs?: number;
    }): Promise<void>;
    private issueRead;
    private onReadState;
    private checkLeases;
    private ensureLeaderCurrent;
    private keepaliveLocal;
    private remainingLocal;
    leaseKeepalive(id: string): Promise<{
        ttlMs: number;
    }>;
    leaseRemaining(id: string): Promise<number>;
    awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null>;
    private checkLockWatch;
    private checkLockWatches;
    private updateCoordinationGauges;
    private confChangeLocal;
    /** Add (as voter or learner) or remove a member; forwarded to the leader from a follower. */
    changeMembership(change: 'add' | 'addLearner' | 'remove', rec: MemberRecord): Promise<void>;
    memberIdFor(name: string): number;
    state(): StateView;
    watch(opts: WatchOptions): WatchSubscription;
    cluster(): ClusterInfo;
    readiness(): {
        ready: boolean;
        reason: string;
    };
    /** For the daemon and tests. */
    status(): {
        id: number;
        role: StateRole;
        lead: number;
        term: number;
        commit: number;
        applied: number;
        snapshotIndex: number;
    };
    /**
     * Stop. A leader first hands leadership to the most up-to-date voter (so a rolling restart
     * causes no election timeout), waiting at most about two election timeouts for it.
     */
    stop(opts?: {
        transferLeadership?: boolean;
    }): Promise<void>;
    private handOver;
    private rejectAll;
}
