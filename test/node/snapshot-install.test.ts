// A follower that fell behind installs the leader's snapshot, taken while writes went on, and
// converges: same state bytes as the leader, the writes made after the snapshot too, and it goes
// on answering (serializable reads from its old state while it reads the new one in slices, then
// writes and linearizable reads through it). Real in-process members, manual clock.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CommandResult } from '../../src/state/commands.js';
import { startCluster, type TestCluster } from './harness.js';

/** Advance the clock until `p` settles. */
async function run<T>(c: TestCluster, p: Promise<T>, what: string, maxMs = 5_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await c.until(what, () => done, maxMs);
  return p;
}

describe('snapshot install on a follower (in-process members, manual clock)', () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
  });

  test('a follower cut off during load installs a snapshot read in slices and converges', async () => {
    const c = await startCluster(3, { snapshotThreshold: 300, maxPendingProposals: 5_000 });
    clusters.push(c);
    const leader = c.leader()!;
    const lagging = c.members.find((m) => m !== leader)!;
    const lid = lagging.status().id;
    await run(c, leader.propose({ op: 'put', key: 'before', value: 'x' }), 'the first write');
    await c.until('the lagging member has it', () => lagging.state().get('before') !== undefined);
    // Cut the follower off; the others take ~1,200 writes (a state of ~150 KB, several snapshots).
    c.drop = (from, to) => from === lid || to === lid;
    const value = 'v'.repeat(100);
    for (let round = 0; round < 12; round++) {
      const ps: Promise<CommandResult>[] = [];
      for (let i = 0; i < 100; i++) ps.push(leader.propose({ op: 'put', key: `k/${round}/${i}`, value }));
      await run(c, Promise.all(ps), 'a round of writes');
    }
    await c.until('the leader compacted its log', () => leader.status().snapshotIndex > lagging.status().applied + 300, 5_000);
    const oldRevision = lagging.state().revision();
    // Heal; writes go on while the follower catches up.
    c.drop = () => false;
    const during = Array.from({ length: 20 }, (_, i) => leader.propose({ op: 'put', key: `during/${i}`, value: 'y' }));
    let servedOld = false;
    await c.until('the follower installed a snapshot', () => {
      // It keeps serving reads from the state it has while it reads the new one.
      if (lagging.state().revision() === oldRevision && lagging.state().get('before')?.value === 'x') servedOld = true;
      return lagging.status().snapshotIndex > 0 && lagging.status().applied >= leader.status().snapshotIndex;
    }, 10_000);
    assert.ok(servedOld);
    await run(c, Promise.all(during), 'the writes made during the catch-up');
    await c.until('it converged', () => lagging.status().applied === leader.status().applied, 5_000);
    assert.equal(lagging.state().revision(), leader.state().revision());
    for (const k of ['before', 'k/0/0', 'k/11/99', 'during/19']) assert.equal(lagging.state().get(k)?.value, leader.state().get(k)?.value, k);
    const a = lagging.state().range('', 0);
    const b = leader.state().range('', 0);
    assert.equal(a.count, b.count);
    assert.deepEqual(a.kvs, b.kvs);
    // And it works as a member again: a write through it, read back linearizably.
    const r = await run(c, lagging.propose({ op: 'put', key: 'after', value: 'z' }), 'a write through it');
    assert.equal(r.op, 'put');
    await run(c, lagging.readBarrier(), 'a linearizable read on it');
    assert.equal(lagging.state().get('after')?.value, 'z');
  });
});
