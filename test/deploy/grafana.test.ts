import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load } from 'js-yaml';
import { createMetrics } from '../../src/metrics/index.js';
import { DASHBOARD_PATH, expandGrafanaVariables, listDashboardQueries } from './grafana-queries.js';
import { runPromtool } from './promtool.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type Panel = { id: number; type: string; title: string; datasource?: { uid: string }; targets?: { expr: string; datasource?: { uid: string } }[] };
const dashboard = (): { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown }[] } } =>
  JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8'));

async function knownMetricNames(): Promise<Set<string>> {
  const m = createMetrics({ defaultMetrics: true });
  const names = new Set<string>(['up']);
  for (const line of (await m.render()).split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t === null) continue;
    names.add(t[1]!);
    if (t[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(t[1]! + s);
  }
  return names;
}

describe('Grafana dashboard', () => {
  test('has the datasource and instance variables, and every panel uses the datasource variable', () => {
    const d = dashboard();
    assert.equal(d.uid, 'raftlock');
    const vars = new Map(d.templating.list.map((v) => [v.name, v]));
    assert.equal(vars.get('datasource')?.type, 'datasource');
    assert.equal(vars.get('datasource')?.query, 'prometheus');
    assert.equal(vars.get('instance')?.type, 'query');
    const ids = new Set<number>();
    for (const p of d.panels) {
      assert.ok(!ids.has(p.id), `duplicate panel id ${p.id}`);
      ids.add(p.id);
      if (p.type === 'row') continue;
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal Grafana template variable, not a JS template.
      assert.equal(p.datasource?.uid, '${datasource}', `panel "${p.title}"`);
      assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has no query`);
      for (const t of p.targets ?? []) assert.match(t.expr, /\$instance|up\{/, `panel "${p.title}" ignores the instance variable: ${t.expr}`);
    }
  });

  test('has the panels the issue asks for', () => {
    const titles = dashboard().panels.map((p) => p.title);
    for (const want of [
      'Members up', 'Leader', 'Term', 'Leader changes per hour', 'Commit latency p50 / p99', 'Proposals committed / failed',
      'Log size (entries since snapshot)', 'Storage sync latency p99', 'Peer RTT p99', 'Leases', 'Locks held / waiters', 'Lock wait p99',
      'Watchers and streams', 'Watch event rate', 'Request rate by route', 'Errors by route', 'Latency p99 by route',
      'Memory', 'Client traffic', 'Peer traffic', 'Storage size', 'Keys', 'Revisions',
    ]) {
      assert.ok(titles.includes(want), `missing panel "${want}"`);
    }
  });

  test('every query refers only to metrics raftlock exports', async () => {
    const known = await knownMetricNames();
    const queries = listDashboardQueries();
    assert.ok(queries.length >= 30);
    for (const q of queries) {
      const used = q.expr.match(/\b((?:raftlock|process|nodejs)_[a-z0-9_]+|up)\b(?=\{|\[|\)|\s|$)/g) ?? [];
      assert.ok(used.length > 0, `panel "${q.panelTitle}" ${q.refId} uses no metric: ${q.expr}`);
      for (const name of used) assert.ok(known.has(name), `panel "${q.panelTitle}" uses unknown metric ${name}`);
    }
  });

  test('every query is valid PromQL (parsed by promtool as recording rules)', () => {
    const queries = listDashboardQueries();
    const rules = {
      groups: [{ name: 'dashboard', rules: queries.map((q) => ({ record: `dashboard:panel${q.panelId}:${q.refId.toLowerCase()}`, expr: expandGrafanaVariables(q.expr) })) }],
    };
    const dir = mkdtempSync(join(tmpdir(), 'raftlock-grafana-'));
    try {
      writeFileSync(join(dir, 'queries.yaml'), dump(rules, { lineWidth: -1 }));
      const r = runPromtool(['check', 'rules', 'queries.yaml'], undefined, dir);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('expandGrafanaVariables', () => {
    assert.equal(expandGrafanaVariables('rate(x{instance=~"$instance",job=~"$job"}[$__rate_interval])', { instance: 'a:1' }), 'rate(x{instance=~"a:1",job=~".*"}[1m])');
  });
});

describe('Grafana provisioning', () => {
  test('datasource and dashboard providers are well formed and point at the mounted dashboards', () => {
    const dsDir = join(ROOT, 'grafana', 'provisioning', 'datasources');
    const dbDir = join(ROOT, 'grafana', 'provisioning', 'dashboards');
    const ds = readdirSync(dsDir).filter((f) => f.endsWith('.yaml')).map((f) => load(readFileSync(join(dsDir, f), 'utf8')) as { apiVersion: number; datasources: { type: string; url: string }[] });
    assert.ok(ds.length >= 1);
    for (const d of ds) {
      assert.equal(d.apiVersion, 1);
      assert.ok(d.datasources.some((x) => x.type === 'prometheus' && /^https?:\/\//.test(x.url)));
    }
    const providers = readdirSync(dbDir).filter((f) => f.endsWith('.yaml')).map((f) => load(readFileSync(join(dbDir, f), 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] });
    assert.ok(providers.length >= 1);
    for (const p of providers) {
      assert.equal(p.apiVersion, 1);
      for (const prov of p.providers) {
        assert.equal(prov.type, 'file');
        assert.match(prov.options.path, /^\/var\/lib\/grafana\/dashboards/);
      }
    }
  });
});
