// Range paging (`start`, `next`) and reads as of an older revision, checked against a model:
// the whole key space recorded after every revision of a seeded random mix of puts, deletes,
// prefix deletes, txns, leases (revoked with their keys) and locks (their reserved keys).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine, StateError } from '../../src/state/index.js';
import type { Command, KeyValue } from '../../src/state/commands.js';
import { ok, prng } from './helpers.js';

const KEYS = ['a', 'a/1', 'a/2', 'a/3', 'ab', 'b', 'b/x', 'b/y', 'c', 'ca'];

function randomCommand(rnd: () => number, step: number, leases: string[]): Command {
  const key = KEYS[Math.floor(rnd() * KEYS.length)]!;
  const r = rnd();
  if (r < 0.5) return { op: 'put', key, value: `v${step}`, ...(leases.length > 0 && rnd() < 0.2 ? { lease: leases[0]! } : {}) };
  if (r < 0.65) return { op: 'delete', key };
  if (r < 0.72) return { op: 'delete', key: key.slice(0, 1), prefix: true };
  if (r < 0.82) return { op: 'txn', compare: [], success: [{ put: { key, value: `t${step}` } }, { delete: { key: KEYS[(step * 7) % KEYS.length]! } }], failure: [] };
  if (r < 0.88) return { op: 'leaseGrant', id: `L${step}`, ttlMs: 10_000 };
  if (r < 0.92 && leases.length > 0) return { op: 'leaseRevoke', id: leases.shift()!, reason: 'revoke' };
  if (r < 0.97 && leases.length > 0) return { op: 'lockAcquire', name: `lk${step % 3}`, lease: leases[leases.length - 1]!, waiterId: `w${step}` };
  return { op: 'put', key, value: `w${step}` };
}

/** A state machine after `steps` random commands, and the full key space after each revision. */
function build(seed: number, steps: number, historyRevisions = 100_000): { sm: StateMachine; at: Map<number, KeyValue[]> } {
  const sm = new StateMachine({ historyRevisions });
  const rnd = prng(seed);
  const leases: string[] = [];
  const at = new Map<number, KeyValue[]>([[0, []]]);
  for (let step = 0; step < steps; step++) {
    const cmd = randomCommand(rnd, step, leases);
    const { result } = sm.apply(cmd);
    if (cmd.op === 'leaseGrant' && result.op === 'leaseGrant') leases.push(cmd.id);
    at.set(sm.revision(), sm.range('', 0).kvs);
  }
  return { sm, at };
}

/** Every page of `prefix` at `revision`, `limit` keys a page, following `next`. */
function pages(sm: StateMachine, prefix: string, limit: number, revision?: number): { kvs: KeyValue[]; counts: number[] } {
  const kvs: KeyValue[] = [];
  const counts: number[] = [];
  let start: string | undefined;
  for (let n = 0; ; n++) {
    assert.ok(n < 1000, 'paging ends');
    const r = sm.range(prefix, limit, { ...(start !== undefined ? { start } : {}), ...(revision !== undefined ? { revision } : {}) });
    assert.ok(r.kvs.length <= limit);
    kvs.push(...r.kvs);
    counts.push(r.count);
    if (!r.more) {
      assert.equal(r.next, undefined, 'no next on the last page');
      return { kvs, counts };
    }
    assert.equal(r.kvs.length, limit, 'a page cut short by limit is full');
    assert.ok(r.next !== undefined && r.next > r.kvs[r.kvs.length - 1]!.key, 'next is the first key after the page');
    start = r.next;
  }
}

