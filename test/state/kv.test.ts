import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine, RESERVED_PREFIX, decodeCommand, encodeCommand, validateCommand, StateError, prefixEnd } from '../../src/state/index.js';
import type { StateView } from '../../src/api/server-facade.js';
import type { Command, Compare } from '../../src/state/commands.js';
import { err, ok } from './helpers.js';

describe('kv revisions', () => {
  it('implements the StateView the api layer consumes', () => {
    const view: StateView = new StateMachine();
    assert.equal(view.revision(), 0);
  });

  it('bumps the revision by one per change and tracks version/createRevision/modRevision', () => {
    const sm = new StateMachine();
    assert.equal(ok(sm, { op: 'put', key: 'a', value: '1' }, 'put').revision, 1);
    assert.equal(ok(sm, { op: 'put', key: 'b', value: '1' }, 'put').revision, 2);
    const r = ok(sm, { op: 'put', key: 'a', value: '2', prevKv: true }, 'put');
    assert.equal(r.revision, 3);
    assert.deepEqual(r.prevKv, { key: 'a', value: '1', createRevision: 1, modRevision: 1, version: 1, lease: '' });
    assert.deepEqual(sm.get('a'), { key: 'a', value: '2', createRevision: 1, modRevision: 3, version: 2, lease: '' });
    assert.equal(sm.revision(), 3);
  });

  it('resets version and createRevision when a key is deleted and recreated', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'put', key: 'k', value: 'x' }, 'put');
    ok(sm, { op: 'put', key: 'k', value: 'y' }, 'put');
    const d = ok(sm, { op: 'delete', key: 'k', prevKv: true }, 'delete');
    assert.equal(d.revision, 3);
    assert.equal(d.deleted, 1);
    assert.equal(d.prevKvs?.[0]?.version, 2);
    assert.equal(sm.get('k'), undefined);
    ok(sm, { op: 'put', key: 'k', value: 'z' }, 'put');
    assert.deepEqual(sm.get('k'), { key: 'k', value: 'z', createRevision: 4, modRevision: 4, version: 1, lease: '' });
  });

  it('does not bump the revision for commands that change nothing', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'put', key: 'a', value: '1' }, 'put');
    const cases: Command[] = [
      { op: 'delete', key: 'missing' },
      { op: 'delete', key: 'zzz', prefix: true },
      { op: 'noop' },
      { op: 'txn', compare: [], success: [{ get: { key: 'a' } }], failure: [] },
      { op: 'txn', compare: [{ key: 'a', target: 'value', op: '=', value: 'nope' }], success: [{ put: { key: 'b', value: '' } }], failure: [] },
      { op: 'leaseGrant', id: 'L', ttlMs: 1000 },
      { op: 'compact', revision: 1 },
    ];
    for (const cmd of cases) {
      const { result, events } = sm.apply(cmd);
      assert.notEqual(result.op, 'error', JSON.stringify(result));
      assert.equal(result.revision, 1, `${cmd.op} changed the revision`);
      assert.deepEqual(events, []);
    }
    err(sm, { op: 'put', key: 'x', value: '', lease: 'nope' }, 'LEASE_NOT_FOUND');
    assert.equal(sm.revision(), 1);
  });

  it('emits put/delete events at the new revision', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'put', key: 'a', value: '1' }, 'put');
    const { result, events } = sm.apply({ op: 'delete', key: 'a' });
    assert.equal(result.revision, 2);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'delete');
    assert.deepEqual(events[0]!.kv, { key: 'a', value: '', createRevision: 0, modRevision: 2, version: 0, lease: '' });
    assert.equal(events[0]!.prevKv?.value, '1');
  });
});

