// /metrics of a live member, linted by `promtool check metrics`: a real three-member cluster
// serves a few writes, reads, a lease, a lock and a watch, then every member's exposition must
// pass promtool with no complaint about a raftlock_* metric, and show the work it just did.
// Then a small workload (plus one lagging follower and one lost quorum) must move every metric
// docs/operations.md lists, but those it marks as moving only on rare events.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ProcessCluster, eventually, http, waitForLeader } from '../helpers/process-cluster.js';
import { runPromtool } from '../deploy/promtool.js';
import { documentedMetrics, type DocumentedMetric } from '../metrics/documented-metrics.js';

const SNAPSHOT_THRESHOLD = 20;
const FAST = [
  '--heartbeat-interval-ms', '50',
  '--election-timeout-ms', '500',
  // snapshots under a small workload, and a proposal without a quorum fails within the test
  '--snapshot-threshold', String(SNAPSHOT_THRESHOLD),
  '--limits-request-timeout-ms', '1500',
];

/**
 * Lint findings promtool reports for `text`, one per line, minus the one we accept: prom-client's
 * default `nodejs_active_{handles,requests,resources}_total` are gauges whose names end in
 * `_total`, which promtool flags. Anything else (above all any raftlock_* finding) is returned.
 */
export function promtoolMetricsProblems(text: string): { problems: string[]; status: number | null; raw: string } {
  const r = runPromtool(['check', 'metrics'], text);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const allowed = /^nodejs_active_[a-z_]+_total non-counter metrics should not have "_total" suffix$/;
  return { problems: lines.filter((l) => !allowed.test(l)), status: r.status, raw: `${r.stdout}${r.stderr}` };
}

/** Value of one sample line `name{labels} value` (labels given exactly as rendered, or none). */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (sp > 0 && line.slice(0, sp) === series) return Number(line.slice(sp + 1));
  }
  return undefined;
}

/**
 * Every sample of every scrape, per documented metric: a metric "moves" when some scrape shows
 * one of its series non-zero, or a series changes between scrapes (histograms by `_count`).
 */
class MoveRecorder {
  private readonly last = new Map<string, number>();
  readonly moved = new Set<string>();
  private readonly bySample = new Map<string, string>();

  constructor(metrics: readonly DocumentedMetric[]) {
    for (const m of metrics) this.bySample.set(m.type === 'histogram' ? `${m.name}_count` : m.name, m.name);
  }

  record(text: string, member: string): void {
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line === '') continue;
      const sp = line.lastIndexOf(' ');
      const series = line.slice(0, sp);
      const brace = series.indexOf('{');
      const family = this.bySample.get(brace < 0 ? series : series.slice(0, brace));
      if (family === undefined) continue;
      const v = Number(line.slice(sp + 1));
      const key = `${member} ${series}`;
      const before = this.last.get(key);
      if (v !== 0 || (before !== undefined && before !== v)) this.moved.add(family);
      this.last.set(key, v);
    }
  }
}