describe('range paging and historical reads', () => {
  it('a range cut short by limit carries next; start goes on from it (inclusive) until more is false', () => {
    const sm = new StateMachine();
    for (const k of ['p/1', 'p/2', 'p/3', 'p/4', 'p/5', 'q']) ok(sm, { op: 'put', key: k, value: k }, 'put');
    const first = sm.range('p/', 2);
    assert.deepEqual(first.kvs.map((kv) => kv.key), ['p/1', 'p/2']);
    assert.equal(first.more, true);
    assert.equal(first.next, 'p/3');
    assert.equal(first.count, 5);
    const second = sm.range('p/', 2, { start: 'p/3' });
    assert.deepEqual(second.kvs.map((kv) => kv.key), ['p/3', 'p/4']);
    assert.equal(second.next, 'p/5');
    assert.equal(second.count, 5, 'count is the whole prefix on every page');
    const last = sm.range('p/', 2, { start: 'p/5' });
    assert.deepEqual(last.kvs.map((kv) => kv.key), ['p/5']);
    assert.equal(last.more, false);
    assert.equal('next' in last, false);
    // A start between keys, before the prefix or after it.
    assert.deepEqual(sm.range('p/', 10, { start: 'p/25' }).kvs.map((kv) => kv.key), ['p/3', 'p/4', 'p/5']);
    assert.deepEqual(sm.range('p/', 10, { start: 'a' }).kvs.length, 5);
    assert.deepEqual(sm.range('p/', 10, { start: 'p0' }).kvs, []);
  });

  it('paging through every prefix returns exactly the range, now and at every older revision', () => {
    const { sm, at } = build(7, 400);
    for (const [rev, all] of at) {
      for (const prefix of ['', 'a', 'a/', 'b', 'c', 'z']) {
        const want = all.filter((kv) => kv.key.startsWith(prefix));
        const whole = sm.range(prefix, 0, { revision: rev });
        assert.deepEqual(whole.kvs, want, `prefix ${JSON.stringify(prefix)} at revision ${rev}`);
        assert.equal(whole.count, want.length);
        for (const limit of [1, 3]) {
          const p = pages(sm, prefix, limit, rev);
          assert.deepEqual(p.kvs, want, `pages of ${limit} of ${JSON.stringify(prefix)} at revision ${rev}`);
          assert.ok(p.counts.every((c) => c === want.length));
        }
      }
      for (const key of [...KEYS, '_raftlock/locks/lk0', 'nope']) {
        assert.deepEqual(sm.get(key, rev), all.find((kv) => kv.key === key), `${key} at revision ${rev}`);
      }
    }
    // Today's paging agrees with today's whole range too.
    assert.deepEqual(pages(sm, '', 2).kvs, sm.range('', 0).kvs);
  });

  it('the history kept bounds the revisions that can be read: COMPACTED below it, FUTURE_REVISION above the current one', () => {
    const { sm, at } = build(11, 300, 50);
    const current = sm.revision();
    const floor = sm.compactRevision();
    assert.ok(floor > 0, 'auto-compaction moved the floor');
    assert.equal(sm.readableRevision(floor), 'ok');
    assert.deepEqual(sm.range('', 0, { revision: floor }).kvs, at.get(floor), 'the compaction point itself is readable');
    assert.equal(sm.readableRevision(floor - 1), 'compacted');
    assert.equal(sm.readableRevision(current + 1), 'future');
    assert.equal(sm.readableRevision(current), 'ok');
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return e instanceof StateError ? e.code : String(e);
      }
      return undefined;
    };
    assert.equal(code(() => sm.get('a', floor - 1)), 'COMPACTED');
    assert.equal(code(() => sm.range('', 0, { revision: floor - 1 })), 'COMPACTED');
    assert.equal(code(() => sm.get('a', current + 1)), 'FUTURE_REVISION');
    assert.equal(code(() => sm.range('a', 1, { revision: current + 1 })), 'FUTURE_REVISION');
    // An explicit compaction moves the floor too.
    ok(sm, { op: 'compact', revision: current - 5 }, 'compact');
    assert.equal(sm.readableRevision(current - 6), 'compacted');
    assert.deepEqual(sm.range('', 0, { revision: current - 5 }).kvs, at.get(current - 5));
  });

  it('a snapshot restores the history that historical reads use', () => {
    const { sm, at } = build(3, 200);
    const copy = StateMachine.restore(sm.snapshot());
    for (const rev of [1, 50, 120, sm.revision()]) assert.deepEqual(copy.range('', 0, { revision: rev }).kvs, at.get(rev));
  });
});
