// The lease rule against the real Member, with time and the network under the test's control:
// once a leader has decided that a lease expired (its revoke is in the log), nothing reports the
// lease alive — not a keepalive, not a TTL query, not through a follower, not after the revoke's
// proposal timed out, not from a new leader that holds that revoke. A revoke that can never
// commit (no one but the deposed leader has it) leaves the lease alive under the new leader.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CodedError } from '../../src/api/errors.js';
import type { Member } from '../../src/node/member.js';
import { MessageType } from '../../src/raft/types.js';
import { isolate, settle, startCluster, TICK_MS, type TestCluster } from './harness.js';

type Outcome<T> = { done: false } | { done: true; ok: true; value: T } | { done: true; ok: false; error: CodedError };

/** Track a promise's outcome without awaiting it. */
function track<T>(p: Promise<T>): { get(): Outcome<T> } {
  let o: Outcome<T> = { done: false };
  p.then(
    (value) => (o = { done: true, ok: true, value }),
    (error: CodedError) => (o = { done: true, ok: false, error }),
  );
  return { get: () => o };
}

async function run<T>(c: TestCluster, p: Promise<T>, maxMs = 5_000): Promise<T> {
  const t = track(p);
  await c.until('the request to settle', () => t.get().done, maxMs);
  return p;
}

async function expectCode(c: TestCluster, p: Promise<unknown>, code: string, maxMs = 5_000): Promise<CodedError> {
  const t = track(p);
  await c.until(`the request to fail with ${code}`, () => t.get().done, maxMs);
  const o = t.get();
  assert.ok(o.done && !o.ok, `expected ${code}, got ${JSON.stringify(o)}`);
  assert.equal(o.error.code, code, o.error.message);
  return o.error;
}

const followersOf = (c: TestCluster, l: Member): Member[] => c.members.filter((m) => m !== l);
const hasLease = (m: Member, id: string): boolean => m.state().lease(id) !== undefined;

/** Followers' acknowledgements of appended entries to `leader` are lost: nothing new commits,
 *  while heartbeats (and so ReadIndex rounds and leadership) go on. */
function holdCommits(c: TestCluster, leader: number): () => void {
  const before = c.drop;
  c.drop = (from, to, kind, m) => (kind === 'raft' && to === leader && m?.type === MessageType.AppResp) || before(from, to, kind, m);
  return () => (c.drop = before);
}

/** Advance tick by tick until the leader appends an entry (the expiry revoke) to its log. */
async function untilRevokeProposed(c: TestCluster, l: Member): Promise<void> {
  const last = l.status().lastIndex;
  await c.until('the expiry revoke to be proposed', () => l.status().lastIndex > last, 3_000);
}

