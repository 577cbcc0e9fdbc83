// A real three-member cluster of raftlockd processes on loopback: election, linearizable reads
// through every member, leader SIGKILL without losing acknowledged writes, catch-up through a
// snapshot, full restart, and 4xx answers to bad requests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, eventually, http, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500', '--snapshot-threshold', '64'];

describe('three-member cluster (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  const acked = new Map<string, string>();

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
  });
  after(async () => {
    await c?.destroy();
  });

  async function put(m: ProcMember, key: string, value: string): Promise<number> {
    const r = await http('PUT', `${m.url}/v1/kv/${encodeURIComponent(key)}`, { value });
    assert.equal(r.status, 200, `PUT ${key} via ${m.name}: ${JSON.stringify(r.body)}`);
    acked.set(key, value);
    return r.body.revision;
  }

  test('elects one leader that every member reports', async () => {
    const leader = await waitForLeader(c);
    const r = await http('GET', `${leader.url}/v1/cluster`);
    assert.equal(r.body.member.role, 'leader');
    assert.equal(r.body.members.length, 3);
    for (const m of r.body.members) assert.ok(['leader', 'follower'].includes(m.role));
    assert.ok(r.body.term >= 1);
  });

  test('a write through any member is read linearizably through every other', async () => {
    for (const [i, writer] of c.members.entries()) {
      const key = `dir/key-${i}`;
      const rev = await put(writer, key, `v${i}`);
      for (const reader of c.members) {
        if (reader === writer) continue;
        const r = await http('GET', `${reader.url}/v1/kv/${encodeURIComponent(key)}`);
        assert.equal(r.status, 200, `read via ${reader.name}`);
        assert.equal(r.body.value, `v${i}`);
        assert.equal(r.body.modRevision, rev);
      }
    }
    const list = await http('GET', `${c.members[2]!.url}/v1/kv?prefix=dir/&limit=2`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.kvs.map((k: { key: string }) => k.key), ['dir/key-0', 'dir/key-1']);
    assert.equal(list.body.more, true);
  });

  test('writes through a follower leave no timers behind on it', async () => {
    const leader = await waitForLeader(c);
    const follower = c.members.find((m) => m !== leader)!;
    const timers = async (): Promise<number> => {
      const r = await fetch(`${follower.url}/metrics`);
      const m = /^nodejs_active_resources\{type="Timeout"\} (\d+)$/m.exec(await r.text());
      return m ? Number(m[1]) : 0;
    };
    const before = await timers();
    // Each forwarded write waits (bounded by the request timeout) to be applied on the follower;
    // that bound must go away with the write, not run on for the whole timeout.
    for (let i = 0; i < 150; i++) await put(follower, `fwd/${i}`, `f${i}`);
    const afterPuts = await timers();
    assert.ok(afterPuts < before + 30, `live timers on ${follower.name}: ${before} before 150 writes, ${afterPuts} after`);
  });

  test('SIGKILL of the leader: a new leader, no acknowledged write lost', async () => {
    const old = await waitForLeader(c);
    const writer = c.members.find((m) => m !== old)!;
    for (let i = 0; i < 20; i++) await put(writer, `before-kill/${i}`, `x${i}`);
    await c.kill(old, 'SIGKILL');
    const leader = await waitForLeader(c);
    assert.notEqual(leader.name, old.name);
    for (let i = 0; i < 20; i++) await put(leader, `after-kill/${i}`, `y${i}`);
    for (const m of c.members.filter((x) => c.isRunning(x))) {
      for (const [k, v] of acked) {
        const r = await http('GET', `${m.url}/v1/kv/${encodeURIComponent(k)}`);
        assert.equal(r.status, 200, `${k} on ${m.name}`);
        assert.equal(r.body.value, v);
      }
    }
  });

  test('the killed member restarts and catches up through a snapshot', async () => {
    const down = c.members.find((m) => !c.isRunning(m))!;
    const leader = await waitForLeader(c);
    // Far more entries than the snapshot threshold: the leader compacts past what `down` has.
    // Eight 96 KiB values make the snapshot several of the store's 256 KiB chunks, which the
    // restarted member writes a chunk per batch (the next test reloads them from its disk).
    for (let i = 0; i < 8; i++) await put(leader, `big/${i}`, String.fromCharCode(97 + i).repeat(96 * 1024));
    for (let i = 0; i < 300; i++) await put(leader, `while-down/${String(i).padStart(3, '0')}`, `z${i}`);
    c.spawn(down);
    await eventually('the restarted member to serve every key', async () => {
      const r = await http('GET', `${down.url}/v1/kv?prefix=while-down/&limit=1000&consistency=serializable`);
      return r.status === 200 && r.body.kvs.length === 300 ? true : undefined;
    }, 60_000).catch((e) => {
      throw new Error(`${e.message}\n--- ${down.name} output ---\n${c.logs(down)}`);
    });
    const big = await http('GET', `${down.url}/v1/kv?prefix=big/&consistency=serializable`);
    assert.equal(big.status, 200);
    assert.deepEqual(
      big.body.kvs.map((kv: { key: string; value: string }) => [kv.key, kv.value.length, kv.value[0]]),
      Array.from({ length: 8 }, (_, i) => [`big/${i}`, 96 * 1024, String.fromCharCode(97 + i)]),
    );
    const st = await http('GET', `${down.url}/v1/cluster`);
    assert.equal(st.body.leader?.name, leader.name);
    // The member got there through a snapshot: its log starts after index 1.
    const metrics = await fetch(`${down.url}/metrics`).then((r) => r.text());
    const first = /^raftlock_raft_log_first_index(?:\{[^}]*\})? (\d+)/m.exec(metrics);
    assert.ok(first && Number(first[1]) > 1, `log first index after catch-up: ${first?.[1]}`);
  });

  test('all three restarted keep every key', async () => {
    await c.stopAll();
    for (const m of c.members) c.spawn(m);
    await waitForLeader(c, 60_000).catch((e) => {
      throw new Error(`${e.message}\n${c.members.map((m) => `--- ${m.name} ---\n${c.logs(m)}`).join('\n')}`);
    });
    for (const m of c.members) {
      const r = await http('GET', `${m.url}/v1/kv?prefix=&limit=10000`);
      assert.equal(r.status, 200);
      const got = new Map(r.body.kvs.map((kv: { key: string; value: string }) => [kv.key, kv.value]));
      for (const [k, v] of acked) assert.equal(got.get(k), v, `${k} on ${m.name} after full restart`);
    }
  });

  test('bad requests get a clear 4xx', async () => {
    const m = c.members[0]!;
    const cases: [string, string, string | undefined, Record<string, string> | undefined, number, string][] = [
      ['PUT', '/v1/kv/a', '{"value":', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
      ['PUT', '/v1/kv/a', '{"value":"x","bogus":1}', { 'content-type': 'application/json' }, 400, 'INVALID_ARGUMENT'],
      ['PUT', '/v1/kv/a', '{"value":5}', { 'content-type': 'application/json' }, 400, 'INVALID_ARGUMENT'],
      ['GET', '/v1/kv/definitely-missing', undefined, undefined, 404, 'KEY_NOT_FOUND'],
      ['GET', '/v1/kv/a?consistency=sometimes', undefined, undefined, 400, 'INVALID_ARGUMENT'],
      ['PUT', '/v1/kv/%E0%A4%A', '{"value":"x"}', { 'content-type': 'application/json' }, 400, 'INVALID_UTF8'],
    ];
    for (const [method, path, body, headers, status, code] of cases) {
      const r = await fetch(`${m.url}${path}`, { method, body, headers });
      const j = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(j)}`);
      assert.equal(j.error.code, code, `${method} ${path}`);
      assert.ok(j.error.message.length > 0);
    }
    const huge = await fetch(`${m.url}/v1/kv/big`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
    // Bad UTF-8 bytes inside a JSON body.
    const bad = Buffer.concat([Buffer.from('{"value":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const r = await fetch(`${m.url}/v1/kv/u`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: bad });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'INVALID_UTF8');
    // The member is still healthy after all of that.
    assert.equal((await http('GET', `${m.url}/livez`)).status, 200);
  });
});
