// The lease rule against real processes: a client may rely on its lease until (the time it sent
// its last acknowledged keepalive) + TTL, and a lock held by the lease does not move to another
// holder before then. Many two-second leases, each holding a lock with a waiter queued behind it,
// get one keepalive each, swept across the moment the leader decides they expired — sent to the
// leader, to a follower, and over a follower's WebSocket. No acknowledged keepalive may be
// followed by the lock moving on before its send time + TTL. And a one-call acquire (`ttl`) that
// waited in the queue longer than its TTL is still granted, with its full TTL.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ProcessCluster, eventually, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';
import { call, describe as show, pause, useCoordCluster, WatchStream, type ServerMessage } from './support.js';

type Channel = 'leader' | 'follower' | 'follower-ws';
const CHANNELS: Channel[] = ['leader', 'follower', 'follower-ws'];

interface Probe {
  i: number;
  lease: string;
  lock: string;
  channel: Channel;
  /** When our keepalive across the expiry was sent, and whether it was acknowledged. */
  sentAt?: number;
  acked?: boolean;
  answer?: string;
  /** Why no probe was sent (setup lost the lease), if so. */
  skipped?: string;
  /** A REST LEASE_NOT_FOUND without the lease's `id`. */
  unnamed?: boolean;
  /** When the waiter's grant (the lock moving on) reached us. */
  movedAt?: number;
}

async function until(t: number): Promise<void> {
  const d = t - Date.now();
  if (d > 0) await pause(d); // pacing: the keepalive is sent at a chosen time, nothing waits on it
}