describe('live /metrics passes promtool check metrics', { timeout: 150_000 }, () => {
  let c: ProcessCluster;

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
  });
  after(async () => {
    await c?.destroy();
  });

  test('the lint itself: it flags a bad raftlock metric and lets the known nodejs warning through', () => {
    const bad = [
      '# HELP raftlock_bad_seconds_total A counter with a unit after total.',
      '# TYPE raftlock_bad_seconds_total gauge',
      'raftlock_bad_seconds_total 1',
      '# HELP nodejs_active_handles_total Number of active libuv handles grouped by handle type.',
      '# TYPE nodejs_active_handles_total gauge',
      'nodejs_active_handles_total 3',
      '',
    ].join('\n');
    const r = promtoolMetricsProblems(bad);
    assert.ok(r.problems.some((p) => p.startsWith('raftlock_bad_seconds_total')), `promtool said: ${r.raw}`);
    assert.ok(!r.problems.some((p) => p.startsWith('nodejs_active_handles_total')), `promtool said: ${r.raw}`);
  });

  test('after writes, reads, a lease, a lock and a watch, every member exposes lint-clean metrics', async () => {
    const leader = await waitForLeader(c);
    const follower = c.members.find((m) => m !== leader)!;

    // A watch on the follower, so watch gauges and the event counter move there.
    const ws = new WebSocket(`${follower.url.replace(/^http/, 'ws')}/v1/watch`);
    const events: unknown[] = [];
    const created = new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as { type: string; events?: unknown[] };
        if (msg.type === 'created') resolve();
        if (msg.events) events.push(...msg.events);
      });
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'create', key: 'ops/', prefix: true })));
    try {
      await created;
      for (let i = 0; i < 5; i++) {
        const put = await http('PUT', `${follower.url}/v1/kv/ops%2Fk${i}`, { value: `v${i}` });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        const get = await http('GET', `${follower.url}/v1/kv/ops%2Fk${i}`);
        assert.equal(get.status, 200);
        assert.equal(get.body.value, `v${i}`);
      }
      const miss = await http('GET', `${follower.url}/v1/kv/ops%2Fmissing`);
      assert.equal(miss.status, 404);
      const lease = await http('POST', `${follower.url}/v1/leases`, { ttl: 10 });
      assert.equal(lease.status, 200);
      assert.equal((await http('POST', `${follower.url}/v1/leases/${lease.body.id}/keepalive`)).status, 200);
      const lock = await http('POST', `${follower.url}/v1/locks/ops-lock`, { lease: lease.body.id, waitMs: 1000 });
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      await eventually('the watch to see all five puts', async () => (events.length >= 5 ? true : undefined));

      // Scrape while the lock is held and the watch is open, so the gauges are non-zero. Every
      // exposition fetched must lint clean; the content checks poll until each member has applied
      // the lock (a follower may trail the commit by a moment).
      const lintClean = async (m: (typeof c.members)[number]): Promise<string> => {
        const res = await fetch(`${m.url}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        const r = promtoolMetricsProblems(text);
        assert.deepEqual(r.problems, [], `promtool check metrics on ${m.name} (exit ${r.status}):\n${r.raw}`);
        return text;
      };
      const texts = await eventually('every member to have applied the lock', async () => {
        const ts = await Promise.all(c.members.map(lintClean));
        return ts.every((t) => sample(t, 'raftlock_lock_held') === 1) ? ts : undefined;
      }, 20_000, 100);
      let leaders = 0;
      for (const [i, m] of c.members.entries()) {
        const text = texts[i]!;
        // The exposition reflects the cluster and the work just done (applied on every member).
        assert.equal(sample(text, 'raftlock_raft_members'), 3, `${m.name} raftlock_raft_members`);
        assert.equal(sample(text, 'raftlock_raft_has_leader'), 1, `${m.name} has_leader`);
        leaders += sample(text, 'raftlock_raft_is_leader') ?? 0;
        assert.ok((sample(text, 'raftlock_raft_proposals_applied_total') ?? 0) >= 8, `${m.name} applied`);
        assert.ok((sample(text, 'raftlock_lease_granted_total') ?? 0) >= 1, `${m.name} leases granted`);
        assert.match(text, new RegExp(`^raftlock_member_info\\{name="${m.name}",member_id="\\d+",version="[^"]+"\\} 1$`, 'm'));
      }
      assert.equal(leaders, 1, 'exactly one member reports raftlock_raft_is_leader 1');

      // Follower-local series: its HTTP routes, watch stream and the lock wait it served.
      const text = await lintClean(follower);
      assert.ok((sample(text, 'raftlock_watch_streams') ?? 0) >= 1, 'watch streams on the follower');
      assert.ok((sample(text, 'raftlock_watch_events_sent_total') ?? 0) >= 5, 'watch events sent by the follower');
      assert.ok((sample(text, 'raftlock_lock_acquisitions_total') ?? 0) >= 1, 'lock acquisitions on the follower');
      assert.match(text, /^raftlock_http_request_duration_seconds_count\{route="[^"]+",status_class="4xx"\} [1-9]/m, 'a 4xx series for the 404');
      assert.doesNotMatch(text, /route="\/v1\/kv\/ops/, 'route label must be the pattern, never the raw path');
    } finally {
      ws.terminate();
    }
  });

  test('a small workload moves every documented metric but the rare ones', async () => {
    const docs = documentedMetrics();
    const rec = new MoveRecorder(docs);
    const scrape = async (m: (typeof c.members)[number]): Promise<string> => {
      const text = await (await fetch(`${m.url}/metrics`)).text();
      rec.record(text, m.name);
      return text;
    };
    const scrapeAll = async (): Promise<void> => {
      await Promise.all(c.members.filter((m) => c.isRunning(m)).map(scrape));
    };
    const until = async (what: string, m: (typeof c.members)[number], pred: (text: string) => boolean, timeoutMs = 15_000): Promise<void> => {
      await eventually(what, async () => (pred(await scrape(m)) ? true : undefined), timeoutMs, 20);
    };
    const kv = (key: string): string => `/v1/kv/${encodeURIComponent(`mv/${key}`)}`;

    const leader = await waitForLeader(c);
    const [f1, f2] = c.members.filter((m) => m !== leader) as [(typeof c.members)[number], (typeof c.members)[number]];
    await scrapeAll();

    // Keys, reads, a watch, snapshots (more writes than the threshold), a compaction.
    const ws = new WebSocket(`${f2.url.replace(/^http/, 'ws')}/v1/watch`);
    let events = 0;
    ws.on('message', (d) => {
      events += (JSON.parse(d.toString()) as { events?: unknown[] }).events?.length ?? 0;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'create', key: 'mv/', prefix: true }));
        resolve();
      });
    });
    try {
      for (let i = 0; i < SNAPSHOT_THRESHOLD + 5; i++) {
        const put = await http('PUT', `${f2.url}${kv(`k${i}`)}`, { value: `v${i}` });
        assert.equal(put.status, 200, JSON.stringify(put.body));
      }
      assert.equal((await http('GET', `${f1.url}${kv('k1')}`)).status, 200);
      await eventually('the watch to see the puts', async () => (events >= SNAPSHOT_THRESHOLD ? true : undefined));
      await until('the follower to count its watch', f2, (t) => /^raftlock_watch_watchers 1$/m.test(t));
      const rev = (await http('GET', `${leader.url}${kv('k0')}`)).body.modRevision as number;
      const compact = await http('POST', `${leader.url}/v1/compact`, { revision: rev });
      assert.equal(compact.status, 200, JSON.stringify(compact.body));
      await scrapeAll();

      // Leases: one revoked, one left to expire, one alive.
      const alive = await http('POST', `${leader.url}/v1/leases`, { ttl: 30 });
      const revoked = await http('POST', `${f1.url}/v1/leases`, { ttl: 30 });
      assert.equal((await http('DELETE', `${f1.url}/v1/leases/${revoked.body.id}`)).status, 200);
      assert.equal((await http('POST', `${f1.url}/v1/leases`, { ttl: 1 })).status, 200);
      await until('the 1 s lease to expire', leader, (t) => /^raftlock_lease_expired_total [1-9]/m.test(t));

      // Locks: one held, one waiting (scraped while it waits), one giving up.
      const held = await http('POST', `${f1.url}/v1/locks/mv-lock`, { lease: alive.body.id });
      assert.equal(held.status, 200, JSON.stringify(held.body));
      const waiting = http('POST', `${f2.url}/v1/locks/mv-lock`, { ttl: 30, waitMs: 10_000 });
      await until('a lock waiter', leader, (t) => /^raftlock_lock_waiters [1-9]/m.test(t));
      assert.equal((await http('POST', `${f1.url}/v1/locks/mv-lock`, { ttl: 30, waitMs: 100 })).status, 409);
      assert.equal((await http('DELETE', `${f1.url}/v1/locks/mv-lock?fencingToken=${held.body.fencingToken}`)).status, 200);
      const second = await waiting;
      assert.equal(second.status, 200, JSON.stringify(second.body));
      await scrapeAll();
    } finally {
      ws.terminate();
    }

    // A lagging follower: down while the leader writes past a snapshot, so it needs one later.
    await c.kill(f1, 'SIGKILL');
    for (let i = 0; i < SNAPSHOT_THRESHOLD + 5; i++) assert.equal((await http('PUT', `${leader.url}${kv(`lag${i}`)}`, { value: 'x' })).status, 200);
    // The quorum lost: a write through the leader waits (pending), then fails.
    await c.kill(f2, 'SIGKILL');
    const stuck = http('PUT', `${leader.url}${kv('no-quorum')}`, { value: 'x' });
    await until('a pending proposal on the leader', leader, (t) => /^raftlock_raft_proposals_pending [1-9]/m.test(t), 5_000);
    const failed = await stuck;
    assert.notEqual(failed.status, 200, JSON.stringify(failed.body));
    await until('the leader to count the failed proposal', leader, (t) => /^raftlock_raft_proposals_failed_total\{reason="[A-Z_]+"\} [1-9]/m.test(t));
    // Alone, it steps down; a write through it now finds no leader and is counted as NO_LEADER.
    await until('the lone leader to step down', leader, (t) => /^raftlock_raft_has_leader 0$/m.test(t), 10_000);
    const noLeader = await http('PUT', `${leader.url}${kv('no-leader')}`, { value: 'x' });
    assert.equal(noLeader.status, 503, JSON.stringify(noLeader.body));
    assert.equal(noLeader.body.error.code, 'NO_LEADER');
    await until('NO_LEADER counted', leader, (t) => /^raftlock_raft_proposals_failed_total\{reason="NO_LEADER"\} [1-9]/m.test(t), 5_000);
    await scrapeAll();
    c.spawn(f1);
    c.spawn(f2);
    await waitForLeader(c, 30_000);
    await until('the lagging follower to receive a snapshot', f1, (t) => /^raftlock_raft_snapshot_received_bytes_total [1-9]/m.test(t), 30_000);
    await scrapeAll();

    const still = docs.filter((d) => !d.rare && !rec.moved.has(d.name)).map((d) => d.name);
    assert.deepEqual(still, [], 'documented metrics that never moved (mark a metric `rare` in docs/operations.md only if it moves on rare events alone)');
    // The rare ones this test provokes moved too.
    for (const name of ['raftlock_raft_proposals_failed_total', 'raftlock_transport_peer_send_failures_total', 'raftlock_raft_snapshot_sent_bytes_total', 'raftlock_raft_snapshot_received_bytes_total']) {
      assert.ok(docs.some((d) => d.name === name && d.rare), `${name} is documented as rare`);
      assert.ok(rec.moved.has(name), `${name} moved`);
    }
  });
});