describe('kv range', () => {
  const keys = ['b/2', 'a', 'b/1', 'b/', 'b', 'b/1/x', 'c', 'b0', 'b/\u{1F600}', 'b/é', 'b/\uFFFF'];
  const setup = (): StateMachine => {
    const sm = new StateMachine();
    for (const k of keys) ok(sm, { op: 'put', key: k, value: k }, 'put');
    return sm;
  };

  it('returns keys with the prefix in UTF-16 code unit order', () => {
    const sm = setup();
    const r = sm.range('b/', 0);
    const expected = keys.filter((k) => k.startsWith('b/')).sort();
    assert.deepEqual(r.kvs.map((kv) => kv.key), expected);
    assert.equal(r.count, expected.length);
    assert.equal(r.more, false);
    // U+FFFF sorts after the surrogate pair of U+1F600 in UTF-16 order.
    assert.ok(expected.indexOf('b/\uFFFF') > expected.indexOf('b/\u{1F600}'));
    assert.deepEqual(sm.range('', 0).kvs.map((kv) => kv.key), [...keys].sort());
  });

  it('honours limit with more and count', () => {
    const sm = setup();
    const all = sm.range('b', 0);
    const r = sm.range('b', 3);
    assert.deepEqual(r.kvs, all.kvs.slice(0, 3));
    assert.equal(r.more, true);
    assert.equal(r.count, all.count);
    const exact = sm.range('b', all.count);
    assert.equal(exact.more, false);
    assert.deepEqual(sm.range('nothing', 5), { kvs: [], more: false, count: 0 });
  });

  it('computes prefix ends', () => {
    assert.equal(prefixEnd('ab'), 'ac');
    assert.equal(prefixEnd('a\uFFFF'), 'b');
    assert.equal(prefixEnd('\uFFFF'), undefined);
    assert.equal(prefixEnd(''), undefined);
  });

  it('deletes a prefix at one revision', () => {
    const sm = setup();
    const before = sm.revision();
    const n = sm.range('b/', 0).count;
    const { result, events } = sm.apply({ op: 'delete', key: 'b/', prefix: true, prevKv: true });
    assert.equal(result.op, 'delete');
    if (result.op !== 'delete') return;
    assert.equal(result.deleted, n);
    assert.equal(result.prevKvs?.length, n);
    assert.equal(result.revision, before + 1);
    assert.equal(events.length, n);
    assert.ok(events.every((e) => e.type === 'delete' && e.kv.modRevision === before + 1));
    assert.equal(sm.range('b/', 0).count, 0);
    assert.ok(sm.get('b') && sm.get('b0'));
  });

  it('handles a large key space', () => {
    const sm = new StateMachine();
    for (let i = 0; i < 20_000; i++) sm.apply({ op: 'put', key: `k/${(i * 7919) % 20_000}`, value: '' });
    const r = sm.range('k/1999', 0);
    assert.deepEqual(r.kvs.map((kv) => kv.key), ['k/1999', 'k/19990', 'k/19991', 'k/19992', 'k/19993', 'k/19994', 'k/19995', 'k/19996', 'k/19997', 'k/19998', 'k/19999']);
  });
});

describe('reserved keys', () => {
  it('refuses user writes under the reserved prefix', () => {
    const sm = new StateMachine();
    assert.equal(RESERVED_PREFIX, '_raftlock/');
    err(sm, { op: 'put', key: '_raftlock/locks/x', value: 'v' }, 'INVALID_COMMAND');
    err(sm, { op: 'delete', key: '_raftlock/', prefix: true }, 'INVALID_COMMAND');
    err(sm, { op: 'txn', compare: [], success: [], failure: [{ put: { key: '_raftlock/a', value: '' } }] }, 'INVALID_COMMAND');
  });

  it('keeps lock keys out of user prefix deletes', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'leaseGrant', id: 'L', ttlMs: 1000 }, 'leaseGrant');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'L', waiterId: 'w' }, 'lockAcquire');
    ok(sm, { op: 'put', key: '_x', value: '' }, 'put');
    const d = ok(sm, { op: 'delete', key: '', prefix: true }, 'delete');
    assert.equal(d.deleted, 1);
    assert.ok(sm.get('_raftlock/locks/m'));
    assert.ok(sm.lock('m')?.holder);
  });
});

