import type { KeyValue } from '../state/commands.js';
import { HttpTransport, type HttpTransportOptions } from './http-transport.js';
import { KeptLease, type KeptLeaseOptions } from './lease-keeper.js';
import type { ClusterStatus, CompactResult, Consistency, DeleteResult, EndpointHealth, EndpointStatus, LeaseGrantResult, LeaseRevokeResult, LeaseTimeToLive, LockGrant, LockReleaseResult, LockStatus, LockSummary, MemberAddRequest, PutResult, RangeResult, TxnRequest, TxnResult } from './types.js';
import { Watcher, type WatchOptions } from './watcher.js';
export interface ClientOptions extends HttpTransportOptions {
    /** Extra time on top of a lock's wait before the client gives up on the answer, ms (default 10 s). */
    lockResponseMarginMs?: number;
}
export interface ReadOptions {
    consistency?: Consistency;
    signal?: AbortSignal;
}
export interface LockOptions {
    /** An existing lease to hold the lock with. */
    lease?: string;
    /** Or: a TTL in seconds for a new lease made for this lock (kept alive by nobody: you must). */
    ttl?: number;
    /** Wait at most this long for the lock, ms (server default 30 s; 0 = try once). */
    waitMs?: number;
    signal?: AbortSignal;
}
export interface WithLockOptions {
    /** TTL of the lease holding the lock, seconds (default 10). It is kept alive at a third of it. */
    ttl?: number;
    /** Wait at most this long for the lock on each attempt, ms (server default 30 s). */
    waitMs?: number;
    signal?: AbortSignal;
    /** Attempts when acquiring fails transiently (each with a fresh lease; default 3). */
    attempts?: number;
}
/** What `withLock` hands to its function. */
export interface LockContext {
    name: string;
    lease: string;
    /** Pass it to the resources you protect; strictly increasing across grants of this lock. */
    fencingToken: number;
    /** Fires the moment the lease holding the lock is presumed lost. */
    signal: AbortSignal;
}
export declare class Client {
    readonly transport: HttpTransport;
    private readonly lockMarginMs;
    private readonly kept;
    private readonly watchers;
    private isClosed;
    constructor(opts: ClientOptions);
    get endpoints(): readonly string[];
    /** Stop keepalives and watches, abort requests in flight. Kept leases are not revoked: they
     *  expire after their TTL. */
    close(): Promise<void>;
    private assertOpen;
    /** The key, or undefined if it does not exist. */
    get(key: string, opts?: ReadOptions): Promise<KeyValue | undefined>;
    put(key: string, value: string, opts?: {
        lease?: string;
        prevKv?: boolean;
        signal?: AbortSignal;
    }): Promise<PutResult>;
    /** Delete `key` (or, with `prefix`, every key starting with it). */
    delete(key: string, opts?: {
        prefix?: boolean;
        prevKv?: boolean;
        signal?: AbortSignal;
    }): Promise<DeleteResult>;
    /** Keys starting with `prefix` ("" = all), in key order. */
    range(prefix: string, opts?: ReadOptions & {
        limit?: number;
    }): Promise<RangeResult>;
    txn(req: TxnRequest, opts?: {
        signal?: AbortSignal;
    }): Promise<TxnResult>;
    compact(revision: number, opts?: {
        signal?: AbortSignal;
    }): Promise<CompactResult>;
    leaseGrant(ttl: number, opts?: {
        id?: string;
        signal?: AbortSignal;
    }): Promise<LeaseGrantResult>;
    /** Renew once; resolves with the renewed TTL in seconds. */
    leaseKeepAliveOnce(id: string, opts?: {
        signal?: AbortSignal;
    }): Promise<{
        ttl: number;
    }>;
    leaseRevoke(id: string, opts?: {
        signal?: AbortSignal;
    }): Promise<LeaseRevokeResult>;
    leaseTimeToLive(id: string, opts?: ReadOptions): Promise<LeaseTimeToLive>;
    leases(opts?: ReadOptions): Promise<{
        id: string;
        ttl: number;
    }[]>;
    /** Grant a lease and keep it alive (a keepalive every third of the TTL) until `revoke()` or
     *  `stop()`. Its `signal` fires if it is lost. */
    lease(ttl: number, opts?: {
        id?: string;
        signal?: AbortSignal;
    } & KeptLeaseOptions): Promise<KeptLease>;
    /** Acquire `name` (blocking up to `waitMs`). Not retried once sent: a lost answer may have
     *  left a waiter queued on the lease, so the safe recovery is to revoke that lease (withLock
     *  does this). */
    lock(name: string, opts: LockOptions): Promise<LockGrant>;
    unlock(name: string, by: {
        fencingToken: number;
    } | {
        lease: string;
    }, opts?: {
        signal?: AbortSignal;
    }): Promise<LockReleaseResult>;
    /** Holder and waiters of `name`, or undefined when it is neither held nor awaited. */
    lockStatus(name: string, opts?: ReadOptions): Promise<LockStatus | undefined>;
    locks(opts?: ReadOptions): Promise<LockSummary[]>;
    /**
     * Run `fn` holding lock `name`: grant a lease (kept alive), acquire, call `fn` with the fencing
     * token and a signal that fires the moment the lease is lost, and release (by revoking the
     * lease) in `finally`. If the lease was lost before `fn` settled, withLock throws
     * LeaseLostError even if `fn` returned: mutual exclusion was not guaranteed throughout.
     */
    withLock<T>(name: string, fn: (ctx: LockContext) => Promise<T> | T, opts?: WithLockOptions): Promise<T>;
    /** Stop the keepalive and revoke; if revoking fails the lease simply expires after its TTL. */
    private releaseLease;
    /** Watch `key` (or a prefix). Iterate the result: `for await (const { revision, events } of w)`. */
    watch(key: string, opts?: WatchOptions): Watcher;
    /** The cluster as one member (the preferred one, or `endpoint`) sees it. */
    cluster(opts?: {
        endpoint?: string;
        signal?: AbortSignal;
    }): Promise<ClusterStatus>;
    memberList(): Promise<ClusterStatus['members']>;
    memberAdd(req: MemberAddRequest): Promise<Record<string, unknown>>;
    memberRemove(id: string): Promise<Record<string, unknown>>;
    /** GET /v1/cluster on every endpoint, once each (no retries), with latency. */
    endpointStatus(opts?: {
        timeoutMs?: number;
    }): Promise<EndpointStatus[]>;
    /** GET /readyz on every endpoint, once each. */
    endpointHealth(opts?: {
        timeoutMs?: number;
    }): Promise<EndpointHealth[]>;
}
