import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { PROPOSAL_FAILURE_CODES, createMetrics, statusClass, type RaftlockMetrics } from '../../src/metrics/index.js';
import { runPromtool } from '../deploy/promtool.js';
import { documentedMetrics } from './documented-metrics.js';

/** Touches every handle so each metric family renders at least one sample. */
function exercise(m: RaftlockMetrics): void {
  m.raft.term.set(3);
  m.raft.isLeader.set(1);
  m.raft.hasLeader.set(1);
  m.raft.leaderId.set(4385202362435871);
  m.raft.electionsStarted.inc();
  m.raft.electionsWon.inc();
  m.raft.leaderChanges.inc();
  m.raft.proposalsCommitted.inc(5);
  m.raft.proposalsApplied.inc(5);
  m.raft.proposalsPending.set(2);
  m.raft.proposalsFailed.inc({ reason: 'NO_LEADER' });
  m.raft.commitLatency.observe(0.0004);
  m.raft.applyLatency.observe(0.00002);
  m.raft.commitIndex.set(10);
  m.raft.appliedIndex.set(9);
  m.raft.logEntries.set(10);
  m.raft.logBytes.set(2048);
  m.raft.logFirstIndex.set(1);
  m.raft.logLastIndex.set(10);
  m.raft.members.set(3);
  m.raft.snapshotsTaken.inc();
  m.raft.snapshotDuration.observe(0.2);
  m.raft.snapshotSentBytes.inc(1000);
  m.raft.snapshotReceivedBytes.inc(1000);
  m.raft.readIndexLatency.observe(0.001);
  m.storage.syncDuration.observe(0.003);
  m.storage.writtenBytes.inc(4096);
  m.storage.sizeBytes.set(1 << 20);
  m.state.keys.set(12);
  m.state.revision.set(40);
  m.state.compactRevision.set(20);
  m.transport.peerRtt.observe({ peer: 'n2' }, 0.0007);
  m.transport.peerSendFailures.inc({ peer: 'n3' });
  m.transport.peerConnected.set({ peer: 'n2' }, 1);
  m.transport.sentBytes.inc({ peer: 'n2' }, 10);
  m.transport.receivedBytes.inc({ peer: 'n2' }, 10);
  m.lease.active.set(1);
  m.lease.granted.inc();
  m.lease.revoked.inc();
  m.lease.expired.inc();
  m.lock.held.set(1);
  m.lock.waiters.set(2);
  m.lock.waitDuration.observe(12);
  m.lock.acquisitions.inc();
  m.lock.timeouts.inc();
  m.watch.watchers.set(4);
  m.watch.streams.set(1);
  m.watch.eventsSent.inc(7);
  m.watch.slowCanceled.inc();
  m.http.requestDuration.observe({ route: 'PUT /v1/kv/:key', status_class: statusClass(200) }, 0.002);
  m.http.requestsInFlight.set(0);
  m.http.requestsTotal.inc({ route: '/v1/kv/*key', method: 'PUT', code: '200' });
  m.setMemberInfo({ name: 'n1', memberId: 4385202362435871, version: '0.1.0' });
}

const REQUIRED_FAMILIES = [
  'raftlock_raft_term', 'raftlock_raft_is_leader', 'raftlock_raft_has_leader',
  'raftlock_raft_elections_started_total', 'raftlock_raft_elections_won_total', 'raftlock_raft_leader_changes_total',
  'raftlock_raft_proposals_committed_total', 'raftlock_raft_proposals_applied_total', 'raftlock_raft_proposals_pending', 'raftlock_raft_proposals_failed_total',
  'raftlock_raft_commit_latency_seconds', 'raftlock_raft_apply_latency_seconds', 'raftlock_storage_sync_duration_seconds',
  'raftlock_raft_log_entries', 'raftlock_raft_log_bytes', 'raftlock_raft_log_first_index', 'raftlock_raft_log_last_index',
  'raftlock_raft_snapshots_total', 'raftlock_raft_snapshot_duration_seconds', 'raftlock_raft_snapshot_sent_bytes_total', 'raftlock_raft_snapshot_received_bytes_total',
  'raftlock_transport_peer_rtt_seconds', 'raftlock_transport_peer_send_failures_total', 'raftlock_raft_read_index_latency_seconds',
  'raftlock_lease_active', 'raftlock_lease_granted_total', 'raftlock_lease_revoked_total', 'raftlock_lease_expired_total',
  'raftlock_lock_held', 'raftlock_lock_waiters', 'raftlock_lock_wait_duration_seconds', 'raftlock_lock_acquisitions_total', 'raftlock_lock_timeouts_total',
  'raftlock_watch_watchers', 'raftlock_watch_streams', 'raftlock_watch_events_sent_total', 'raftlock_watch_slow_canceled_total',
  'raftlock_http_request_duration_seconds', 'raftlock_http_requests_total', 'raftlock_http_requests_in_flight',
  'raftlock_state_keys', 'raftlock_state_revision', 'raftlock_state_compact_revision',
  'raftlock_storage_size_bytes', 'raftlock_storage_written_bytes_total',
];

function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The only lint findings we accept: prom-client's default `nodejs_active_*_total` gauges. */
const ACCEPTED_LINT = /^nodejs_active_[a-z]+_total non-counter metrics should not have "_total" suffix$/;

