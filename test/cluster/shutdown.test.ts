// SIGTERM: a leader hands leadership to an up-to-date follower before it exits, finishes what
// it has in flight, and exits 0 — so a rolling restart causes no election timeout.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, http, waitForLeader } from '../helpers/process-cluster.js';

// A long election timeout: if the survivors had to wait for one, no leader could exist yet at
// the moment the old leader's process has exited.
const ARGS = ['--heartbeat-interval-ms', '100', '--election-timeout-ms', '4000'];

describe('graceful shutdown (real processes)', { timeout: 120_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: ARGS });
  });
  after(async () => {
    await c?.destroy();
  });

  test('SIGTERM on the leader hands leadership over before exiting 0, with no write lost', async () => {
    for (let round = 0; round < 3; round++) {
      const leader = await waitForLeader(c, 30_000);
      const before = await http('GET', `${leader.url}/v1/cluster`);
      const w = await http('PUT', `${leader.url}/v1/kv/rolling-${round}`, { value: String(round) });
      assert.equal(w.status, 200);

      const exit = await c.kill(leader, 'SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, c.logs(leader));

      // Right now — without waiting out an election timeout — a survivor already leads.
      const survivors = c.members.filter((m) => c.isRunning(m));
      const views = await Promise.all(survivors.map((m) => http('GET', `${m.url}/v1/cluster`)));
      const selfLeaders = views.filter((v) => v.body.member.role === 'leader');
      assert.equal(selfLeaders.length, 1, `a survivor leads at the moment the old leader exited: ${JSON.stringify(views.map((v) => v.body.member))}`);
      assert.notEqual(selfLeaders[0]!.body.member.name, leader.name);
      assert.equal(selfLeaders[0]!.body.term, before.body.term + 1, 'exactly one election (the transfer)');

      // Rolling restart: bring it back before the next round; every earlier write is there.
      c.spawn(leader);
      const newLeader = await waitForLeader(c, 30_000);
      for (let r = 0; r <= round; r++) {
        const g = await http('GET', `${newLeader.url}/v1/kv/rolling-${r}`);
        assert.equal(g.body.value, String(r));
      }
    }
  });
});
