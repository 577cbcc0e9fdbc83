import { Counter, Gauge, Histogram, Registry } from 'prom-client';
/** Latency buckets from 100 µs to 10 s: fsync on a fast disk up to a stalled election. */
export declare const LATENCY_BUCKETS_SECONDS: readonly number[];
/** Lock waits run up to limits.maxLockWaitMs (300 s by default). */
export declare const LOCK_WAIT_BUCKETS_SECONDS: readonly number[];
/** Snapshots: building and persisting a state image takes milliseconds to minutes. */
export declare const SNAPSHOT_BUCKETS_SECONDS: readonly number[];
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
/** 204 -> '2xx'. Throws on a value that is not an HTTP status. */
export declare function statusClass(status: number): StatusClass;
export interface RaftMetrics {
    /** Current Raft term. */
    readonly term: Gauge;
    /** 1 when this member is the leader. */
    readonly isLeader: Gauge;
    /** 1 when this member knows a leader. */
    readonly hasLeader: Gauge;
    /** Member id of the known leader, 0 when none. */
    readonly leaderId: Gauge;
    readonly electionsStarted: Counter;
    readonly electionsWon: Counter;
    /** Leader changes observed by this member (including to/from "no leader" -> a leader). */
    readonly leaderChanges: Counter;
    readonly proposalsCommitted: Counter;
    readonly proposalsApplied: Counter;
    readonly proposalsPending: Gauge;
    /** Label `reason`: the coded error (NO_LEADER, TIMEOUT, PROPOSAL_LOST, TOO_MANY_UNCOMMITTED, ...). */
    readonly proposalsFailed: Counter<'reason'>;
    /** Proposal accepted by this member -> its entry is known committed. */
    readonly commitLatency: Histogram;
    /** Time to apply one committed entry to the state machine. */
    readonly applyLatency: Histogram;
    readonly commitIndex: Gauge;
    readonly appliedIndex: Gauge;
    /** Log entries / bytes since the last snapshot. */
    readonly logEntries: Gauge;
    readonly logBytes: Gauge;
    readonly logFirstIndex: Gauge;
    readonly logLastIndex: Gauge;
    /** Voting members in the current configuration. */
    readonly members: Gauge;
    readonly snapshotsTaken: Counter;
    readonly snapshotDuration: Histogram;
    readonly snapshotSentBytes: Counter;
    readonly snapshotReceivedBytes: Counter;
    /** Linearizable read: ReadIndex request -> local applied >= read index. */
    readonly readIndexLatency: Histogram;
}
export interface StorageMetrics {
    /** One Ready's write batch plus its fsync. */
    readonly syncDuration: Histogram;
    readonly writtenBytes: Counter;
}
export interface TransportMetrics {
    /** Label `peer`: the peer's member name. */
    readonly peerRtt: Histogram<'peer'>;
    readonly peerSendFailures: Counter<'peer'>;
    /** 1 while a connection to the peer is open. */
    readonly peerConnected: Gauge<'peer'>;
    readonly sentBytes: Counter<'peer'>;
    readonly receivedBytes: Counter<'peer'>;
}
export interface LeaseMetrics {
    readonly active: Gauge;
    readonly granted: Counter;
    readonly revoked: Counter;
    readonly expired: Counter;
}
export interface LockMetrics {
    readonly held: Gauge;
    readonly waiters: Gauge;
    readonly waitDuration: Histogram;
    readonly acquisitions: Counter;
    readonly timeouts: Counter;
}
export interface WatchMetrics {
    readonly watchers: Gauge;
    readonly streams: Gauge;
    readonly eventsSent: Counter;
    readonly slowCanceled: Counter;
}
export interface HttpMetrics {
    /** Labels: `route` (the router's pattern, never the raw path) and `status_class`. */
    readonly requestDuration: Histogram<'route' | 'status_class'>;
    readonly requestsInFlight: Gauge;
}
export interface RaftlockMetrics {
    readonly registry: Registry;
    readonly raft: RaftMetrics;
    readonly storage: StorageMetrics;
    readonly transport: TransportMetrics;
    readonly lease: LeaseMetrics;
    readonly lock: LockMetrics;
    readonly watch: WatchMetrics;
    readonly http: HttpMetrics;
    /** 1, labelled with the member name, id and version (set by cmd/ via setMemberInfo). */
    readonly memberInfo: Gauge<'name' | 'member_id' | 'version'>;
    /** Records the member's identity once (replaces an earlier call). */
    setMemberInfo(info: {
        name: string;
        memberId: number;
        version: string;
    }): void;
    /** Prometheus text exposition of the registry. */
    render(): Promise<string>;
    readonly contentType: string;
}
export interface CreateMetricsOptions {
    /** Registry to register on; a new one by default. */
    registry?: Registry;
    /** Also collect prom-client's process/Node.js metrics on the same registry (default false). */
    defaultMetrics?: boolean;
    /** Labels added to every series of this registry (e.g. { member: 'n1' } in tests). */
    labels?: Record<string, string>;
}
export declare function createMetrics(opts?: CreateMetricsOptions): RaftlockMetrics;
