// Kept leases (keepalive cadence, loss by 404 or by silence), withLock's lease handling, and the
// watch iterator's resume / compaction rules, against scripted in-test members.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Client, CompactedError, LeaseLostError, RaftlockError } from '../../src/client/index.js';
import { FakeEndpoint, fail, ok } from './fake-endpoint.js';
function deferred() {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    return { promise, resolve };
}
function put(key, value, rev) {
    return { type: 'put', kv: { key, value, createRevision: rev, modRevision: rev, version: 1, lease: '' } };
}
describe('kept leases and withLock', () => {
    const started = [];
    const clients = [];
    afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.close()));
        await Promise.all(started.splice(0).map((s) => s.close()));
    });
    async function setup() {
        const f = await FakeEndpoint.start();
        started.push(f);
        const c = new Client({ endpoints: [f.url], randomStart: false, requestTimeoutMs: 2_000 });
        clients.push(c);
        return { f, c };
    }
    const keepalives = (f) => f.seen.filter((s) => s.path.endsWith('/keepalive'));
    test('keepalives go out every third of the TTL', async () => {
        const { f, c } = await setup();
        const third = deferred();
        f.handler = (r) => {
            if (r.path === '/v1/leases' && r.method === 'POST')
                return ok({ id: 'L1', ttl: 3 });
            if (r.path === '/v1/leases/L1/keepalive') {
                if (keepalives(f).length === 3)
                    third.resolve();
                return ok({ ttl: 3 });
            }
            return fail(404, 'NOT_FOUND');
        };
        const lease = await c.lease(3);
        assert.equal(lease.id, 'L1');
        await third.promise;
        await lease.stop();
        const times = keepalives(f).map((s) => s.at);
        for (let i = 1; i < times.length; i++) {
            const gap = times[i] - times[i - 1];
            assert.ok(gap >= 800 && gap <= 1_600, `keepalive gap ${gap} ms is about TTL/3 = 1000 ms`);
        }
        assert.equal(lease.isLost, false);
    });
    test('a keepalive answered LEASE_NOT_FOUND fires the lease signal', async () => {
        const { f, c } = await setup();
        f.handler = (r) => (r.path === '/v1/leases' ? ok({ id: 'L2', ttl: 1 }) : fail(404, 'LEASE_NOT_FOUND'));
        const lease = await c.lease(1);
        const lost = await lease.lost;
        assert.ok(lost instanceof LeaseLostError);
        assert.equal(lost.lease, 'L2');
        assert.equal(lease.signal.aborted, true);
        assert.equal(lease.signal.reason, lost);
    });
    test('unanswered keepalives: the lease is presumed lost once its TTL has passed', async () => {
        const { f, c } = await setup();
        f.handler = (r) => (r.path === '/v1/leases' ? ok({ id: 'L3', ttl: 1 }) : { hang: true });
        const t0 = Date.now();
        const lease = await c.lease(1);
        await lease.lost;
        const after = Date.now() - t0;
        assert.ok(after >= 950 && after <= 2_000, `lost after ${after} ms, expected about the 1 s TTL`);
    });
    test('withLock passes the fencing token and revokes the lease afterwards, also when fn throws', async () => {
        const { f, c } = await setup();
        let lease = 0;
        f.handler = (r) => {
            if (r.path === '/v1/leases' && r.method === 'POST')
                return ok({ id: `W${++lease}`, ttl: 5 });
            if (r.path === '/v1/locks/jobs/a' && r.method === 'POST')
                return ok({ name: 'jobs/a', lease: r.body.lease, fencingToken: 40 + lease, revision: 40 + lease });
            if (r.method === 'DELETE' && r.path.startsWith('/v1/leases/'))
                return ok({ revision: 50, deletedKeys: [], releasedLocks: ['jobs/a'] });
            return fail(404, 'NOT_FOUND');
        };
        const got = await c.withLock('jobs/a', ({ fencingToken, lease: id, signal }) => {
            assert.equal(signal.aborted, false);
            return { fencingToken, id };
        }, { ttl: 5 });
        assert.deepEqual(got, { fencingToken: 41, id: 'W1' });
        await assert.rejects(c.withLock('jobs/a', () => {
            throw new Error('boom');
        }), /boom/);
        const revokes = f.seen.filter((s) => s.method === 'DELETE').map((s) => s.path);
        assert.deepEqual(revokes, ['/v1/leases/W1', '/v1/leases/W2']);
    });
    test('withLock: the signal fires when the lease is lost, and withLock then throws LeaseLostError', async () => {
        const { f, c } = await setup();
        f.handler = (r) => {
            if (r.path === '/v1/leases' && r.method === 'POST')
                return ok({ id: 'X', ttl: 1 });
            if (r.path === '/v1/locks/j' && r.method === 'POST')
                return ok({ name: 'j', lease: 'X', fencingToken: 7, revision: 7 });
            if (r.path === '/v1/leases/X/keepalive')
                return fail(404, 'LEASE_NOT_FOUND');
            return fail(404, 'LEASE_NOT_FOUND');
        };
        let sawAbort = false;
        await assert.rejects(c.withLock('j', async ({ signal }) => {
            await new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            sawAbort = signal.reason instanceof LeaseLostError;
            return 'done';
        }), (e) => e instanceof LeaseLostError && e.lease === 'X');
        assert.equal(sawAbort, true);
    });
    test('withLock: a lock attempt with an unknown outcome is abandoned with its lease, then retried', async () => {
        const { f, c } = await setup();
        let lease = 0;
        let locks = 0;
        f.handler = (r) => {
            if (r.path === '/v1/leases' && r.method === 'POST')
                return ok({ id: `R${++lease}`, ttl: 5 });
            if (r.path === '/v1/locks/r' && r.method === 'POST') {
                locks++;
                return locks === 1 ? fail(504, 'TIMEOUT') : ok({ name: 'r', lease: r.body.lease, fencingToken: 3, revision: 3 });
            }
            if (r.method === 'DELETE')
                return ok({ revision: 4, deletedKeys: [], releasedLocks: [] });
            return fail(404, 'NOT_FOUND');
        };
        const seenLease = await c.withLock('r', ({ lease: id }) => id);
        assert.equal(seenLease, 'R2', 'the second attempt used a fresh lease');
        const deletes = f.seen.filter((s) => s.method === 'DELETE').map((s) => s.path);
        assert.deepEqual(deletes, ['/v1/leases/R1', '/v1/leases/R2']);
    });
});
describe('watch iterator', () => {
    const started = [];
    const clients = [];
    afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.close()));
        await Promise.all(started.splice(0).map((s) => s.close()));
    });
    /** Calls `onCreate(ws, msg)` for each create message received. */
    function onCreate(f, fn) {
        f.onWatchSocket = (ws) => ws.on('message', (d) => {
            const msg = JSON.parse(String(d));
            if (msg.type === 'create')
                fn(ws, msg);
        });
    }
    test('resumes from the last delivered revision on another member after the socket dies', async () => {
        const a = await FakeEndpoint.start();
        const b = await FakeEndpoint.start();
        started.push(a, b);
        const creates = [];
        onCreate(a, (ws, msg) => {
            creates.push(msg);
            ws.send(JSON.stringify({ type: 'created', watchId: msg.watchId, revision: 10 }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 11, events: [put('k/1', 'a', 11)] }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 12, events: [put('k/2', 'b', 12)] }), () => ws.terminate());
        });
        onCreate(b, (ws, msg) => {
            creates.push(msg);
            ws.send(JSON.stringify({ type: 'created', watchId: msg.watchId, revision: 14 }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 13, events: [put('k/3', 'c', 13)] }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 14, events: [put('k/4', 'd', 14)] }));
        });
        const c = new Client({ endpoints: [a.url, b.url], randomStart: false });
        clients.push(c);
        const w = c.watch('k/', { prefix: true });
        assert.equal(await w.ready, 10);
        const got = [];
        for await (const batch of w) {
            got.push(batch);
            if (got.length === 4)
                break;
        }
        assert.deepEqual(got.map((g) => g.revision), [11, 12, 13, 14]);
        assert.deepEqual(got.map((g) => g.events[0].kv.key), ['k/1', 'k/2', 'k/3', 'k/4']);
        assert.equal(creates.length, 2);
        assert.equal(creates[0].startRevision, undefined, 'the first create starts "now"');
        assert.equal(creates[1].startRevision, 13, 'the re-create resumes after the last delivered revision');
        assert.equal(creates[1].prefix, true);
        assert.equal(w.reconnectCount, 1);
    });
    test('a compacted start surfaces as CompactedError with compactRevision', async () => {
        const a = await FakeEndpoint.start();
        started.push(a);
        onCreate(a, (ws, msg) => {
            ws.send(JSON.stringify({ type: 'created', watchId: msg.watchId, revision: 100 }));
            ws.send(JSON.stringify({ type: 'canceled', watchId: msg.watchId, reason: 'compacted', compactRevision: 60 }));
        });
        const c = new Client({ endpoints: [a.url], randomStart: false });
        clients.push(c);
        const w = c.watch('k', { startRevision: 5 });
        await assert.rejects((async () => {
            for await (const _ of w)
                assert.fail('no batch expected');
        })(), (e) => e instanceof CompactedError && e.compactRevision === 60 && e.code === 'COMPACTED');
    });
    test('a refused create (not transient) ends the iterator with the server code', async () => {
        const a = await FakeEndpoint.start();
        started.push(a);
        onCreate(a, (ws, msg) => ws.send(JSON.stringify({ type: 'error', watchId: msg.watchId, code: 'INVALID_ARGUMENT', message: 'bad key' })));
        const c = new Client({ endpoints: [a.url], randomStart: false });
        clients.push(c);
        const w = c.watch('k');
        await assert.rejects(w.ready, (e) => e instanceof RaftlockError && e.code === 'INVALID_ARGUMENT');
    });
    test('a repeated revision is an invariant violation, not silently delivered twice', async () => {
        const a = await FakeEndpoint.start();
        started.push(a);
        onCreate(a, (ws, msg) => {
            ws.send(JSON.stringify({ type: 'created', watchId: msg.watchId, revision: 1 }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 2, events: [put('k', 'a', 2)] }));
            ws.send(JSON.stringify({ type: 'events', watchId: msg.watchId, revision: 2, events: [put('k', 'a', 2)] }));
        });
        const c = new Client({ endpoints: [a.url], randomStart: false });
        clients.push(c);
        const got = [];
        await assert.rejects((async () => {
            for await (const b of c.watch('k'))
                got.push(b.revision);
        })(), /invariant/);
        assert.deepEqual(got, [2]);
    });
});
//# sourceMappingURL=lease-watch.test.js.map