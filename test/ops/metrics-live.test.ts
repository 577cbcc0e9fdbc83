// /metrics of a live member, linted by `promtool check metrics`: a real three-member cluster
// serves a few writes, reads, a lease, a lock and a watch, then every member's exposition must
// pass promtool with no complaint about a raftlock_* metric, and show the work it just did.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ProcessCluster, eventually, http, waitForLeader } from '../helpers/process-cluster.js';
import { runPromtool } from '../deploy/promtool.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

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

describe('live /metrics passes promtool check metrics', { timeout: 90_000 }, () => {
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
});
