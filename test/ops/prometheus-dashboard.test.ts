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
    try {
      await exercise(cluster, prom!);
    } catch (e) {
      // The members' last output (exit status first) explains most live-test failures.
      const logs = cluster.members.map((m) => `--- ${m.name} (${cluster.isRunning(m) ? 'running' : `exited ${m.proc?.exitCode ?? m.proc?.signalCode}`})\n${cluster.logs(m).slice(-3000)}`);
      (e as Error).message += `\n${logs.join('\n')}`;
      throw e;
    }
  });

  async function exercise(cluster: ProcessCluster, p: PrometheusServer): Promise<void> {
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
      // It caught up through a snapshot, and both ends counted the bytes.
      await eventually('snapshot bytes sent by the leader and received by the restarted follower', async () => {
        const sent = metricValue(await metricsText(leader), 'raftlock_raft_snapshot_sent_bytes_total');
        const received = metricValue(await metricsText(victim), 'raftlock_raft_snapshot_received_bytes_total');
        return sent > 0 && received > 0 ? true : undefined;
      }, 20_000, 100);
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

    // Prometheus sees every member again, and its latest scrape of each shows a leader, so no
    // query below can pass on a transient (a member caught mid-election).
    await eventually('all three targets up, each scraped knowing the leader', async () => {
      const ts = await p.targets();
      if (ts.length !== 3 || !ts.every((t) => t.health === 'up')) return undefined;
      const r = await p.query(`count(raftlock_raft_has_leader{job="${JOB}"} == 1) == 3 and on() count(raftlock_raft_is_leader{job="${JOB}"} == 1) == 1`);
      return r.status === 'success' && (r.data!.result as unknown[]).length === 1 ? true : undefined;
    }, 30_000, 250);

    // Every panel query, in rounds, until one round in which each returns data (rate() needs two
    // scrapes inside its window after the restarts), or the deadline.
    const queries = listDashboardQueries();
    assert.ok(queries.length >= 30, `only ${queries.length} dashboard queries`);
    const expand = (q: PanelQuery): string => expandGrafanaVariables(q.expr, { job: JOB, instance: '.*', rateInterval: RATE_INTERVAL });
    const deadline = Date.now() + 45_000;
    let missing: string[] = [];
    for (;;) {
      missing = [];
      for (const q of queries) {
        const r = await p.query(expand(q));
        if (r.status !== 'success') assert.fail(`panel ${q.panelId} "${q.panelTitle}" ${q.refId} does not parse: ${r.error}\n${expand(q)}`);
        const why = emptiness(r);
        if (why !== null) missing.push(`  panel ${q.panelId} "${q.panelTitle}" ${q.refId}: ${why}\n    ${expand(q)}`);
      }
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, SCRAPE_SECONDS * 1000)); // poll pacing: one scrape
    }
    assert.deepEqual(missing, [], `panel queries without data:\n${missing.join('\n')}\nload: ${JSON.stringify(load.counts)} ${load.errorSamples.slice(0, 5).join(' | ')}`);

    await load.stop();
    assert.ok(load.counts.puts > 0 && load.counts.gets > 0 && load.counts.locksAcquired > 0 && load.counts.keepalives > 0 && load.counts.watchEvents > 0,
      `the load did each kind of work: ${JSON.stringify(load.counts)}`);
  }
});
