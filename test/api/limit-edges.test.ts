// Every hard limit (HARD_LIMITS, src/state/limits.ts) fed at its edge and one past it: through
// the propose-time check and apply, and through the REST API with every configurable limit at
// its maximum. What the API accepts passes the propose check and is never refused by apply for
// its shape (INVALID_COMMAND); what it refuses is refused before anything is proposed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CodedError, type ApiLimits } from '../../src/api/index.js';
import { API_LIMIT_SPECS } from '../../src/api/limits.js';
import { proposalBytes } from '../../src/node/proposal-check.js';
import { HARD_LIMITS, StateMachine, decodeCommand, encodeCommand, encodeProposal, type Command, type CommandResult } from '../../src/state/index.js';
import { FakeServer } from './fake-server.js';
import { startHarness, type Harness } from './harness.js';

type Case = { limit: keyof typeof HARD_LIMITS; setup?: Command[]; at: Command; over: Command };

const put = (key: string, value = 'v'): Command => ({ op: 'put', key, value });
const txn = (success: unknown[], compare: unknown[] = []): Command => ({ op: 'txn', compare, success, failure: [] }) as Command;
const versionIs0 = { key: 'a', target: 'version', op: '=', value: 0 };

/** A txn of puts (values at most maxValueLength) whose encoding is exactly `bytes` long. */
function txnOfBytes(bytes: number): Command {
  const n = Math.ceil(bytes / HARD_LIMITS.maxValueLength) + 1;
  const success = Array.from({ length: n }, (_, i) => ({ put: { key: `big/${i}`, value: '' } }));
  const cmd = txn(success);
  let left = bytes - encodeCommand(cmd).length;
  for (const op of success) {
    const take = Math.min(left, HARD_LIMITS.maxValueLength);
    op.put.value = 'x'.repeat(take);
    left -= take;
  }
  assert.equal(left, 0, 'the puts hold the bytes asked for');
  assert.equal(encodeCommand(cmd).length, bytes);
  return cmd;
}

const lease = (id: string): Command => ({ op: 'leaseGrant', id, ttlMs: 60_000 });

const STATIC_CASES: Case[] = [
  { limit: 'maxKeyLength', at: put('k'.repeat(HARD_LIMITS.maxKeyLength)), over: put('k'.repeat(HARD_LIMITS.maxKeyLength + 1)) },
  { limit: 'maxValueLength', at: put('k', 'v'.repeat(HARD_LIMITS.maxValueLength)), over: put('k', 'v'.repeat(HARD_LIMITS.maxValueLength + 1)) },
  { limit: 'maxIdLength', at: lease('i'.repeat(HARD_LIMITS.maxIdLength)), over: lease('i'.repeat(HARD_LIMITS.maxIdLength + 1)) },
  {
    limit: 'maxLockNameLength',
    setup: [lease('L')],
    at: { op: 'lockAcquire', name: 'n'.repeat(HARD_LIMITS.maxLockNameLength), lease: 'L', waiterId: 'w' },
    over: { op: 'lockAcquire', name: 'n'.repeat(HARD_LIMITS.maxLockNameLength + 1), lease: 'L', waiterId: 'w' },
  },
  { limit: 'maxCompares', at: txn([], Array(HARD_LIMITS.maxCompares).fill(versionIs0)), over: txn([], Array(HARD_LIMITS.maxCompares + 1).fill(versionIs0)) },
  {
    limit: 'maxTxnOps',
    at: txn(Array.from({ length: HARD_LIMITS.maxTxnOps }, (_, i) => ({ put: { key: `t/${i}`, value: '' } }))),
    over: txn(Array.from({ length: HARD_LIMITS.maxTxnOps + 1 }, (_, i) => ({ put: { key: `t/${i}`, value: '' } }))),
  },
  {
    limit: 'maxRangeLimit',
    at: txn([{ get: { key: '', prefix: true, limit: HARD_LIMITS.maxRangeLimit } }]),
    over: txn([{ get: { key: '', prefix: true, limit: HARD_LIMITS.maxRangeLimit + 1 } }]),
  },
  { limit: 'maxTtlMs', at: { op: 'leaseGrant', id: 't', ttlMs: HARD_LIMITS.maxTtlMs }, over: { op: 'leaseGrant', id: 't', ttlMs: HARD_LIMITS.maxTtlMs + 1 } },
  { limit: 'maxCommandBytes', at: txnOfBytes(HARD_LIMITS.maxCommandBytes), over: txnOfBytes(HARD_LIMITS.maxCommandBytes + 1) },
];

