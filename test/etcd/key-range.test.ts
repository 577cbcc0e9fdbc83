// The etcd API's translations, without processes: lease ids, [key, range_end) to raftlock's
// selections, and reads at a past revision rebuilt from the history (checked against the state
// as it was, recorded while it was built).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leaseIdFromEtcd, leaseIdToEtcd } from '../../src/etcd/codec.js';
import { ETCD_ERRORS } from '../../src/etcd/errors.js';
import { parseKeyRange, readAt, readNow, type KeyRange } from '../../src/etcd/key-range.js';
import type { KeyValue } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/index.js';

const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s) : Buffer.from(s));

describe('lease ids', () => {
  test('an etcd id is the raftlock lease of its 16 hex digits, both ways, negative ids too', () => {
    assert.equal(leaseIdFromEtcd('0'), '');
    assert.equal(leaseIdFromEtcd('255'), '00000000000000ff');
    assert.equal(leaseIdToEtcd('00000000000000ff'), '255');
    assert.equal(leaseIdFromEtcd('-1'), 'ffffffffffffffff');
    assert.equal(leaseIdToEtcd('ffffffffffffffff'), '-1');
    for (const id of ['7101441283084759324', '-6917529027641081856', '1']) assert.equal(leaseIdToEtcd(leaseIdFromEtcd(id)), id);
    // leases named by REST clients have no etcd id
    assert.equal(leaseIdToEtcd('my-lease'), '0');
    assert.equal(leaseIdToEtcd('lock.00000000000000ff'), '0');
  });
});

describe('key ranges', () => {
  test('one key, a prefix (etcd prefix end in bytes), from a key, every key, a span', () => {
    assert.deepEqual(parseKeyRange(b('a'), undefined, 100), { kind: 'key', key: 'a' });
    assert.deepEqual(parseKeyRange(b('foo/'), b('foo0'), 100), { kind: 'prefix', prefix: 'foo/' });
    // etcd's prefix end increments the last byte: "é" (c3 a9) ends at c3 aa ("ê")
    assert.deepEqual(parseKeyRange(b('é'), b('ê'), 100), { kind: 'prefix', prefix: 'é' });
    // keys are UTF-8 text here
    assert.throws(() => parseKeyRange(b([0x61, 0xff]), b([0x62]), 100), /not valid UTF-8/);
    assert.deepEqual(parseKeyRange(b('a'), b([0]), 100), { kind: 'span', start: 'a', end: undefined });
    assert.deepEqual(parseKeyRange(b([0]), b([0]), 100), { kind: 'prefix', prefix: '' });
    assert.deepEqual(parseKeyRange(b('a'), b('c'), 100), { kind: 'span', start: 'a', end: 'c' });
    assert.throws(() => parseKeyRange(b(''), undefined, 100), ETCD_ERRORS.emptyKey);
    assert.throws(() => parseKeyRange(b('x'.repeat(101)), undefined, 100), ETCD_ERRORS.requestTooLarge);
  });
});

describe('reads at a past revision', () => {
  test('equal the key space as it was at every retained revision, for keys, prefixes and spans, with limits', () => {
    const sm = new StateMachine();
    const ranges: KeyRange[] = [
      { kind: 'key', key: 'b/1' },
      { kind: 'prefix', prefix: 'b/' },
      { kind: 'prefix', prefix: '' },
      { kind: 'span', start: 'a', end: 'b/2' },
      { kind: 'span', start: 'b/1', end: undefined },
    ];
    const then = new Map<number, KeyValue[][]>();
    const record = (): void => {
      const now = ranges.map((r) => readNow(sm, r, 0).kvs);
      // spans, read through the state's [start, end) index, agree with a filter over every key
      const every = sm.range('', 0).kvs;
      ranges.forEach((r, i) => {
        if (r.kind === 'span') assert.deepEqual(now[i], every.filter((kv) => kv.key >= r.start && (r.end === undefined || kv.key < r.end)));
      });
      then.set(sm.revision(), now);
    };
    // A deterministic mix of creates, overwrites, deletes and recreates over a few keys.
    const keys = ['a', 'b/1', 'b/2', 'b/3', 'c'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    record();
    for (let i = 0; i < 60; i++) {
      const key = keys[next(keys.length)]!;
      const r = next(3) === 0 ? sm.apply({ op: 'delete', key }) : sm.apply({ op: 'put', key, value: `v${i}` });
      assert.notEqual(r.result.op, 'error');
      record();
    }
    for (const [rev, expected] of then) {
      ranges.forEach((r, i) => {
        const got = readAt(sm, r, rev, 0);
        assert.deepEqual(got.kvs, expected[i], `range ${JSON.stringify(r)} at ${rev}`);
        assert.equal(got.count, expected[i]!.length);
        for (const limit of [1, 2]) {
          const cut = readAt(sm, r, rev, limit);
          assert.deepEqual(cut.kvs, expected[i]!.slice(0, limit), `range ${JSON.stringify(r)} at ${rev} limit ${limit}`);
          assert.equal(cut.count, expected[i]!.length);
        }
      });
    }
    assert.throws(() => readAt(sm, ranges[0]!, sm.revision() + 1, 0), ETCD_ERRORS.futureRev);
    sm.apply({ op: 'compact', revision: 10 });
    assert.throws(() => readAt(sm, ranges[0]!, 9, 0), ETCD_ERRORS.compacted);
    assert.deepEqual(readAt(sm, ranges[2]!, 10, 0).kvs, then.get(10)![2]);
  });
});
