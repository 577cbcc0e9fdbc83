// Every Grafana panel query against a real Prometheus scraping a real three-member cluster under
// load. The load includes the events some panels need: a follower down long enough to be sent a
// snapshot (snapshots, peer send failures), and a short loss of quorum under the leader so a
// proposal fails (proposals failed by reason). Each panel query must parse and return at least
// one series with a real (non-NaN) value.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, eventually, http, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';
import { expandGrafanaVariables, listDashboardQueries, type PanelQuery } from '../deploy/grafana-queries.js';
import { OpsLoad } from './ops-load.js';
import { PrometheusServer, type PromQueryResult } from './prometheus-server.js';

const SNAPSHOT_THRESHOLD = 40;
const ARGS = [
  '--heartbeat-interval-ms', '50',
  '--election-timeout-ms', '500',
  '--snapshot-threshold', String(SNAPSHOT_THRESHOLD),
  // A proposal the leader cannot commit fails after this long (the quorum-loss step waits for it).
  '--limits-request-timeout-ms', '2000',
];
/** The job label the ServiceMonitor produces (deploy/kubernetes/servicemonitor.yaml). */
const JOB = 'raftlock';
const SCRAPE_SECONDS = 1;
/** Grafana's $__rate_interval is max(4 x scrape interval, interval + scrape); a little more here
 *  so a scrape delayed by a busy machine does not leave a window with one sample. */
const RATE_INTERVAL = '10s';

async function metricsText(m: ProcMember): Promise<string> {
  const res = await fetch(`${m.url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics on ${m.name}: ${res.status}`);
  return res.text();
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name}`);
  return Number(line.slice(name.length + 1));
}

/** Why a query result does not count as "returns data", or null when it does. */
function emptiness(r: PromQueryResult): string | null {
  if (r.status !== 'success') return `error ${r.errorType}: ${r.error}`;
  const d = r.data!;
  if (d.resultType !== 'vector') return `unexpected result type ${d.resultType}`;
  const samples = d.result as { metric: Record<string, string>; value: [number, string] }[];
  if (samples.length === 0) return 'no series';
  if (!samples.some((s) => Number.isFinite(Number(s.value[1])))) return `only NaN/Inf values (${samples.length} series)`;
  return null;
}

describe('Grafana dashboard queries on a live Prometheus', { timeout: 150_000 }, () => {
  let c: ProcessCluster | undefined;
  let prom: PrometheusServer | undefined;
  let load: OpsLoad | undefined;

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: ARGS });
    prom = await PrometheusServer.start({ targets: c.members.map((m) => `127.0.0.1:${m.clientPort}`), job: JOB, scrapeIntervalSeconds: SCRAPE_SECONDS });
  });
  after(async () => {
    await load?.stop();
    await prom?.stop();
    await c?.destroy();
  });

  test('every panel query parses and returns data', async () => {
    const cluster = c!;
    const p = prom!;
    await waitForLeader(cluster, 30_000);
    load = new OpsLoad({ members: () => cluster.members.filter((m) => cluster.isRunning(m)) });
    load.start();

    // Event 1: a follower misses enough entries that the leader compacts past it, then rejoins
    // (snapshots taken, peer send failures, a member restart).
    {
      const leader = await waitForLeader(cluster);
      const victim = cluster.members.find((m) => m !== leader)!;
      const snapsBefore = metricValue(await metricsText(leader), 'raftlock_raft_snapshots_total');
      await cluster.kill(victim, 'SIGKILL');
      await eventually('the leader to take two snapshots while a follower is down', async () => {
        const t = await metricsText(leader);
        return metricValue(t, 'raftlock_raft_snapshots_total') >= snapsBefore + 2 ? true : undefined;
      }, 60_000, 100);
      cluster.spawn(victim);
      await waitForLeader(cluster, 30_000);
    }

    // Event 2: quorum lost under the leader; a write through it cannot commit and fails, which
    // the leader counts in raftlock_raft_proposals_failed_total{reason}. Then the quorum returns.
    {
      const leader = await waitForLeader(cluster);
      const followers = cluster.members.filter((m) => m !== leader);
      await Promise.all(followers.map((f) => cluster.kill(f, 'SIGKILL')));
      const w = await http('PUT', `${leader.url}/v1/kv/ops%2Fno-quorum`, { value: 'x' });
      assert.notEqual(w.status, 200, `a write without a quorum must fail: ${JSON.stringify(w.body)}`);
      await eventually('the leader to count the failed proposal', async () => {
        const t = await metricsText(leader);
        return /^raftlock_raft_proposals_failed_total\{reason="[A-Z_]+"\} [1-9]/m.test(t) ? true : undefined;
      }, 10_000);
      for (const f of followers) cluster.spawn(f);
      await waitForLeader(cluster, 30_000);
    }

    // Prometheus sees every member again.
    await eventually('all three targets up', async () => {
      const ts = await p.targets();
      return ts.length === 3 && ts.every((t) => t.health === 'up') ? true : undefined;
    }, 30_000, 250);

    // Every panel query, until each returns data or the deadline passes (rate() needs two scrapes
    // inside its window after the restarts).
    const queries = listDashboardQueries();
    assert.ok(queries.length >= 30, `only ${queries.length} dashboard queries`);
    const expand = (q: PanelQuery): string => expandGrafanaVariables(q.expr, { job: JOB, instance: '.*', rateInterval: RATE_INTERVAL });
    const pending = new Map<string, { q: PanelQuery; why: string }>(queries.map((q) => [`${q.panelId}/${q.refId}`, { q, why: 'not run yet' }]));
    const deadline = Date.now() + 45_000;
    for (;;) {
      for (const [key, entry] of pending) {
        const r = await p.query(expand(entry.q));
        if (r.status !== 'success') assert.fail(`panel ${entry.q.panelId} "${entry.q.panelTitle}" ${entry.q.refId} does not parse: ${r.error}\n${expand(entry.q)}`);
        const why = emptiness(r);
        if (why === null) pending.delete(key);
        else entry.why = why;
      }
      if (pending.size === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, SCRAPE_SECONDS * 1000)); // poll pacing: one scrape
    }
    const report = [...pending.values()].map(({ q, why }) => `  panel ${q.panelId} "${q.panelTitle}" ${q.refId}: ${why}\n    ${expand(q)}`);
    assert.deepEqual(report, [], `panel queries without data:\n${report.join('\n')}\nload: ${JSON.stringify(load.counts)} ${load.errorSamples.slice(0, 5).join(' | ')}`);

    await load.stop();
    assert.ok(load.counts.puts > 0 && load.counts.gets > 0 && load.counts.locksAcquired > 0 && load.counts.keepalives > 0 && load.counts.watchEvents > 0,
      `the load did each kind of work: ${JSON.stringify(load.counts)}`);
  });
});