/** Capacity limits: fill the state to the limit, then one more. Only apply can decide these. */
const CAPACITY_CASES: Array<{ limit: keyof typeof HARD_LIMITS; fill(sm: StateMachine): void; next: Command }> = [
  {
    limit: 'maxLeases',
    fill: (sm) => {
      for (let i = 0; i < HARD_LIMITS.maxLeases; i++) ok(sm.apply(lease(`l${i}`)).result);
    },
    next: lease('one-more'),
  },
  {
    limit: 'maxLocks',
    fill: (sm) => {
      ok(sm.apply(lease('L')).result);
      for (let i = 0; i < HARD_LIMITS.maxLocks; i++) ok(sm.apply({ op: 'lockAcquire', name: `n${i}`, lease: 'L', waiterId: `w${i}` }).result);
    },
    next: { op: 'lockAcquire', name: 'one-more', lease: 'L', waiterId: 'x' },
  },
  {
    limit: 'maxWaitersPerLock',
    fill: (sm) => {
      // The holder, then maxWaitersPerLock waiters in the queue, each on a lease of its own.
      for (let i = 0; i <= HARD_LIMITS.maxWaitersPerLock + 1; i++) ok(sm.apply(lease(`l${i}`)).result);
      for (let i = 0; i <= HARD_LIMITS.maxWaitersPerLock; i++) {
        const r = sm.apply({ op: 'lockAcquire', name: 'q', lease: `l${i}`, waiterId: `w${i}` }).result;
        assert.ok(r.op === 'lockAcquire' && r.granted === (i === 0), JSON.stringify(r));
      }
    },
    next: { op: 'lockAcquire', name: 'q', lease: `l${HARD_LIMITS.maxWaitersPerLock + 1}`, waiterId: 'one-more' },
  },
];

/** Not fed here, and why. */
const NOT_FED: Partial<Record<keyof typeof HARD_LIMITS, string>> = {
  maxKeys: 'filling 1,000,000 keys takes ~6 s and ~350 MB; the check is the same shape as maxLeases',
  commandOverheadBytes: 'not a limit of its own: the REST case "a body of maxBodyBytes" below feeds it',
};

function ok(r: CommandResult): void {
  assert.notEqual(r.op, 'error', JSON.stringify(r));
}

function refusedAs(code: string, r: CommandResult): void {
  assert.equal(r.op, 'error');
  assert.equal((r as Extract<CommandResult, { op: 'error' }>).code, code, JSON.stringify(r));
}

describe('hard limits through the propose check and apply', () => {
  test('every hard limit has an edge case here (or a stated reason why not)', () => {
    const covered = [...STATIC_CASES, ...CAPACITY_CASES].map((c) => c.limit);
    assert.deepEqual([...covered, ...Object.keys(NOT_FED)].sort(), Object.keys(HARD_LIMITS).sort());
    assert.ok(Object.isFrozen(HARD_LIMITS), 'the table is frozen');
  });

  for (const c of STATIC_CASES) {
    test(`${c.limit}: the edge is proposed and applied, one past it is refused at propose and at apply`, () => {
      const sm = new StateMachine();
      for (const s of c.setup ?? []) ok(sm.apply(s).result);
      // At the edge: the member's check passes, and apply takes the bytes it produced.
      ok(sm.applyEncoded(proposalBytes(c.at)).result);
      // One past: the member refuses it before it reaches the log...
      assert.throws(() => proposalBytes(c.over), (e: unknown) => e instanceof CodedError && e.code === 'INVALID_COMMAND');
      // ...and the state machine refuses it too, should such an entry reach the log anyway.
      refusedAs('INVALID_COMMAND', sm.applyEncoded(encodeCommand(c.over)).result);
    });
  }

  for (const c of CAPACITY_CASES) {
    test(`${c.limit}: apply takes the state up to the limit and refuses one more with TOO_MANY_REQUESTS`, () => {
      const sm = new StateMachine();
      c.fill(sm);
      // Its shape is fine (the propose check passes): only the state it meets refuses it.
      const bytes = encodeProposal(c.next);
      refusedAs('TOO_MANY_REQUESTS', sm.applyEncoded(bytes).result);
    });
  }
});

/** A FakeServer that proposes as the member does: the propose check, then apply's decode. */
class CheckedServer extends FakeServer {
  proposed = 0;
  override async propose(cmd: Command): Promise<CommandResult> {
    this.proposed++;
    const decoded = decodeCommand(proposalBytes(cmd));
    return super.propose(decoded);
  }
}

