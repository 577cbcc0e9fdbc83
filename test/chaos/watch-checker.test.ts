// The watch completeness and durability checkers on hand-made histories.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WatchEventRecord, WatcherRecord } from '../../cmd/lib/chaos/history.js';
import { checkDurability, checkWatches, type AckedWrite } from '../../cmd/lib/chaos/watch-checker.js';

const ev = (revision: number, key: string, value: string, member = 'm1'): WatchEventRecord => ({ revision, key, value, type: 'put', member, atMs: revision });
const watcher = (name: string, events: WatchEventRecord[], startRevision = 1): WatcherRecord => ({ name, startRevision, events, reconnects: 0 });

const acked: AckedWrite[] = [
  { key: 'p/a', value: 'a1', revision: 2 },
  { key: 'p/b', value: 'b1', revision: 3 },
  { key: 'p/a', value: 'a2', revision: 5 },
];

describe('watch checker', () => {
  test('complete, ordered streams (across reconnects to other members) pass', () => {
    const w1 = watcher('w1', [ev(2, 'p/a', 'a1'), ev(3, 'p/b', 'b1', 'm2'), ev(4, 'p/c', 'unknown-write', 'm2'), ev(5, 'p/a', 'a2', 'm3'), ev(6, 'p/s', 'sentinel', 'm3')]);
    const w2 = watcher('w2', [ev(2, 'p/a', 'a1'), ev(3, 'p/b', 'b1'), ev(4, 'p/c', 'unknown-write'), ev(5, 'p/a', 'a2'), ev(6, 'p/s', 'sentinel')]);
    assert.deepEqual(checkWatches({ acked, failed: [], watchers: [w1, w2], coveredTo: 6, prefix: 'p/' }), []);
  });

  test('a missing acknowledged write is caught', () => {
    const w = watcher('w1', [ev(2, 'p/a', 'a1'), ev(5, 'p/a', 'a2'), ev(6, 'p/s', 's')]);
    const a = checkWatches({ acked, failed: [], watchers: [w], coveredTo: 6, prefix: 'p/' });
    assert.deepEqual(a.map((x) => x.kind), ['missing']);
    assert.match(a[0]!.message, /p\/b at revision 3/);
  });

  test('a duplicate after a reconnect, and a step back in revision, are caught', () => {
    // After a reconnect the new member replays revision 3 although 5 was seen.
    const w = watcher('w1', [ev(2, 'p/a', 'a1'), ev(3, 'p/b', 'b1'), ev(5, 'p/a', 'a2'), ev(3, 'p/b', 'b1', 'm2'), ev(6, 'p/s', 's')]);
    assert.deepEqual(checkWatches({ acked, failed: [], watchers: [w], coveredTo: 6, prefix: 'p/' }).map((x) => x.kind), ['out-of-order', 'duplicate']);
  });

  test('wrong values, phantoms of refused writes and divergent watchers are caught', () => {
    const w1 = watcher('w1', [ev(2, 'p/a', 'a1'), ev(3, 'p/b', 'OTHER'), ev(4, 'p/x', 'refused'), ev(5, 'p/a', 'a2'), ev(6, 'p/s', 's')]);
    const w2 = watcher('w2', [ev(2, 'p/a', 'a1'), ev(3, 'p/b', 'b1'), ev(5, 'p/a', 'a2'), ev(6, 'p/s', 's')]);
    const kinds = checkWatches({ acked, failed: [{ key: 'p/x', value: 'refused' }], watchers: [w1, w2], coveredTo: 6, prefix: 'p/' }).map((x) => x.kind).sort();
    assert.deepEqual(kinds, ['divergent', 'phantom', 'wrong-event']);
  });

  test('a stream that stops short of the final revision is incomplete; writes before its start are not required', () => {
    const w = watcher('w1', [ev(5, 'p/a', 'a2')], 4);
    assert.deepEqual(checkWatches({ acked, failed: [], watchers: [w], coveredTo: 6, prefix: 'p/' }).map((x) => x.kind), ['incomplete']);
  });
});

describe('durability checker', () => {
  const writes = [
    { key: 'k1', value: 'v1', outcome: 'ok' as const },
    { key: 'k2', value: 'v2', outcome: 'unknown' as const },
    { key: 'k3', value: 'v3', outcome: 'fail' as const },
  ];

  test('every member holding every acknowledged write passes', () => {
    const m = new Map([['k1', 'v1'], ['k2', 'v2']]);
    assert.deepEqual(checkDurability({ writes, finalByMember: new Map([['m1', m], ['m2', new Map(m)]]) }), []);
  });

  test('an acknowledged write lost after a failover is caught', () => {
    const finalByMember = new Map([['m1', new Map([['k1', 'v1']])], ['m2', new Map<string, string>()]]);
    const a = checkDurability({ writes, finalByMember });
    assert.deepEqual(a.map((x) => x.kind), ['lost-write']);
    assert.match(a[0]!.message, /missing on m2/);
  });

  test('refused writes that appear, and members that disagree on unknown ones, are caught', () => {
    const finalByMember = new Map([['m1', new Map([['k1', 'v1'], ['k2', 'v2'], ['k3', 'v3']])], ['m2', new Map([['k1', 'v1'], ['k3', 'v3']])]]);
    assert.deepEqual(checkDurability({ writes, finalByMember }).map((x) => x.kind).sort(), ['divergent', 'phantom-write']);
  });
});
