// The lock checker and the fenced resource on hand-made histories.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LockGrant, ResourceAccess } from '../../cmd/lib/chaos/history.js';
import { FencedResource, checkLocks, safeEnd } from '../../cmd/lib/chaos/lock-checker.js';

function grant(p: Partial<LockGrant> & Pick<LockGrant, 'token' | 'invokeMs' | 'ackMs'>): LockGrant {
  return { lock: 'L', client: `c${p.token}`, lease: `lease${p.token}`, ttlSeconds: 3, ...p };
}

describe('fenced resource', () => {
  test('accepts tokens at least the highest seen and records every attempt', () => {
    let t = 0;
    const res = new FencedResource(() => t++);
    assert.equal(res.write('L', 'a', 5), true);
    assert.equal(res.write('L', 'a', 5), true);
    assert.equal(res.write('L', 'b', 4), false);
    assert.equal(res.write('L', 'c', 9), true);
    assert.equal(res.write('M', 'd', 1), true, 'locks are fenced independently');
    assert.deepEqual(res.log.map((a) => [a.token, a.accepted, a.highestBefore]), [[5, true, 0], [5, true, 5], [4, false, 5], [9, true, 5], [1, true, 0]]);
    assert.throws(() => res.write('L', 'x', 0), /bad fencing token/);
  });
});

describe('lock checker', () => {
  test('a clean handover passes', () => {
    const g = [
      grant({ token: 10, invokeMs: 0, ackMs: 5, releaseInvokeMs: 50, releaseOutcome: 'ok' }),
      grant({ token: 12, invokeMs: 20, ackMs: 60, releaseInvokeMs: 90, releaseOutcome: 'ok' }),
    ];
    const acc: ResourceAccess[] = [
      { lock: 'L', client: 'c10', token: 10, startMs: 10, endMs: 10, accepted: true, highestBefore: 0 },
      { lock: 'L', client: 'c12', token: 12, startMs: 70, endMs: 70, accepted: true, highestBefore: 10 },
    ];
    assert.deepEqual(checkLocks(g, acc), []);
  });

  test('a grant after the holder\'s lease could expire is no double holder', () => {
    // c10 never released; its lease (3 s from its request at 0) may expire from 3000 - margin.
    const g = [grant({ token: 10, invokeMs: 0, ackMs: 5 }), grant({ token: 12, invokeMs: 100, ackMs: 3100 })];
    assert.equal(safeEnd(g[0]!, 250), 2750);
    assert.deepEqual(checkLocks(g, []), []);
  });

  test('two holders overlapping with the older token accepted after a newer one are caught (release outside the log)', () => {
    // The lock was "released" on one member without the log: c12 got it while c10 still held it,
    // and the resource saw c12's write and then c10's.
    const g = [grant({ token: 10, invokeMs: 0, ackMs: 5, releaseInvokeMs: 400 }), grant({ token: 12, invokeMs: 20, ackMs: 60, releaseInvokeMs: 300 })];
    const acc: ResourceAccess[] = [
      { lock: 'L', client: 'c12', token: 12, startMs: 70, endMs: 71, accepted: true, highestBefore: 0 },
      { lock: 'L', client: 'c10', token: 10, startMs: 80, endMs: 81, accepted: true, highestBefore: 12 },
    ];
    const kinds = checkLocks(g, acc).map((a) => a.kind).sort();
    assert.deepEqual(kinds, ['double-holder', 'stale-token-accepted']);
    const stale = checkLocks(g, acc).find((a) => a.kind === 'stale-token-accepted')!;
    assert.ok(stale.slice.some((l) => l.includes('token 10') && l.includes('ACCEPTED')), stale.slice.join('\n'));
  });

  test('a grant overlapping an unreleased, unexpired holder is caught even without resource writes', () => {
    const g = [grant({ token: 10, invokeMs: 0, ackMs: 5, releaseInvokeMs: 2000 }), grant({ token: 11, invokeMs: 100, ackMs: 150 })];
    assert.deepEqual(checkLocks(g, []).map((a) => a.kind), ['double-holder']);
  });

  test('tokens must be unique and follow real-time order', () => {
    const dup = [grant({ token: 7, invokeMs: 0, ackMs: 1, releaseInvokeMs: 2 }), grant({ token: 7, client: 'x', invokeMs: 10, ackMs: 11, releaseInvokeMs: 12 })];
    assert.ok(checkLocks(dup, []).some((a) => a.kind === 'duplicate-token'));
    // Token 9 was answered before token 8 was requested.
    const order = [grant({ token: 9, invokeMs: 0, ackMs: 1, releaseInvokeMs: 2 }), grant({ token: 8, invokeMs: 10, ackMs: 11, releaseInvokeMs: 12 })];
    assert.ok(checkLocks(order, []).some((a) => a.kind === 'token-order'));
  });

  test('resource writes outside the grant, or with unknown tokens, are caught', () => {
    const g = [grant({ token: 10, invokeMs: 0, ackMs: 5, releaseInvokeMs: 50 })];
    const acc: ResourceAccess[] = [
      { lock: 'L', client: 'c10', token: 10, startMs: 60, endMs: 61, accepted: true, highestBefore: 10 },
      { lock: 'L', client: 'zz', token: 99, startMs: 70, endMs: 71, accepted: true, highestBefore: 10 },
    ];
    assert.deepEqual(checkLocks(g, acc).map((a) => a.kind).sort(), ['access-outside-grant', 'unknown-token']);
  });
});
