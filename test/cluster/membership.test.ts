// Membership changes on real processes: a new member joins as a learner, catches up, is
// promoted to voter, and is removed again; writes keep flowing throughout.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, eventually, http, waitForLeader } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500', '--snapshot-threshold', '50'];

describe('membership changes (real processes)', { timeout: 150_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
  });
  after(async () => {
    await c?.destroy();
  });

  test('add a learner, let it catch up through a snapshot, promote it, remove it', async () => {
    const leader = await waitForLeader(c);
    // More than the snapshot threshold, so the newcomer needs a snapshot.
    for (let i = 0; i < 80; i++) assert.equal((await http('PUT', `${leader.url}/v1/kv/pre/${i}`, { value: String(i) })).status, 200);

    const m4 = await c.addMember('m4');
    const add = await http('POST', `${c.members[1]!.url}/v1/members`, { name: 'm4', peerUrl: `http://127.0.0.1:${m4.peerPort}`, clientUrl: m4.url, learner: true });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    c.spawn(m4, ['--join']);

    await eventually('the learner to hold every key', async () => {
      const r = await http('GET', `${m4.url}/v1/kv?prefix=pre/&limit=1000&consistency=serializable`);
      return r.status === 200 && r.body.kvs.length === 80 ? true : undefined;
    }, 60_000).catch((e) => {
      throw new Error(`${e.message}\n--- m4 ---\n${c.logs(m4)}`);
    });
    const asLearner = await http('GET', `${leader.url}/v1/cluster`);
    assert.equal(asLearner.body.members.find((m: { name: string }) => m.name === 'm4').role, 'learner');

    const promote = await http('POST', `${leader.url}/v1/members/m4/promote`);
    assert.equal(promote.status, 200, JSON.stringify(promote.body));
    const four = await eventually('m4 to count as a voter everywhere', async () => {
      const r = await http('GET', `${m4.url}/v1/cluster`);
      const roles = r.body.members.map((m: { role: string }) => m.role);
      return r.body.members.length === 4 && !roles.includes('learner') ? r.body : undefined;
    });
    assert.equal(four.members.length, 4);
    // Writes through the new voter work and reach everyone.
    assert.equal((await http('PUT', `${m4.url}/v1/kv/post/1`, { value: 'x' })).status, 200);
    for (const m of c.members) assert.equal((await http('GET', `${m.url}/v1/kv/post/1`)).body.value, 'x');

    const rm = await http('DELETE', `${c.members[0]!.url}/v1/members/m4`);
    assert.equal(rm.status, 200, JSON.stringify(rm.body));
    await eventually('three members again', async () => {
      const l = await waitForLeader(c, 20_000, c.members.slice(0, 3));
      const r = await http('GET', `${l.url}/v1/cluster`);
      return r.body.members.length === 3 && !r.body.members.some((m: { name: string }) => m.name === 'm4') ? true : undefined;
    });
    assert.equal((await http('PUT', `${c.members[0]!.url}/v1/kv/post/2`, { value: 'y' })).status, 200);
  });
});
