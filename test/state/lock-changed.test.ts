// LockTable.takeChanged / StateMachine.takeChangedLocks: which locks an apply batch changed, so
// that a member re-checks the lock waits on those locks only (src/node/lock-waits.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockTable } from '../../src/state/lock/lock-table.js';
import { err, ok, withLeases } from './helpers.js';

const names = (c: ReadonlySet<string> | 'all'): string[] | 'all' => (c === 'all' ? 'all' : [...c].sort());

describe('changed locks', () => {
  it('lists the locks whose holder changed or that lost a waiter; queueing and failed releases are not changes', () => {
    const sm = withLeases('A', 'B', 'C');
    ok(sm, { op: 'lockAcquire', name: 'm1', lease: 'A', waiterId: 'a1' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm1', lease: 'B', waiterId: 'b1' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm1', lease: 'C', waiterId: 'c1' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm2', lease: 'B', waiterId: 'b2' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm2', lease: 'C', waiterId: 'c2' }, 'lockAcquire');
    ok(sm, { op: 'lockAcquire', name: 'm3', lease: 'C', waiterId: 'c3' }, 'lockAcquire');
    assert.deepEqual(names(sm.takeChangedLocks()), [], 'grants and queueing change no wait');

    err(sm, { op: 'lockRelease', name: 'm1', lease: 'B' }, 'NOT_HOLDER'); // a waiter, not the holder
    assert.deepEqual(names(sm.takeChangedLocks()), []);

    ok(sm, { op: 'lockRelease', name: 'm1', lease: 'A' }, 'lockRelease'); // hand-off to b1
    assert.deepEqual(names(sm.takeChangedLocks()), ['m1']);
    assert.deepEqual(names(sm.takeChangedLocks()), [], 'taken once');

    ok(sm, { op: 'lockCancel', name: 'm2', waiterId: 'c2' }, 'lockCancel');
    ok(sm, { op: 'lockCancel', name: 'm3', waiterId: 'nobody' }, 'lockCancel');
    assert.deepEqual(names(sm.takeChangedLocks()), ['m2']);

    // C waits on m1 and holds m3: its revoke withdraws one and frees the other.
    ok(sm, { op: 'leaseRevoke', id: 'C', reason: 'revoke' }, 'leaseRevoke');
    assert.deepEqual(names(sm.takeChangedLocks()), ['m1', 'm3']);
  });

  it('answers all past 10,000 names, then lists again', () => {
    const t = new LockTable();
    for (let i = 0; i < 10_001; i++) {
      assert.equal(t.acquire(`n${i}`, 'L', `w${i}`, 2 * i + 1, 2 * i + 1, 10).kind, 'granted');
      t.release(`n${i}`, { lease: 'L' }, 2 * i + 2);
    }
    assert.equal(t.takeChanged(), 'all');
    assert.equal(t.acquire('x', 'L', 'wx', 30_000, 30_000, 10).kind, 'granted');
    t.release('x', { lease: 'L' }, 30_001);
    assert.deepEqual(names(t.takeChanged()), ['x']);
  });
});
