// Clients nobody here wrote: the etcd3 npm client (its leases, watches, locks and elections),
// and a plain gRPC client on raftlock's own protos for v3lock and v3election, whose locks are
// the very locks /v1/locks serves (same holder, fencing tokens, FIFO queue).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Etcd3, EtcdLeaseInvalidError, EtcdLockFailedError, type Lease } from 'etcd3';
import { eventually, http } from '../helpers/process-cluster.js';
import { grpcClient, settledWithin, startEtcdCluster, unaryCall, type EtcdCluster } from './support.js';

let ec: EtcdCluster;
let etcd: Etcd3;
const rest = (i: number): string => ec.cluster.members[i]!.url;
/** A lease granted over /v1, with its id as etcd sees it (decimal). */
const restLease = async (ttl = 60): Promise<{ hex: string; etcdId: string }> => {
  const r = await http('POST', `${rest(0)}/v1/leases`, { ttl });
  assert.equal(r.status, 200);
  return { hex: r.body.id, etcdId: BigInt.asIntN(64, BigInt(`0x${r.body.id}`)).toString() };
};
const once = <T>(emitter: { once(ev: string, fn: (x: T) => void): unknown }, ev: string, what: string, ms = 15_000): Promise<T> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    emitter.once(ev, (x: T) => {
      clearTimeout(t);
      resolve(x);
    });
  });

before(async () => {
  ec = await startEtcdCluster();
  etcd = new Etcd3({ hosts: ec.endpoints.map((e) => `http://${e}`) });
});
after(async () => {
  etcd?.close();
  await ec?.cluster.destroy();
});

describe('etcd3 npm client', () => {
  test('keys: put, get, count, and a bad lease is etcd\'s "lease not found"', async () => {
    await etcd.put('e3/a').value('1');
    await etcd.put('e3/b').value('2');
    assert.equal(await etcd.get('e3/a').string(), '1');
    assert.equal(await etcd.getAll().prefix('e3/').count(), 2);
    assert.deepEqual(await etcd.getAll().prefix('e3/').keys(), ['e3/a', 'e3/b']);
    await assert.rejects(etcd.put('e3/c').value('x').lease('12345').exec(), EtcdLeaseInvalidError);
  });

  test('leases: granted, kept alive, keys attached; lost when revoked over /v1', async () => {
    const lease: Lease = etcd.lease(3);
    await lease.put('e3/leased').value('v');
    const id = await lease.grant();
    const hex = BigInt.asUintN(64, BigInt(id)).toString(16).padStart(16, '0');
    const info = await http('GET', `${rest(1)}/v1/leases/${hex}`);
    assert.equal(info.status, 200);
    assert.deepEqual(info.body.keys, ['e3/leased']);
    await once(lease, 'keepaliveSucceeded', 'keep-alive');
    assert.equal((await http('DELETE', `${rest(2)}/v1/leases/${hex}`)).status, 200);
    const lost = await once<Error>(lease, 'lost', 'lease loss');
    assert.ok(lost instanceof EtcdLeaseInvalidError, String(lost));
    assert.equal(await etcd.get('e3/leased').string(), null);
  });

  test('watches: a prefix watch sees puts and deletes with their revisions, from a start revision too', async () => {
    const w = await etcd.watch().prefix('e3w/').withPreviousKV().create();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      w.on('put', (kv, prev) => {
        seen.push(`put ${kv.key.toString()}=${kv.value.toString()} prev=${prev?.value.toString() ?? '-'}`);
      });
      w.on('delete', (kv) => {
        seen.push(`delete ${kv.key.toString()}`);
        resolve();
      });
    });
    const first = await etcd.put('e3w/x').value('1').exec();
    await etcd.put('e3w/x').value('2');
    await etcd.delete().key('e3w/x');
    await done;
    assert.deepEqual(seen, ['put e3w/x=1 prev=-', 'put e3w/x=2 prev=1', 'delete e3w/x']);
    await w.cancel();
    // replay from the first put's revision
    const replay = await etcd.watch().key('e3w/x').startRevision(first.header.revision).create();
    const again: string[] = [];
    await new Promise<void>((resolve) => {
      replay.on('data', (res) => {
        for (const ev of res.events) again.push(`${ev.type} ${ev.kv.mod_revision}`);
        if (again.length >= 3) resolve();
      });
    });
    assert.equal(again[0], `Put ${first.header.revision}`);
    assert.deepEqual(again.map((e) => e.split(' ')[0]), ['Put', 'Put', 'Delete']);
    await replay.cancel();
  });

  test('locks: one holder; the second fails at once; released for the next', async () => {
    const lock = etcd.lock('e3-jobs');
    await lock.acquire();
    await assert.rejects(etcd.lock('e3-jobs').acquire(), EtcdLockFailedError);
    await lock.release();
    assert.equal(await etcd.lock('e3-jobs').do(async () => 'ran'), 'ran');
  });

  test('elections: campaign, leader, and the next candidate after a resign', async () => {
    const election = etcd.election('e3-pilot');
    const a = election.campaign('alice');
    await once(a, 'elected', 'alice elected');
    assert.equal(await election.leader(), 'alice');
    const b = election.campaign('bob');
    // etcd3 keeps candidates under election/<name>/
    await eventually('bob to campaign', async () => ((await etcd.getAll().prefix('election/e3-pilot/').count()) === 2 ? true : undefined));
    await a.resign();
    await once(b, 'elected', 'bob elected');
    assert.equal(await election.leader(), 'bob');
    await b.resign();
  });
});

