// Every raftlock metric, defined on an explicit prom-client Registry. No global registry: a test
// process can run several members, each with its own RaftlockMetrics.
//
// Naming: raftlock_<subsystem>_<name>, base units (seconds, bytes), counters end in _total.
// The metrics reference for operators lives in docs/operations.md; keep the two in step.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets from 100 µs to 10 s: fsync on a fast disk up to a stalled election. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
/** Lock waits run up to limits.maxLockWaitMs (300 s by default). */
export const LOCK_WAIT_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]);
/** Snapshots: building and persisting a state image takes milliseconds to minutes. */
export const SNAPSHOT_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/**
 * The codes `raftlock_raft_proposals_failed_total{reason}` starts with a zero series for, so a
 * rate() or an alert over it has a series before the first failure. A failure with any other
 * code still gets its own series.
 */
export const PROPOSAL_FAILURE_CODES: readonly string[] = Object.freeze([
  'NO_LEADER', 'NO_QUORUM', 'TIMEOUT', 'PROPOSAL_LOST', 'TOO_MANY_UNCOMMITTED', 'TOO_MANY_REQUESTS',
  'TRANSFER_IN_PROGRESS', 'CONF_CHANGE_PENDING', 'PEER_UNREACHABLE', 'SHUTTING_DOWN', 'INTERNAL',
]);

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** 204 -> '2xx'. Throws on a value that is not an HTTP status. */
export function statusClass(status: number): StatusClass {
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`statusClass: not an HTTP status: ${status}`);
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

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
  /** Label `reason`: the coded error (NO_LEADER, NO_QUORUM, TIMEOUT, PROPOSAL_LOST, ...); every
   *  code of PROPOSAL_FAILURE_CODES has a series from the start. */
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
  /** Bytes the data directory takes on disk (sampled, see cmd/raftlockd). */
  readonly sizeBytes: Gauge;
}

/** The replicated keyspace as this member has applied it. */
export interface StateMetrics {
  /** Live keys (lock keys included). */
  readonly keys: Gauge;
  readonly revision: Gauge;
  /** Revisions at or below this one are compacted (history gone). */
  readonly compactRevision: Gauge;
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
  /** Labels: `route` (the pattern, or `unmatched`), `method`, `code` (the HTTP status). */
  readonly requestsTotal: Counter<'route' | 'method' | 'code'>;
}

