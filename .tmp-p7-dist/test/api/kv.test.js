import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startHarness } from './harness.js';
describe('kv routes', () => {
    let h;
    beforeEach(async () => {
        h = await startHarness();
    });
    afterEach(async () => {
        await h.close();
    });
    it('puts and gets a key whose name contains slashes, decoded once', async () => {
        const put = await h.request('PUT', '/v1/kv/app/a%2Fb%2525', { value: 'v1' });
        assert.equal(put.status, 200);
        assert.deepEqual(Object.keys(put.json), ['revision']);
        const rev = put.json.revision;
        assert.equal(typeof rev, 'number');
        // "%2F" -> "/", "%2525" -> "%25" (once, not twice)
        const got = await h.request('GET', '/v1/kv/app/a/b%2525');
        assert.equal(got.status, 200);
        assert.deepEqual(got.json, { key: 'app/a/b%25', value: 'v1', createRevision: rev, modRevision: rev, version: 1, lease: '' });
        assert.equal(h.fake.sm.get('app/a/b%25')?.value, 'v1');
    });
    it('returns prevKv on request and counts versions', async () => {
        const first = await h.request('PUT', '/v1/kv/k', { value: 'a' });
        const second = await h.request('PUT', '/v1/kv/k', { value: 'b', prevKv: true });
        assert.equal(second.status, 200);
        assert.equal(second.json.revision, first.json.revision + 1);
        assert.deepEqual(second.json.prevKv, {
            key: 'k',
            value: 'a',
            createRevision: first.json.revision,
            modRevision: first.json.revision,
            version: 1,
            lease: '',
        });
        const got = await h.request('GET', '/v1/kv/k');
        assert.equal(got.json.version, 2);
        assert.equal(got.json.value, 'b');
    });
    it('puts a key under a lease and refuses an unknown lease', async () => {
        const lease = await h.request('POST', '/v1/leases', { ttl: 30, id: 'L1' });
        assert.equal(lease.status, 200);
        const put = await h.request('PUT', '/v1/kv/leased', { value: 'x', lease: 'L1' });
        assert.equal(put.status, 200);
        assert.equal((await h.request('GET', '/v1/kv/leased')).json.lease, 'L1');
        const bad = await h.request('PUT', '/v1/kv/leased2', { value: 'x', lease: 'nope' });
        assert.equal(bad.status, 404);
        assert.equal(bad.json.error.code, 'LEASE_NOT_FOUND');
    });
    it('answers 404 KEY_NOT_FOUND for a missing key', async () => {
        const r = await h.request('GET', '/v1/kv/missing');
        assert.equal(r.status, 404);
        assert.equal(r.json.error.code, 'KEY_NOT_FOUND');
        assert.equal(r.json.error.key, 'missing');
    });
    it('ranges by prefix with limit, more, count and revision', async () => {
        for (const k of ['p/a', 'p/b', 'p/c', 'q/a'])
            await h.request('PUT', `/v1/kv/${k}`, { value: k });
        const r = await h.request('GET', '/v1/kv?prefix=p%2F&limit=2');
        assert.equal(r.status, 200);
        assert.deepEqual(r.json.kvs.map((kv) => kv.key), ['p/a', 'p/b']);
        assert.equal(r.json.more, true);
        assert.equal(r.json.count, 3);
        assert.equal(r.json.revision, h.fake.sm.revision());
        const all = await h.request('GET', '/v1/kv');
        assert.equal(all.json.kvs.length, 4);
        assert.equal(all.json.more, false);
    });
    it('does a read barrier for linearizable reads and skips it for serializable ones', async () => {
        await h.request('PUT', '/v1/kv/k', { value: 'a' });
        const before = h.fake.readBarrierCalls;
        assert.equal((await h.request('GET', '/v1/kv/k')).status, 200);
        assert.equal(h.fake.readBarrierCalls, before + 1);
        assert.equal((await h.request('GET', '/v1/kv/k?consistency=serializable')).status, 200);
        assert.equal((await h.request('GET', '/v1/kv?consistency=serializable')).status, 200);
        assert.equal(h.fake.readBarrierCalls, before + 1);
        const bad = await h.request('GET', '/v1/kv/k?consistency=eventual');
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error.code, 'INVALID_ARGUMENT');
    });
    it('propagates a read barrier failure as 503 with Retry-After', async () => {
        const { CodedError } = await import('../../src/api/errors.js');
        h.fake.failNextBarrier = new CodedError('NO_LEADER', 'no leader');
        const r = await h.request('GET', '/v1/kv/k');
        assert.equal(r.status, 503);
        assert.equal(r.json.error.code, 'NO_LEADER');
        assert.equal(r.headers['retry-after'], '1');
    });
    it('deletes one key and a prefix', async () => {
        for (const k of ['d/a', 'd/b', 'e'])
            await h.request('PUT', `/v1/kv/${k}`, { value: 'x' });
        const one = await h.request('DELETE', '/v1/kv/e');
        assert.equal(one.status, 200);
        assert.equal(one.json.deleted, 1);
        assert.equal(one.json.revision, h.fake.sm.revision());
        const many = await h.request('DELETE', '/v1/kv/d/?prefix=true');
        assert.equal(many.json.deleted, 2);
        assert.equal(h.fake.sm.range('', 0).count, 0);
        const none = await h.request('DELETE', '/v1/kv/zzz');
        assert.deepEqual(none.json, { deleted: 0, revision: many.json.revision });
    });
    it('refuses writes under the reserved prefix, including prefix deletes reaching into it', async () => {
        for (const [method, path, body] of [
            ['PUT', '/v1/kv/_raftlock/x', { value: 'x' }],
            ['DELETE', '/v1/kv/_raftlock/locks/a', undefined],
            ['DELETE', '/v1/kv/_raft?prefix=true', undefined],
        ]) {
            const r = await h.request(method, path, body);
            assert.equal(r.status, 400, `${method} ${path}`);
            assert.equal(r.json.error.code, 'RESERVED_KEY');
        }
        // a plain (non-prefix) delete of "_raft" is not reserved
        assert.equal((await h.request('DELETE', '/v1/kv/_raft')).status, 200);
    });
    it('runs a transaction: compare, success branch, results', async () => {
        const put = await h.request('PUT', '/v1/kv/t', { value: 'a' });
        const txn = await h.request('POST', '/v1/txn', {
            compare: [{ key: 't', target: 'modRevision', op: '=', value: put.json.revision }],
            success: [{ put: { key: 't', value: 'b' } }, { get: { key: 't' } }, { delete: { key: 'u' } }],
            failure: [{ get: { key: 't' } }],
        });
        assert.equal(txn.status, 200);
        assert.equal(txn.json.succeeded, true);
        assert.equal(txn.json.revision, put.json.revision + 1);
        assert.deepEqual(txn.json.results[0], { put: { revision: put.json.revision + 1 } });
        assert.equal(txn.json.results[1].get.kvs[0].value, 'b');
        assert.deepEqual(txn.json.results[2], { delete: { deleted: 0 } });
        const failed = await h.request('POST', '/v1/txn', {
            compare: [{ key: 't', target: 'value', op: '=', value: 'a' }],
            success: [{ put: { key: 't', value: 'c' } }],
            failure: [{ get: { key: 't' } }],
        });
        assert.equal(failed.json.succeeded, false);
        assert.equal(failed.json.results[0].get.kvs[0].value, 'b');
        assert.equal(h.fake.sm.get('t')?.value, 'b');
    });
    it('validates transactions: types per target, op shape, reserved keys, op count', async () => {
        const cases = [
            [{ compare: [{ key: 't', target: 'version', op: '=', value: 'x' }] }, 'INVALID_ARGUMENT'],
            [{ compare: [{ key: 't', target: 'value', op: '=', value: 1 }] }, 'INVALID_ARGUMENT'],
            [{ compare: [{ key: 't', target: 'size', op: '=', value: 1 }] }, 'INVALID_ARGUMENT'],
            [{ success: [{ put: { key: 't', value: 'x' }, get: { key: 't' } }] }, 'INVALID_ARGUMENT'],
            [{ success: [{ upsert: { key: 't' } }] }, 'INVALID_ARGUMENT'],
            [{ success: [{ put: { key: '_raftlock/x', value: 'x' } }] }, 'RESERVED_KEY'],
            [{ success: Array.from({ length: 129 }, () => ({ get: { key: 'a' } })) }, 'INVALID_ARGUMENT'],
            [{ compare: Array.from({ length: 64 }, () => ({ key: 'a', target: 'version', op: '=', value: 0 })), success: Array.from({ length: 65 }, () => ({ get: { key: 'a' } })) }, 'INVALID_ARGUMENT'],
        ];
        for (const [body, code] of cases) {
            const r = await h.request('POST', '/v1/txn', body);
            assert.equal(r.status, 400, JSON.stringify(body).slice(0, 100));
            assert.equal(r.json.error.code, code);
        }
        assert.equal(h.fake.applied.length, 0);
    });
    it('uses a fencingToken compare against a lock', async () => {
        const lock = await h.request('POST', '/v1/locks/job', { ttl: 30 });
        assert.equal(lock.status, 200);
        const ok = await h.request('POST', '/v1/txn', {
            compare: [{ key: 'job', target: 'fencingToken', op: '=', value: lock.json.fencingToken }],
            success: [{ put: { key: 'job/out', value: 'done' } }],
        });
        assert.equal(ok.json.succeeded, true);
        const stale = await h.request('POST', '/v1/txn', {
            compare: [{ key: 'job', target: 'fencingToken', op: '=', value: lock.json.fencingToken - 1 }],
            success: [{ put: { key: 'job/out', value: 'stale' } }],
        });
        assert.equal(stale.json.succeeded, false);
        assert.equal(h.fake.sm.get('job/out')?.value, 'done');
    });
    it('compacts and maps compaction errors', async () => {
        for (let i = 0; i < 5; i++)
            await h.request('PUT', '/v1/kv/c', { value: String(i) });
        const r = await h.request('POST', '/v1/compact', { revision: 3 });
        assert.equal(r.status, 200);
        assert.equal(r.json.compactRevision, 3);
        assert.equal(typeof r.json.revision, 'number');
        assert.equal(h.fake.sm.compactRevision(), 3);
        const again = await h.request('POST', '/v1/compact', { revision: 2 });
        assert.equal(again.status, 410);
        assert.equal(again.json.error.code, 'COMPACTED');
        const future = await h.request('POST', '/v1/compact', { revision: 1000 });
        assert.equal(future.status, 400);
        assert.equal(future.json.error.code, 'FUTURE_REVISION');
    });
});
//# sourceMappingURL=kv.test.js.map