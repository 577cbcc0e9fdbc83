// Operator procedures on real processes, done with raftlockctl exactly as docs/operations.md
// writes them down:
//   - "Reclaiming disk space": after the log is compacted by snapshots, `raftlockctl defrag` gives
//     the space back (the data directories shrink);
//   - "Replacing a dead member": member remove, member add --learner, start the new member with an
//     empty data directory and --join, wait until it has caught up, member promote.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCtl } from '../helpers/run-ctl.js';
import { ProcessCluster, eventually, http, spawnDaemon, waitForLeader } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500', '--snapshot-threshold', '100'];


describe('operator procedures (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    await waitForLeader(c);
  });
  after(async () => {
    await c?.destroy();
  });

  test('defrag reclaims the space of the compacted log', async (t) => {
    const leader = await waitForLeader(c);
    const value = 'v'.repeat(16_000);
    // Every put overwrites the same few keys: the state stays small, the log grows and is cut
    // by a snapshot every 100 entries.
    for (let i = 0; i < 300; i++) assert.equal((await http('PUT', `${leader.url}/v1/kv/big/${i % 4}`, { value })).status, 200);
    const endpoints = c.members.map((m) => m.url).join(',');
    const r = await runCtl(['--endpoints', endpoints, '-o', 'json', 'defrag']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { endpoint: string; beforeBytes: number; afterBytes: number }[];
    assert.equal(rows.length, 3);
    for (const row of rows) {
      t.diagnostic(`${row.endpoint}: ${row.beforeBytes} -> ${row.afterBytes} bytes`);
      assert.ok(row.beforeBytes > 1_000_000, `${row.endpoint}: ${row.beforeBytes} bytes before`);
      assert.ok(row.afterBytes < row.beforeBytes / 2, `${row.endpoint}: ${row.beforeBytes} -> ${row.afterBytes} bytes`);
    }
    // The members still serve everything.
    for (const m of c.members) assert.equal((await http('GET', `${m.url}/v1/kv/big/3?consistency=serializable`)).body.value, value);
    // An unknown query parameter is a clear 400, not a defragmentation.
    const bad = await http('POST', `${leader.url}/v1/maintenance/defrag?now=1`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_ARGUMENT');
  });

  test('the snapshot route: exact length and revision headers; a bad query is a 400', async () => {
    const m = c.members[1]!;
    const res = await fetch(`${m.url}/v1/maintenance/snapshot?consistency=serializable`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.raftlock.snapshot');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), body.length);
    assert.ok(body.subarray(0, 18).equals(Buffer.from('raftlock snapshot\n')));
    const rev = (await http('GET', `${m.url}/v1/kv/big/0?consistency=serializable`)).body.modRevision as number;
    assert.ok(Number(res.headers.get('x-raftlock-revision')) >= rev);
    assert.equal(res.headers.get('x-raftlock-member'), m.name);
    const bad = await http('GET', `${m.url}/v1/maintenance/snapshot?consistency=maybe`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_ARGUMENT');
  });

  test('a dead member is replaced by a new one following the documented steps', async () => {
    const dead = c.members[2]!;
    await c.kill(dead, 'SIGKILL');
    const live = c.members.slice(0, 2);
    const endpoints = live.map((m) => m.url).join(',');
    await waitForLeader(c, 20_000, live);
    for (let i = 0; i < 150; i++) assert.equal((await http('PUT', `${live[0]!.url}/v1/kv/during/${i}`, { value: String(i) })).status, 200);

    // 1. Remove the dead member.
    const rm = await runCtl(['--endpoints', endpoints, 'member', 'remove', dead.name]);
    assert.equal(rm.code, 0, rm.stderr);
    // 2. Add its replacement as a learner, under a new name.
    const fresh = await c.addMember('m4');
    const add = await runCtl(['--endpoints', endpoints, 'member', 'add', 'm4', '--peer-url', `http://127.0.0.1:${fresh.peerPort}`, '--client-url', fresh.url, '--learner']);
    assert.equal(add.code, 0, add.stderr);
    // 3. Start it with an empty data directory, --join, and the current members plus itself.
    const initial = [...live, fresh].map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}|${m.url}`).join(',');
    fresh.output = [];
    fresh.proc = spawnDaemon(fresh, initial, [...FAST, '--join'], fresh.output, 200);
    // 4. Wait until it has caught up (endpoint status: its applied index reaches the leader's).
    await eventually('the new member to catch up', async () => {
      const st = await runCtl(['--endpoints', `${endpoints},${fresh.url}`, '-o', 'json', 'endpoint', 'status']);
      const rows = JSON.parse(st.stdout) as { endpoint: string; status?: { appliedIndex: number; commitIndex: number; member: { role: string } } }[];
      const mine = rows.find((r) => r.endpoint === fresh.url)?.status;
      const leaderCommit = Math.max(...rows.map((r) => r.status?.commitIndex ?? 0));
      return mine !== undefined && mine.appliedIndex >= leaderCommit ? true : undefined;
    }, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n--- m4 ---\n${c.logs(fresh)}`);
    });
    // 5. Promote it.
    const promote = await runCtl(['--endpoints', endpoints, 'member', 'promote', 'm4']);
    assert.equal(promote.code, 0, promote.stderr);

    const list = await runCtl(['--endpoints', endpoints, '-o', 'json', 'member', 'list']);
    const members = (JSON.parse(list.stdout) as { members: { name: string; role: string }[] }).members;
    assert.deepEqual(members.map((m) => m.name).sort(), ['m1', 'm2', 'm4']);
    assert.ok(!members.some((m) => m.role === 'learner'), JSON.stringify(members));
    // The new member holds everything, including what was written while the dead one was down,
    // and the cluster commits with it: stop another member and write.
    const r = await http('GET', `${fresh.url}/v1/kv?prefix=during/&limit=1000&consistency=serializable`);
    assert.equal(r.body.kvs.length, 150);
    await c.kill(live[1]!, 'SIGKILL');
    await waitForLeader(c, 20_000, [live[0]!, fresh]);
    assert.equal((await http('PUT', `${fresh.url}/v1/kv/after/1`, { value: 'x' })).status, 200);
  });
});
