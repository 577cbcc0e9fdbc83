// LockWaits.checkChanged: after an apply batch a member re-reads only the locks the batch changed
// (StateMachine.takeChangedLocks), not every lock somebody waits on here; 'all' re-reads them all.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberContext } from '../../src/node/member-context.js';
import { LockWaits } from '../../src/node/lock-waits.js';
import type { LockHolder, LockWaiter } from '../../src/state/commands.js';

type Rec = { holder: LockHolder | null; waiters: LockWaiter[] };

function holder(name: string, waiterId: string, token: number): LockHolder {
  return { name, lease: `L-${waiterId}`, waiterId, fencingToken: token, revision: token };
}

describe('lock waits re-check only changed locks', () => {
  test('2,000 locks with a wait each: a batch that changed one lock reads one lock and settles its wait only', async () => {
    const locks = new Map<string, Rec>();
    let reads = 0;
    const sm = {
      lockRecord(name: string) {
        reads++;
        return locks.get(name);
      },
    };
    const waits = new LockWaits({ sm } as unknown as MemberContext);
    const N = 2_000;
    const settled = new Map<number, LockHolder | null>();
    const signal = new AbortController().signal;
    for (let i = 0; i < N; i++) {
      const name = `n${i}`;
      locks.set(name, { holder: holder(name, `h${i}`, 1), waiters: [{ name, lease: `L-w${i}`, waiterId: `w${i}`, revision: 2 }] });
      void waits.awaitGrant(name, `w${i}`, signal).then((h) => settled.set(i, h));
    }
    assert.equal(reads, N, 'each new wait read its own lock once');

    // Lock n7 is handed to its waiter, n8's waiter is withdrawn, n9 changes in no way that matters.
    locks.set('n7', { holder: holder('n7', 'w7', 3), waiters: [] });
    locks.delete('n8');
    locks.set('n8', { holder: holder('n8', 'h8', 1), waiters: [] });
    reads = 0;
    waits.checkChanged(new Set(['n7', 'n8', 'n9', 'gone']));
    await Promise.resolve();
    assert.equal(reads, 3, 'only the changed locks with waits here were read');
    assert.equal(settled.get(7)?.waiterId, 'w7');
    assert.equal(settled.get(8), null);
    assert.equal(settled.has(9), false);
    assert.equal(settled.size, 2);

    // A change the batch did not list is not seen until a full check.
    locks.set('n100', { holder: holder('n100', 'w100', 4), waiters: [] });
    reads = 0;
    waits.checkChanged(new Set());
    assert.equal(reads, 0);
    waits.checkChanged('all');
    await Promise.resolve();
    assert.equal(reads, N - 2, "'all' reads every lock still waited on");
    assert.equal(settled.get(100)?.waiterId, 'w100');
    waits.releaseAll();
  });
});
