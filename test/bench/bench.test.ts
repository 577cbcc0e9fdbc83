// `npm run bench` end to end: the load generator against a real three-member cluster and, in the
// same run, against a real etcd 3.4 (Debian's etcd-server) through its v3 JSON gateway. The
// figures themselves are not asserted (speed is measured by the command, not by tests); what is
// asserted is that every level ran without errors, wrote what it says it wrote, and reports the
// medians, ratios and CPU accounting it promises.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startFloor, type Floor } from '../../cmd/lib/start-floor.js';
import { findTool } from '../helpers/find-tool.js';
import { ProcessCluster, eventually, freePort, http, waitForLeader } from '../helpers/process-cluster.js';

const here = dirname(fileURLToPath(import.meta.url));
const BENCH = resolve(here, '../../cmd/bench.js');

interface BenchResult {
  workload: string;
  target: string;
  clients: number;
  ops: number;
  errors: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuUsPerOp?: number;
  rounds?: number;
}

function runBench(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd !== undefined ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

describe('npm run bench (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  let etcd: ChildProcess | undefined;
  let etcdUrl = '';
  const tmp = mkdtempSync(join(tmpdir(), 'raftlock-bench-test-'));

  before(async () => {
    const etcdBin = findTool('etcd', 'ETCD', 'Debian: `apt-get install -y etcd-server`, as .ci/run does');
    const clientPort = await freePort();
    const peerPort = await freePort();
    etcdUrl = `http://127.0.0.1:${clientPort}`;
    etcd = spawn(
      etcdBin,
      [
        '--name', 'e1', '--data-dir', join(tmp, 'etcd'),
        '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `e1=http://127.0.0.1:${peerPort}`, '--log-level', 'error',
      ],
      { stdio: 'ignore' },
    );
    c = await ProcessCluster.start({ size: 3 });
    await waitForLeader(c);
    await eventually('etcd answers', async () => {
      try {
        const r = await http('POST', `${etcdUrl}/v3/maintenance/status`, {});
        return r.status === 200 && r.body.leader ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });

  after(async () => {
    await c?.destroy();
    if (etcd && etcd.exitCode === null) {
      const gone = new Promise((r) => etcd!.once('exit', r));
      etcd.kill('SIGKILL');
      await gone;
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  test('put and get against the cluster and etcd in one run: medians, ratios, CPU per op, and the writes are really there', async () => {
    const pids = c.members.map((m) => m.proc!.pid!).join(',');
    const out = join(tmp, 'results.json');
    const r = await runBench([
      '--endpoints', c.members.map((m) => m.url).join(','),
      '--compare-etcd', etcdUrl,
      '--clients', '1,4',
      '--seconds', '0.6',
      '--warmup', '0.3',
      '--rounds', '2',
      '--workloads', 'put,get',
      '--cpu-pids', pids,
      '--etcd-cpu-pids', String(etcd!.pid),
      '--json', out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResult[];
    assert.deepEqual(
      results.map((x) => `${x.target} ${x.workload} ${x.clients}`),
      ['raftlock put 1', 'etcd put 1', 'raftlock put 4', 'etcd put 4', 'raftlock get 1', 'etcd get 1', 'raftlock get 4', 'etcd get 4'],
    );
    for (const x of results) {
      const what = `${x.target} ${x.workload} x${x.clients}`;
      assert.equal(x.errors, 0, `${what}: no errors`);
      assert.ok(x.ops > 0 && x.opsPerSec > 0, `${what}: operations were measured`);
      assert.ok(x.p50Ms > 0 && x.p99Ms >= x.p50Ms, `${what}: p50 ${x.p50Ms} <= p99 ${x.p99Ms}`);
      assert.equal(x.rounds, 2, `${what}: a median of two rounds`);
      assert.ok(x.cpuUsPerOp !== undefined && x.cpuUsPerOp >= 0, `${what}: CPU per operation is reported`);
    }
    // The text report has the table and one comparison line per level.
    assert.match(r.stdout, /medians of 2 interleaved rounds per level/);
    assert.equal((r.stdout.match(/raftlock\/etcd throughput [0-9.]+x/g) ?? []).length, 4, r.stdout);
    // Leader CPU is spent: the cluster's processes used CPU time for the puts.
    const put4 = results.find((x) => x.target === 'raftlock' && x.workload === 'put' && x.clients === 4)!;
    assert.ok(put4.cpuUsPerOp! > 0, 'the members used CPU for the puts');

    // The puts really landed, on both systems: worker 0's first key holds the 64-byte value.
    const value = 'v'.repeat(64);
    const got = await http('GET', `${c.members[0]!.url}/v1/kv/${encodeURIComponent('bench/0/0')}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.value, value);
    const e = await http('POST', `${etcdUrl}/v3/kv/range`, { key: Buffer.from('bench/0/0').toString('base64') });
    assert.equal(e.status, 200);
    assert.equal(Buffer.from(e.body.kvs[0].value, 'base64').toString(), value);
  });

  test('--floor runs puts against the floor in the same run, then stops its processes and removes its data', async () => {
    const out = join(tmp, 'floor.json');
    const r = await runBench([
      '--endpoints', c.members.map((m) => m.url).join(','),
      '--floor',
      '--clients', '1,4',
      '--seconds', '0.6',
      '--warmup', '0.3',
      '--workloads', 'put,get',
      '--json', out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResult[];
    // The floor serves puts only: no floor rows for gets.
    assert.deepEqual(
      results.map((x) => `${x.target} ${x.workload} ${x.clients}`),
      ['raftlock put 1', 'floor put 1', 'raftlock put 4', 'floor put 4', 'raftlock get 1', 'raftlock get 4'],
    );
    for (const x of results) {
      const what = `${x.target} ${x.workload} x${x.clients}`;
      assert.equal(x.errors, 0, `${what}: no errors`);
      assert.ok(x.ops > 0 && x.p50Ms > 0 && x.p99Ms >= x.p50Ms, `${what}: operations were measured`);
    }
    // The floor's own three processes are measured for CPU without --cpu-pids.
    for (const x of results.filter((x) => x.target === 'floor')) assert.ok(x.cpuUsPerOp !== undefined && x.cpuUsPerOp > 0, 'floor CPU per op');
    assert.equal((r.stdout.match(/put x[14]: raftlock\/floor throughput [0-9.]+x/g) ?? []).length, 2, r.stdout);

    const m = /floor: leader http:\/\/127\.0\.0\.1:\d+ \(pids (\d+),(\d+),(\d+), data (\S+)\)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    for (const pid of m.slice(1, 4).map(Number)) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `floor process ${pid} is gone`);
    assert.equal(existsSync(m[4]!), false, 'the floor data directory is removed');
  });

  test('--snapshot-threshold starts one cluster per threshold and etcd with --compare-etcd start; all are stopped and removed after', async () => {
    const out = join(tmp, 'start.json');
    const r = await runBench([
      '--snapshot-threshold', '40,off',
      '--compare-etcd', 'start',
      '--spread',
      '--clients', '4',
      '--seconds', '0.8',
      '--warmup', '0.3',
      '--workloads', 'put,lock',
      '--json', out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResult[];
    assert.deepEqual(
      results.map((x) => `${x.target} ${x.workload}`),
      ['raftlock/snap-40 put', 'raftlock/snap-off put', 'etcd put', 'raftlock/snap-40 lock', 'raftlock/snap-off lock', 'etcd lock'],
    );
    for (const x of results) {
      const what = `${x.target} ${x.workload}`;
      assert.equal(x.errors, 0, `${what}: no errors`);
      assert.ok(x.ops > 0 && x.p50Ms > 0 && x.p99Ms >= x.p50Ms && x.maxMs >= x.p99Ms, `${what}: p50 <= p99 <= max`);
      assert.ok(x.cpuUsPerOp !== undefined && x.cpuUsPerOp > 0, `${what}: the started processes are measured for CPU`);
    }
    assert.match(r.stdout, /max ms/);
    const started = [...r.stderr.matchAll(/started \S+(?: \(snapshot threshold \S+\))?: \S+ \(pids (\d+),(\d+),(\d+), data (\S+)\)/g)];
    assert.equal(started.length, 3, r.stderr);
    for (const m of started) {
      for (const pid of m.slice(1, 4).map(Number)) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} is gone`);
      assert.equal(existsSync(m[4]!), false, `${m[4]} is removed`);
    }
  });

  test('bad options are refused with a clear message, before any load is sent', async () => {
    const r1 = await runBench(['--endpoints', c.members[0]!.url, '--rounds', '0']);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /--rounds must be a positive integer/);
    const r2 = await runBench(['--endpoints', c.members[0]!.url, '--cpu-pids', 'abc']);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /not a process id: abc/);
    const r3 = await runBench(['--target', 'etcd', '--endpoints', etcdUrl, '--compare-etcd', etcdUrl]);
    assert.notEqual(r3.code, 0);
    assert.match(r3.stderr, /--compare-etcd goes with --target raftlock/);
  });
});

describe('npm run bench -- --compare-security (its own plain, TLS and TLS+auth clusters)', { timeout: 180_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'raftlock-bench-sec-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('put and lock on all three in one run, interleaved: medians, ratios, CPU per op; then every process and directory is gone', async () => {
    const out = join(tmp, 'security.json');
    const r = await runBench(['--compare-security', '--clients', '2', '--seconds', '0.5', '--warmup', '0', '--rounds', '2', '--workloads', 'put,lock', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResult[];
    assert.deepEqual(
      results.map((x) => `${x.target} ${x.workload} ${x.clients}`),
      ['raftlock-plain put 2', 'raftlock-tls put 2', 'raftlock-tls+auth put 2', 'raftlock-plain lock 2', 'raftlock-tls lock 2', 'raftlock-tls+auth lock 2'],
    );
    for (const x of results) {
      const what = `${x.target} ${x.workload}`;
      // No errors on the TLS+auth cluster means the scoped user's token and its one permission
      // (readwrite on "bench") covered every key, lease and lock the bench touched.
      assert.equal(x.errors, 0, `${what}: no errors`);
      assert.ok(x.ops > 0 && x.p50Ms > 0 && x.p99Ms >= x.p50Ms, `${what}: operations were measured`);
      assert.equal(x.rounds, 2);
      assert.ok(x.cpuUsPerOp !== undefined && x.cpuUsPerOp > 0, `${what}: CPU per op of its own members`);
    }
    assert.equal((r.stdout.match(/(put|lock) x2: raftlock-plain\/raftlock-tls(\+auth)? throughput [0-9.]+x/g) ?? []).length, 4, r.stdout);
    // Each cluster announced itself: https for the secured ones, the scoped user for the last.
    const started = [...r.stderr.matchAll(/^raftlock-(plain|tls|tls\+auth): (\S+) \(pids (\d+),(\d+),(\d+), data (\S+)\)(, as user bench)?$/gm)];
    assert.deepEqual(started.map((m) => [m[1], m[2]!.split(',').every((u) => u.startsWith(m[1] === 'plain' ? 'http://' : 'https://')), m[7] !== undefined]), [
      ['plain', true, false],
      ['tls', true, false],
      ['tls+auth', true, true],
    ], r.stderr);
    for (const m of started) {
      for (const pid of m.slice(3, 6).map(Number)) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `member process ${pid} is gone`);
      assert.equal(existsSync(m[6]!), false, `${m[6]} is removed`);
    }
  });

  test('options that describe one secured target are refused with it, and --tls says where its files come from', async () => {
    const r1 = await runBench(['--compare-security', '--tls']);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /--compare-security starts and secures its own clusters: leave out --tls/);
    const r2 = await runBench(['--compare-security', '--user', 'a:b']);
    assert.match(r2.stderr, /leave out --user/);
    // In a directory without `npm start -- --tls`'s certificates.
    const r3 = await runBench(['--tls', '--endpoints', 'https://127.0.0.1:1'], tmp);
    assert.notEqual(r3.code, 0);
    assert.match(r3.stderr, /bench: cannot read cacert file data\/tls\/client-ca\/ca\.crt: ENOENT \(made by `npm start -- --tls`; start that cluster first, or pass --cacert\)/);
    const r4 = await runBench(['--cert', join(tmp, 'nope.crt'), '--endpoints', 'https://127.0.0.1:1'], tmp);
    assert.match(r4.stderr, /cannot read cert file .*nope\.crt: ENOENT/);
  });
});

describe('the floor (cmd/lib/floor.ts)', { timeout: 60_000 }, () => {
  let floor: Floor;
  let url = '';

  before(async () => {
    floor = await startFloor({ quiet: true });
    url = `http://${floor.host}:${floor.port}`;
  });

  after(async () => {
    await floor?.stop();
  });

  test('answers each put with the next revision once it is durable, and bad requests with coded 4xx errors', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => http('PUT', `${url}/v1/kv/k${i}`, { value: 'v' })));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200));
    assert.deepEqual(answers.map((a) => a.body.revision).sort((a: number, b: number) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));

    const notJson = await fetch(`${url}/v1/kv/k`, { method: 'PUT', body: '{nope', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: { code: string } }).error.code, 'INVALID_JSON');
    const other = await http('GET', `${url}/v1/kv/k0`);
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'NOT_FOUND');
    const big = await fetch(`${url}/v1/kv/k`, { method: 'PUT', body: JSON.stringify({ value: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
    // Still serving after the bad requests.
    assert.equal((await http('PUT', `${url}/v1/kv/k`, { value: 'v' })).status, 200);
  });

  test('a floor process exits when the process that started it goes away', async () => {
    const k = floor.children[0]!;
    const gone = new Promise((r) => k.once('exit', r));
    k.disconnect();
    await gone;
    assert.equal(k.exitCode, 0);
  });
});
