import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Applied } from './fake-server.js';
import { startHarness, type Harness } from './harness.js';

const queuedOn = (name: string) => (a: Applied) => a.cmd.op === 'lockAcquire' && a.cmd.name === name && a.result.op === 'lockAcquire' && !a.result.granted;

describe('lock routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('grants a free lock at once with a new lease for ttl requests', async () => {
    const r = await h.request('POST', '/v1/locks/jobs/nightly', { ttl: 30 });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json).sort(), ['fencingToken', 'lease', 'name', 'revision']);
    assert.equal(r.json.name, 'jobs/nightly');
    assert.equal(h.fake.sm.lease(r.json.lease)?.ttlMs, 30_000);
    assert.equal(r.json.fencingToken, h.fake.sm.lock('jobs/nightly')?.holder?.fencingToken);
    const info = await h.request('GET', '/v1/locks/jobs/nightly');
    assert.deepEqual(info.json, {
      name: 'jobs/nightly',
      holder: { name: 'jobs/nightly', lease: r.json.lease, fencingToken: r.json.fencingToken, revision: r.json.revision },
      waiters: [],
    });
    const list = await h.request('GET', '/v1/locks');
    assert.deepEqual(list.json, { locks: [{ name: 'jobs/nightly', holder: info.json.holder, waiters: 0 }] });
  });

  it('releasing a lock taken with "ttl" also revokes the lease made for it; a client lease stays', async () => {
    const own = await h.request('POST', '/v1/locks/eph', { ttl: 30 });
    assert.equal(own.status, 200);
    assert.ok(h.fake.sm.lease(own.json.lease));
    const rel = await h.request('DELETE', `/v1/locks/eph?fencingToken=${own.json.fencingToken}`);
    assert.equal(rel.status, 200);
    assert.equal(h.fake.sm.lease(own.json.lease), undefined, 'the per-request lease is revoked with the release');

    const grant = await h.request('POST', '/v1/leases', { ttl: 30 });
    const mine = await h.request('POST', '/v1/locks/eph', { lease: grant.json.id });
    assert.equal(mine.status, 200);
    assert.equal((await h.request('DELETE', `/v1/locks/eph?lease=${grant.json.id}`)).status, 200);
    assert.ok(h.fake.sm.lease(grant.json.id), "a client's own lease outlives the lock");
  });

  it('blocks until the holder releases, then grants the waiter with a larger token', async () => {
    const a = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { ttl: 30, waitMs: 20_000 });
    await queued;
    const waiting = await h.request('GET', '/v1/locks/m');
    assert.equal(waiting.json.waiters.length, 1);
    const rel = await h.request('DELETE', `/v1/locks/m?fencingToken=${a.json.fencingToken}`);
    assert.equal(rel.status, 200);
    assert.equal(rel.json.released, true);
    const granted = await b.response;
    assert.equal(granted.status, 200);
    assert.ok(granted.json.fencingToken > a.json.fencingToken);
    assert.deepEqual(rel.json.next, { name: 'm', lease: granted.json.lease, fencingToken: granted.json.fencingToken, revision: granted.json.revision });
    assert.equal(h.fake.sm.lock('m')?.holder?.lease, granted.json.lease);
  });

  it('answers 409 LOCK_HELD with the holder when the wait times out, and leaves nothing behind', async () => {
    const a = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const leasesBefore = h.fake.sm.leases().length;
    for (const waitMs of [0, 30]) {
      const r = await h.request('POST', '/v1/locks/m', { ttl: 30, waitMs });
      assert.equal(r.status, 409);
      assert.equal(r.json.error.code, 'LOCK_HELD');
      assert.deepEqual(r.json.error.holder, { name: 'm', lease: a.json.lease, fencingToken: a.json.fencingToken, revision: a.json.revision });
      assert.deepEqual(h.fake.sm.lock('m')?.waiters, []);
      // the lease made for the request was revoked
      assert.equal(h.fake.sm.leases().length, leasesBefore);
    }
    const cancels = h.fake.applied.filter((x) => x.cmd.op === 'lockCancel');
    assert.equal(cancels.length, 2);
    assert.equal(h.fake.lockListenerCount, 0);
  });

  it('answers 200, not 409, when the grant races the timeout', async () => {
    const a = await h.request('POST', '/v1/locks/m', { lease: (await h.request('POST', '/v1/leases', { ttl: 30 })).json.id });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { ttl: 30, waitMs: 20 });
    await queued;
    // Just before the timed-out request's lockCancel applies, the holder releases: the waiter
    // is granted first, the cancel finds nothing to withdraw.
    h.fake.beforeApply = (cmd) => {
      assert.equal(cmd.op, 'lockCancel');
      h.fake.applyNow({ op: 'lockRelease', name: 'm', fencingToken: a.json.fencingToken });
    };
    const r = await b.response;
    assert.equal(r.status, 200);
    assert.equal(h.fake.sm.lock('m')?.holder?.fencingToken, r.json.fencingToken);
    assert.ok(h.fake.sm.lease(r.json.lease), 'the lease of a granted request stays');
  });

  it('withdraws the waiter and revokes its lease when the client disconnects', async () => {
    const a = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { ttl: 30, waitMs: 60_000 });
    b.response.catch(() => {}); // the socket is destroyed on purpose
    const q = await queued;
    assert.equal(q.cmd.op, 'lockAcquire');
    const bLease = q.cmd.op === 'lockAcquire' ? q.cmd.lease : '';
    const canceled = h.fake.waitForApplied((x) => x.cmd.op === 'lockCancel');
    const revoked = h.fake.waitForApplied((x) => x.cmd.op === 'leaseRevoke' && x.cmd.id === bLease);
    b.req.destroy();
    const c = await canceled;
    assert.equal(c.result.op === 'lockCancel' && c.result.canceled, true);
    await revoked;
    assert.deepEqual(h.fake.sm.lock('m')?.waiters, []);
    assert.equal(h.fake.sm.lease(bLease), undefined);
    assert.equal(h.fake.sm.lock('m')?.holder?.lease, a.json.lease);
    assert.equal(h.fake.lockListenerCount, 0);
  });

  it('releases a grant that lands after the client went away (own lease: by revoking it)', async () => {
    const lease = (await h.request('POST', '/v1/leases', { ttl: 30, id: 'LB' })).json.id;
    const a = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { lease, waitMs: 60_000 });
    b.response.catch(() => {});
    await queued;
    h.fake.beforeApply = (cmd) => {
      assert.equal(cmd.op, 'lockCancel');
      h.fake.applyNow({ op: 'lockRelease', name: 'm', fencingToken: a.json.fencingToken });
    };
    const released = h.fake.waitForApplied((x) => x.cmd.op === 'lockRelease' && x.cmd.fencingToken !== a.json.fencingToken);
    b.req.destroy();
    const r = await released;
    assert.equal(r.result.op === 'lockRelease' && r.result.released, true);
    assert.equal(h.fake.sm.lock('m')?.holder ?? null, null);
    assert.ok(h.fake.sm.lease('LB'), 'a caller-supplied lease is not revoked');
  });

  it('answers 404 LEASE_NOT_FOUND when the waiting lease is revoked', async () => {
    await h.request('POST', '/v1/locks/m', { ttl: 30 });
    await h.request('POST', '/v1/leases', { ttl: 30, id: 'LB' });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { lease: 'LB', waitMs: 60_000 });
    await queued;
    assert.equal((await h.request('DELETE', '/v1/leases/LB')).status, 200);
    const r = await b.response;
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'LEASE_NOT_FOUND');
    const unknown = await h.request('POST', '/v1/locks/m2', { lease: 'nope' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'LEASE_NOT_FOUND');
  });

  it('answers 503 SHUTTING_DOWN to waiters when the api closes', async () => {
    await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const queued = h.fake.waitForApplied(queuedOn('m'));
    const b = h.startRequest('POST', '/v1/locks/m', { ttl: 30, waitMs: 60_000 });
    await queued;
    await h.api.close();
    const r = await b.response;
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'SHUTTING_DOWN');
    assert.deepEqual(h.fake.sm.lock('m')?.waiters, []);
  });

  it('releases by fencing token or lease; refuses non-holders and bad queries', async () => {
    const a = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const wrong = await h.request('DELETE', `/v1/locks/m?fencingToken=${a.json.fencingToken + 100}`);
    assert.equal(wrong.status, 409);
    assert.equal(wrong.json.error.code, 'NOT_HOLDER');
    const otherLease = await h.request('DELETE', '/v1/locks/m?lease=someoneelse');
    assert.equal(otherLease.status, 409);
    assert.equal((await h.request('DELETE', '/v1/locks/m')).status, 400);
    assert.equal((await h.request('DELETE', `/v1/locks/m?lease=${a.json.lease}&fencingToken=1`)).status, 400);
    const ok = await h.request('DELETE', `/v1/locks/m?lease=${a.json.lease}`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { released: true, revision: h.fake.sm.revision(), next: null });
    const gone = await h.request('GET', '/v1/locks/m');
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'LOCK_NOT_FOUND');
    assert.deepEqual((await h.request('GET', '/v1/locks')).json, { locks: [] });
  });

  it('validates acquire bodies', async () => {
    for (const body of [{}, { ttl: 5, lease: 'x' }, { ttl: 0 }, { ttl: 5, waitMs: -1 }, { ttl: 5, wait: 1 }]) {
      const r = await h.request('POST', '/v1/locks/m', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'INVALID_ARGUMENT');
    }
    assert.equal((await h.request('POST', '/v1/locks/', { ttl: 5 })).status, 400);
    assert.equal(h.fake.applied.length, 0);
  });
});
