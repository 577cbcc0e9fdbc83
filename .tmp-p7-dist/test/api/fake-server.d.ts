import type { Command, CommandResult, LockHolder } from '../../src/state/index.js';
import { StateMachine, WatchHub } from '../../src/state/index.js';
import { CodedError } from '../../src/api/errors.js';
import type { ClusterInfo, ServerFacade, StateView, WatchOptions, WatchSubscription } from '../../src/api/server-facade.js';
export interface Applied {
    cmd: Command;
    result: CommandResult;
}
export declare class FakeServer implements ServerFacade {
    readonly sm: StateMachine;
    readonly hub: WatchHub;
    /** Every applied command with its result, in order. */
    readonly applied: Applied[];
    readBarrierCalls: number;
    ready: {
        ready: boolean;
        reason: string;
    };
    /** When set, the next propose (or readBarrier) rejects with it, once. */
    failNextPropose: CodedError | undefined;
    failNextBarrier: CodedError | undefined;
    /** Runs before a command is applied (may apply others first, to force interleavings). */
    beforeApply: ((cmd: Command) => void) | undefined;
    private readonly renewedAt;
    private readonly lockListeners;
    private readonly appliedWaiters;
    constructor(opts?: {
        historyRevisions?: number;
    });
    /** Apply at once (what propose does after its await); tests use it to set the scene. */
    applyNow(cmd: Command): CommandResult;
    /** Resolves with the first applied command (from now on, or since index `from`) matching. */
    waitForApplied(pred: (a: Applied) => boolean, from?: number): Promise<Applied>;
    propose(cmd: Command): Promise<CommandResult>;
    readBarrier(): Promise<void>;
    state(): StateView;
    cluster(): ClusterInfo;
    leaseKeepalive(id: string): Promise<{
        ttlMs: number;
    }>;
    leaseRemaining(id: string): Promise<number>;
    awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null>;
    /** Lock waits now pending in awaitLockGrant. */
    get lockListenerCount(): number;
    private checkLockListener;
    watch(opts: WatchOptions): WatchSubscription;
    readiness(): {
        ready: boolean;
        reason: string;
    };
    /** Membership changes recorded in order (the fake has no Raft configuration). */
    readonly membershipChanges: {
        change: string;
        member: {
            id: number;
            name: string;
        };
    }[];
    memberList: {
        name: string;
        id: string;
        role: 'leader' | 'follower' | 'learner';
        clientUrl: string;
        peerUrl: string;
    }[];
    changeMembership(change: 'add' | 'addLearner' | 'remove', member: {
        id: number;
        name: string;
        peerUrl: string;
        clientUrl: string;
    }): Promise<void>;
    memberIdFor(name: string): number;
}
