// Lock waits on a member (src/node/lock-waits.ts) against real in-process Members: many requests
// queued on one lock, on a follower, are granted one at a time in queue order as the holder
// releases, each with its own holder record; a cancelled waiter's wait and a revoked lease's wait
// end without a grant; an aborted wait is rejected and no longer counted.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { LockHolder } from '../../src/state/commands.js';
import type { Member } from '../../src/node/member.js';
import { startCluster, type TestCluster } from './harness.js';

type Settled = { holder: LockHolder | null } | { error: unknown } | null;

function track(p: Promise<LockHolder | null>): () => Settled {
  let s: Settled = null;
  p.then(
    (holder) => (s = { holder }),
    (error: unknown) => (s = { error }),
  );
  return () => s;
}

describe('lock waits on a member', () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
  });

  test('200 waits queued on one lock on a follower are granted in queue order, one release at a time; cancel, revoke and abort end theirs', async () => {
    const c = await startCluster(3);
    clusters.push(c);
    const l = c.leader()!;
    const f = c.members.find((m) => m !== l)!;
    const applied = (m: Member) => m.status().applied;
    const N = 200;
    for (let i = 0; i <= N; i++) await l.propose({ op: 'leaseGrant', id: `L${i}`, ttlMs: 600_000 });
    const first = await l.propose({ op: 'lockAcquire', name: 'm', lease: 'L0', waiterId: 'w0' });
    assert.ok(first.op === 'lockAcquire' && first.granted);
    for (let i = 1; i <= N; i++) {
      const r = await l.propose({ op: 'lockAcquire', name: 'm', lease: `L${i}`, waiterId: `w${i}` });
      assert.ok(r.op === 'lockAcquire' && !r.granted && r.position === i, `w${i} queued at ${i}`);
    }
    const target = applied(l);
    await c.until('the follower to apply the queue', () => applied(f) >= target);

    const aborts = Array.from({ length: N + 1 }, () => new AbortController());
    const waits = Array.from({ length: N + 1 }, (_, i) => (i === 0 ? () => null : track(f.awaitLockGrant('m', `w${i}`, aborts[i]!.signal))));
    assert.ok(waits.every((w) => w() === null), 'every queued wait is still waiting');

    // w5 withdraws, w6's lease is revoked, w7's request goes away (its HTTP client left).
    await l.propose({ op: 'lockCancel', name: 'm', waiterId: 'w5' });
    await l.propose({ op: 'leaseRevoke', id: 'L6', reason: 'revoke' });
    aborts[7]!.abort();
    await c.until('the cancel and revoke to end their waits on the follower', () => waits[5]!() !== null && waits[6]!() !== null);
    assert.deepEqual(waits[5]!(), { holder: null });
    assert.deepEqual(waits[6]!(), { holder: null });
    assert.ok(waits[7]!() !== null && 'error' in waits[7]!()!, 'the aborted wait is rejected');
    // w7 is still queued in the state (only its wait on this member ended).
    await l.propose({ op: 'lockCancel', name: 'm', waiterId: 'w7' });

    let holderLease = 'L0';
    let holderToken = first.holder!.fencingToken;
    const order: number[] = [];
    for (let k = 1; k <= N; k++) {
      if (k === 5 || k === 6 || k === 7) continue;
      const r = await l.propose({ op: 'lockRelease', name: 'm', lease: holderLease, fencingToken: holderToken });
      assert.ok(r.op === 'lockRelease' && r.released && r.next?.waiterId === `w${k}`, `release hands the lock to w${k}`);
      await c.until(`w${k} granted on the follower`, () => waits[k]!() !== null);
      const got = waits[k]!();
      assert.ok(got !== null && 'holder' in got && got.holder !== null);
      assert.equal(got.holder.waiterId, `w${k}`);
      assert.ok(got.holder.fencingToken > holderToken, 'each grant has a newer fencing token');
      // Only w_k was granted by this release: every later wait is still waiting.
      for (let j = k + 1; j <= N; j++) if (j !== 5 && j !== 6 && j !== 7) assert.equal(waits[j]!(), null, `w${j} still waiting after w${k}'s grant`);
      order.push(k);
      holderLease = got.holder.lease;
      holderToken = got.holder.fencingToken;
    }
    assert.equal(order.length, N - 3);
  });
});
