// A quiet leader tells its followers about a new commit index on its own, within milliseconds,
// even though it holds back commit-only AppendEntries to let a following write carry them
// (Member.heldEmptyApps): followers must not wait for the next heartbeat to apply a write.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, http, waitForLeader } from '../helpers/process-cluster.js';

const HEARTBEAT_MS = 600;
const ARGS = ['--heartbeat-interval-ms', String(HEARTBEAT_MS), '--election-timeout-ms', String(5 * HEARTBEAT_MS)];

describe('commit propagation to followers (real processes)', { timeout: 120_000 }, () => {
  let c: ProcessCluster;

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: ARGS });
  });
  after(async () => {
    await c?.destroy();
  });

  test('followers apply a lone write long before the next heartbeat', async () => {
    const leader = await waitForLeader(c, 60_000);
    const followers = c.members.filter((m) => m !== leader);
    // Five isolated writes: with heartbeats alone a follower would see each one after 0.3 s on
    // average, so all five inside a quarter of the interval are no luck (odds 1 in 1,000).
    for (let i = 0; i < 5; i++) {
      const key = `quiet/${i}`;
      const w = await http('PUT', `${leader.url}/v1/kv/${key}`, { value: `v${i}` });
      assert.equal(w.status, 200, JSON.stringify(w.body));
      const acked = performance.now();
      for (const f of followers) {
        for (;;) {
          const r = await http('GET', `${f.url}/v1/kv/${key}?consistency=serializable`);
          if (r.status === 200) {
            assert.equal(r.body.value, `v${i}`);
            break;
          }
          assert.equal(r.status, 404, JSON.stringify(r.body));
          const waited = performance.now() - acked;
          assert.ok(waited < HEARTBEAT_MS / 4, `${f.name} has not applied ${key} ${waited.toFixed(0)} ms after it was acknowledged`);
        }
      }
    }
  });
});