describe('v3lock: the same locks as /v1/locks', () => {
  test('holder, fencing tokens and FIFO order are shared with the REST API', async () => {
    const lock = grpcClient('v3lockpb', 'Lock', ec.endpoints[1]!);
    try {
      const a = await restLease();
      const b = await restLease();
      const c = await restLease();
      const first = await unaryCall(lock, 'Lock', { name: Buffer.from('shared'), lease: a.etcdId });
      assert.equal(first.key.toString(), `shared/${a.hex}`);
      const t1 = Number(first.header.revision);
      const seen = await http('GET', `${rest(0)}/v1/locks/shared`);
      assert.equal(seen.body.holder.lease, a.hex);
      assert.equal(seen.body.holder.fencingToken, t1);
      // REST cannot take it meanwhile
      const busy = await http('POST', `${rest(2)}/v1/locks/shared`, { lease: c.hex, waitMs: 0 });
      assert.equal(busy.status, 409);
      assert.equal(busy.body.error.code, 'LOCK_HELD');

      // b queues through gRPC, then c through REST: FIFO across both APIs
      const second = unaryCall(lock, 'Lock', { name: Buffer.from('shared'), lease: b.etcdId });
      await eventually('b to queue', async () => ((await http('GET', `${rest(0)}/v1/locks/shared`)).body.waiters?.length === 1 ? true : undefined));
      const third = http('POST', `${rest(2)}/v1/locks/shared`, { lease: c.hex, waitMs: 20_000 });
      const queue = await eventually('c to queue', async () => {
        const r = await http('GET', `${rest(0)}/v1/locks/shared`);
        return r.body.waiters?.length === 2 ? r.body.waiters : undefined;
      });
      assert.deepEqual(queue.map((w: { lease: string }) => w.lease), [b.hex, c.hex]);

      await unaryCall(lock, 'Unlock', { key: first.key });
      const got = await second;
      const t2 = Number(got.header.revision);
      assert.ok(t2 > t1, `fencing token ${t2} after ${t1}`);
      assert.equal((await http('GET', `${rest(1)}/v1/locks/shared`)).body.holder.fencingToken, t2);

      // released over REST by lease: c (REST) is next
      assert.equal((await http('DELETE', `${rest(0)}/v1/locks/shared?lease=${b.hex}`)).status, 200);
      const rc = await third;
      assert.equal(rc.status, 200);
      assert.ok(rc.body.fencingToken > t2);
      // Unlock of a key whose lease no longer holds the lock changes nothing
      await unaryCall(lock, 'Unlock', { key: got.key });
      assert.equal((await http('GET', `${rest(0)}/v1/locks/shared`)).body.holder.lease, c.hex);
      assert.equal((await http('DELETE', `${rest(0)}/v1/locks/shared?lease=${c.hex}`)).status, 200);
    } finally {
      lock.close();
    }
  });

  test('the other direction: a REST holder hands over to v3lock waiters in FIFO order, fencing tokens rising across both', async () => {
    const lock = grpcClient('v3lockpb', 'Lock', ec.endpoints[2]!);
    try {
      const a = await restLease();
      const b = await restLease();
      const c = await restLease();
      const held = await http('POST', `${rest(0)}/v1/locks/handover`, { lease: a.hex, waitMs: 0 });
      assert.equal(held.status, 200);
      const tA = held.body.fencingToken as number;
      // v3lock cannot take a lock REST holds: b and then c wait, in that order
      const second = unaryCall(lock, 'Lock', { name: Buffer.from('handover'), lease: b.etcdId });
      await eventually('b to queue', async () => ((await http('GET', `${rest(1)}/v1/locks/handover`)).body.waiters?.length === 1 ? true : undefined));
      const third = unaryCall(lock, 'Lock', { name: Buffer.from('handover'), lease: c.etcdId });
      const queue = await eventually('c to queue', async () => {
        const r = await http('GET', `${rest(1)}/v1/locks/handover`);
        return r.body.waiters?.length === 2 ? r.body.waiters : undefined;
      });
      assert.deepEqual(queue.map((w: { lease: string }) => w.lease), [b.hex, c.hex]);
      assert.equal(await settledWithin(second, 200), false, 'b waits while REST holds the lock');

      // REST lets go: b (the first waiter) gets it, with the fencing token REST shows
      assert.equal((await http('DELETE', `${rest(2)}/v1/locks/handover?lease=${a.hex}`)).status, 200);
      const gotB = await second;
      assert.equal(gotB.key.toString(), `handover/${b.hex}`);
      const tB = Number(gotB.header.revision);
      assert.ok(tB > tA, `fencing token ${tB} after ${tA}`);
      const now = await http('GET', `${rest(0)}/v1/locks/handover`);
      assert.deepEqual([now.body.holder.lease, now.body.holder.fencingToken], [b.hex, tB]);
      assert.deepEqual(now.body.waiters.map((w: { lease: string }) => w.lease), [c.hex]);
      assert.equal(await settledWithin(third, 200), false, 'c still waits behind b');

      // b unlocks through v3lock: c is next, and a REST contender now queues behind c
      await unaryCall(lock, 'Unlock', { key: gotB.key });
      const gotC = await third;
      const tC = Number(gotC.header.revision);
      assert.ok(tC > tB);
      const busy = await http('POST', `${rest(1)}/v1/locks/handover`, { lease: a.hex, waitMs: 0 });
      assert.equal(busy.status, 409);
      assert.equal(busy.body.error.code, 'LOCK_HELD');
      assert.equal((await http('GET', `${rest(1)}/v1/locks/handover`)).body.holder.fencingToken, tC);
      await unaryCall(lock, 'Unlock', { key: gotC.key });
    } finally {
      lock.close();
    }
  });

  test('a Lock whose caller gives up leaves no waiter behind; an unknown lease is etcd\'s NOT_FOUND', async () => {
    const lock = grpcClient('v3lockpb', 'Lock', ec.endpoints[0]!);
    try {
      const a = await restLease();
      const b = await restLease();
      const held = await unaryCall(lock, 'Lock', { name: Buffer.from('deadline'), lease: a.etcdId });
      await assert.rejects(unaryCall(lock, 'Lock', { name: Buffer.from('deadline'), lease: b.etcdId }, { deadline: Date.now() + 500 }), { code: 4 });
      await eventually('the abandoned waiter to be withdrawn', async () =>
        (await http('GET', `${rest(0)}/v1/locks/deadline`)).body.waiters?.length === 0 ? true : undefined,
      );
      await unaryCall(lock, 'Unlock', { key: held.key });
      await assert.rejects(unaryCall(lock, 'Lock', { name: Buffer.from('deadline'), lease: '77' }), { code: 5, details: 'etcdserver: requested lease not found' });
    } finally {
      lock.close();
    }
  });
});