describe('lease expiry decisions are final (in-process members, manual clock)', () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
  });
  const start = async (): Promise<TestCluster> => {
    const c = await startCluster(3);
    clusters.push(c);
    return c;
  };

  test('after the decision, keepalives and TTL queries (leader and follower) wait for the revoke and answer LEASE_NOT_FOUND; a put attaching to it is refused', async () => {
    const c = await start();
    const l = c.leader()!;
    const [f] = followersOf(c, l);
    await run(c, l.propose({ op: 'leaseGrant', id: 'a', ttlMs: 1_000 }));
    await c.until('the follower to know the lease', () => hasLease(f!, 'a'));

    const release = holdCommits(c, l.status().id);
    await untilRevokeProposed(c, l);
    assert.ok(l.status().commit < l.status().lastIndex, 'the revoke is proposed, not committed');
    assert.ok(hasLease(l, 'a'), 'the lease is still in the applied state');

    const viaLeader = track(l.leaseKeepalive('a'));
    const viaFollower = track(f!.leaseKeepalive('a'));
    const ttlLeader = track(l.leaseRemaining('a'));
    const ttlFollower = track(f!.leaseRemaining('a'));
    const put = track(f!.propose({ op: 'put', key: 'k', value: 'v', lease: 'a' }));
    await c.clock.advance(20 * TICK_MS); // ReadIndex rounds complete meanwhile
    for (const [what, t] of Object.entries({ viaLeader, viaFollower, ttlLeader, ttlFollower, put })) {
      assert.equal(t.get().done, false, `${what} must wait for the revoke's outcome, got ${JSON.stringify(t.get())}`);
    }

    release();
    await c.until('every request to settle', () => [viaLeader, viaFollower, ttlLeader, ttlFollower, put].every((t) => t.get().done));
    for (const [what, t] of Object.entries({ viaLeader, viaFollower, ttlLeader, ttlFollower })) {
      const o = t.get();
      assert.ok(o.done && !o.ok, `${what}: ${JSON.stringify(o)}`);
      assert.equal(o.error.code, 'LEASE_NOT_FOUND', `${what}: ${o.error.message}`);
      assert.deepEqual(o.error.details, { id: 'a' }, `${what} names the lease`);
    }
    const p = put.get();
    assert.ok(p.done && p.ok && p.value.op === 'error' && p.value.code === 'LEASE_NOT_FOUND', `put: ${JSON.stringify(p)}`);
    for (const m of c.members) await c.until('the revoke applied everywhere', () => !hasLease(m, 'a'));
  });

  test('a revoke whose proposal timed out still holds: no keepalive is acknowledged until it settles', async () => {
    const c = await start();
    const l = c.leader()!;
    await run(c, l.propose({ op: 'leaseGrant', id: 'b', ttlMs: 1_000 }));
    const release = holdCommits(c, l.status().id);
    await untilRevokeProposed(c, l);
    const decidedAt = c.clock.now();
    // The proposal's request timeout (2 s) passes; the entry is still in the log and may commit.
    await c.clock.advance(decidedAt + 2_000 - c.clock.now());
    const kp = l.leaseKeepalive('b');
    const k = track(kp);
    await settle(50);
    await c.clock.advance(5 * TICK_MS);
    assert.equal(k.get().done, false, `the keepalive must not be answered while the revoke can commit: ${JSON.stringify(k.get())}`);
    release();
    await expectCode(c, kp, 'LEASE_NOT_FOUND');
  });

  test('leader change: a new leader that holds the old leader\'s undecided revoke applies it before it answers; keepalives through a follower get LEASE_NOT_FOUND', async () => {
    const c = await start();
    const l1 = c.leader()!;
    const id1 = l1.status().id;
    await run(c, l1.propose({ op: 'leaseGrant', id: 'c', ttlMs: 1_000 }));
    holdCommits(c, id1);
    await untilRevokeProposed(c, l1);
    const revokeIndex = l1.status().lastIndex;
    for (const f of followersOf(c, l1)) await c.until('the followers to hold the revoke entry', () => f.status().lastIndex >= revokeIndex);
    isolate(c, id1); // the old leader freezes with its revoke uncommitted
    await c.until('a new leader', () => {
      const l = c.leader();
      return l !== undefined && l !== l1;
    });
    const l2 = c.leader()!;
    const f = followersOf(c, l2).find((m) => m !== l1)!;
    await expectCode(c, f.leaseKeepalive('c'), 'LEASE_NOT_FOUND');
    await expectCode(c, l2.leaseKeepalive('c'), 'LEASE_NOT_FOUND');
  });

  test('leader change: a revoke only the deposed leader holds can never commit, so the new leader keeps the lease alive', async () => {
    const c = await start();
    const l1 = c.leader()!;
    const id1 = l1.status().id;
    await run(c, l1.propose({ op: 'leaseGrant', id: 'd', ttlMs: 1_000 }));
    for (const m of c.members) await c.until('the lease everywhere', () => hasLease(m, 'd'));
    const lastBefore = l1.status().lastIndex;
    // From now on nothing leaves the old leader but heartbeats: the revoke it decides stays its own.
    const before = c.drop;
    c.drop = (from, to, kind, m) => (from === id1 && kind === 'raft' && m?.type === MessageType.App && m.entries.length > 0) || before(from, to, kind, m);
    await untilRevokeProposed(c, l1);
    assert.ok(l1.status().lastIndex > lastBefore);
    isolate(c, id1);
    await c.until('a new leader', () => {
      const l = c.leader();
      return l !== undefined && l !== l1;
    });
    const l2 = c.leader()!;
    const f = followersOf(c, l2).find((m) => m !== l1)!;
    const r = await run(c, f.leaseKeepalive('d'));
    assert.equal(r.ttlMs, 1_000);
    // The old leader comes back: its revoke is overwritten, the lease lives on everywhere.
    c.drop = () => false;
    await c.until('the old leader to follow', () => l1.status().lead === l2.status().id && l1.status().applied >= l2.status().commit);
    assert.ok(hasLease(l1, 'd') && hasLease(l2, 'd'), 'the lease survived: the deposed leader\'s decision never committed');
  });

  test('a follower answers its writes still forwarded to a frozen leader as soon as it knows the new one: TIMEOUT (outcome unknown); keepalives are asked again', async () => {
    const c = await start();
    const l1 = c.leader()!;
    await run(c, l1.propose({ op: 'leaseGrant', id: 'e', ttlMs: 5_000 }));
    const [f] = followersOf(c, l1);
    await c.until('the follower to know the lease', () => hasLease(f!, 'e'));
    isolate(c, l1.status().id);
    const startedAt = c.clock.now();
    const put = track(f!.propose({ op: 'put', key: 'x', value: '1' }));
    const keep = track(f!.leaseKeepalive('e'));
    await c.until('a new leader known to the follower', () => f!.status().lead !== 0 && f!.status().lead !== l1.status().id);
    await c.until('the forwarded requests to settle', () => put.get().done && keep.get().done, 1_000);
    const p = put.get();
    assert.ok(p.done && !p.ok && p.error.code === 'TIMEOUT', `put: ${JSON.stringify(p)}`);
    assert.ok(c.clock.now() - startedAt < 2_000, `answered ${c.clock.now() - startedAt} ms after the freeze, before the 2 s request timeout`);
    const k = keep.get();
    assert.ok(k.done && k.ok && k.value.ttlMs === 5_000, `keepalive asked again of the new leader: ${JSON.stringify(k)}`);
  });

  test('readiness: a member that stops applying what it knows committed becomes not ready after the grace; it recovers', async () => {
    const c = await start();
    const l = c.leader()!;
    const fi = c.members.indexOf(followersOf(c, l)[0]!);
    const f = c.members[fi]!;
    assert.equal(f.readiness().ready, true);
    c.stores[fi]!.hold(); // its disk stalls: it keeps learning commits but applies nothing
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) writes.push(l.propose({ op: 'put', key: `r${i}`, value: 'v' }));
    await c.until('the follower to know of a commit it has not applied', () => f.status().commit > f.status().applied, 2_000);
    assert.equal(f.readiness().ready, true, 'within the grace a lag is normal');
    await c.until('the follower to be not ready', () => !f.readiness().ready, 3_000);
    assert.match(f.readiness().reason, /behind commit index/);
    assert.equal(l.readiness().ready, true);
    c.stores[fi]!.release();
    await c.until('the follower to be ready again', () => f.readiness().ready, 3_000);
    await run(c, Promise.all(writes));
  });
});
