// The client's one WebSocket, against scripted in-test members: every lease's keepalives and
// every watch of a client share one socket; keepalives fall back to HTTP while the socket is
// down or stuck; a dropped socket is reopened and nothing is lost; the lease rule (rely on a
// lease until the SEND time of its last acknowledged keepalive + TTL) holds over the socket;
// a slow watch consumer suspends its own watch instead of holding up the socket.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import { Client, type KeptLease, type WatchBatch } from '../../src/client/index.js';
import { FakeEndpoint, fail, ok, type Seen } from './fake-endpoint.js';

async function until(what: string, cond: () => boolean, timeoutMs = 10_000, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${state ? ` (${JSON.stringify(state())})` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function put(key: string, rev: number): { type: 'put'; kv: Record<string, unknown> } {
  return { type: 'put', kv: { key, value: `v${rev}`, createRevision: rev, modRevision: rev, version: 1, lease: '' } };
}

const socketKeepalives = (f: FakeEndpoint, lease?: string): Seen[] =>
  f.seen.filter((s) => s.method === 'WS' && (lease === undefined || s.path === `/v1/leases/${lease}/keepalive`));
const httpKeepalives = (f: FakeEndpoint): Seen[] => f.seen.filter((s) => s.method === 'POST' && s.path.endsWith('/keepalive'));

/** Answers creates with `created` at `revision`, remembers each (socket, message). */
function scriptWatches(f: FakeEndpoint, revision: number): { ws: WebSocket; msg: Record<string, unknown> }[] {
  const creates: { ws: WebSocket; msg: Record<string, unknown> }[] = [];
  f.onWatchSocket = (ws) =>
    ws.on('message', (d) => {
      const msg = JSON.parse(String(d)) as Record<string, unknown>;
      if (msg.type !== 'create') return;
      creates.push({ ws, msg });
      ws.send(JSON.stringify({ type: 'created', watchId: msg.watchId, revision }));
    });
  return creates;
}

describe('one WebSocket per client', () => {
  const started: FakeEndpoint[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  async function setup(n = 1): Promise<{ fs: FakeEndpoint[]; c: Client }> {
    const fs: FakeEndpoint[] = [];
    for (let i = 0; i < n; i++) fs.push(await FakeEndpoint.start());
    started.push(...fs);
    let lease = 0;
    for (const f of fs) {
      f.handler = (r) => {
        if (r.path === '/v1/leases' && r.method === 'POST') return ok({ id: `L${++lease}`, ttl: 2 });
        if (r.path.endsWith('/keepalive')) return ok({ ttl: 2 });
        if (r.method === 'DELETE') return ok({ revision: 1, deletedKeys: [], releasedLocks: [] });
        return fail(404, 'NOT_FOUND');
      };
    }
    const c = new Client({ endpoints: fs.map((f) => f.url), randomStart: false, requestTimeoutMs: 2_000, socketIdleMs: 500 });
    clients.push(c);
    return { fs, c };
  }

  test('six leases and three watches: one socket carries every keepalive and every watch', async () => {
    const { fs, c } = await setup();
    const f = fs[0]!;
    const creates = scriptWatches(f, 10);
    const leases: KeptLease[] = [];
    for (let i = 0; i < 6; i++) leases.push(await c.lease(2));
    const watches = ['a', 'b', 'c'].map((k) => c.watch(k));
    await Promise.all(watches.map((w) => w.ready));
    await until('three keepalives of every lease over the socket, acknowledged', () => leases.every((l) => l.keepalives.socket >= 3), 10_000, () => ({
      leases: leases.map((l) => ({ id: l.id, lost: l.isLost, why: l.isLost ? String((l.signal.reason as Error).message) : undefined, ...l.keepalives, seen: socketKeepalives(f, l.id).length })),
      opens: c.socket.opens,
      accepted: f.socketsAccepted,
    }));
    assert.equal(f.socketsAccepted, 1, 'one socket was ever opened');
    assert.equal(f.watchSockets.size, 1);
    assert.equal(c.socket.opens, 1);
    assert.deepEqual(httpKeepalives(f), [], 'no keepalive went over HTTP');
    for (const l of leases) {
      assert.equal(l.isLost, false);
      assert.equal(l.keepalives.http, 0);
      assert.ok(l.keepalives.socket >= 3);
    }
    // Events are routed by watchId: each watch gets only its own.
    assert.equal(new Set(creates.map((x) => x.ws)).size, 1, 'all creates came on the one socket');
    for (const [i, { ws, msg }] of creates.entries()) {
      ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 11 + i, events: [put(String(msg.key), 11 + i)] }));
    }
    for (const [i, w] of watches.entries()) {
      const it = w[Symbol.asyncIterator]();
      const first = (await it.next()).value as WatchBatch;
      assert.equal(first.revision, 11 + i);
      assert.equal(first.events[0]!.kv.key, w.key);
    }
    // The socket stays a moment after its last user is gone, then goes.
    for (const w of watches) w.close();
    await Promise.all(leases.map((l) => l.revoke()));
    const again = await c.lease(2);
    await until('a keepalive of a lease made after the others', () => socketKeepalives(f, again.id).length >= 1);
    assert.equal(f.socketsAccepted, 1, 'the idle socket was reused');
    await again.revoke();
    await until('the socket closes once nothing uses it', () => f.watchSockets.size === 0);
  });

  test('a dropped socket is reopened on the next member: leases stay alive, the watch resumes', async () => {
    const { fs, c } = await setup(2);
    const [a, b] = fs as [FakeEndpoint, FakeEndpoint];
    const createsA = scriptWatches(a, 10);
    const createsB = scriptWatches(b, 20);
    const leases = [await c.lease(2), await c.lease(2)];
    const w = c.watch('k');
    await w.ready;
    createsA[0]!.ws.send(JSON.stringify({ type: 'events', watchId: createsA[0]!.msg.watchId, revision: 11, events: [put('k', 11)] }));
    const it = w[Symbol.asyncIterator]();
    assert.equal(((await it.next()).value as WatchBatch).revision, 11);
    await until('keepalives over the first socket', () => leases.every((l) => socketKeepalives(a, l.id).length >= 1));
    a.killWatchSockets();
    await until('the watch is created again on the other member', () => createsB.length === 1);
    assert.equal(createsB[0]!.msg.startRevision, 12, 'it resumes after the last delivered revision');
    await until('keepalives over the new socket', () => leases.every((l) => socketKeepalives(b, l.id).length >= 2));
    for (const l of leases) assert.equal(l.isLost, false, `lease ${l.id} survived the drop`);
    assert.equal(c.socket.opens, 2);
    assert.equal(b.socketsAccepted, 1);
    assert.equal(w.reconnectCount, 1);
    createsB[0]!.ws.send(JSON.stringify({ type: 'events', watchId: createsB[0]!.msg.watchId, revision: 12, events: [put('k', 12)] }));
    assert.equal(((await it.next()).value as WatchBatch).revision, 12);
  });

  test('while no socket can be opened, keepalives go over HTTP; once it can, back over the socket', async () => {
    const { fs, c } = await setup();
    const f = fs[0]!;
    f.refuseUpgrades = true;
    const lease = await c.lease(2);
    await until('three keepalives over HTTP', () => httpKeepalives(f).length >= 3);
    assert.equal(lease.isLost, false);
    assert.equal(f.socketsAccepted, 0);
    f.refuseUpgrades = false;
    await until('keepalives over the socket again', () => socketKeepalives(f).length >= 2);
    assert.equal(lease.isLost, false);
    assert.equal(f.socketsAccepted, 1);
  });

  test('a keepalive unanswered on the socket: that socket is dropped, the round goes over HTTP, the lease lives', async () => {
    const { fs, c } = await setup();
    const f = fs[0]!;
    let hung = false;
    f.handler = (r) => {
      if (r.path === '/v1/leases' && r.method === 'POST') return ok({ id: 'H', ttl: 2 });
      if (r.method === 'WS' && !hung) {
        hung = true;
        return { hang: true };
      }
      if (r.path.endsWith('/keepalive')) return ok({ ttl: 2 });
      return fail(404, 'NOT_FOUND');
    };
    const lease = await c.lease(2);
    await until('one keepalive over HTTP after the unanswered one', () => httpKeepalives(f).length >= 1);
    await until('a second socket carries keepalives', () => f.socketsAccepted === 2 && socketKeepalives(f).length >= 2);
    assert.equal(lease.isLost, false);
    assert.equal(c.socket.opens, 2);
  });

  test('the lease is relied on until the send time of its last acknowledged keepalive + TTL, not its receipt', async () => {
    const { fs, c } = await setup();
    const f = fs[0]!;
    f.handler = (r) => {
      if (r.path === '/v1/leases' && r.method === 'POST') return ok({ id: 'S', ttl: 2 });
      if (r.method === 'WS') return { status: 200, body: { ttl: 2 }, delayMs: 400 };
      return fail(404, 'NOT_FOUND');
    };
    const lease = await c.lease(2);
    await until('the first keepalive is acknowledged', () => lease.keepalives.socket === 1, 5_000);
    const remaining = lease.remainingMs;
    assert.ok(remaining <= 2_000 - 400 + 50, `remaining ${remaining} ms counts from the send, 400 ms before the answer`);
    assert.ok(remaining >= 2_000 - 400 - 200, `remaining ${remaining} ms`);
  });

  test('a watch whose consumer falls behind cancels itself and resumes later; keepalives go on meanwhile', async () => {
    const { fs, c } = await setup();
    const f = fs[0]!;
    const creates = scriptWatches(f, 10);
    const lease = await c.lease(2);
    const w = c.watch('k', { maxBufferedBatches: 4 });
    await w.ready;
    const first = creates[0]!;
    const cancels: Record<string, unknown>[] = [];
    first.ws.on('message', (d) => {
      const msg = JSON.parse(String(d)) as Record<string, unknown>;
      if (msg.type === 'cancel') cancels.push(msg);
    });
    for (let rev = 11; rev <= 20; rev++) first.ws.send(JSON.stringify({ type: 'events', watchId: first.msg.watchId, revision: rev, events: [put('k', rev)] }));
    await until('the watch cancels itself once 4 batches wait', () => cancels.length === 1);
    assert.equal(cancels[0]!.watchId, first.msg.watchId);
    const before = socketKeepalives(f, lease.id).length;
    await until('keepalives continue on the shared socket', () => socketKeepalives(f, lease.id).length >= before + 2);
    const got: number[] = [];
    for await (const b of w) {
      got.push(b.revision);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, [11, 12]);
    // It was re-created from the first revision it did not buffer.
    await until('the watch is created again', () => creates.length === 2);
    assert.equal(creates[1]!.msg.startRevision, 15);
    assert.notEqual(creates[1]!.msg.watchId, first.msg.watchId, 'a fresh watchId for the new create');
    assert.equal(f.socketsAccepted, 1);
    assert.equal(lease.isLost, false);
  });
});
