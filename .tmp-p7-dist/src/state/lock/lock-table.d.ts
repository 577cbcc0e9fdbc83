import type { LockHolder, LockWaiter } from '../commands.js';
export interface LockRecord {
    readonly name: string;
    holder: LockHolder | null;
    waiters: LockWaiter[];
}
export type AcquireOutcome = {
    kind: 'granted';
    holder: LockHolder;
} | {
    kind: 'queued';
    holder: LockHolder;
    position: number;
}
/** `waiterId` already holds the lock (a retried proposal): nothing changes. */
 | {
    kind: 'already-holder';
    holder: LockHolder;
}
/** `waiterId` is already queued (a retried proposal): nothing changes. */
 | {
    kind: 'already-queued';
    holder: LockHolder;
    position: number;
} | {
    kind: 'queue-full';
    holder: LockHolder;
};
export interface Handoff {
    name: string;
    released: LockHolder;
    next: LockHolder | null;
}
export declare class LockTable {
    private readonly byName;
    /** lease -> names of locks it holds. */
    private readonly heldByLease;
    /** lease -> names of locks it has at least one queued waiter on. */
    private readonly waitingByLease;
    get size(): number;
    get(name: string): LockRecord | undefined;
    /** The current holder's fencing token, 0 when the lock is free. */
    fencingToken(name: string): number;
    /** All locks sorted by name. */
    list(): LockRecord[];
    /** Names of the locks `lease` holds, sorted. */
    heldBy(lease: string): string[];
    /** Names of the locks `lease` waits for, sorted. */
    waitingFor(lease: string): string[];
    /** `grantRevision` is used if the lock is granted now, `queueRevision` if the waiter queues. */
    acquire(name: string, lease: string, waiterId: string, grantRevision: number, queueRevision: number, maxWaiters: number): AcquireOutcome;
    /**
     * Release `name` if its holder matches every given criterion (at least one is required by the
     * caller); the next waiter, if any, is granted at `revision`. Returns undefined when the lock
     * is free or held by someone else.
     */
    release(name: string, match: {
        fencingToken?: number;
        lease?: string;
    }, revision: number): Handoff | undefined;
    /** Withdraw queued waiter `waiterId`; returns it, or undefined when it is not queued. */
    cancel(name: string, waiterId: string): LockWaiter | undefined;
    /**
     * Everything `lease` has in the lock table goes, in one step: first its queued waiters are
     * withdrawn (so no hand-off can go to them), then each lock it holds is handed to the next
     * waiter at `revision`. Both lists are in lock-name order.
     */
    removeLease(lease: string, revision: number): {
        withdrawn: LockWaiter[];
        handoffs: Handoff[];
    };
    /** Restore one lock from a snapshot. */
    load(name: string, holder: LockHolder, waiters: LockWaiter[]): void;
    private handOff;
    /** After removing one waiter of `lease` from `rec`, drop the index entry if it was its last. */
    private unindexWaiter;
    private index;
    private unindex;
}
