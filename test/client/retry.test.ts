// Retry and failover rules of the client, against scripted in-test members: a write is retried
// only when nothing was applied; reads are retried on any transient failure.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Client, RaftlockError } from '../../src/client/index.js';
import { FakeEndpoint, closedPortUrl, fail, ok } from './fake-endpoint.js';

const KV = { key: 'k', value: 'v', createRevision: 3, modRevision: 3, version: 1, lease: '' };

describe('client retry and failover rules', () => {
  const started: { close(): Promise<void> }[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  async function fakes(n: number): Promise<FakeEndpoint[]> {
    const out: FakeEndpoint[] = [];
    for (let i = 0; i < n; i++) {
      const f = await FakeEndpoint.start();
      started.push(f);
      out.push(f);
    }
    return out;
  }
  function client(endpoints: string[], extra: { requestTimeoutMs?: number } = {}): Client {
    const c = new Client({ endpoints, randomStart: false, requestTimeoutMs: extra.requestTimeoutMs ?? 2_000, deadlineMs: 10_000 });
    clients.push(c);
    return c;
  }

  async function rejection(p: Promise<unknown>): Promise<RaftlockError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof RaftlockError, `expected a RaftlockError, got ${String(e)}`);
      return e;
    }
    assert.fail('expected the call to fail');
  }

  test('a put that got 503 NO_LEADER (nothing applied) is retried after Retry-After', async () => {
    const [a] = await fakes(1);
    a!.handler = (_r, n) => (n === 1 ? fail(503, 'NO_LEADER', { 'retry-after': '1' }) : ok({ revision: 7 }));
    const r = await client([a!.url]).put('k', 'v');
    assert.equal(r.revision, 7);
    assert.equal(a!.seen.length, 2);
    assert.deepEqual(a!.seen.map((s) => s.method), ['PUT', 'PUT']);
    const gap = a!.seen[1]!.at - a!.seen[0]!.at;
    assert.ok(gap >= 900, `the retry waited for Retry-After (1 s), waited ${gap} ms`);
  });

  test('PROPOSAL_LOST is retried (the write was not applied)', async () => {
    const [a] = await fakes(1);
    a!.handler = (_r, n) => (n === 1 ? fail(503, 'PROPOSAL_LOST', { 'retry-after': '0' }) : ok({ revision: 9 }));
    assert.equal((await client([a!.url]).put('k', 'v')).revision, 9);
    assert.equal(a!.seen.length, 2);
  });

  test('a put refused with PEER_UNREACHABLE (never sent to the leader) is retried on another member', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => ({
      status: 503,
      headers: { 'retry-after': '0' },
      body: { error: { code: 'PEER_UNREACHABLE', message: 'leader 42 unreachable; the request was not sent: not connected' } },
    });
    b!.handler = () => ok({ revision: 11 });
    const r = await client([a!.url, b!.url]).put('k', 'v');
    assert.equal(r.revision, 11);
    assert.equal(a!.seen.length, 1);
    assert.equal(b!.seen.length, 1);
    assert.deepEqual(b!.seen[0]!.body, { value: 'v' });
  });

  test('a put refused with PEER_UNREACHABLE everywhere ends as not applied, not as outcome unknown', async () => {
    const [a] = await fakes(1);
    a!.handler = () => fail(503, 'PEER_UNREACHABLE', { 'retry-after': '0' });
    const c = new Client({ endpoints: [a!.url], randomStart: false, deadlineMs: 400 });
    clients.push(c);
    const e = await rejection(c.put('k', 'v'));
    assert.equal(e.code, 'PEER_UNREACHABLE');
    assert.equal(e.outcomeUnknown, false);
    assert.ok(a!.seen.length >= 2, 'retried with backoff');
  });

  test('a put that got 504 TIMEOUT is not retried and reports an unknown outcome', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => fail(504, 'TIMEOUT');
    b!.handler = () => ok({ revision: 1 });
    const e = await rejection(client([a!.url, b!.url]).put('k', 'v'));
    assert.equal(e.code, 'TIMEOUT');
    assert.equal(e.outcomeUnknown, true);
    assert.equal(a!.seen.length, 1);
    assert.equal(b!.seen.length, 0);
  });

  test('a put whose connection is reset after sending is not retried', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => ({ drop: true });
    b!.handler = () => ok({ revision: 1 });
    const e = await rejection(client([a!.url, b!.url]).put('k', 'v'));
    assert.equal(e.code, 'CONNECTION_LOST');
    assert.equal(e.outcomeUnknown, true);
    assert.equal(a!.seen.length, 1);
    assert.equal(b!.seen.length, 0);
  });

  test('a put that timed out on the client is not retried', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => ({ hang: true });
    b!.handler = () => ok({ revision: 1 });
    const e = await rejection(client([a!.url, b!.url], { requestTimeoutMs: 200 }).put('k', 'v'));
    assert.equal(e.code, 'REQUEST_TIMEOUT');
    assert.equal(e.outcomeUnknown, true);
    assert.equal(b!.seen.length, 0);
  });

  test('a read is retried on the next member after a reset, a timeout or a 504', async () => {
    const [a, b, c] = await fakes(3);
    a!.handler = () => ({ drop: true });
    b!.handler = () => ({ hang: true });
    c!.handler = (_r, n) => (n === 1 ? fail(504, 'TIMEOUT') : ok(KV));
    const kv = await client([a!.url, b!.url, c!.url], { requestTimeoutMs: 200 }).get('k');
    assert.deepEqual(kv, KV);
    // Round robin: a (reset), b (timeout), c (504), a, b, c (answer).
    assert.equal(a!.seen.length, 2);
    assert.equal(b!.seen.length, 2);
    assert.equal(c!.seen.length, 2);
  });

  test('a write fails over from a refused endpoint (never sent) to the next one', async () => {
    const dead = await closedPortUrl();
    const [b] = await fakes(1);
    b!.handler = () => ok({ revision: 4 });
    assert.equal((await client([dead, b!.url]).put('k', 'v')).revision, 4);
    assert.equal(b!.seen.length, 1);
  });

  test('SHUTTING_DOWN moves a write to another member at once', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => fail(503, 'SHUTTING_DOWN', { 'retry-after': '5' });
    b!.handler = () => ok({ revision: 2 });
    const t0 = Date.now();
    assert.equal((await client([a!.url, b!.url]).put('k', 'v')).revision, 2);
    assert.ok(Date.now() - t0 < 2_000, 'did not wait Retry-After when another member was untried');
  });

  test('client errors (4xx) are never retried; a missing key reads as undefined', async () => {
    const [a] = await fakes(1);
    a!.handler = (r) => (r.method === 'GET' ? fail(404, 'KEY_NOT_FOUND') : fail(400, 'RESERVED_KEY'));
    const c = client([a!.url]);
    assert.equal(await c.get('nope'), undefined);
    const e = await rejection(c.put('_raftlock/x', 'v'));
    assert.equal(e.code, 'RESERVED_KEY');
    assert.equal(e.status, 400);
    assert.equal(a!.seen.length, 2);
  });

  test('a lock acquire is never retried once sent, even on 503', async () => {
    const [a, b] = await fakes(2);
    a!.handler = () => fail(503, 'NO_LEADER', { 'retry-after': '0' });
    b!.handler = () => ok({ name: 'l', lease: 'x', fencingToken: 5, revision: 5 });
    const e = await rejection(client([a!.url, b!.url]).lock('l', { lease: 'x', waitMs: 100 }));
    assert.equal(e.code, 'NO_LEADER');
    assert.equal(a!.seen.length + b!.seen.length, 1);
  });

  test('keys are encoded once, with "/" kept and "%" escaped; query flags are sent', async () => {
    const [a] = await fakes(1);
    a!.handler = () => ok({ deleted: 1, revision: 3 });
    await client([a!.url]).delete('a/b c%', { prefix: true });
    assert.equal(a!.seen[0]!.path, '/v1/kv/a/b%20c%25');
    assert.equal(a!.seen[0]!.query.get('prefix'), 'true');
  });

  test('member add on a server without the route is a clear UNSUPPORTED error', async () => {
    const [a] = await fakes(1);
    a!.handler = () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route for POST /v1/members' } } });
    const e = await rejection(client([a!.url]).memberAdd({ name: 'm4', peerUrl: 'http://h:2380', clientUrl: 'http://h:2379' }));
    assert.equal(e.code, 'UNSUPPORTED');
    assert.match(e.message, /member add/);
  });

  test('attempts stop at the deadline with the last error', async () => {
    const [a] = await fakes(1);
    a!.handler = () => fail(503, 'NO_LEADER', { 'retry-after': '0' });
    const c = new Client({ endpoints: [a!.url], randomStart: false, deadlineMs: 400 });
    clients.push(c);
    const e = await rejection(c.range(''));
    assert.equal(e.code, 'NO_LEADER');
    assert.ok(a!.seen.length >= 2, 'retried at least once');
    assert.ok(a!.seen.length <= 10, 'bounded by maxAttempts');
  });
});
