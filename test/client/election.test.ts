// Leader election (client.election) against a real three-member cluster: campaigners lead in
// the order they queued (FIFO), leadership fails over when the leader's lease ends, observe()
// sees every leader and proclamation once and in order, and an aborted campaign leaves no waiter.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, RaftlockError, type ElectionLeader, type Leadership } from '../../src/client/index.js';
import { ProcessCluster, eventually, waitForLeader } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

describe('leader election (real processes)', { timeout: 120_000 }, () => {
  let c: ProcessCluster;
  const clients: Client[] = [];
  const newClient = (): Client => {
    const cl = new Client({ endpoints: c.members.map((m) => m.url) });
    clients.push(cl);
    return cl;
  };
  let probe: Client;
  const waiters = async (election: string): Promise<number> => (await probe.lockStatus(`election/${election}`))?.waiters.length ?? 0;

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    await waitForLeader(c);
    probe = newClient();
  });
  after(async () => {
    await Promise.all(clients.map((cl) => cl.close()));
    await c?.destroy();
  });

  test('campaigners lead one at a time, in the order they queued', async () => {
    const [a, b, d] = [newClient(), newClient(), newClient()];
    const la = await a.election('fifo').campaign('a');
    assert.equal(la.value, 'a');
    assert.equal(la.signal.aborted, false);
    assert.deepEqual(await probe.election('fifo').leader(), { name: 'fifo', value: 'a', lease: la.lease, fencingToken: la.fencingToken, revision: la.revision });

    const won: string[] = [];
    const pb = b.election('fifo').campaign('b').then((l) => (won.push('b'), l));
    await eventually('b to queue', async () => ((await waiters('fifo')) === 1 ? true : undefined));
    const pd = d.election('fifo').campaign('d').then((l) => (won.push('d'), l));
    await eventually('d to queue behind b', async () => ((await waiters('fifo')) === 2 ? true : undefined));

    await la.resign();
    assert.equal(la.signal.aborted, true, 'resigning fires the signal');
    assert.equal((la.signal.reason as RaftlockError).code, 'LEADERSHIP_LOST');
    const lb = await pb;
    assert.deepEqual(won, ['b'], 'b queued first and leads first; d still waits');
    assert.ok(lb.fencingToken > la.fencingToken, 'fencing tokens increase with each leader');
    assert.equal((await probe.election('fifo').leader())?.value, 'b');

    await b.election('fifo').resign(); // a fresh Election object does not lead: a no-op
    assert.equal(lb.signal.aborted, false);
    await lb.resign();
    const ld = await pd;
    assert.deepEqual(won, ['b', 'd']);
    assert.ok(ld.fencingToken > lb.fencingToken);
    await ld.resign();
    assert.equal(await probe.election('fifo').leader(), undefined, 'no leader once every campaigner resigned');
  });

  test("leadership fails over when the leader's lease ends", async () => {
    const a = newClient();
    const b = newClient();
    const la = await a.election('failover').campaign('a', { ttl: 2 });
    const pb = b.election('failover').campaign('b', { ttl: 2 });
    await eventually('b to queue', async () => ((await waiters('failover')) === 1 ? true : undefined));
    // a's process "stops": no more keepalives, nothing revoked. The lease ends after its TTL.
    await a.close();
    assert.equal(la.signal.aborted, true, 'a no longer knows it leads: its signal fires at once');
    const lb = await pb;
    assert.equal(lb.value, 'b');
    assert.ok(lb.fencingToken > la.fencingToken);
    const seen = await probe.election('failover').leader();
    assert.equal(seen?.value, 'b');
    assert.equal(seen?.lease, lb.lease);

    // And when the leader's lease is lost under it (revoked by someone else), its signal fires.
    await probe.leaseRevoke(lb.lease);
    await eventually('b to notice the loss', async () => (lb.signal.aborted ? true : undefined), 10_000);
    await assert.rejects(lb.proclaim('late'), (e: RaftlockError) => e.code === 'LEADERSHIP_LOST' || e.code === 'LEASE_LOST');
    assert.equal(await probe.election('failover').leader(), undefined);
  });

  test('observe sees each leader and proclamation once, in order; proclaim updates what observers see', async () => {
    const a = newClient();
    const b = newClient();
    const watcher = newClient();
    const stop = new AbortController();
    const seen: ElectionLeader[] = [];
    const observing = (async () => {
      for await (const l of watcher.election('obs').observe({ signal: stop.signal })) {
        seen.push(l);
      }
    })().catch((e: unknown) => {
      if (!(e instanceof RaftlockError && e.code === 'ABORTED')) throw e;
    });
    const until = (n: number): Promise<true> =>
      eventually(`${n} observed leaders`, async () => (seen.length >= n ? true : undefined), 10_000);

    const ea = a.election('obs');
    const la: Leadership = await ea.campaign('a1');
    await until(1);
    await ea.proclaim('a2'); // through the Election object that campaigned
    await until(2);
    await la.proclaim('a3');
    await until(3);
    const pb = b.election('obs').campaign('b1');
    await eventually('b to queue', async () => ((await waiters('obs')) === 1 ? true : undefined));
    await la.resign();
    const lb = await pb;
    await until(4);
    assert.deepEqual(
      seen.map((l) => [l.value, l.fencingToken, l.lease]),
      [
        ['a1', la.fencingToken, la.lease],
        ['a2', la.fencingToken, la.lease],
        ['a3', la.fencingToken, la.lease],
        ['b1', lb.fencingToken, lb.lease],
      ],
    );
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.revision > seen[i - 1]!.revision);
    await assert.rejects(ea.proclaim('x'), (e: RaftlockError) => e.code === 'NOT_LEADER');
    await assert.rejects(a.election('obs').proclaim('x'), (e: RaftlockError) => e.code === 'NOT_LEADER');
    await assert.rejects(la.proclaim('x'), (e: RaftlockError) => e.code === 'LEADERSHIP_LOST');

    // A late observer starts with the current leader.
    const late = watcher.election('obs').observe();
    const first = await late.next();
    assert.equal(first.value?.value, 'b1');
    await late.return(undefined);

    stop.abort();
    await lb.resign();
    await observing;
    assert.equal(seen.length, 4, 'nothing seen twice');
  });

  test('a campaigner whose member dies while it waits still leads in its turn', async () => {
    const leader = await waitForLeader(c);
    const doomed = c.members.find((m) => m !== leader)!;
    const a = newClient();
    // b talks to the doomed member first: its lock request waits there.
    const b = new Client({ endpoints: [doomed.url, ...c.members.filter((m) => m !== doomed).map((m) => m.url)], randomStart: false });
    clients.push(b);
    const la = await a.election('crash').campaign('a');
    const pb = b.election('crash').campaign('b');
    await eventually('b to queue', async () => ((await waiters('crash')) === 1 ? true : undefined));
    await c.kill(doomed, 'SIGKILL');
    // b asks again elsewhere with the same lease; its first waiter, left by the dead member, stays
    // queued ahead of the second (nobody withdraws it). When a resigns, that first waiter is
    // granted: b learns it from the holder key, not from its own (second) request.
    await eventually('b to queue again', async () => ((await waiters('crash')) === 2 ? true : undefined));
    await la.resign();
    const lb = await pb;
    assert.equal(lb.value, 'b');
    assert.ok(lb.fencingToken > la.fencingToken);
    assert.equal((await probe.election('crash').leader())?.lease, lb.lease);
    await eventually('no stray waiter of b left queued', async () => ((await waiters('crash')) === 0 ? true : undefined), 10_000);
    assert.equal(lb.signal.aborted, false);
    await lb.resign();
    c.spawn(doomed);
    await waitForLeader(c);
  });

  test('an aborted campaign leaves no waiter queued', async () => {
    const a = newClient();
    const b = newClient();
    const la = await a.election('abort').campaign('a');
    const ac = new AbortController();
    const pb = b.election('abort').campaign('b', { signal: ac.signal });
    await eventually('b to queue', async () => ((await waiters('abort')) === 1 ? true : undefined));
    ac.abort();
    await assert.rejects(pb, (e: RaftlockError) => e.code === 'ABORTED');
    await eventually('the waiter to be withdrawn', async () => ((await waiters('abort')) === 0 ? true : undefined), 10_000);
    await la.resign();
    assert.equal(await probe.election('abort').leader(), undefined);
  });
});