describe('etcdserverpb over a plain gRPC client', () => {
  test('Watch: create, filters, progress request, cancel; Range count_only and serializable', async () => {
    const watch = grpcClient('etcdserverpb', 'Watch', ec.endpoints[0]!);
    const kv = grpcClient('etcdserverpb', 'KV', ec.endpoints[1]!);
    const stream = watch['Watch']!();
    const got: any[] = [];
    const waiters: (() => void)[] = [];
    stream.on('data', (res: any) => {
      got.push(res);
      for (const w of waiters.splice(0)) w();
    });
    const until = async (what: string, pred: (r: any) => boolean): Promise<any> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const hit = got.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no watch response: ${what}; got ${JSON.stringify(got)}`);
        await new Promise<void>((res) => {
          const t = setTimeout(res, 200);
          waiters.push(() => {
            clearTimeout(t);
            res();
          });
        });
      }
    };
    try {
      stream.write({ create_request: { key: Buffer.from('raw/'), range_end: Buffer.from('raw0'), filters: ['NODELETE'] } });
      const created = await until('created', (r) => r.created);
      const id = created.watch_id;
      await unaryCall(kv, 'Put', { key: Buffer.from('raw/a'), value: Buffer.from('1') });
      await unaryCall(kv, 'DeleteRange', { key: Buffer.from('raw/a') });
      const put = await unaryCall(kv, 'Put', { key: Buffer.from('raw/b'), value: Buffer.from('2') });
      const last = await until('the put of raw/b', (r) => r.events?.some((e: any) => e.kv.key.toString() === 'raw/b'));
      const events = got.flatMap((r) => r.events ?? []);
      assert.deepEqual(events.map((e: any) => `${e.type} ${e.kv.key}`), ['PUT raw/a', 'PUT raw/b'], 'deletes are filtered out');
      assert.equal(last.watch_id, id);
      assert.equal(last.header.revision, put.header.revision);

      stream.write({ progress_request: {} });
      const progress = await until('progress', (r) => r.watch_id === '-1');
      assert.ok(Number(progress.header.revision) >= Number(put.header.revision));
      stream.write({ cancel_request: { watch_id: id } });
      await until('canceled', (r) => r.canceled && r.watch_id === id);

      const counted = await unaryCall(kv, 'Range', { key: Buffer.from('raw/'), range_end: Buffer.from('raw0'), count_only: true, serializable: true });
      assert.equal(counted.count, '1');
      assert.deepEqual(counted.kvs ?? [], []);
    } finally {
      stream.end();
      watch.close();
      kv.close();
    }
  });
});

describe('Cluster and Maintenance over gRPC', () => {
  test('members, promote of a voter, unknown ids, MemberAdd, Status', async () => {
    const cl = grpcClient('etcdserverpb', 'Cluster', ec.endpoints[0]!);
    const mt = grpcClient('etcdserverpb', 'Maintenance', ec.endpoints[1]!);
    try {
      const list = await unaryCall(cl, 'MemberList', {});
      assert.deepEqual(list.members.map((m: any) => m.name).sort(), ec.cluster.members.map((m) => m.name).sort());
      const ids = (await http('GET', `${rest(0)}/v1/cluster`)).body.members.map((m: { id: string }) => m.id).sort();
      assert.deepEqual(list.members.map((m: any) => String(m.ID)).sort(), ids);
      await assert.rejects(unaryCall(cl, 'MemberPromote', { ID: list.members[0].ID }), { code: 9, details: 'etcdserver: can only promote a learner member' });
      await assert.rejects(unaryCall(cl, 'MemberRemove', { ID: '12345' }), { code: 5, details: 'etcdserver: member not found' });
      await assert.rejects(unaryCall(cl, 'MemberAdd', { peerURLs: ['http://127.0.0.1:1'] }), { code: 3, details: /give the new member's name in the peer URL/ });
      await assert.rejects(unaryCall(cl, 'MemberAdd', { peerURLs: ['http://127.0.0.1:1?name=x', 'http://127.0.0.1:2?name=x'] }), { code: 3, details: 'etcdserver: raftlock members have exactly one peer URL' });
      await assert.rejects(unaryCall(cl, 'MemberAdd', { peerURLs: [`${list.members[0].peerURLs[0]}?name=another`] }), { code: 9, details: 'etcdserver: Peer URLs already exists' });
      const st = await unaryCall(mt, 'Status', {});
      assert.equal(st.version, '3.4.0');
      assert.equal(String(st.leader), (await http('GET', `${rest(1)}/v1/cluster`)).body.leader.id);
      assert.ok(Number(st.raftAppliedIndex) > 0);
    } finally {
      cl.close();
      mt.close();
    }
  });
});

describe('v3election', () => {
  test('campaign, leader, proclaim, resign; a stale leader key is "election: not leader"', async () => {
    const el = grpcClient('v3electionpb', 'Election', ec.endpoints[2]!);
    try {
      const a = await restLease();
      const b = await restLease();
      const name = Buffer.from('boss');
      const ca = await unaryCall(el, 'Campaign', { name, lease: a.etcdId, value: Buffer.from('alice') });
      assert.equal((await unaryCall(el, 'Leader', { name })).kv.value.toString(), 'alice');
      await unaryCall(el, 'Proclaim', { leader: ca.leader, value: Buffer.from('alice v2') });
      assert.equal((await unaryCall(el, 'Leader', { name })).kv.value.toString(), 'alice v2');
      const cb = unaryCall(el, 'Campaign', { name, lease: b.etcdId, value: Buffer.from('bob') });
      await eventually('bob to campaign', async () => ((await http('GET', `${rest(0)}/v1/kv?prefix=boss/`)).body.count === 2 ? true : undefined));
      await unaryCall(el, 'Resign', { leader: ca.leader });
      const won = await cb;
      assert.ok(Number(won.leader.rev) > Number(ca.leader.rev));
      assert.equal((await unaryCall(el, 'Leader', { name })).kv.value.toString(), 'bob');
      await assert.rejects(unaryCall(el, 'Proclaim', { leader: ca.leader, value: Buffer.from('stale') }), { details: 'election: not leader' });
      await unaryCall(el, 'Resign', { leader: won.leader });
      await assert.rejects(unaryCall(el, 'Leader', { name }), { details: 'election: no leader' });
    } finally {
      el.close();
    }
  });
});

describe('bench --target etcd-grpc', () => {
  test('runs its put, get and lock workloads through the etcd API without errors', async () => {
    const bench = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/bench.js');
    const dir = mkdtempSync(join(tmpdir(), 'raftlock-etcd-bench-'));
    try {
      const out = join(dir, 'results.json');
      const args = [bench, '--target', 'etcd-grpc', '--endpoints', ec.endpoints.join(','), '--clients', '2', '--seconds', '1', '--warmup', '0', '--workloads', 'put,get,lock', '--json', out];
      await new Promise<void>((res, rej) => execFile(process.execPath, args, { timeout: 60_000 }, (err, _o, stderr) => (err ? rej(new Error(`bench failed: ${stderr}`)) : res())));
      const rows = JSON.parse(readFileSync(out, 'utf8')) as { workload: string; target: string; ops: number; errors: number }[];
      assert.deepEqual(rows.map((r) => `${r.target} ${r.workload}`), ['etcd-grpc put', 'etcd-grpc get', 'etcd-grpc lock']);
      for (const r of rows) {
        assert.ok(r.ops > 0, `${r.workload} did operations`);
        assert.equal(r.errors, 0, `${r.workload} errors`);
      }
      // what the put workload wrote is raftlock's state
      assert.equal((await http('GET', `${rest(0)}/v1/kv/bench%2F0%2F0`)).status, 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
