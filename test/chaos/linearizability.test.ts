// The linearizability checker on hand-made histories: it accepts linearizable ones (including
// unknown outcomes that did or did not take effect) and catches stale reads and lost writes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KvOp } from '../../cmd/lib/chaos/history.js';
import { ANY, checkKey, checkLinearizable, cutHistory, shrink } from '../../cmd/lib/chaos/linearizability.js';

let nextId = 1;
function op(p: Partial<KvOp> & Pick<KvOp, 'kind' | 'invokeMs'>): KvOp {
  return { id: nextId++, client: p.client ?? 'c', key: p.key ?? 'k', outcome: 'ok', ...p } as KvOp;
}
const w = (value: string, invokeMs: number, completeMs: number | undefined, extra: Partial<KvOp> = {}): KvOp =>
  op({ kind: 'write', value, invokeMs, completeMs, outcome: completeMs === undefined ? 'unknown' : 'ok', ...extra });
const r = (read: string | null, invokeMs: number, completeMs: number, extra: Partial<KvOp> = {}): KvOp => op({ kind: 'read', read, invokeMs, completeMs, ...extra });
const cas = (expect: string, value: string, succeeded: boolean | undefined, invokeMs: number, completeMs: number | undefined, extra: Partial<KvOp> = {}): KvOp =>
  op({ kind: 'cas', expect, value, succeeded, invokeMs, completeMs, outcome: completeMs === undefined ? 'unknown' : 'ok', ...extra });