export interface RaftlockMetrics {
  readonly registry: Registry;
  readonly raft: RaftMetrics;
  readonly storage: StorageMetrics;
  readonly state: StateMetrics;
  readonly transport: TransportMetrics;
  readonly lease: LeaseMetrics;
  readonly lock: LockMetrics;
  readonly watch: WatchMetrics;
  readonly http: HttpMetrics;
  /** 1, labelled with the member name, id and version (set by cmd/ via setMemberInfo). */
  readonly memberInfo: Gauge<'name' | 'member_id' | 'version'>;
  /** Records the member's identity once (replaces an earlier call). */
  setMemberInfo(info: { name: string; memberId: number; version: string }): void;
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

export function createMetrics(opts: CreateMetricsOptions = {}): RaftlockMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.labels !== undefined) registry.setDefaultLabels(opts.labels);
  const registers = [registry];

  const gauge = <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name, help, labelNames, registers });
  const counter = <L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string = string>(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []): Histogram<L> =>
    new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers });

  const raft: RaftMetrics = {
    term: gauge('raftlock_raft_term', 'Current Raft term of this member.'),
    isLeader: gauge('raftlock_raft_is_leader', '1 if this member is the Raft leader, else 0.'),
    hasLeader: gauge('raftlock_raft_has_leader', '1 if this member knows a current leader, else 0.'),
    leaderId: gauge('raftlock_raft_leader_id', 'Member id of the leader this member follows, 0 if none.'),
    electionsStarted: counter('raftlock_raft_elections_started_total', 'Elections this member started as a candidate (pre-vote included).'),
    electionsWon: counter('raftlock_raft_elections_won_total', 'Elections this member won.'),
    leaderChanges: counter('raftlock_raft_leader_changes_total', 'Leader changes seen by this member.'),
    proposalsCommitted: counter('raftlock_raft_proposals_committed_total', 'Log entries committed, as seen by this member.'),
    proposalsApplied: counter('raftlock_raft_proposals_applied_total', 'Log entries applied to the state machine on this member.'),
    proposalsPending: gauge('raftlock_raft_proposals_pending', 'Proposals made through this member that wait for their outcome.'),
    proposalsFailed: counter('raftlock_raft_proposals_failed_total', 'Proposals through this member that failed, by error code.', ['reason']),
    commitLatency: histogram('raftlock_raft_commit_latency_seconds', 'Time from proposal to the entry being known committed.', LATENCY_BUCKETS_SECONDS),
    applyLatency: histogram('raftlock_raft_apply_latency_seconds', 'Time to apply one committed entry to the state machine.', LATENCY_BUCKETS_SECONDS),
    commitIndex: gauge('raftlock_raft_commit_index', 'Highest log index known committed.'),
    appliedIndex: gauge('raftlock_raft_applied_index', 'Highest log index applied to the state machine.'),
    logEntries: gauge('raftlock_raft_log_entries', 'Log entries held since the last snapshot.'),
    logBytes: gauge('raftlock_raft_log_bytes', 'Bytes of log entries held since the last snapshot.'),
    logFirstIndex: gauge('raftlock_raft_log_first_index', 'First log index still held (after compaction).'),
    logLastIndex: gauge('raftlock_raft_log_last_index', 'Last log index held.'),
    members: gauge('raftlock_raft_members', 'Voting members in the current cluster configuration.'),
    snapshotsTaken: counter('raftlock_raft_snapshots_total', 'Snapshots taken by this member.'),
    snapshotDuration: histogram('raftlock_raft_snapshot_duration_seconds', 'Time to build and persist a snapshot.', SNAPSHOT_BUCKETS_SECONDS),
    snapshotSentBytes: counter('raftlock_raft_snapshot_sent_bytes_total', 'Snapshot bytes sent to peers.'),
    snapshotReceivedBytes: counter('raftlock_raft_snapshot_received_bytes_total', 'Snapshot bytes received from the leader.'),
    readIndexLatency: histogram('raftlock_raft_read_index_latency_seconds', 'Time for a linearizable read to obtain and reach its ReadIndex.', LATENCY_BUCKETS_SECONDS),
  };

  for (const reason of PROPOSAL_FAILURE_CODES) raft.proposalsFailed.inc({ reason }, 0);

  const storage: StorageMetrics = {
    syncDuration: histogram('raftlock_storage_sync_duration_seconds', 'Time to write and fsync one batch of Raft state.', LATENCY_BUCKETS_SECONDS),
    writtenBytes: counter('raftlock_storage_written_bytes_total', 'Bytes of keys and values written to durable storage.'),
    sizeBytes: gauge('raftlock_storage_size_bytes', 'Bytes the data directory takes on disk.'),
  };

  const state: StateMetrics = {
    keys: gauge('raftlock_state_keys', 'Live keys in the keyspace applied on this member.'),
    revision: gauge('raftlock_state_revision', 'Current revision of the keyspace applied on this member.'),
    compactRevision: gauge('raftlock_state_compact_revision', 'Revision up to which key history is compacted.'),
  };

  const transport: TransportMetrics = {
    peerRtt: histogram('raftlock_transport_peer_rtt_seconds', 'Round-trip time of heartbeats to a peer.', LATENCY_BUCKETS_SECONDS, ['peer']),
    peerSendFailures: counter('raftlock_transport_peer_send_failures_total', 'Messages to a peer that could not be sent.', ['peer']),
    peerConnected: gauge('raftlock_transport_peer_connected', '1 while a connection to the peer is open, else 0.', ['peer']),
    sentBytes: counter('raftlock_transport_sent_bytes_total', 'Bytes sent to a peer.', ['peer']),
    receivedBytes: counter('raftlock_transport_received_bytes_total', 'Bytes received from a peer.', ['peer']),
  };

  const lease: LeaseMetrics = {
    active: gauge('raftlock_lease_active', 'Leases currently alive.'),
    granted: counter('raftlock_lease_granted_total', 'Leases granted (applied on this member).'),
    revoked: counter('raftlock_lease_revoked_total', 'Leases revoked by a client.'),
    expired: counter('raftlock_lease_expired_total', 'Leases revoked because their TTL ran out.'),
  };

  const lock: LockMetrics = {
    held: gauge('raftlock_lock_held', 'Locks currently held.'),
    waiters: gauge('raftlock_lock_waiters', 'Lock requests queued behind a holder.'),
    waitDuration: histogram('raftlock_lock_wait_duration_seconds', 'Time from a lock request to its acquisition.', LOCK_WAIT_BUCKETS_SECONDS),
    acquisitions: counter('raftlock_lock_acquisitions_total', 'Locks acquired.'),
    timeouts: counter('raftlock_lock_timeouts_total', 'Lock requests that gave up waiting.'),
  };

  const watch: WatchMetrics = {
    watchers: gauge('raftlock_watch_watchers', 'Watchers registered on this member.'),
    streams: gauge('raftlock_watch_streams', 'Open WebSocket watch streams on this member.'),
    eventsSent: counter('raftlock_watch_events_sent_total', 'Watch events sent to clients.'),
    slowCanceled: counter('raftlock_watch_slow_canceled_total', 'Watchers canceled because they fell too far behind.'),
  };

  const http: HttpMetrics = {
    requestDuration: histogram('raftlock_http_request_duration_seconds', 'HTTP request duration by route pattern and status class.', LATENCY_BUCKETS_SECONDS, ['route', 'status_class']),
    requestsInFlight: gauge('raftlock_http_requests_in_flight', 'HTTP requests being served.'),
    requestsTotal: counter('raftlock_http_requests_total', 'HTTP requests served, by route pattern, method and status code.', ['route', 'method', 'code']),
  };

  const memberInfo = gauge('raftlock_member_info', 'Always 1; labels name this member.', ['name', 'member_id', 'version']);

  if (opts.defaultMetrics === true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    raft,
    storage,
    state,
    transport,
    lease,
    lock,
    watch,
    http,
    memberInfo,
    setMemberInfo(info) {
      memberInfo.reset();
      memberInfo.set({ name: info.name, member_id: String(info.memberId), version: info.version }, 1);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
