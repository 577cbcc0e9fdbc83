// Adapters from the hook interfaces that src/node and src/api declare to the prom-client
// metric handles of src/metrics. Only cmd/ knows both sides.
import type { ApiMetrics, RequestCountMetrics } from '../../src/api/index.js';
import type { RaftlockMetrics } from '../../src/metrics/index.js';
import type { NodeMetrics } from '../../src/node/ports.js';

export function nodeMetricsOf(m: RaftlockMetrics): NodeMetrics {
  return {
    term: (t) => m.raft.term.set(t),
    role: (isLeader, hasLeader) => {
      m.raft.isLeader.set(isLeader ? 1 : 0);
      m.raft.hasLeader.set(hasLeader ? 1 : 0);
    },
    electionStarted: () => m.raft.electionsStarted.inc(),
    electionWon: () => m.raft.electionsWon.inc(),
    leaderChanged: () => m.raft.leaderChanges.inc(),
    proposalCommitted: (s) => {
      m.raft.proposalsCommitted.inc();
      m.raft.commitLatency.observe(s);
    },
    proposalApplied: (n) => m.raft.proposalsApplied.inc(n),
    proposalFailed: (code) => m.raft.proposalsFailed.inc({ reason: code }),
    proposalsPending: (n) => m.raft.proposalsPending.set(n),
    applySeconds: (s) => m.raft.applyLatency.observe(s),
    storageSyncSeconds: (s) => m.storage.syncDuration.observe(s),
    readIndexSeconds: (s) => m.raft.readIndexLatency.observe(s),
    snapshotTaken: (s) => {
      m.raft.snapshotsTaken.inc();
      m.raft.snapshotDuration.observe(s);
    },
    logSize: (entries, bytes, first, last) => {
      m.raft.logEntries.set(entries);
      m.raft.logBytes.set(bytes);
      m.raft.logFirstIndex.set(first);
      m.raft.logLastIndex.set(last);
    },
    leases: (n) => m.lease.active.set(n),
    leaseGranted: () => m.lease.granted.inc(),
    leaseRevoked: (reason) => (reason === 'expire' ? m.lease.expired.inc() : m.lease.revoked.inc()),
    locks: (held, waiters) => {
      m.lock.held.set(held);
      m.lock.waiters.set(waiters);
    },
    watchers: (n) => m.watch.watchers.set(n),
  };
}

export function apiMetricsOf(m: RaftlockMetrics): ApiMetrics {
  return {
    observeRequest: (route, statusClass, seconds) => m.http.requestDuration.observe({ route, status_class: statusClass }, seconds),
    watchStreams: (d) => m.watch.streams.inc(d),
    eventsSent: (n) => m.watch.eventsSent.inc(n),
    slowWatcherCanceled: () => m.watch.slowCanceled.inc(),
    lockWait: (seconds, outcome) => {
      m.lock.waitDuration.observe(seconds);
      if (outcome === 'acquired') m.lock.acquisitions.inc();
      else if (outcome === 'timeout') m.lock.timeouts.inc();
    },
  };
}

export function requestCountsOf(m: RaftlockMetrics): RequestCountMetrics {
  return {
    inFlight: (d) => m.http.requestsInFlight.inc(d),
    finished: (route, method, code) => m.http.requestsTotal.inc({ route, method, code: String(code) }),
  };
}