describe('txn', () => {
  const setup = (): StateMachine => {
    const sm = new StateMachine();
    ok(sm, { op: 'leaseGrant', id: 'L1', ttlMs: 5000 }, 'leaseGrant');
    ok(sm, { op: 'put', key: 'k', value: 'm' }, 'put'); // rev 1
    ok(sm, { op: 'put', key: 'k', value: 'm', lease: 'L1' }, 'put'); // rev 2, version 2
    return sm;
  };
  const holds = (sm: StateMachine, c: Compare): boolean => ok(sm, { op: 'txn', compare: [c], success: [], failure: [] }, 'txn').succeeded;

  it('compares every target with every operator', () => {
    const sm = setup();
    const table: [Compare['target'], string | number, string | number, string | number][] = [
      // target, equal value, a smaller value, a larger value
      ['value', 'm', 'a', 'z'],
      ['version', 2, 1, 3],
      ['createRevision', 1, 0, 2],
      ['modRevision', 2, 1, 3],
      ['lease', 'L1', 'L0', 'L2'],
    ];
    for (const [target, eq, lo, hi] of table) {
      const c = (op: Compare['op'], value: string | number): Compare => ({ key: 'k', target, op, value });
      assert.equal(holds(sm, c('=', eq)), true, `${target} =`);
      assert.equal(holds(sm, c('=', lo)), false, `${target} = lo`);
      assert.equal(holds(sm, c('!=', eq)), false, `${target} !=`);
      assert.equal(holds(sm, c('!=', hi)), true, `${target} != hi`);
      assert.equal(holds(sm, c('<', hi)), true, `${target} < hi`);
      assert.equal(holds(sm, c('<', eq)), false, `${target} < eq`);
      assert.equal(holds(sm, c('>', lo)), true, `${target} > lo`);
      assert.equal(holds(sm, c('>', eq)), false, `${target} > eq`);
    }
  });

  it('compares a missing key against zero values', () => {
    const sm = setup();
    assert.equal(holds(sm, { key: 'gone', target: 'version', op: '=', value: 0 }), true);
    assert.equal(holds(sm, { key: 'gone', target: 'createRevision', op: '=', value: 0 }), true);
    assert.equal(holds(sm, { key: 'gone', target: 'modRevision', op: '<', value: 1 }), true);
    assert.equal(holds(sm, { key: 'gone', target: 'value', op: '=', value: '' }), true);
    assert.equal(holds(sm, { key: 'gone', target: 'lease', op: '=', value: '' }), true);
    assert.equal(holds(sm, { key: 'gone', target: 'version', op: '>', value: 0 }), false);
  });

  it('compares fencing tokens of locks (0 when free)', () => {
    const sm = setup();
    assert.equal(holds(sm, { key: 'lk', target: 'fencingToken', op: '=', value: 0 }), true);
    const a = ok(sm, { op: 'lockAcquire', name: 'lk', lease: 'L1', waiterId: 'w' }, 'lockAcquire');
    const token = a.holder!.fencingToken;
    assert.equal(holds(sm, { key: 'lk', target: 'fencingToken', op: '=', value: token }), true);
    assert.equal(holds(sm, { key: 'lk', target: 'fencingToken', op: '>', value: token - 1 }), true);
    assert.equal(holds(sm, { key: 'lk', target: 'fencingToken', op: '=', value: 0 }), false);
  });

  it('applies every op of the chosen branch at one revision, in order', () => {
    const sm = setup();
    const { result, events } = sm.apply({
      op: 'txn',
      compare: [
        { key: 'k', target: 'value', op: '=', value: 'm' },
        { key: 'k', target: 'version', op: '=', value: 2 },
      ],
      success: [
        { put: { key: 'x', value: '1' } },
        { put: { key: 'x', value: '2', prevKv: true } },
        { get: { key: 'x' } },
        { delete: { key: 'k', prevKv: true } },
        { get: { key: '', prefix: true, limit: 1 } },
      ],
      failure: [{ put: { key: 'failed', value: '' } }],
    });
    assert.equal(result.op, 'txn');
    if (result.op !== 'txn') return;
    assert.equal(result.succeeded, true);
    assert.equal(result.revision, 3);
    assert.deepEqual(result.results[0], { put: { revision: 3 } });
    assert.equal((result.results[1] as { put: { prevKv: { value: string } } }).put.prevKv.value, '1');
    assert.deepEqual(result.results[2], { get: { kvs: [{ key: 'x', value: '2', createRevision: 3, modRevision: 3, version: 2, lease: '' }], more: false, count: 1 } });
    assert.equal((result.results[3] as { delete: { deleted: number } }).delete.deleted, 1);
    assert.deepEqual(result.results[4], { get: { kvs: [sm.get('x')], more: false, count: 1 } });
    assert.equal(events.length, 3);
    assert.ok(events.every((e) => e.kv.modRevision === 3));
    assert.equal(sm.get('failed'), undefined);
    assert.equal(sm.lease('L1')!.keys.length, 0);
  });

  it('runs the failure branch when a compare fails', () => {
    const sm = setup();
    const r = ok(sm, { op: 'txn', compare: [{ key: 'k', target: 'value', op: '!=', value: 'm' }], success: [{ put: { key: 's', value: '' } }], failure: [{ put: { key: 'f', value: '' } }] }, 'txn');
    assert.equal(r.succeeded, false);
    assert.ok(sm.get('f'));
    assert.equal(sm.get('s'), undefined);
  });

  it('is atomic: a refused op leaves nothing applied', () => {
    const sm = setup();
    const snap = sm.snapshot();
    err(sm, { op: 'txn', compare: [], success: [{ put: { key: 'a', value: '' } }, { delete: { key: 'k' } }, { put: { key: 'b', value: '', lease: 'ghost' } }], failure: [] }, 'LEASE_NOT_FOUND');
    assert.deepEqual(sm.snapshot(), snap);
  });
});

