// Leases against a real three-member cluster: expiry (decided by the leader's clock, replicated
// as a revoke) deletes the lease's keys and hands its locks to the next waiter in one revision;
// keepalives sent through a follower hold a lease across a SIGKILL of the leader, and once they
// stop the lease expires.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ProcessCluster, eventually, waitForLeader } from '../helpers/process-cluster.js';
import { useCoordCluster, WatchStream, call, describe as show, pause, type ServerMessage } from './support.js';

describe('leases (real processes)', { timeout: 90_000 }, () => {
  const cluster = useCoordCluster();
  const { ok, streams } = cluster;
  let c: ProcessCluster;
  before(() => {
    c = cluster.c;
  });

  test('expiry deletes the keys and releases the lock to the waiter, in one revision, not before the TTL', async () => {
    const leader = await waitForLeader(c);
    const [a, b] = c.members.filter((m) => m !== leader);
    const ttl = 2;
    const ws = await WatchStream.open(a!);
    streams.push(ws);
    assert.equal((await ws.create({ key: 'expiring/', prefix: true, watchId: 1 })).type, 'created');
    assert.equal((await ws.create({ key: '_raftlock/locks/expiring-job', watchId: 2 })).type, 'created');

    const sentAt = Date.now();
    const lease = await ok('POST', `${a!.url}/v1/leases`, { ttl, id: 'expiring-lease' });
    assert.deepEqual(lease, { id: 'expiring-lease', ttl });
    await ok('PUT', `${a!.url}/v1/kv/expiring/one`, { value: '1', lease: lease.id });
    await ok('PUT', `${b!.url}/v1/kv/expiring/two`, { value: '2', lease: lease.id });
    const held = await ok('POST', `${a!.url}/v1/locks/expiring-job`, { lease: lease.id, waitMs: 0 });
    assert.equal(held.lease, lease.id);

    const info = await ok('GET', `${b!.url}/v1/leases/${lease.id}`);
    assert.deepEqual([...info.keys].sort(), ['expiring/one', 'expiring/two']);
    assert.deepEqual(info.locks, ['expiring-job']);
    assert.equal(info.grantedTtl, ttl);

    // A waiter with a lease of its own queues behind the holder; nobody keeps the holder's
    // lease alive, so the waiter must get the lock when it expires.
    const waiter = call('POST', `${b!.url}/v1/locks/expiring-job`, { ttl: 30, waitMs: 20_000 }, 25_000);
    await eventually('the waiter to be queued', async () => {
      const r = await call('GET', `${leader.url}/v1/locks/expiring-job`);
      return r.ok && r.status === 200 && r.body.waiters.length === 1 ? true : undefined;
    });

    const deletes = ws.waitFor<Extract<ServerMessage, { type: 'events' }>>(
      'the lease keys deleted',
      (m) => m.type === 'events' && m.watchId === 1 && m.events.some((e) => e.type === 'delete'),
      15_000,
    );
    const del = await deletes;
    const deletedAt = Date.now();
    const got = await waiter;
    assert.ok(got.ok && got.status === 200, `waiter: ${show(got)}`);
    assert.ok(got.body.fencingToken > held.fencingToken, `waiter token ${got.body.fencingToken} > holder token ${held.fencingToken}`);
    assert.notEqual(got.body.lease, lease.id);

    // Both keys gone in one revision, and that revision is the waiter's grant.
    assert.deepEqual(del.events.map((e) => [e.type, e.kv.key]).sort(), [['delete', 'expiring/one'], ['delete', 'expiring/two']]);
    assert.equal(del.revision, got.body.fencingToken, 'keys deleted and lock handed over in the same revision');
    assert.ok(deletedAt - sentAt >= ttl * 1000 - 50, `expired ${deletedAt - sentAt} ms after the grant was sent; TTL is ${ttl} s`);
    assert.ok(deletedAt - sentAt < ttl * 1000 + 5_000, `expired ${deletedAt - sentAt} ms after the grant was sent; TTL is ${ttl} s`);

    // The lock key shows the handover: the first holder's put; then, at the revision of the
    // expiry, its delete and the waiter's put.
    const lockEvents = await eventually('lock key events', async () => {
      const evs = ws.events(2);
      return evs.length >= 3 ? evs : undefined;
    });
    assert.deepEqual(
      lockEvents.map(({ revision, ev }) => [revision, ev.type, ev.type === 'put' ? JSON.parse(ev.kv.value).fencingToken : null, ev.kv.lease]),
      [
        [held.fencingToken, 'put', held.fencingToken, lease.id],
        [got.body.fencingToken, 'delete', null, ''],
        [got.body.fencingToken, 'put', got.body.fencingToken, got.body.lease],
      ],
    );

    for (const m of c.members) {
      const l = await call('GET', `${m.url}/v1/leases/${lease.id}`);
      assert.ok(l.ok && l.status === 404 && l.body.error.code === 'LEASE_NOT_FOUND', `lease on ${m.name}: ${show(l)}`);
      const k = await call('GET', `${m.url}/v1/kv/expiring/one`);
      assert.ok(k.ok && k.status === 404, `key on ${m.name}: ${show(k)}`);
      const lock = await ok('GET', `${m.url}/v1/locks/expiring-job`);
      assert.deepEqual(lock.holder, { name: 'expiring-job', lease: got.body.lease, fencingToken: got.body.fencingToken, revision: got.body.fencingToken });
      assert.deepEqual(lock.waiters, []);
    }
    // The holder's keepalive now fails: the lease is gone for good.
    const ka = await call('POST', `${a!.url}/v1/leases/${lease.id}/keepalive`);
    assert.ok(ka.ok && ka.status === 404 && ka.body.error.code === 'LEASE_NOT_FOUND', show(ka));

    await ok('DELETE', `${a!.url}/v1/locks/expiring-job?fencingToken=${got.body.fencingToken}`);
    // The waiter's lease was made for that lock request alone: the release revoked it too.
    const gone = await call('GET', `${a!.url}/v1/leases/${got.body.lease}`);
    assert.ok(gone.ok && gone.status === 404, `lease after release: ${JSON.stringify(gone)}`);
  });

  test('keepalives through a follower hold a 3 s lease across a leader SIGKILL; then it expires', async () => {
    const ttl = 3;
    const leader = await waitForLeader(c);
    const f = c.members.find((m) => m !== leader && c.isRunning(m))!;
    const ws = await WatchStream.open(f);
    streams.push(ws);
    assert.equal((await ws.create({ key: 'kept/', prefix: true, watchId: 1 })).type, 'created');

    const lease = await ok('POST', `${f.url}/v1/leases`, { ttl, id: 'kept-lease' });
    await ok('PUT', `${f.url}/v1/kv/kept/key`, { value: 'alive', lease: lease.id });

    // The keepalive loop: every ttl/3 after a success, sooner after a failure (as a client would).
    const outcomes: { sentAt: number; status: number | 'no answer' }[] = [];
    let stop = false;
    let lastAckedSentAt = 0;
    let lastSentAt = 0;
    const loop = (async () => {
      while (!stop) {
        const sentAt = Date.now();
        lastSentAt = sentAt;
        const r = await call('POST', `${f.url}/v1/leases/${lease.id}/keepalive`, undefined, 2_000);
        outcomes.push({ sentAt, status: r.ok ? r.status : 'no answer' });
        if (r.ok && r.status === 404) return; // lost: the checks below fail with the outcomes
        if (r.ok && r.status === 200) {
          if (r.body.ttl !== ttl) return;
          lastAckedSentAt = sentAt;
          await pause((ttl * 1000) / 3);
        } else {
          await pause(100);
        }
      }
    })();
    const lost = (): boolean => outcomes.some((o) => o.status === 404);

    try {
      await eventually('two acknowledged keepalives', async () => (outcomes.filter((o) => o.status === 200).length >= 2 ? true : undefined));
      const killedAt = Date.now();
      await c.kill(leader, 'SIGKILL');
      const newLeader = await waitForLeader(c);
      assert.notEqual(newLeader.name, leader.name);

      // Well beyond the TTL: four TTLs after the kill, the lease and its key are still there.
      await eventually(
        'keepalives acknowledged for 4 TTLs after the kill',
        async () => (lost() || outcomes.some((o) => o.status === 200 && o.sentAt > killedAt + 4 * ttl * 1000) ? true : undefined),
        30_000,
      );
      assert.equal(lost(), false, `a keepalive found the lease gone: ${JSON.stringify(outcomes)}`);
      const info = await ok('GET', `${f.url}/v1/leases/${lease.id}`);
      assert.deepEqual(info.keys, ['kept/key']);
      assert.ok(info.remaining > 0 && info.remaining <= ttl, `remaining ${info.remaining}`);
      assert.equal((await ok('GET', `${newLeader.url}/v1/kv/kept/key`)).value, 'alive');
      assert.deepEqual(
        ws.events(1).filter(({ ev }) => ev.type === 'delete'),
        [],
        'no delete of the kept key while the lease was kept alive',
      );
    } finally {
      stop = true;
      await loop;
    }
    const del = await ws.waitFor<Extract<ServerMessage, { type: 'events' }>>(
      'the kept key deleted after keepalives stopped',
      (m) => m.type === 'events' && m.watchId === 1 && m.events.some((e) => e.type === 'delete' && e.kv.key === 'kept/key'),
      20_000,
    );
    const deletedAt = Date.now();
    // Every renewal happened after its keepalive was sent, so expiry is at least TTL after the
    // last acknowledged one; and not long after TTL past the last one sent at all.
    assert.ok(deletedAt - lastAckedSentAt >= ttl * 1000 - 50, `expired ${deletedAt - lastAckedSentAt} ms after the last acknowledged keepalive was sent`);
    assert.ok(deletedAt - lastSentAt < ttl * 1000 + 5_000, `expired ${deletedAt - lastSentAt} ms after the last keepalive was sent`);
    assert.ok(del.revision > 0);
    const gone = await call('GET', `${f.url}/v1/leases/${lease.id}`);
    assert.ok(gone.ok && gone.status === 404, show(gone));
    const key = await call('GET', `${f.url}/v1/kv/kept/key`);
    assert.ok(key.ok && key.status === 404, show(key));
  });
});
