// Locks against a real three-member cluster: waiters are granted in FIFO order; and mutual
// exclusion with strictly increasing fencing tokens under contention (10 clients x 50
// acquisitions through every member), also while the leader is SIGKILLed mid-run.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ProcessCluster, eventually, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';
import { useCoordCluster, call, describe as show, pause, retryCall, type CallResult } from './support.js';

const CLIENTS = 10;
const ACQUISITIONS = 50;
const LEASE_TTL = 10;

describe('locks (real processes)', { timeout: 150_000 }, () => {
  const cluster = useCoordCluster();
  const { ok } = cluster;
  let c: ProcessCluster;
  before(() => {
    c = cluster.c;
  });

  const all = (): ProcMember[] => c.members;

  test('waiters are granted in the order they queued', async () => {
    const m = c.members;
    const holderLease = (await ok('POST', `${m[0]!.url}/v1/leases`, { ttl: 30, id: 'fifo-holder' })).id;
    const first = await ok('POST', `${m[0]!.url}/v1/locks/fifo/lock`, { lease: holderLease, waitMs: 0 });

    const leases: string[] = [];
    const pending: Promise<CallResult>[] = [];
    const settled: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (await ok('POST', `${m[i % 3]!.url}/v1/leases`, { ttl: 30, id: `fifo-w${i}` })).id;
      leases.push(id);
      settled.push(false);
      // Each waiter asks a different member; the next one is queued only once this one shows.
      const p = call('POST', `${m[i % 3]!.url}/v1/locks/fifo/lock`, { lease: id, waitMs: 60_000 }, 70_000);
      void p.then(() => (settled[i] = true));
      pending.push(p);
      await eventually(`waiter ${i} to be queued`, async () => {
        const r = await call('GET', `${m[(i + 1) % 3]!.url}/v1/locks/fifo/lock`);
        if (!r.ok || r.status !== 200) return undefined;
        const queued = r.body.waiters.map((w: { lease: string }) => w.lease);
        return queued.length === i + 1 ? queued : undefined;
      }).then((queued) => assert.deepEqual(queued, leases));
    }
    assert.deepEqual(settled, [false, false, false, false, false], 'no waiter granted while the lock is held');

    // Release one holder at a time: the head of the queue, and only it, is granted each time.
    let token = first.fencingToken as number;
    for (let i = 0; i < 5; i++) {
      const rel = await ok('DELETE', `${m[(i + 2) % 3]!.url}/v1/locks/fifo/lock?fencingToken=${token}`);
      assert.equal(rel.released, true);
      assert.equal(rel.next?.lease, leases[i], `release #${i} hands the lock to waiter ${i}`);
      const got = await pending[i]!;
      assert.ok(got.ok && got.status === 200, `waiter ${i}: ${show(got)}`);
      assert.equal(got.body.lease, leases[i]);
      assert.equal(got.body.fencingToken, rel.next.fencingToken);
      assert.ok(got.body.fencingToken > token, `token ${got.body.fencingToken} after ${token}`);
      token = got.body.fencingToken;
      const state = await ok('GET', `${m[i % 3]!.url}/v1/locks/fifo/lock`);
      assert.equal(state.holder.lease, leases[i]);
      assert.deepEqual(
        state.waiters.map((w: { lease: string }) => w.lease),
        leases.slice(i + 1),
      );
      assert.deepEqual(settled.slice(i + 1), new Array(4 - i).fill(false), `waiters after ${i} still wait`);
    }
    const last = await ok('DELETE', `${m[0]!.url}/v1/locks/fifo/lock?fencingToken=${token}`);
    assert.equal(last.next, null);
    const gone = await call('GET', `${m[1]!.url}/v1/locks/fifo/lock`);
    assert.ok(gone.ok && gone.status === 404 && gone.body.error.code === 'LOCK_NOT_FOUND', show(gone));
    for (const id of [holderLease, ...leases]) await ok('DELETE', `${m[0]!.url}/v1/leases/${id}`);
  });

  test(`mutual exclusion: ${CLIENTS} clients x ${ACQUISITIONS} acquisitions, leader SIGKILLed mid-run`, async () => {
    const LOCK = 'mutex/one';
    // The in-test register: who holds the lock right now, as the holders were told.
    let holder: { client: number; token: number } | null = null;
    let lastToken = 0;
    let total = 0;
    const violations: string[] = [];
    const stats = { unknownAcquires: 0, leaseRenewals: 0, retriedReleases: 0, fencedWrites: 0, lockHeld: 0 };
    const leaseLost: string[] = [];
    let stop = false;

    /** A fresh lease for client `i`, kept alive by a loop until replaced or the run ends. */
    async function newLease(i: number, gen: number): Promise<{ id: string; done: () => void }> {
      const id = `mx-${i}-${gen}`;
      const { r } = await retryCall(all, 'POST', '/v1/leases', { ttl: LEASE_TTL, id }, { start: i, cancelled: () => stop });
      // LEASE_EXISTS: an earlier attempt with an unknown outcome created it. Ours either way.
      assert.ok(r.status === 200 || (r.status === 409 && r.body.error.code === 'LEASE_EXISTS'), `lease ${id}: ${show(r)}`);
      let active = true;
      void (async () => {
        let k = i;
        while (active && !stop) {
          await pause((LEASE_TTL * 1000) / 10);
          if (!active || stop) break;
          const ka = await call('POST', `${all()[k++ % 3]!.url}/v1/leases/${id}/keepalive`, undefined, 3_000);
          if (active && ka.ok && ka.status === 404) {
            leaseLost.push(`${id}: ${show(ka)}`);
            break;
          }
        }
      })();
      return { id, done: () => (active = false) };
    }

    /** Revoke a lease until the answer is definite: afterwards it can hold and await nothing. */
    async function revoke(id: string, i: number): Promise<void> {
      const { r } = await retryCall(all, 'DELETE', `/v1/leases/${id}`, undefined, { start: i, cancelled: () => stop });
      assert.ok(r.status === 200 || r.status === 404, `revoke ${id}: ${show(r)}`);
    }

    async function hold(i: number, token: number): Promise<void> {
      if (holder) violations.push(`client ${i} granted token ${token} while client ${holder.client} holds token ${holder.token}`);
      if (token <= lastToken) violations.push(`client ${i} granted token ${token} after token ${lastToken}`);
      holder = { client: i, token };
      lastToken = Math.max(lastToken, token);
      // The guarded resource: a write that succeeds only while `token` is the current holder's.
      // (Retried on an unknown outcome: a repeat with the same token is harmless.)
      const { r: w } = await retryCall(all, 'POST', '/v1/txn', {
        compare: [{ key: LOCK, target: 'fencingToken', op: '=', value: token }],
        success: [{ put: { key: 'mutex/resource', value: `${i}:${token}` } }],
      }, { start: i, cancelled: () => stop });
      assert.equal(w.status, 200, `fenced write: ${show(w)}`);
      if (!w.body.succeeded) violations.push(`client ${i}: fenced write with token ${token} refused while holding it`);
      else stats.fencedWrites++;
      if (holder?.client !== i || holder.token !== token) violations.push(`client ${i} token ${token}: register changed to ${JSON.stringify(holder)} while held`);
      holder = null;
    }

    async function release(i: number, token: number): Promise<void> {
      // Repeats are fine: NOT_HOLDER after an unknown first attempt means it was released.
      const { r, unknownBefore } = await retryCall(all, 'DELETE', `/v1/locks/${LOCK}?fencingToken=${token}`, undefined, { start: i, cancelled: () => stop });
      if (unknownBefore) stats.retriedReleases++;
      assert.ok(r.status === 200 || (unknownBefore && r.status === 409 && r.body.error.code === 'NOT_HOLDER'), `release token ${token}: ${show(r)}`);
    }

    async function client(i: number): Promise<void> {
      let gen = 0;
      let lease = await newLease(i, gen++);
      let member = i % 3;
      let done = 0;
      while (done < ACQUISITIONS) {
        if (stop) throw new Error(`client ${i} stopped: the test is ending`);
        const m = all()[member % 3]!;
        const r = await call('POST', `${m.url}/v1/locks/${LOCK}`, { lease: lease.id, waitMs: 5_000 }, 30_000);
        if (r.ok && r.status === 200) {
          assert.equal(r.body.lease, lease.id);
          await hold(i, r.body.fencingToken);
          await release(i, r.body.fencingToken);
          done++;
          total++;
          continue;
        }
        if (r.ok && r.status === 409 && r.body.error.code === 'LOCK_HELD') {
          stats.lockHeld++; // definite: the waiter was withdrawn; try again
          continue;
        }
        // Anything else (no answer, 503, 504, lease gone): we may or may not hold the lock or be
        // queued. Not counted as held; revoking the lease ends whichever it was.
        stats.unknownAcquires++;
        member++;
        lease.done();
        await revoke(lease.id, i);
        lease = await newLease(i, gen++);
        stats.leaseRenewals++;
      }
      lease.done();
      await revoke(lease.id, i);
    }

    const t0 = Date.now();
    let failed: unknown;
    const runs = Array.from({ length: CLIENTS }, (_, i) =>
      client(i).catch((e) => {
        failed ??= e;
        throw e;
      }),
    );
    const finished = Promise.all(runs);
    finished.catch(() => undefined);
    /** Wait until `n` acquisitions are done (or a client failed: then rethrow its error). */
    const reach = async (n: number): Promise<void> => {
      await eventually(`${n} acquisitions`, async () => (failed !== undefined || total >= n ? true : undefined), 90_000);
      if (failed !== undefined) throw failed;
    };

    // The nemesis: kill the leader after 30% of the acquisitions, bring it back at 60%.
    let leader: ProcMember;
    let killedAt: number;
    try {
      await reach((CLIENTS * ACQUISITIONS * 3) / 10);
      leader = await waitForLeader(c);
      killedAt = total;
      await c.kill(leader, 'SIGKILL');
      await reach((CLIENTS * ACQUISITIONS * 6) / 10);
      c.spawn(leader);
      await finished;
    } finally {
      // Whatever happened, every client and keepalive loop ends.
      stop = true;
      await Promise.allSettled(runs);
    }
    const seconds = (Date.now() - t0) / 1000;
    console.log(`# mutex: ${total} acquisitions in ${seconds.toFixed(1)} s; leader ${leader.name} killed at ${killedAt}; ${JSON.stringify(stats)}`);

    assert.deepEqual(violations, []);
    assert.deepEqual(leaseLost, [], 'no lease expired while kept alive');
    assert.equal(total, CLIENTS * ACQUISITIONS);
    assert.equal(stats.fencedWrites, total, 'every holder could write the fenced resource');
    // The resource holds the last fenced write; the lock is free and no lease is left.
    const res = await ok('GET', `${c.members.find((m) => m !== leader)!.url}/v1/kv/mutex/resource`);
    assert.ok(Number(res.value.split(':')[1]) <= lastToken);
    const lock = await call('GET', `${c.members.find((m) => m !== leader)!.url}/v1/locks/${LOCK}`);
    assert.ok(lock.ok && lock.status === 404, `lock after the run: ${show(lock)}`);
    await waitForLeader(c);
  });
});