describe('command validation and coding', () => {
  it('refuses malformed commands with INVALID_COMMAND and never throws from apply', () => {
    const sm = new StateMachine();
    const bad: unknown[] = [
      null,
      'put',
      { op: 'put', key: '', value: '' },
      { op: 'put', key: 'k' },
      { op: 'put', key: 'k', value: 5 },
      { op: 'put', key: '\uD800', value: '' },
      { op: 'put', key: 'x'.repeat(5000), value: '' },
      { op: 'txn', compare: [{ key: 'k', target: 'version', op: '=', value: 'one' }], success: [], failure: [] },
      { op: 'txn', compare: [{ key: 'k', target: 'size', op: '=', value: 1 }], success: [], failure: [] },
      { op: 'txn', compare: [], success: [{ put: { key: 'a', value: '' }, get: { key: 'a' } }], failure: [] },
      { op: 'txn', compare: [], success: new Array(200).fill({ get: { key: 'a' } }), failure: [] },
      { op: 'leaseGrant', id: 'L', ttlMs: 0 },
      { op: 'leaseGrant', id: 'L', ttlMs: 1.5 },
      { op: 'leaseRevoke', id: 'L', reason: 'whim' },
      { op: 'lockRelease', name: 'm' },
      { op: 'compact', revision: -1 },
      { op: 'explode' },
    ];
    for (const x of bad) {
      assert.throws(() => validateCommand(x), (e: unknown) => e instanceof StateError && e.code === 'INVALID_COMMAND', JSON.stringify(x));
      err(sm, x as Command, 'INVALID_COMMAND');
    }
    assert.equal(sm.revision(), 0);
  });

  it('normalises commands to their known fields, optional ones only when given, in a fixed order', () => {
    // The log encoding of a validated command: unknown fields dropped, absent optional fields
    // left out (never written as null or undefined), fields in the same order however they came.
    const cases: Array<[unknown, string]> = [
      [{ value: 'v', key: 'k', op: 'put', extra: 1 }, '{"op":"put","key":"k","value":"v"}'],
      [{ op: 'put', key: 'k', value: 'v', prevKv: true, lease: 'L' }, '{"op":"put","key":"k","value":"v","lease":"L","prevKv":true}'],
      [{ op: 'delete', key: 'k', prevKv: false }, '{"op":"delete","key":"k","prevKv":false}'],
      [{ op: 'delete', key: '', prefix: true }, '{"op":"delete","key":"","prefix":true}'],
      [{ op: 'lockRelease', lease: 'L', name: 'm' }, '{"op":"lockRelease","name":"m","lease":"L"}'],
      [{ op: 'lockRelease', name: 'm', fencingToken: 3, lease: 'L' }, '{"op":"lockRelease","name":"m","fencingToken":3,"lease":"L"}'],
      [
        { op: 'txn', compare: [], success: [{ get: { limit: 5, key: 'a' } }, { put: { key: 'a', value: '' } }, { delete: { key: 'a', prevKv: true } }], failure: [] },
        '{"op":"txn","compare":[],"success":[{"get":{"key":"a","limit":5}},{"put":{"key":"a","value":""}},{"delete":{"key":"a","prevKv":true}}],"failure":[]}',
      ],
    ];
    for (const [input, want] of cases) {
      const cmd = validateCommand(input);
      assert.equal(JSON.stringify(cmd), want);
      assert.ok(Object.values(cmd).every((v) => v !== undefined), want);
      assert.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
    }
  });

  it('applies commands in their log encoding, refusing bytes that are no command', () => {
    const sm = new StateMachine();
    const put = sm.applyEncoded(encodeCommand({ op: 'put', key: 'k', value: 'v' }));
    assert.deepEqual(put.cmd, { op: 'put', key: 'k', value: 'v' });
    assert.equal(put.result.op, 'put');
    assert.equal(put.events.length, 1);
    assert.equal(sm.get('k')?.value, 'v');
    // A well-formed command that the state refuses still reports what it was.
    const refused = sm.applyEncoded(encodeCommand({ op: 'lockRelease', name: 'm', fencingToken: 9 }));
    assert.equal(refused.cmd?.op, 'lockRelease');
    assert.equal(refused.result.op, 'error');
    for (const bytes of [new Uint8Array([0xff, 0xfe]), new TextEncoder().encode('{"op":'), new TextEncoder().encode('{"op":"put","key":""}')]) {
      const out = sm.applyEncoded(bytes);
      assert.equal(out.cmd, undefined);
      assert.equal(out.result.op === 'error' && out.result.code, 'INVALID_COMMAND');
      assert.deepEqual(out.events, []);
    }
    assert.equal(sm.revision(), 1);
  });

  it('round-trips commands through encode/decode', () => {
    const cmds: Command[] = [
      { op: 'put', key: 'ключ/🔑', value: 'v', lease: 'L', prevKv: true },
      { op: 'txn', compare: [{ key: 'k', target: 'lease', op: '!=', value: '' }], success: [{ delete: { key: 'p/', prefix: true } }], failure: [{ get: { key: 'k' } }] },
      { op: 'lockRelease', name: 'n', fencingToken: 7 },
      { op: 'noop' },
    ];
    for (const c of cmds) assert.deepEqual(decodeCommand(encodeCommand(c)), c);
    assert.throws(() => decodeCommand(new Uint8Array([0xff, 0xfe])), /INVALID|UTF-8/);
    assert.throws(() => decodeCommand(new TextEncoder().encode('{"op":')), (e: unknown) => e instanceof StateError);
  });
});
