import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { runPromtool } from './promtool.js';
import { RuleGroupsSchema } from './k8s-schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROM_DIR = join(ROOT, 'deploy', 'prometheus');

const REQUIRED_ALERTS = [
  'RaftlockNoLeader',
  'RaftlockInsufficientMembers',
  'RaftlockFrequentLeaderChanges',
  'RaftlockHighCommitLatency',
  'RaftlockHighSyncLatency',
  'RaftlockProposalFailures',
  'RaftlockSlowWatchers',
  'RaftlockMemberDown',
  'RaftlockClusterDown',
  'RaftlockVeryHighSyncLatency',
  'RaftlockHighPeerRtt',
  'RaftlockHighRequestErrorRate',
  'RaftlockSlowRequests',
  'RaftlockStorageGrowing',
];

function rules(): { groups: { name: string; rules: { alert?: string; expr: string | number }[] }[] } {
  return RuleGroupsSchema.parse(load(readFileSync(join(PROM_DIR, 'alerts.yaml'), 'utf8'))) as ReturnType<typeof rules>;
}

describe('Prometheus alert rules', () => {
  test('promtool check rules accepts alerts.yaml', () => {
    const r = runPromtool(['check', 'rules', 'alerts.yaml'], undefined, PROM_DIR);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: \d+ rules found/);
  });

  test('promtool test rules passes alerts.test.yaml', () => {
    const r = runPromtool(['test', 'rules', 'alerts.test.yaml'], undefined, PROM_DIR);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SUCCESS/);
  });

  test('every required alert exists and has a firing case in the unit tests', () => {
    const names = rules().groups.flatMap((g) => g.rules.map((r) => r.alert));
    const testText = readFileSync(join(PROM_DIR, 'alerts.test.yaml'), 'utf8');
    for (const a of REQUIRED_ALERTS) {
      assert.ok(names.includes(a), `alerts.yaml lacks ${a}`);
      assert.match(testText, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `alerts.test.yaml has no firing case for ${a}`);
    }
  });

  test('every alert links to its section of docs/operations.md', () => {
    const ops = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    for (const g of (load(readFileSync(join(PROM_DIR, 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] }).groups) {
      for (const r of g.rules) {
        assert.equal(r.annotations['runbook'], `docs/operations.md#${r.alert.toLowerCase()}`);
        assert.match(ops, new RegExp(`^#+ ${r.alert}$`, 'm'), `docs/operations.md has no heading for ${r.alert}`);
      }
    }
  });

  test('a broken rule file is rejected by the checks (the test can fail)', () => {
    const bad = 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(raftlock_raft_term[5m]) > \n';
    const dir = mkdtempSync(join(tmpdir(), 'raftlock-rules-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), bad);
      const r = runPromtool(['check', 'rules', 'bad.yaml'], undefined, dir);
      assert.notEqual(r.status, 0);
      assert.match(`${r.stdout}${r.stderr}`, /FAILED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the PrometheusRule in deploy/kubernetes carries the same groups', () => {
    const pr = load(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'prometheusrule.yaml'), 'utf8')) as { spec: unknown };
    assert.deepEqual(pr.spec, load(readFileSync(join(PROM_DIR, 'alerts.yaml'), 'utf8')));
  });
});
