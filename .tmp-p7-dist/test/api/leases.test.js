import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startHarness } from './harness.js';
describe('lease routes', () => {
    let h;
    beforeEach(async () => {
        h = await startHarness();
    });
    afterEach(async () => {
        await h.close();
    });
    it('grants a lease with a generated 16-hex id, or the id given', async () => {
        const a = await h.request('POST', '/v1/leases', { ttl: 10 });
        assert.equal(a.status, 200);
        assert.match(a.json.id, /^[0-9a-f]{16}$/);
        assert.equal(a.json.ttl, 10);
        const b = await h.request('POST', '/v1/leases', { ttl: 10 });
        assert.notEqual(b.json.id, a.json.id);
        const named = await h.request('POST', '/v1/leases', { ttl: 5, id: 'worker-1' });
        assert.deepEqual(named.json, { id: 'worker-1', ttl: 5 });
        assert.equal(h.fake.sm.lease('worker-1')?.ttlMs, 5000);
        const dup = await h.request('POST', '/v1/leases', { ttl: 5, id: 'worker-1' });
        assert.equal(dup.status, 409);
        assert.equal(dup.json.error.code, 'LEASE_EXISTS');
        const badId = await h.request('POST', '/v1/leases', { ttl: 5, id: 'has space' });
        assert.equal(badId.status, 400);
    });
    it('keeps a lease alive and reports its time to live', async () => {
        await h.request('POST', '/v1/leases', { ttl: 60, id: 'L' });
        await h.request('PUT', '/v1/kv/owned', { value: 'x', lease: 'L' });
        const ka = await h.request('POST', '/v1/leases/L/keepalive');
        assert.equal(ka.status, 200);
        assert.deepEqual(ka.json, { ttl: 60 });
        const info = await h.request('GET', '/v1/leases/L');
        assert.equal(info.status, 200);
        assert.equal(info.json.id, 'L');
        assert.equal(info.json.grantedTtl, 60);
        assert.ok(info.json.ttl > 0 && info.json.ttl <= 60, `ttl ${info.json.ttl}`);
        assert.ok(info.json.remaining > 0 && info.json.remaining <= 60);
        assert.deepEqual(info.json.keys, ['owned']);
        assert.deepEqual(info.json.locks, []);
    });
    it('lists leases and revokes one, deleting its keys and releasing its locks', async () => {
        await h.request('POST', '/v1/leases', { ttl: 60, id: 'A' });
        await h.request('POST', '/v1/leases', { ttl: 30, id: 'B' });
        await h.request('PUT', '/v1/kv/a1', { value: 'x', lease: 'A' });
        const lock = await h.request('POST', '/v1/locks/m', { lease: 'A' });
        assert.equal(lock.status, 200);
        const list = await h.request('GET', '/v1/leases');
        assert.deepEqual(list.json, { leases: [{ id: 'A', ttl: 60 }, { id: 'B', ttl: 30 }] });
        const rev = await h.request('DELETE', '/v1/leases/A');
        assert.equal(rev.status, 200);
        assert.deepEqual(rev.json.deletedKeys, ['a1']);
        assert.deepEqual(rev.json.releasedLocks, ['m']);
        assert.equal(rev.json.revision, h.fake.sm.revision());
        assert.equal(h.fake.sm.get('a1'), undefined);
        assert.equal(h.fake.sm.lock('m')?.holder ?? null, null);
    });
    it('answers 404 LEASE_NOT_FOUND for unknown leases on every lease route', async () => {
        for (const [method, path] of [
            ['GET', '/v1/leases/nope'],
            ['POST', '/v1/leases/nope/keepalive'],
            ['DELETE', '/v1/leases/nope'],
        ]) {
            const r = await h.request(method, path);
            assert.equal(r.status, 404, `${method} ${path}`);
            assert.equal(r.json.error.code, 'LEASE_NOT_FOUND');
        }
    });
});
describe('cluster and health routes', () => {
    let h;
    beforeEach(async () => {
        h = await startHarness();
    });
    afterEach(async () => {
        await h.close();
    });
    it('reports the cluster view from the facade', async () => {
        const r = await h.request('GET', '/v1/cluster');
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, h.fake.cluster());
    });
    it('answers livez and readyz, 503 NOT_READY with the reason when not ready', async () => {
        assert.deepEqual((await h.request('GET', '/livez')).json, { status: 'ok' });
        const ready = await h.request('GET', '/readyz');
        assert.equal(ready.status, 200);
        assert.equal(ready.json.status, 'ok');
        h.fake.ready = { ready: false, reason: 'no leader known' };
        const notReady = await h.request('GET', '/readyz');
        assert.equal(notReady.status, 503);
        assert.equal(notReady.json.error.code, 'NOT_READY');
        assert.equal(notReady.json.error.reason, 'no leader known');
        assert.equal(notReady.headers['retry-after'], '1');
    });
    it('mounts a metrics handler at /metrics when given one, and reports request metrics', async () => {
        await h.close();
        const observed = [];
        const { createApi } = await import('../../src/api/index.js');
        const { FakeServer } = await import('./fake-server.js');
        const http = await import('node:http');
        const api = createApi({
            server: new FakeServer(),
            metrics: { observeRequest: (route, cls) => observed.push([route, cls]) },
            metricsHandler: async (ctx) => {
                ctx.type = 'text/plain';
                ctx.body = 'raftlock_up 1\n';
            },
        });
        const server = http.createServer(api.app.callback());
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
            const port = server.address().port;
            const res = await fetch(`http://127.0.0.1:${port}/metrics`);
            assert.equal(res.status, 200);
            assert.equal(await res.text(), 'raftlock_up 1\n');
            assert.equal((await fetch(`http://127.0.0.1:${port}/v1/kv/zz`)).status, 404);
            assert.deepEqual(observed, [
                ['/metrics', '2xx'],
                ['/v1/kv/*key', '4xx'],
            ]);
        }
        finally {
            await api.close();
            server.closeAllConnections();
            await new Promise((resolve) => server.close(() => resolve()));
        }
        h = await startHarness();
    });
});
//# sourceMappingURL=leases.test.js.map