describe('hard limits through the REST API, every limit at its maximum', () => {
  let h: Harness;
  let fake: CheckedServer;
  const max = Object.fromEntries(Object.entries(API_LIMIT_SPECS).map(([k, s]) => [k, s.max])) as unknown as ApiLimits;

  before(async () => {
    fake = new CheckedServer();
    h = await startHarness({ fake, limits: { ...max, defaultLockWaitMs: 1 } });
  });
  after(async () => {
    // Whatever the API accepted, apply never refused for its shape.
    assert.deepEqual(fake.applied.filter((a) => a.result.op === 'error' && a.result.code === 'INVALID_COMMAND'), []);
    await h.close();
  });

  /** `req` is refused with `status`, and nothing was proposed for it. */
  async function refused(status: number, req: Promise<{ status: number; json: any }>): Promise<void> {
    const before = fake.proposed;
    const r = await req;
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(fake.proposed, before, 'nothing proposed');
  }

  async function accepted(req: Promise<{ status: number; json: any }>): Promise<void> {
    const r = await req;
    assert.equal(r.status, 200, JSON.stringify(r.json)?.slice(0, 300));
  }

  const kv = (key: string): string => `/v1/kv/${encodeURIComponent(key)}`;

  test('key size: maxKeyBytes at its maximum is the state machine\'s maxKeyLength', async () => {
    assert.equal(max.maxKeyBytes, HARD_LIMITS.maxKeyLength);
    await accepted(h.request('PUT', kv('k'.repeat(max.maxKeyBytes)), { value: 'v' }));
    await refused(400, h.request('PUT', kv('k'.repeat(max.maxKeyBytes + 1)), { value: 'v' }));
  });

  test('value size, also as the widest JSON a value of maxValueBytes makes', async () => {
    await accepted(h.request('PUT', kv('v'), { value: 'v'.repeat(max.maxValueBytes) }));
    await refused(400, h.request('PUT', kv('v'), { value: 'v'.repeat(max.maxValueBytes + 1) }));
    // Control characters: one UTF-8 byte each, six in JSON ("\u0001"), in the key and the value.
    await accepted(h.request('PUT', kv('\u0001'.repeat(max.maxKeyBytes)), { value: '\u0001'.repeat(max.maxValueBytes) }));
  });

  test('lock name length', async () => {
    await accepted(h.request('POST', `/v1/locks/${'n'.repeat(HARD_LIMITS.maxLockNameLength)}`, { ttl: 60 }));
    await refused(400, h.request('POST', `/v1/locks/${'n'.repeat(HARD_LIMITS.maxLockNameLength + 1)}`, { ttl: 60 }));
  });

  test('ops in one transaction', async () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ put: { key: `t/${i}`, value: '' } }));
    await accepted(h.request('POST', '/v1/txn', { success: ops(max.maxTxnOps) }));
    await refused(400, h.request('POST', '/v1/txn', { success: ops(max.maxTxnOps + 1) }));
    await refused(400, h.request('POST', '/v1/txn', { compare: Array(max.maxTxnOps).fill(versionIs0), success: ops(1) }));
  });

  test('range limit in a transaction', async () => {
    assert.equal(max.maxRangeLimit, HARD_LIMITS.maxRangeLimit);
    await accepted(h.request('POST', '/v1/txn', { success: [{ get: { key: 't/', prefix: true, limit: max.maxRangeLimit } }] }));
    await refused(400, h.request('POST', '/v1/txn', { success: [{ get: { key: 't/', prefix: true, limit: max.maxRangeLimit + 1 } }] }));
  });

  test('lease TTL and id', async () => {
    const year = HARD_LIMITS.maxTtlMs / 1000;
    await accepted(h.request('POST', '/v1/leases', { ttl: year }));
    await refused(400, h.request('POST', '/v1/leases', { ttl: year + 1 }));
    // Lease ids the API takes (64 characters) are within the state machine's maxIdLength.
    await accepted(h.request('POST', '/v1/leases', { ttl: 60, id: 'i'.repeat(64) }));
    await refused(400, h.request('POST', '/v1/leases', { ttl: 60, id: 'i'.repeat(65) }));
  });

  test('a body of maxBodyBytes makes a command within maxCommandBytes; one byte more is 413', async () => {
    assert.equal(max.maxBodyBytes, HARD_LIMITS.maxCommandBytes - HARD_LIMITS.commandOverheadBytes);
    // Puts with the longest keys, every value as large as allowed, the last one filling the body.
    const success: Array<{ put: { key: string; value: string } }> = [];
    const body = (): string => JSON.stringify({ success });
    for (let i = 0; Buffer.byteLength(body()) < max.maxBodyBytes; i++) {
      const op = { put: { key: `${i}/`.padEnd(max.maxKeyBytes, 'k'), value: '' } };
      success.push(op);
      const room = max.maxBodyBytes - Buffer.byteLength(body());
      op.put.value = 'x'.repeat(Math.max(0, Math.min(room, max.maxValueBytes)));
    }
    const text = body();
    assert.equal(Buffer.byteLength(text), max.maxBodyBytes);
    await accepted(h.request('POST', '/v1/txn', text));
    const last = success[success.length - 1]!;
    last.put.value += 'x';
    await refused(413, h.request('POST', '/v1/txn', body()));
  });
});
