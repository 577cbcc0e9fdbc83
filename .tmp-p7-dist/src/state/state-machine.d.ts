import type { Command, CommandResult, KeyValue, LockHolder, LockWaiter, WatchEvent } from './commands.js';
import { type EventsSinceResult } from './kv/history.js';
import { type RangeResult } from './kv/kv-store.js';
export interface StateMachineOptions {
    /** Watch history kept by auto-compaction, in revisions (default 10,000). Must be the same on
     *  every member: it decides which watch starts are COMPACTED. */
    historyRevisions?: number;
}
export interface ApplyOutput {
    result: CommandResult;
    /** The watch events of this command, all at `result.revision` (empty when nothing changed). */
    events: WatchEvent[];
}
export interface LeaseView {
    id: string;
    ttlMs: number;
    /** Keys attached to the lease, in key order. */
    keys: string[];
    /** Names of the locks the lease holds, sorted. */
    locks: string[];
}
export interface LockView {
    name: string;
    holder: LockHolder | null;
    /** Queued waiters, first in line first. */
    waiters: LockWaiter[];
}
/** The reserved key that makes lock `name`'s holder observable. */
export declare function lockKey(name: string): string;
/** The value of a lock holder key. */
export declare function lockKeyValue(holder: LockHolder): string;
export declare class StateMachine {
    readonly historyRevisions: number;
    private kv;
    private leaseTable;
    private lockTable;
    private history;
    /** The revision of the last change; 0 before any. Invariant: history holds exactly the
     *  revisions (compactRevision, rev]. */
    private rev;
    constructor(opts?: StateMachineOptions);
    /** Apply one command. A malformed or refused command yields an `{op:'error'}` result and
     *  changes nothing; apply throws only on a broken invariant (a bug). */
    apply(input: Command): ApplyOutput;
    private refused;
    private applyValid;
    /** Make `ch` the new revision if it changed anything; returns the state's revision. */
    private commit;
    /** Refuse, before anything changes, puts whose lease is unknown or that would exceed maxKeys. */
    private checkPuts;
    /** Put a user key; keeps the lease's key set in step. Returns the previous record. */
    private writeKey;
    /** Delete any existing key (user or reserved); returns the removed record. */
    private deleteKey;
    /** Delete `key`, or every user key starting with it; reserved keys are never touched. */
    private deleteRange;
    private recordHandoff;
    private writeLockKey;
    private compareHolds;
    /** Ops run in order, each seeing the ones before it; all writes land at one revision. */
    private applyTxn;
    /** Delete the lease's keys, withdraw its waiters, release its locks (handing each to the next
     *  waiter) — all at one revision. */
    private revokeLease;
    private acquireLock;
    revision(): number;
    compactRevision(): number;
    get(key: string): KeyValue | undefined;
    /** Keys starting with `prefix` in UTF-16 code unit order; `limit` <= 0 means all. */
    range(prefix: string, limit: number): RangeResult;
    lease(id: string): LeaseView | undefined;
    /** Every lease sorted by id. */
    leases(): {
        id: string;
        ttlMs: number;
    }[];
    lock(name: string): LockView | undefined;
    /** Every lock (held or waited for) sorted by name. */
    locks(): LockView[];
    /** History events at revisions >= startRevision for an exact key or a prefix; see History. */
    eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number): EventsSinceResult;
    /** The whole state (history included) as canonical JSON in UTF-8. */
    snapshot(): Uint8Array;
    /** A new state machine from `snapshot()` bytes. Throws an Error naming the defect when the
     *  bytes are not a consistent snapshot. */
    static restore(bytes: Uint8Array, opts?: StateMachineOptions): StateMachine;
    /** Replace this machine's state with a snapshot's, in place (all or nothing). */
    restore(bytes: Uint8Array): void;
    private load;
}