describe('metric definitions', () => {
  test('every required family exists with the right type and naming convention', async () => {
    const m = createMetrics();
    exercise(m);
    const fams = families(await m.render());
    for (const name of REQUIRED_FAMILIES) assert.ok(fams.has(name), `missing metric ${name}`);
    for (const [name, type] of fams) {
      assert.match(name, /^raftlock_[a-z]+_[a-z0-9_]+$/, `${name} must be raftlock_<subsystem>_<name>`);
      if (type === 'counter') assert.match(name, /_total$/, `counter ${name} must end in _total`);
      else assert.doesNotMatch(name, /_total$/, `${type} ${name} must not end in _total`);
      if (type === 'histogram') assert.match(name, /_(seconds|bytes)$/, `histogram ${name} must carry a base unit`);
      assert.doesNotMatch(name, /_(ms|milliseconds|kb|mb)(_|$)/, `${name} must use base units`);
    }
  });

  test('proposals_failed_total has a zero series for every known failure code from the start', async () => {
    const text = await createMetrics().render();
    for (const code of ['NO_LEADER', 'NO_QUORUM', 'TIMEOUT', 'PROPOSAL_LOST', 'TOO_MANY_UNCOMMITTED']) assert.ok(PROPOSAL_FAILURE_CODES.includes(code), code);
    for (const code of PROPOSAL_FAILURE_CODES) assert.match(text, new RegExp(`^raftlock_raft_proposals_failed_total\\{reason="${code}"\\} 0$`, 'm'));
  });

  test('docs/operations.md lists exactly the raftlock_* metrics the registry exports, with their types', async () => {
    const fams = families(await createMetrics().render());
    const docs = documentedMetrics();
    const documented = new Map(docs.map((d) => [d.name, d.type]));
    assert.equal(documented.size, docs.length, 'a metric is documented twice');
    for (const [name, type] of fams) assert.equal(documented.get(name), type, `docs/operations.md: ${name} (${type})`);
    for (const name of documented.keys()) assert.ok(fams.has(name), `docs/operations.md documents ${name}, which is not exported`);
  });

  test('latency histograms resolve sub-millisecond to seconds', async () => {
    const m = createMetrics();
    m.raft.commitLatency.observe(0.0002);
    const text = await m.render();
    assert.match(text, /raftlock_raft_commit_latency_seconds_bucket\{le="0.0001"\} 0/);
    assert.match(text, /raftlock_raft_commit_latency_seconds_bucket\{le="0.00025"\} 1/);
    assert.match(text, /raftlock_raft_commit_latency_seconds_bucket\{le="10"\} 1/);
  });

  test('statusClass', () => {
    assert.equal(statusClass(200), '2xx');
    assert.equal(statusClass(429), '4xx');
    assert.equal(statusClass(503), '5xx');
    assert.throws(() => statusClass(42), /not an HTTP status/);
  });

  test('setMemberInfo keeps exactly one info series', async () => {
    const m = createMetrics();
    m.setMemberInfo({ name: 'a', memberId: 1, version: '1' });
    m.setMemberInfo({ name: 'b', memberId: 2, version: '1' });
    const lines = (await m.render()).split('\n').filter((l) => l.startsWith('raftlock_member_info{'));
    assert.deepEqual(lines, ['raftlock_member_info{name="b",member_id="2",version="1"} 1']);
  });
});

describe('isolation', () => {
  test('two metric sets on two registries do not collide', async () => {
    const a = createMetrics({ labels: { member: 'a' } });
    const b = createMetrics({ labels: { member: 'b' } });
    assert.notEqual(a.registry, b.registry);
    a.raft.term.set(7);
    b.raft.term.set(9);
    a.lock.acquisitions.inc(2);
    const ta = await a.render();
    const tb = await b.render();
    assert.match(ta, /^raftlock_raft_term\{member="a"\} 7$/m);
    assert.match(tb, /^raftlock_raft_term\{member="b"\} 9$/m);
    assert.match(ta, /^raftlock_lock_acquisitions_total\{member="a"\} 2$/m);
    assert.match(tb, /^raftlock_lock_acquisitions_total\{member="b"\} 0$/m);
    assert.doesNotMatch(tb, /member="a"/);
  });

  test('a caller-supplied registry is used, and registering twice on it fails loudly', () => {
    const registry = new Registry();
    const m = createMetrics({ registry });
    assert.equal(m.registry, registry);
    assert.ok(registry.getSingleMetric('raftlock_raft_term') !== undefined);
    assert.throws(() => createMetrics({ registry }), /already been registered/);
  });
});

describe('promtool check metrics', () => {
  test('the rendered registry (with default process metrics) passes promtool lint', async () => {
    const m = createMetrics({ defaultMetrics: true, labels: { member: 'n1' } });
    exercise(m);
    const text = await m.render();
    assert.match(text, /^process_cpu_user_seconds_total/m, 'default metrics are collected on the same registry');
    const r = runPromtool(['check', 'metrics'], text);
    const findings = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const unexpected = findings.filter((l) => !ACCEPTED_LINT.test(l));
    assert.deepEqual(unexpected, [], `promtool findings:\n${findings.join('\n')}`);
    // exit 0 (clean) or 3 (lint findings, all of them accepted above); anything else is a parse error
    assert.ok(r.status === 0 || r.status === 3, `promtool exited ${r.status}`);
  });

  test('promtool does catch a badly named metric (the check can fail)', () => {
    const bad = '# HELP raftlock_bad_latency_ms a latency in ms\n# TYPE raftlock_bad_latency_ms counter\nraftlock_bad_latency_ms 1\n';
    const r = runPromtool(['check', 'metrics'], bad);
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /raftlock_bad_latency_ms/);
  });
});
