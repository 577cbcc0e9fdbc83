// Every raftlock metric, defined on an explicit prom-client Registry. No global registry: a test
// process can run several members, each with its own RaftlockMetrics.
//
// Naming: raftlock_<subsystem>_<name>, base units (seconds, bytes), counters end in _total.
// The metrics reference for operators lives in docs/operations.md; keep the two in step.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
/** Latency buckets from 100 µs to 10 s: fsync on a fast disk up to a stalled election. */
export const LATENCY_BUCKETS_SECONDS = Object.freeze([
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
/** Lock waits run up to limits.maxLockWaitMs (300 s by default). */
export const LOCK_WAIT_BUCKETS_SECONDS = Object.freeze([
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]);
/** Snapshots: building and persisting a state image takes milliseconds to minutes. */
export const SNAPSHOT_BUCKETS_SECONDS = Object.freeze([
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);
/** 204 -> '2xx'. Throws on a value that is not an HTTP status. */
export function statusClass(status) {
    if (!Number.isInteger(status) || status < 100 || status > 599)
        throw new Error(`statusClass: not an HTTP status: ${status}`);
    return `${Math.floor(status / 100)}xx`;
}
export function createMetrics(opts = {}) {
    const registry = opts.registry ?? new Registry();
    if (opts.labels !== undefined)
        registry.setDefaultLabels(opts.labels);
    const registers = [registry];
    const gauge = (name, help, labelNames = []) => new Gauge({ name, help, labelNames, registers });
    const counter = (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers });
    const histogram = (name, help, buckets, labelNames = []) => new Histogram({ name, help, labelNames, buckets: [...buckets], registers });
    const raft = {
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
    const storage = {
        syncDuration: histogram('raftlock_storage_sync_duration_seconds', 'Time to write and fsync one batch of Raft state.', LATENCY_BUCKETS_SECONDS),
        writtenBytes: counter('raftlock_storage_written_bytes_total', 'Bytes written to durable storage.'),
    };
    const transport = {
        peerRtt: histogram('raftlock_transport_peer_rtt_seconds', 'Round-trip time of heartbeats to a peer.', LATENCY_BUCKETS_SECONDS, ['peer']),
        peerSendFailures: counter('raftlock_transport_peer_send_failures_total', 'Messages to a peer that could not be sent.', ['peer']),
        peerConnected: gauge('raftlock_transport_peer_connected', '1 while a connection to the peer is open, else 0.', ['peer']),
        sentBytes: counter('raftlock_transport_sent_bytes_total', 'Bytes sent to a peer.', ['peer']),
        receivedBytes: counter('raftlock_transport_received_bytes_total', 'Bytes received from a peer.', ['peer']),
    };
    const lease = {
        active: gauge('raftlock_lease_active', 'Leases currently alive.'),
        granted: counter('raftlock_lease_granted_total', 'Leases granted (applied on this member).'),
        revoked: counter('raftlock_lease_revoked_total', 'Leases revoked by a client.'),
        expired: counter('raftlock_lease_expired_total', 'Leases revoked because their TTL ran out.'),
    };
    const lock = {
        held: gauge('raftlock_lock_held', 'Locks currently held.'),
        waiters: gauge('raftlock_lock_waiters', 'Lock requests queued behind a holder.'),
        waitDuration: histogram('raftlock_lock_wait_duration_seconds', 'Time from a lock request to its acquisition.', LOCK_WAIT_BUCKETS_SECONDS),
        acquisitions: counter('raftlock_lock_acquisitions_total', 'Locks acquired.'),
        timeouts: counter('raftlock_lock_timeouts_total', 'Lock requests that gave up waiting.'),
    };
    const watch = {
        watchers: gauge('raftlock_watch_watchers', 'Watchers registered on this member.'),
        streams: gauge('raftlock_watch_streams', 'Open WebSocket watch streams on this member.'),
        eventsSent: counter('raftlock_watch_events_sent_total', 'Watch events sent to clients.'),
        slowCanceled: counter('raftlock_watch_slow_canceled_total', 'Watchers canceled because they fell too far behind.'),
    };
    const http = {
        requestDuration: histogram('raftlock_http_request_duration_seconds', 'HTTP request duration by route pattern and status class.', LATENCY_BUCKETS_SECONDS, ['route', 'status_class']),
        requestsInFlight: gauge('raftlock_http_requests_in_flight', 'HTTP requests being served.'),
    };
    const memberInfo = gauge('raftlock_member_info', 'Always 1; labels name this member.', ['name', 'member_id', 'version']);
    if (opts.defaultMetrics === true)
        collectDefaultMetrics({ register: registry });
    return {
        registry,
        raft,
        storage,
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
//# sourceMappingURL=metrics.js.map