// raftlockctl against a real three-member cluster: `lock` serialises two shell commands (their
// start/end markers never interleave, tokens increase) and exits with the command's status;
// KV commands and their exit codes; endpoint status; --help for every command.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client/index.js';
import { closedPortUrl } from '../client/fake-endpoint.js';
import { ProcessCluster, eventually, waitForLeader } from '../helpers/process-cluster.js';

const CTL = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/raftlockctl.js');
const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ctl(args: string[], opts: { endpoints?: string; input?: string; started?: (pid: number) => void } = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    delete env.RAFTLOCK_ENDPOINTS;
    const full = opts.endpoints ? ['--endpoints', opts.endpoints, ...args] : args;
    const p = spawn(process.execPath, [CTL, ...full], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    if (p.pid !== undefined) opts.started?.(p.pid);
    p.on('close', (code) => res({ code, stdout, stderr }));
    p.stdin.end(opts.input ?? '');
  });
}

describe('raftlockctl', () => {
  test('--help works for every command and exits 0', async () => {
    const commands = [
      [], ['put'], ['get'], ['del'], ['txn'], ['compact'], ['lease'], ['lease', 'grant'], ['lease', 'keepalive'], ['lease', 'revoke'],
      ['lease', 'list'], ['lease', 'ttl'], ['lock'], ['watch'], ['member'], ['member', 'list'], ['member', 'add'], ['member', 'promote'], ['member', 'remove'],
      ['endpoint'], ['endpoint', 'status'], ['endpoint', 'health'],
    ];
    for (const c of commands) {
      const r = await ctl([...c, '--help']);
      assert.equal(r.code, 0, `${c.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /Usage: raftlockctl/);
    }
  });

  test('usage errors exit 2; an unreachable cluster exits 5', async () => {
    assert.equal((await ctl(['get'])).code, 2);
    assert.equal((await ctl(['compact', 'abc'])).code, 2);
    const r = await ctl(['get', 'k', '--timeout', '300'], { endpoints: await closedPortUrl() });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /UNAVAILABLE/);
  });
});

describe('raftlockctl defaults', () => {
  test('without --endpoints it talks to the quick start\'s three members', async () => {
    const r = await ctl(['-o', 'json', 'endpoint', 'health', '--timeout', '300']);
    const rows = JSON.parse(r.stdout) as { endpoint: string }[];
    assert.deepEqual(rows.map((x) => x.endpoint), ['http://127.0.0.1:7379', 'http://127.0.0.1:7479', 'http://127.0.0.1:7579']);
  });
});

describe('raftlockctl against a three-member cluster (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  let endpoints: string;
  let dir: string;

  before(async () => {
    // A small range limit (set through its config flag) makes `get --prefix` page.
    c = await ProcessCluster.start({ size: 3, extraArgs: [...FAST, '--limits-max-range-limit', '3'] });
    endpoints = c.members.map((m) => m.url).join(',');
    dir = mkdtempSync(join(tmpdir(), 'raftlockctl-test-'));
    await waitForLeader(c);
  });
  after(async () => {
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('put / get / del with json output and exit codes', async () => {
    const put = await ctl(['-o', 'json', 'put', 'app/x', 'hello world'], { endpoints });
    assert.equal(put.code, 0, put.stderr);
    const rev = JSON.parse(put.stdout).revision as number;
    const get = await ctl(['-o', 'json', 'get', 'app/x'], { endpoints });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(JSON.parse(get.stdout).value, 'hello world');
    assert.equal(JSON.parse(get.stdout).modRevision, rev);
    const value = await ctl(['get', 'app/x', '--print-value-only'], { endpoints });
    assert.equal(value.stdout, 'hello world\n');
    const range = await ctl(['get', 'app/', '--prefix'], { endpoints });
    assert.match(range.stdout, /app\/x\s+hello world/);
    assert.equal((await ctl(['get', 'app/nope'], { endpoints })).code, 3);
    assert.equal((await ctl(['put', '_raftlock/x', 'v'], { endpoints })).code, 2);
    const del = await ctl(['-o', 'json', 'del', 'app/', '--prefix'], { endpoints });
    assert.equal(JSON.parse(del.stdout).deleted, 1);
  });

  test('txn from stdin', async () => {
    const txn = { compare: [{ key: 'tx/k', target: 'version', op: '=', value: 0 }], success: [{ put: { key: 'tx/k', value: 'first' } }], failure: [] };
    const r1 = await ctl(['txn'], { endpoints, input: JSON.stringify(txn) });
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stdout, /^SUCCESS/);
    const r2 = await ctl(['-o', 'json', 'txn', '-'], { endpoints, input: JSON.stringify(txn) });
    assert.equal(JSON.parse(r2.stdout).succeeded, false);
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{not json');
    assert.equal((await ctl(['txn', file], { endpoints })).code, 2);
  });

  test('endpoint status shows every member and one leader', async () => {
    const r = await ctl(['-o', 'json', 'endpoint', 'status'], { endpoints });
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { ok: boolean; status: { member: { role: string }; leader: { name: string } } }[];
    assert.equal(rows.length, 3);
    assert.ok(rows.every((x) => x.ok));
    assert.equal(rows.filter((x) => x.status.member.role === 'leader').length, 1);
    assert.equal(new Set(rows.map((x) => x.status.leader.name)).size, 1);
    const table = await ctl(['endpoint', 'status'], { endpoints });
    assert.match(table.stdout, /ENDPOINT\s+NAME\s+ID\s+ROLE\s+LEADER\s+TERM/);
    const health = await ctl(['-o', 'json', 'endpoint', 'health'], { endpoints });
    assert.equal(health.code, 0, health.stderr);
    assert.ok((JSON.parse(health.stdout) as { healthy: boolean }[]).every((h) => h.healthy));
  });

  test('lease grant / ttl / list / revoke', async () => {
    const g = await ctl(['-o', 'json', 'lease', 'grant', '30', '--id', 'ctl-lease'], { endpoints });
    assert.equal(g.code, 0, g.stderr);
    assert.deepEqual(JSON.parse(g.stdout), { id: 'ctl-lease', ttl: 30 });
    assert.equal((await ctl(['lease', 'grant', '30', '--id', 'ctl-lease'], { endpoints })).code, 4);
    const ttl = await ctl(['-o', 'json', 'lease', 'ttl', 'ctl-lease'], { endpoints });
    assert.equal(JSON.parse(ttl.stdout).grantedTtl, 30);
    const list = await ctl(['-o', 'json', 'lease', 'list'], { endpoints });
    assert.ok((JSON.parse(list.stdout).leases as { id: string }[]).some((l) => l.id === 'ctl-lease'));
    assert.equal((await ctl(['lease', 'keepalive', 'ctl-lease', '--once'], { endpoints })).code, 0);
    assert.equal((await ctl(['lease', 'revoke', 'ctl-lease'], { endpoints })).code, 0);
    assert.equal((await ctl(['lease', 'ttl', 'ctl-lease'], { endpoints })).code, 3);
  });

  test('lock serialises two shell commands and exits with their status', async () => {
    const log = join(dir, 'markers.log');
    writeFileSync(log, '');
    // Each command writes start, works a little, writes end; then exits with its own status.
    const script = (who: string, status: number): string =>
      `echo "start ${who} $RAFTLOCK_FENCING_TOKEN $RAFTLOCK_LOCK_LEASE" >> "${log}"; sleep 0.4; echo "end ${who} $RAFTLOCK_FENCING_TOKEN" >> "${log}"; exit ${status}`;
    const [a, b] = await Promise.all([
      ctl(['lock', 'shell-job', '--ttl', '5', '--', 'sh', '-c', script('a', 0)], { endpoints }),
      ctl(['lock', 'shell-job', '--ttl', '5', '--', 'sh', '-c', script('b', 3)], { endpoints }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 3, b.stderr);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
    assert.equal(lines.length, 4);
    // start X, end X, start Y, end Y: never interleaved.
    assert.equal(lines[0]![0], 'start');
    assert.equal(lines[1]![0], 'end');
    assert.equal(lines[2]![0], 'start');
    assert.equal(lines[3]![0], 'end');
    assert.equal(lines[0]![1], lines[1]![1]);
    assert.equal(lines[2]![1], lines[3]![1]);
    assert.notEqual(lines[0]![1], lines[2]![1]);
    const t1 = Number(lines[0]![2]);
    const t2 = Number(lines[2]![2]);
    assert.ok(t1 > 0 && t2 > t1, `fencing tokens increase: ${t1} then ${t2}`);
    assert.ok((lines[0]![3] ?? '').length > 0, 'RAFTLOCK_LOCK_LEASE is set');
    // Both released on exit.
    const st = await ctl(['-o', 'json', 'get', '_raftlock/', '--prefix'], { endpoints });
    assert.equal(st.code, 0, st.stderr);
    assert.equal((JSON.parse(st.stdout).kvs as unknown[]).length, 0, 'no lock is left held');
  });

  test('watch --rev replays history and --count ends it', async () => {
    const p1 = await ctl(['-o', 'json', 'put', 'wa/1', 'one'], { endpoints });
    await ctl(['put', 'wa/2', 'two'], { endpoints });
    const from = JSON.parse(p1.stdout).revision as number;
    const r = await ctl(['-o', 'json', 'watch', 'wa/', '--prefix', '--rev', String(from), '--count', '2'], { endpoints });
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; revision: number; kv: { key: string; value: string } });
    assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.value]), [['put', 'wa/1', 'one'], ['put', 'wa/2', 'two']]);
    assert.equal(events[0]!.revision, from);
  });

  test('lock: held elsewhere -> exit 4 with --wait-ms 0; SIGINT while waiting -> 130 and no waiter left', async () => {
    const cl = new Client({ endpoints: endpoints.split(',') });
    try {
      const lease = await cl.lease(10);
      const held = await cl.lock('busy', { lease: lease.id, waitMs: 0 });
      assert.ok(held.fencingToken > 0);
      const busy = await ctl(['lock', 'busy', '--wait-ms', '0', '--', 'true'], { endpoints });
      assert.equal(busy.code, 4, busy.stderr);
      assert.match(busy.stderr, /LOCK_HELD/);
      let pid = 0;
      const waiting = ctl(['lock', 'busy', '--wait-ms', '60000', '--', 'true'], { endpoints, started: (p) => (pid = p) });
      await eventually('the CLI to queue as a waiter', async () => ((await cl.lockStatus('busy'))?.waiters.length === 1 ? true : undefined));
      process.kill(pid, 'SIGINT');
      const r = await waiting;
      assert.equal(r.code, 130, r.stderr);
      const st = await cl.lockStatus('busy');
      assert.equal(st?.holder?.lease, lease.id);
      assert.deepEqual(st?.waiters, [], 'the interrupted waiter was withdrawn');
      await lease.revoke();
    } finally {
      await cl.close();
    }
  });

  test('lock of a command that cannot start exits 127', async () => {
    const r = await ctl(['lock', 'nojob', '--', join(dir, 'does-not-exist')], { endpoints });
    assert.equal(r.code, 127, r.stderr);
  });

  test('get --prefix fetches every page past the range limit; --limit and --start page by hand', async () => {
    for (let i = 0; i < 8; i++) assert.equal((await ctl(['put', `pg/${i}`, `"v${i}"`], { endpoints })).code, 0);
    const all = await ctl(['-o', 'json', 'get', 'pg/', '--prefix'], { endpoints });
    assert.equal(all.code, 0, all.stderr);
    const doc = JSON.parse(all.stdout) as { kvs: { key: string; value: string }[]; more: boolean; count: number };
    assert.deepEqual(doc.kvs.map((kv) => kv.key), Array.from({ length: 8 }, (_, i) => `pg/${i}`));
    assert.equal(doc.more, false);
    assert.equal(doc.count, 8);
    const page = await ctl(['get', 'pg/', '--prefix', '--limit', '2'], { endpoints });
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /^pg\/0\s+"v0"/m, 'values print as they are, quotes included');
    assert.match(page.stdout, /\(2 of 8 keys; more from "pg\/2": add --start pg\/2; revision \d+\)/);
    const rest = await ctl(['-o', 'json', 'get', 'pg/', '--prefix', '--start', 'pg/6'], { endpoints });
    assert.deepEqual((JSON.parse(rest.stdout).kvs as { key: string }[]).map((kv) => kv.key), ['pg/6', 'pg/7']);
  });

  test('get --rev reads an older revision; above the current one is a usage error, below the compaction point a conflict', async () => {
    const first = JSON.parse((await ctl(['-o', 'json', 'put', 'rev/k', 'old'], { endpoints })).stdout).revision as number;
    await ctl(['put', 'rev/k', 'new'], { endpoints });
    await ctl(['put', 'rev/other', 'x'], { endpoints });
    const old = await ctl(['get', 'rev/k', '--rev', String(first), '--print-value-only'], { endpoints });
    assert.equal(old.stdout, 'old\n', old.stderr);
    assert.equal((await ctl(['get', 'rev/k', '--print-value-only'], { endpoints })).stdout, 'new\n');
    const range = await ctl(['-o', 'json', 'get', 'rev/', '--prefix', '--rev', String(first)], { endpoints });
    assert.deepEqual((JSON.parse(range.stdout).kvs as { key: string; value: string }[]).map((kv) => [kv.key, kv.value]), [['rev/k', 'old']]);
    assert.equal(JSON.parse(range.stdout).revision, first);
    const future = await ctl(['get', 'rev/k', '--rev', String(first + 1_000_000)], { endpoints });
    assert.equal(future.code, 2, future.stderr);
    assert.match(future.stderr, /FUTURE_REVISION/);
    assert.equal((await ctl(['compact', String(first + 1)], { endpoints })).code, 0);
    const gone = await ctl(['get', 'rev/k', '--rev', String(first)], { endpoints });
    assert.equal(gone.code, 4, gone.stderr);
    assert.match(gone.stderr, /COMPACTED/);
  });

  test('member remove of an unknown member: not found (exit 3), with a clear message', async () => {
    const r = await ctl(['member', 'remove', '999999'], { endpoints });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^Error: NOT_FOUND: .*999999/);
    const list = await ctl(['-o', 'json', 'member', 'list'], { endpoints });
    assert.equal(JSON.parse(list.stdout).members.length, 3);
  });
});
