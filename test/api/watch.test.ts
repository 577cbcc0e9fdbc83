import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startHarness, type Harness } from './harness.js';

describe('watch WebSocket', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const put = async (key: string, value: string): Promise<number> => {
    const r = await h!.request('PUT', `/v1/kv/${key}`, { value });
    assert.equal(r.status, 200);
    return r.json.revision;
  };

  it('sends created before events, then each revision once, in order', async () => {
    h = await startHarness();
    await put('other', 'x');
    const ws = await h.openWatch();
    const barriers = h.fake.readBarrierCalls;
    ws.send({ type: 'create', key: 'a' });
    const created = await ws.next();
    assert.deepEqual(created, { type: 'created', watchId: 1, revision: h.fake.sm.revision() });
    assert.equal(h.fake.readBarrierCalls, barriers + 1, 'a watch from now does a read barrier first');
    const r1 = await put('a', '1');
    await put('b', 'not watched');
    const r2 = await put('a', '2');
    const e1 = await ws.next();
    const e2 = await ws.next();
    assert.deepEqual(e1, {
      type: 'events',
      watchId: 1,
      revision: r1,
      events: [{ type: 'put', kv: { key: 'a', value: '1', createRevision: r1, modRevision: r1, version: 1, lease: '' } }],
    });
    assert.equal(e2.revision, r2);
    assert.equal(e2.events[0].kv.value, '2');
    assert.deepEqual(ws.drain(), []);
  });

  it('watches a prefix, with prevKv when asked, and sees deletes', async () => {
    h = await startHarness();
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'cfg/', prefix: true, prevKv: true, watchId: 7 });
    assert.equal((await ws.next()).type, 'created');
    const r1 = await put('cfg/a', '1');
    await put('cfgx', 'no');
    const r2 = await put('cfg/a', '2');
    const del = await h.request('DELETE', '/v1/kv/cfg/?prefix=true');
    const msgs = [await ws.next(), await ws.next(), await ws.next()];
    assert.deepEqual(
      msgs.map((m) => [m.watchId, m.revision, m.events[0].type]),
      [
        [7, r1, 'put'],
        [7, r2, 'put'],
        [7, del.json.revision, 'delete'],
      ],
    );
    assert.equal(msgs[0].events[0].prevKv, undefined);
    assert.equal(msgs[1].events[0].prevKv.value, '1');
    assert.equal(msgs[2].events[0].kv.key, 'cfg/a');
  });

  it('catches up from startRevision, then continues live without gaps or repeats', async () => {
    h = await startHarness();
    const revs = [await put('k', '1'), await put('k', '2'), await put('k', '3')];
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'k', startRevision: revs[1] });
    const created = await ws.next();
    assert.equal(created.type, 'created');
    const live = await put('k', '4');
    const got = [await ws.next(), await ws.next(), await ws.next()];
    assert.deepEqual(
      got.map((m) => [m.revision, m.events[0].kv.value]),
      [
        [revs[1], '2'],
        [revs[2], '3'],
        [live, '4'],
      ],
    );
  });

  it('cancels a watch whose start was compacted, with compactRevision', async () => {
    h = await startHarness();
    for (let i = 0; i < 5; i++) await put('k', String(i));
    assert.equal((await h.request('POST', '/v1/compact', { revision: 3 })).status, 200);
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'k', startRevision: 2, watchId: 4 });
    assert.equal((await ws.next()).type, 'created');
    const canceled = await ws.next();
    assert.equal(canceled.type, 'canceled');
    assert.equal(canceled.watchId, 4);
    assert.equal(canceled.compactRevision, 3);
  });

  it('cancels on request; later events go only to the remaining watches', async () => {
    h = await startHarness();
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'k', watchId: 1 });
    await ws.next((m) => m.type === 'created' && m.watchId === 1);
    ws.send({ type: 'create', key: 'k', watchId: 2 });
    await ws.next((m) => m.type === 'created' && m.watchId === 2);
    ws.send({ type: 'cancel', watchId: 1 });
    assert.deepEqual(await ws.next(), { type: 'canceled', watchId: 1, reason: 'canceled by client' });
    const r = await put('k', 'v');
    const ev = await ws.next();
    assert.equal(ev.watchId, 2);
    assert.equal(ev.revision, r);
    assert.deepEqual(ws.drain(), []);
    assert.equal(h.fake.hub.size, 1);
  });

  it('a batch applied in one go reaches every watch of a socket: each revision once, in order', async () => {
    h = await startHarness();
    const ws = await h.openWatch();
    const watches = 40;
    for (let id = 1; id <= watches; id++) {
      // Exact and prefix watches, a third of them with prevKv: all share the hub's per-revision
      // arrays and the socket's per-array texts, which must still differ by prevKv.
      ws.send({ type: 'create', key: 'k', watchId: id, ...(id % 2 === 0 ? {} : { prefix: true }), ...(id % 3 === 0 ? { prevKv: true } : {}) });
      await ws.next((m) => m.type === 'created' && m.watchId === id);
    }
    // Several revisions applied in one job, as the member applies a committed batch: the socket
    // carries all their messages (corked for the job) and nothing is held back afterwards.
    const revs = ['1', '2', '3', '4', '5'].map((v) => h!.fake.applyNow({ op: 'put', key: 'k', value: v }).revision);
    const got = new Map<number, number[]>();
    for (let i = 0; i < watches * revs.length; i++) {
      const m = await ws.next();
      assert.equal(m.type, 'events');
      got.set(m.watchId, [...(got.get(m.watchId) ?? []), m.revision]);
      const prev = m.events[0].prevKv;
      if (m.watchId % 3 === 0 && m.revision > revs[0]!) assert.equal(prev?.value, String(m.revision - revs[0]!), `watch ${m.watchId} gets prevKv`);
      else assert.equal(prev, undefined, `watch ${m.watchId} gets no prevKv`);
    }
    for (let id = 1; id <= watches; id++) assert.deepEqual(got.get(id), revs, `watch ${id}`);
    assert.deepEqual(ws.drain(), []);
    // Later single writes still arrive (the socket is not left corked).
    const r = await put('k', 'late');
    const late = new Set<number>();
    for (let i = 0; i < watches; i++) {
      const m = await ws.next();
      assert.equal(m.revision, r);
      late.add(m.watchId);
    }
    assert.equal(late.size, watches);
  });

  it('answers bad messages with an error and keeps the socket open', async () => {
    h = await startHarness({ limits: { maxWatchesPerSocket: 2 } });
    const ws = await h.openWatch();
    const bad: [unknown, string][] = [
      ['{not json', 'INVALID_JSON'],
      [{ type: 'subscribe', key: 'k' }, 'INVALID_ARGUMENT'],
      [{ type: 'create', key: 'k', extra: 1 }, 'INVALID_ARGUMENT'],
      [{ type: 'create', key: 5 }, 'INVALID_ARGUMENT'],
      [{ type: 'create', key: '' }, 'INVALID_ARGUMENT'],
      [{ type: 'cancel', watchId: 99 }, 'INVALID_ARGUMENT'],
      ['"\\ud800"', 'INVALID_UTF8'],
    ];
    for (const [msg, code] of bad) {
      ws.send(msg);
      const err = await ws.next();
      assert.equal(err.type, 'error', JSON.stringify(msg));
      assert.equal(err.code, code, JSON.stringify(msg));
      assert.equal(typeof err.message, 'string');
    }
    // invalid UTF-8 inside a text frame
    ws.ws.send(Buffer.concat([Buffer.from('{"type":"create","key":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), { binary: false });
    assert.equal((await ws.next()).code, 'INVALID_UTF8');
    ws.send({ type: 'create', key: 'a', watchId: 1 });
    assert.equal((await ws.next()).type, 'created');
    ws.send({ type: 'create', key: 'b', watchId: 1 });
    assert.equal((await ws.next()).code, 'INVALID_ARGUMENT');
    ws.send({ type: 'create', key: 'b', watchId: 2 });
    assert.equal((await ws.next()).type, 'created');
    ws.send({ type: 'create', key: 'c' });
    assert.equal((await ws.next()).code, 'TOO_MANY_WATCHERS');
    assert.equal(ws.closed, undefined);
    assert.equal(ws.ws.readyState, WebSocket.OPEN);
  });

  it('answers keepalive with the ttl, and an error for an unknown lease', async () => {
    h = await startHarness();
    await h.request('POST', '/v1/leases', { ttl: 12, id: 'L' });
    const ws = await h.openWatch();
    ws.send({ type: 'keepalive', lease: 'L' });
    assert.deepEqual(await ws.next(), { type: 'keepalive', lease: 'L', ttl: 12 });
    ws.send({ type: 'keepalive', lease: 'nope' });
    const err = await ws.next();
    assert.equal(err.type, 'error');
    assert.equal(err.code, 'LEASE_NOT_FOUND');
  });

  it('sends progress with the current revision while idle', async () => {
    h = await startHarness({ limits: { progressIntervalMs: 40 } });
    await put('x', '1');
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'k' });
    await ws.next((m) => m.type === 'created');
    const p = await ws.next((m) => m.type === 'progress');
    assert.equal(p.revision, h.fake.sm.revision());
    await put('y', '2'); // not watched: progress still moves on
    const p2 = await ws.next((m) => m.type === 'progress' && m.revision > p.revision);
    assert.equal(p2.revision, h.fake.sm.revision());
  });

  it('cancels a slow reader with the revision to resume from', async () => {
    h = await startHarness({ limits: { maxWatchBufferedBytes: 1024 } });
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'big', watchId: 3 });
    const created = await ws.next();
    // Stop reading: once the kernel buffers are full, the server's unsent bytes pile up past
    // the limit and it cancels the watch (visible here as the hub losing its watcher).
    const socket = (ws.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    let puts = 0;
    while (h.fake.hub.size > 0) {
      assert.ok(puts++ < 400, 'the slow reader was never cut off');
      await put('big', 'v'.repeat(256 * 1024));
    }
    socket.resume();
    const canceled = await ws.next((m) => m.type === 'canceled');
    const events = ws.drain().filter((m) => m.type === 'events');
    const m = /^slow reader: resume from revision (\d+)$/.exec(canceled.reason);
    assert.ok(m, canceled.reason);
    const last = events.length > 0 ? events[events.length - 1].revision : created.revision;
    assert.equal(Number(m[1]), last + 1);
    assert.equal(canceled.compactRevision, undefined);
    assert.equal(h.fake.hub.size, 0, 'the watch is gone from the hub');
  });

  it('refuses upgrades on other paths with 404', async () => {
    h = await startHarness();
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${h!.port}/v1/other`);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('upgrade on a wrong path was accepted')));
      ws.on('error', () => {});
    });
    assert.equal(status, 404);
  });

  it('closes sockets with 1001 on shutdown and ends their watches', async () => {
    h = await startHarness();
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'k' });
    await ws.next();
    assert.equal(h.fake.hub.size, 1);
    const closed = new Promise<number>((resolve) => ws.ws.once('close', (code) => resolve(code)));
    await h.api.close();
    assert.equal(await closed, 1001);
    assert.equal(h.fake.hub.size, 0);
  });
});
