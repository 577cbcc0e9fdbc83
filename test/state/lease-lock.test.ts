import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine, lockKey } from '../../src/state/index.js';
import { err, ok, prng, withLeases } from './helpers.js';

describe('leases', () => {
  it('grants unique ids and lists them sorted', () => {
    const sm = withLeases('b', 'a', 'c');
    err(sm, { op: 'leaseGrant', id: 'a', ttlMs: 5 }, 'LEASE_EXISTS');
    assert.deepEqual(sm.leases(), [
      { id: 'a', ttlMs: 10_000 },
      { id: 'b', ttlMs: 10_000 },
      { id: 'c', ttlMs: 10_000 },
    ]);
    err(sm, { op: 'leaseRevoke', id: 'nope', reason: 'revoke' }, 'LEASE_NOT_FOUND');
  });

  it('tracks attached keys, moving them between leases on put and dropping them on delete', () => {
    const sm = withLeases('A', 'B');
    ok(sm, { op: 'put', key: 'x', value: '', lease: 'A' }, 'put');
    ok(sm, { op: 'put', key: 'y', value: '', lease: 'A' }, 'put');
    ok(sm, { op: 'put', key: 'y', value: '', lease: 'B' }, 'put');
    ok(sm, { op: 'put', key: 'z', value: '', lease: 'A' }, 'put');
    ok(sm, { op: 'put', key: 'z', value: '' }, 'put');
    assert.deepEqual(sm.lease('A')?.keys, ['x']);
    assert.deepEqual(sm.lease('B')?.keys, ['y']);
    ok(sm, { op: 'delete', key: 'y' }, 'delete');
    assert.deepEqual(sm.lease('B')?.keys, []);
  });

  it('revoke deletes keys, releases locks, withdraws waiters and hands off — all at one revision', () => {
    const sm = withLeases('A', 'B', 'C');
    ok(sm, { op: 'put', key: 'k1', value: '', lease: 'A' }, 'put');
    ok(sm, { op: 'put', key: 'k2', value: '', lease: 'A' }, 'put');
    ok(sm, { op: 'put', key: 'other', value: '', lease: 'B' }, 'put');
    ok(sm, { op: 'lockAcquire', name: 'm1', lease: 'A', waiterId: 'a1' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm2', lease: 'A', waiterId: 'a2' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm1', lease: 'B', waiterId: 'b1' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm3', lease: 'C', waiterId: 'c3' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm3', lease: 'A', waiterId: 'a3' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm3', lease: 'B', waiterId: 'b3' }, 'lockAcquire');
    assert.deepEqual(sm.lease('A')?.locks, ['m1', 'm2']);
    const before = sm.revision();

    const { result, events } = sm.apply({ op: 'leaseRevoke', id: 'A', reason: 'expire' });
    assert.equal(result.op, 'leaseRevoke');
    if (result.op !== 'leaseRevoke') return;
    const rev = before + 1;
    assert.equal(result.revision, rev);
    assert.deepEqual(result.deletedKeys, ['k1', 'k2']);
    assert.deepEqual(result.releasedLocks, ['m1', 'm2']);
    assert.deepEqual(result.grantedLocks?.map((h) => [h.name, h.waiterId, h.fencingToken]), [['m1', 'b1', rev]]);
    assert.deepEqual(result.withdrawnWaiters?.map((w) => w.waiterId), ['a3']);
    assert.ok(events.every((e) => e.kv.modRevision === rev));
    assert.deepEqual(
      events.map((e) => [e.type, e.kv.key]),
      [
        ['delete', 'k1'],
        ['delete', 'k2'],
        ['delete', lockKey('m1')],
        ['put', lockKey('m1')],
        ['delete', lockKey('m2')],
      ],
    );
    assert.equal(sm.lease('A'), undefined);
    assert.equal(sm.lock('m2'), undefined);
    assert.equal(sm.lock('m1')?.holder?.waiterId, 'b1');
    assert.deepEqual(sm.lock('m3')?.waiters.map((w) => w.waiterId), ['b3']);
    assert.ok(sm.get('other'));
    assert.equal(sm.revision(), rev);
  });

  it('revoke of an idle lease changes no revision', () => {
    const sm = withLeases('A');
    const r = ok(sm, { op: 'leaseRevoke', id: 'A', reason: 'revoke' }, 'leaseRevoke');
    assert.equal(r.revision, 0);
    assert.deepEqual(sm.leases(), []);
  });
});

describe('locks', () => {
  it('grants a free lock at once and queues others FIFO', () => {
    const sm = withLeases('A', 'B', 'C');
    const a = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'A', waiterId: 'wa' }, 'lockAcquire');
    assert.equal(a.granted, true);
    assert.equal(a.position, 0);
    assert.equal(a.holder?.fencingToken, a.revision);
    const b = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'B', waiterId: 'wb' }, 'lockAcquire');
    const c = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'C', waiterId: 'wc' }, 'lockAcquire');
    assert.deepEqual([b.granted, b.position, c.granted, c.position], [false, 1, false, 2]);
    assert.equal(b.holder?.waiterId, 'wa');
    assert.equal(b.revision, a.revision, 'queueing does not bump the revision');
    // A retried acquire is idempotent.
    const again = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'B', waiterId: 'wb' }, 'lockAcquire');
    assert.equal(again.position, 1);
    assert.equal(sm.lock('m')?.waiters.length, 2);
    err(sm, { op: 'lockAcquire', name: 'm', lease: 'ghost', waiterId: 'wg' }, 'LEASE_NOT_FOUND');

    const r1 = ok(sm, { op: 'lockRelease', name: 'm', fencingToken: a.holder!.fencingToken }, 'lockRelease');
    assert.equal(r1.next?.waiterId, 'wb');
    const r2 = ok(sm, { op: 'lockRelease', name: 'm', lease: 'B' }, 'lockRelease');
    assert.equal(r2.next?.waiterId, 'wc');
    const r3 = ok(sm, { op: 'lockRelease', name: 'm', lease: 'C', fencingToken: r2.next!.fencingToken }, 'lockRelease');
    assert.equal(r3.next, null);
    assert.equal(sm.lock('m'), undefined);
    assert.deepEqual(sm.locks(), []);
  });

  it('issues fencing tokens that strictly increase per lock and equal the lock key modRevision', () => {
    const sm = withLeases('A', 'B');
    const tokens: number[] = [];
    let holderLease = 'A';
    const first = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'A', waiterId: 'w0' }, 'lockAcquire');
    tokens.push(first.holder!.fencingToken);
    for (let i = 1; i <= 10; i++) {
      const other = holderLease === 'A' ? 'B' : 'A';
      ok(sm, { op: 'put', key: `noise${i}`, value: '' }, 'put');
      ok(sm, { op: 'lockAcquire', name: 'm', lease: other, waiterId: `w${i}` }, 'lockAcquire');
      const r = ok(sm, { op: 'lockRelease', name: 'm', lease: holderLease }, 'lockRelease');
      tokens.push(r.next!.fencingToken);
      assert.equal(sm.get(lockKey('m'))?.modRevision, r.next!.fencingToken);
      holderLease = other;
    }
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, `token ${tokens[i]} after ${tokens[i - 1]}`);
    const other = ok(sm, { op: 'lockAcquire', name: 'n', lease: 'A', waiterId: 'x' }, 'lockAcquire');
    assert.ok(other.holder!.fencingToken > tokens[tokens.length - 1]!);
  });

  it('refuses a release that is not the current holder\'s with NOT_HOLDER', () => {
    const sm = withLeases('A', 'B');
    err(sm, { op: 'lockRelease', name: 'free', lease: 'A' }, 'NOT_HOLDER');
    const a = ok(sm, { op: 'lockAcquire', name: 'm', lease: 'A', waiterId: 'wa' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'B', waiterId: 'wb' }, 'lockAcquire');
    err(sm, { op: 'lockRelease', name: 'm', lease: 'B' }, 'NOT_HOLDER');
    err(sm, { op: 'lockRelease', name: 'm', fencingToken: a.holder!.fencingToken + 1 }, 'NOT_HOLDER');
    err(sm, { op: 'lockRelease', name: 'm', fencingToken: a.holder!.fencingToken, lease: 'B' }, 'NOT_HOLDER');
    const r = ok(sm, { op: 'lockRelease', name: 'm', fencingToken: a.holder!.fencingToken }, 'lockRelease');
    // The old token no longer releases anything.
    err(sm, { op: 'lockRelease', name: 'm', fencingToken: a.holder!.fencingToken }, 'NOT_HOLDER');
    assert.equal(sm.lock('m')?.holder?.fencingToken, r.next!.fencingToken);
  });

  it('cancels a queued waiter; cancel of the holder says so and carries it', () => {
    const sm = withLeases('A', 'B', 'C');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'A', waiterId: 'wa' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'B', waiterId: 'wb' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'C', waiterId: 'wc' }, 'lockAcquire');
    const rev = sm.revision();
    const c = ok(sm, { op: 'lockCancel', name: 'm', waiterId: 'wb' }, 'lockCancel');
    assert.equal(c.canceled, true);
    assert.equal(c.revision, rev);
    assert.deepEqual(sm.lock('m')?.waiters.map((w) => w.waiterId), ['wc']);
    const again = ok(sm, { op: 'lockCancel', name: 'm', waiterId: 'wb' }, 'lockCancel');
    assert.equal(again.canceled, false);
    const held = ok(sm, { op: 'lockCancel', name: 'm', waiterId: 'wa' }, 'lockCancel');
    assert.equal(held.canceled, false);
    assert.equal(held.holder?.waiterId, 'wa');
    assert.equal(sm.lease('B')?.locks.length, 0);
    // The handoff skips the canceled waiter.
    const r = ok(sm, { op: 'lockRelease', name: 'm', lease: 'A' }, 'lockRelease');
    assert.equal(r.next?.waiterId, 'wc');
    // A revoke of B (which no longer waits) touches nothing of m.
    const rv = ok(sm, { op: 'leaseRevoke', id: 'B', reason: 'revoke' }, 'leaseRevoke');
    assert.deepEqual(rv.withdrawnWaiters, []);
  });

  it('makes holders observable as put/delete events on the reserved key', () => {
    const sm = withLeases('A', 'B');
    const g = sm.apply({ op: 'lockAcquire', name: 'jobs/1', lease: 'A', waiterId: 'wa' });
    assert.equal(g.events.length, 1);
    const ev = g.events[0]!;
    assert.equal(ev.type, 'put');
    assert.equal(ev.kv.key, '_raftlock/locks/jobs/1');
    assert.equal(ev.kv.lease, 'A');
    assert.equal(ev.kv.modRevision, g.result.revision);
    assert.deepEqual(JSON.parse(ev.kv.value), { lease: 'A', fencingToken: g.result.revision, waiterId: 'wa' });
    assert.deepEqual(sm.lease('A')?.keys, [], 'lock keys are listed under locks, not keys');

    const q = sm.apply({ op: 'lockAcquire', name: 'jobs/1', lease: 'B', waiterId: 'wb' });
    assert.deepEqual(q.events, []);
    const rel = sm.apply({ op: 'lockRelease', name: 'jobs/1', lease: 'A' });
    assert.deepEqual(rel.events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [
      ['delete', '_raftlock/locks/jobs/1', rel.result.revision],
      ['put', '_raftlock/locks/jobs/1', rel.result.revision],
    ]);
    assert.equal(JSON.parse(rel.events[1]!.kv.value).waiterId, 'wb');
    assert.equal(rel.events[0]!.prevKv?.lease, 'A');
  });
});