describe('lease safety across the expiry decision (real processes)', { timeout: 120_000 }, () => {
  const cluster = useCoordCluster();
  const { ok, streams } = cluster;
  let c: ProcessCluster;
  before(() => {
    c = cluster.c;
  });

  test('keepalives swept across the expiry of 150 two-second leases (leader, follower, WebSocket): none acknowledged for a lease whose lock then moves on too early', async (t) => {
    const N = 150;
    const TTL_MS = 2_000;
    const leader = await waitForLeader(c);
    const follower = c.members.find((m) => m !== leader && c.isRunning(m))!;
    const ws = await WatchStream.open(follower);
    streams.push(ws);
    const waiterLease = (await ok('POST', `${leader.url}/v1/leases`, { ttl: 60, id: 'sweep-waiter' })).id as string;
    const via: Record<Channel, ProcMember> = { leader, follower, 'follower-ws': follower };

    const keepalive = async (p: Probe): Promise<{ acked: boolean; answer: string }> => {
      if (p.channel === 'follower-ws') {
        const before = ws.messages.length;
        ws.send({ type: 'keepalive', lease: p.lease });
        const m = await ws.waitFor<ServerMessage>(
          `the keepalive answer for ${p.lease}`,
          (x) => ws.messages.indexOf(x) >= before && (x.type === 'keepalive' || x.type === 'error') && x.lease === p.lease,
          10_000,
        );
        return { acked: m.type === 'keepalive', answer: JSON.stringify(m) };
      }
      const r = await call('POST', `${via[p.channel].url}/v1/leases/${p.lease}/keepalive`, undefined, 10_000);
      if (r.ok && r.status === 404 && r.body?.error?.id !== p.lease) p.unnamed = true;
      return { acked: r.ok && r.status === 200, answer: show(r) };
    };

    const probes: Probe[] = Array.from({ length: N }, (_, i) => ({ i, lease: `sweep-${i}`, lock: `sweep/${i}`, channel: CHANNELS[i % 3]! }));
    const waiters: Promise<void>[] = [];
    const sweeps: Promise<void>[] = [];
    // Leases are set up a few at a time, so their expiries spread over the leader's check period.
    for (let b = 0; b < N; b += 10) {
      await Promise.all(
        probes.slice(b, b + 10).map(async (p) => {
          await ok('POST', `${leader.url}/v1/leases`, { ttl: TTL_MS / 1000, id: p.lease });
          await ok('POST', `${leader.url}/v1/locks/${p.lock}`, { lease: p.lease, waitMs: 0 });
          waiters.push(
            call('POST', `${follower.url}/v1/locks/${p.lock}`, { lease: waiterLease, waitMs: 30_000 }, 35_000).then((r) => {
              p.movedAt = Date.now();
              assert.ok(r.ok && r.status === 200, `waiter of ${p.lock}: ${show(r)}`);
            }),
          );
          // Renew once (the leader's expiry is then between this request's sending and its answer,
          // plus TTL), then send the probe keepalive -100 ms to +100 ms around the midpoint.
          const r0SentAt = Date.now();
          const r0 = await call('POST', `${leader.url}/v1/leases/${p.lease}/keepalive`);
          if (!(r0.ok && r0.status === 200)) {
            p.skipped = show(r0); // the machine stalled past the TTL during setup: no probe
            return;
          }
          const expiry = (r0SentAt + Date.now()) / 2 + TTL_MS;
          const offset = -100 + ((p.i * 7) % N) * (200 / N);
          sweeps.push(
            (async () => {
              await until(expiry + offset);
              p.sentAt = Date.now();
              const k = await keepalive(p);
              p.acked = k.acked;
              p.answer = k.answer;
            })(),
          );
        }),
      );
    }
    await Promise.all(sweeps);
    await Promise.all(waiters);

    const skipped = probes.filter((p) => p.skipped !== undefined);
    assert.ok(skipped.length < N / 4, `setup lost ${skipped.length} leases: ${skipped.slice(0, 3).map((p) => p.skipped).join('; ')}`);
    const probed = probes.filter((p) => p.skipped === undefined);
    const acked = probed.filter((p) => p.acked);
    const early = acked.filter((p) => p.movedAt! < p.sentAt! + TTL_MS);
    const byChannel = CHANNELS.map((ch) => `${ch}: ${probed.filter((p) => p.channel === ch && p.acked).length} acked / ${probed.filter((p) => p.channel === ch).length}`);
    t.diagnostic(`acknowledged: ${byChannel.join(', ')}`);
    assert.deepEqual(
      early.map((p) => `${p.lease} via ${p.channel}: keepalive sent at +0 acknowledged (${p.answer}), lock moved on at +${p.movedAt! - p.sentAt!} ms`),
      [],
      `acknowledged keepalives whose lock moved on before sentAt + TTL (${byChannel.join(', ')})`,
    );
    // The sweep really crossed the decision: some probes were acknowledged, some refused.
    assert.ok(acked.length > 0 && acked.length < probed.length, `acknowledged ${acked.length} of ${probed.length} (${byChannel.join(', ')})`);
    for (const p of probed.filter((x) => !x.acked)) assert.match(p.answer!, /LEASE_NOT_FOUND/, `${p.lease} via ${p.channel}`);
    assert.deepEqual(probes.filter((p) => p.unnamed).map((p) => p.answer), [], 'every LEASE_NOT_FOUND names the lease (`id`)');
  });

  test('a one-call acquire that waited longer than its TTL is granted with its full TTL (through a follower)', async () => {
    const leader = await waitForLeader(c);
    const follower = c.members.find((m) => m !== leader && c.isRunning(m))!;
    const holder = await ok('POST', `${leader.url}/v1/locks/full-ttl`, { ttl: 30, waitMs: 0 });
    const waiter = call('POST', `${follower.url}/v1/locks/full-ttl`, { ttl: 2, waitMs: 20_000 }, 25_000);
    await eventually('the one-call waiter to be queued', async () => {
      const r = await call('GET', `${leader.url}/v1/locks/full-ttl`);
      return r.ok && r.status === 200 && r.body.waiters.length === 1 ? true : undefined;
    });
    await pause(3_000); // the scenario: the holder keeps the lock for longer than the waiter's TTL
    await ok('DELETE', `${leader.url}/v1/locks/full-ttl?fencingToken=${holder.fencingToken}`);
    const got = await waiter;
    assert.ok(got.ok && got.status === 200, `the waiter is granted, its lease kept alive while it waited: ${show(got)}`);
    assert.ok(got.body.fencingToken > holder.fencingToken);
    const info = await ok('GET', `${leader.url}/v1/leases/${got.body.lease}`);
    assert.ok(info.remaining > 1.5, `the grant comes with (nearly) its full TTL of 2 s: ${info.remaining} s left`);
    await ok('DELETE', `${leader.url}/v1/locks/full-ttl?fencingToken=${got.body.fencingToken}`);
  });
});