describe('linearizability checker', () => {
  test('a sequential history is linearizable', () => {
    const h = [r(null, 0, 1), w('a', 2, 3), r('a', 4, 5), cas('a', 'b', true, 6, 7), r('b', 8, 9), cas('a', 'c', false, 10, 11), r('b', 12, 13)];
    assert.equal(checkKey(h).status, 'ok');
  });

  test('concurrent ops may be ordered either way', () => {
    // The write of b overlaps both reads: one sees a, the next sees b.
    const h = [w('a', 0, 1), w('b', 2, 10), r('b', 3, 4), r('a', 5, 6)];
    // r(b) completes before r(a) starts, and r(a) needs the state before b: not linearizable.
    assert.equal(checkKey(h).status, 'violation');
    const ok = [w('a', 0, 1), w('b', 2, 10), r('a', 3, 4), r('b', 5, 6)];
    assert.equal(checkKey(ok).status, 'ok');
  });

  test('stale read after an acknowledged write is caught (local reads without ReadIndex)', () => {
    // c1 writes b and is acknowledged; c2 then reads a follower's stale state.
    const h = [w('a', 0, 1, { client: 'c1' }), w('b', 2, 3, { client: 'c1' }), r('a', 4, 5, { client: 'c2', member: 'm3' })];
    const res = checkLinearizable(h);
    assert.equal(res.anomalies.length, 1);
    assert.equal(res.anomalies[0]!.kind, 'non-linearizable');
    assert.ok(res.anomalies[0]!.slice.some((l) => l.includes('read k -> "a"')), res.anomalies[0]!.slice.join('\n'));
  });

  test('an acknowledged write lost after a failover is caught (ack before commit)', () => {
    // b is acknowledged by the old leader; after the failover every read sees a.
    const h = [w('a', 0, 1), w('b', 2, 3, { member: 'm1' }), r('a', 10, 11, { member: 'm2' }), r('a', 12, 13, { member: 'm3' })];
    assert.equal(checkKey(h).status, 'violation');
  });

  test('an unknown write may take effect late...', () => {
    const h = [w('a', 0, 1), w('b', 2, undefined), r('a', 3, 4), r('b', 50, 51), r('b', 52, 53)];
    assert.equal(checkKey(h).status, 'ok');
  });

  test('...or never', () => {
    const h = [w('a', 0, 1), w('b', 2, undefined), r('a', 50, 51)];
    assert.equal(checkKey(h).status, 'ok');
  });

  test('but not before it was invoked', () => {
    const h = [w('a', 0, 1), r('b', 2, 3), w('b', 4, undefined)];
    assert.equal(checkKey(h).status, 'violation');
  });

  test('an unknown write takes effect at most once', () => {
    const h = [w('a', 0, 1), w('b', 2, undefined), r('b', 3, 4), w('c', 5, 6), r('b', 7, 8)];
    assert.equal(checkKey(h).status, 'violation');
  });

  test('a refused write never takes effect', () => {
    const h = [w('a', 0, 1), op({ kind: 'write', value: 'b', invokeMs: 2, completeMs: 3, outcome: 'fail' }), r('b', 4, 5)];
    assert.equal(checkKey(h).status, 'violation');
  });

  test('compare-and-set: a success needs the expected value, a failure needs another', () => {
    assert.equal(checkKey([w('a', 0, 1), cas('x', 'b', true, 2, 3)]).status, 'violation');
    assert.equal(checkKey([w('a', 0, 1), cas('a', 'b', false, 2, 3)]).status, 'violation');
    assert.equal(checkKey([w('a', 0, 1), cas('a', 'b', true, 2, 3), r('b', 4, 5)]).status, 'ok');
    // An unknown cas explains a read of its value only if its compare could hold.
    assert.equal(checkKey([w('a', 0, 1), cas('a', 'b', undefined, 2, undefined), r('b', 4, 5)]).status, 'ok');
    assert.equal(checkKey([w('z', 0, 1), cas('a', 'b', undefined, 2, undefined), r('b', 4, 5)]).status, 'violation');
  });

  test('a missing key reads as null', () => {
    assert.equal(checkKey([r(null, 0, 1), w('a', 2, 3), r(null, 4, 5)]).status, 'violation');
    assert.equal(checkKey([r(null, 0, 1)]).status, 'ok');
  });

  test('keys are checked independently', () => {
    const h = [w('a', 0, 1, { key: 'x' }), w('a', 0, 1, { key: 'y' }), w('b', 2, 3, { key: 'y' }), r('a', 4, 5, { key: 'x' }), r('a', 6, 7, { key: 'y' })];
    const res = checkLinearizable(h);
    assert.equal(res.keys, 2);
    assert.equal(res.anomalies.length, 1);
    assert.match(res.anomalies[0]!.message, /"y"/);
  });

  test('a wide concurrent history stays tractable with memoisation', () => {
    // 12 clients, each write overlaps all others; reads afterwards see the last one.
    const h: KvOp[] = [];
    for (let i = 0; i < 12; i++) h.push(w(`v${i}`, i, 100 + i));
    h.push(r('v7', 200, 201));
    const res = checkKey(h, { maxStates: 200_000 });
    assert.equal(res.status, 'ok');
    h.push(r('v3', 300, 301));
    assert.equal(checkKey(h, { maxStates: 200_000 }).status, 'violation');
  });

  test('the search gives up (inconclusive) rather than running without bound', () => {
    const h: KvOp[] = [];
    for (let i = 0; i < 14; i++) h.push(w(`v${i}`, i, 1000 + i));
    h.push(r('nope', 2000, 2001));
    assert.equal(checkKey(h, { maxStates: 50 }).status, 'inconclusive');
  });

  test('the failing window is small and still fails', () => {
    const h: KvOp[] = [];
    let t = 0;
    for (let i = 0; i < 40; i++) {
      h.push(w(`v${i}`, t, t + 1));
      h.push(r(`v${i}`, t + 2, t + 3));
      t += 4;
    }
    // The anomaly: a stale read in the middle.
    h.push(r('v10', t, t + 1));
    for (let i = 40; i < 60; i++) {
      h.push(w(`v${i}`, t + 2, t + 3));
      t += 4;
    }
    const slice = shrink(h);
    assert.ok(slice.length <= 4, `slice of ${slice.length}: ${slice.map((o) => o.id).join(',')}`);
    assert.ok(slice.some((o) => o.kind === 'read' && o.read === 'v10' && o.invokeMs >= 160));
    const from = Math.min(...slice.map((o) => o.invokeMs));
    const to = Math.max(...slice.map((o) => o.completeMs ?? o.invokeMs));
    assert.equal(checkKey(cutHistory(h, from, to), { initial: ANY }).status, 'violation');
  });

  test('cutting a history never turns a linearizable one into a violation', () => {
    const h = [w('a', 0, 10), r('a', 5, 6), w('b', 7, 20), r('b', 8, 9), r('b', 21, 22)];
    assert.equal(checkKey(h).status, 'ok');
    for (const from of [-Infinity, 0, 5, 7, 8, 21]) {
      for (const to of [6, 9, 10, 20, 22]) {
        assert.equal(checkKey(cutHistory(h, from, to), { initial: from === -Infinity ? null : ANY }).status, 'ok', `cut [${from}, ${to}]`);
      }
    }
  });
});