test('a lease that already holds a lock gets it back instead of queueing behind itself', () => {
  const sm = new StateMachine();
  sm.apply({ op: 'leaseGrant', id: 'L1', ttlMs: 10_000 });
  const first = sm.apply({ op: 'lockAcquire', name: 'job', lease: 'L1', waiterId: 'w1' }).result;
  assert.equal(first.op === 'lockAcquire' && first.granted, true);
  const again = sm.apply({ op: 'lockAcquire', name: 'job', lease: 'L1', waiterId: 'w2' }).result;
  assert.ok(again.op === 'lockAcquire');
  assert.equal(again.granted, true);
  assert.equal(again.holder?.waiterId, 'w1');
  assert.equal(sm.lock('job')?.waiters.length, 0);
});

test('the lease and lock counts the gauges read stay equal to what the tables list, through grants, queues, cancels, releases, revokes and a snapshot', () => {
  const rnd = prng(21);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const leases = ['A', 'B', 'C', 'D', 'E'];
  const names = ['m1', 'm2', 'm3'];
  let sm = new StateMachine();
  const check = (when: string): void => {
    const locks = sm.locks();
    assert.equal(sm.leaseCount(), sm.leases().length, `${when}: lease count`);
    assert.deepEqual(
      sm.lockCounts(),
      { held: locks.filter((l) => l.holder !== null).length, waiters: locks.reduce((n, l) => n + l.waiters.length, 0) },
      `${when}: lock counts`,
    );
  };
  let waiter = 0;
  let queuedSeen = 0;
  for (let i = 0; i < 2_000; i++) {
    const r = rnd();
    const lease = pick(leases);
    const name = pick(names);
    if (r < 0.15) sm.apply({ op: 'leaseGrant', id: lease, ttlMs: 10_000 });
    else if (r < 0.25) sm.apply({ op: 'leaseRevoke', id: lease, reason: 'revoke' });
    else if (r < 0.6) {
      const { result } = sm.apply({ op: 'lockAcquire', name, lease, waiterId: `w${waiter++}` });
      if (result.op === 'lockAcquire' && !result.granted) queuedSeen++;
    } else if (r < 0.75) {
      const queued = sm.lock(name)?.waiters ?? [];
      if (queued.length > 0) sm.apply({ op: 'lockCancel', name, waiterId: pick(queued).waiterId });
    } else {
      const holder = sm.lock(name)?.holder;
      if (holder) sm.apply({ op: 'lockRelease', name, fencingToken: holder.fencingToken });
    }
    check(`step ${i}`);
    if (i === 1_000) {
      sm = StateMachine.restore(sm.snapshot());
      check('after restore');
    }
  }
  assert.ok(queuedSeen > 100, `the sequence queued waiters (${queuedSeen})`);
});
