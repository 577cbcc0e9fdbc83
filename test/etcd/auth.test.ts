// Auth on the etcd API with the real etcdctl 3.4 and the etcd3 npm client: users and roles made
// with etcdctl are raftlock's own (the same table, tokens and permission checks as /v1), a user
// with readwrite on app/ works under app/ and is refused outside it with etcd's errors, and the
// operator's methods (membership, snapshot, user admin) are root's. Then Maintenance.Snapshot
// (root only: a user's request gets no byte of it) restored with raftlockctl into a new
// cluster, and Cluster.MemberAdd with the member's name in its peer URL.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3, EtcdPermissionDeniedError } from 'etcd3';
import { runCtl } from '../helpers/run-ctl.js';
import { eventually, freePort, http, spawnDaemon, type ProcMember } from '../helpers/process-cluster.js';
import { Background, etcdctl, grpcClient, ok, startEtcdCluster, unaryCall, watchStream, withToken, type EtcdCluster } from './support.js';

let ec: EtcdCluster;
let dir: string;
const bg: Background[] = [];
const extra: ProcMember[] = [];
const all = (): string => ec.endpoints.join(',');
const rest = (i: number): string => ec.cluster.members[i]!.url;
const ROOT = ['--user', 'root:root-pw'];
const ALICE = ['--user', 'alice:alice-pw'];
const background = (endpoints: string, args: string[]): Background => {
  const b = new Background(endpoints, args);
  bg.push(b);
  return b;
};
/** etcdctl that must fail; returns its stderr. */
const refused = async (endpoints: string, args: string[], input?: string): Promise<string> => {
  const r = await etcdctl(endpoints, args, input);
  assert.notEqual(r.code, 0, `etcdctl ${args.join(' ')} succeeded: ${r.stdout}`);
  return r.stderr;
};
const authenticate = async (name: string, password: string): Promise<string> => {
  const a = grpcClient('etcdserverpb', 'Auth', ec.endpoints[0]!);
  try {
    return (await unaryCall(a, 'Authenticate', { name, password })).token as string;
  } finally {
    a.close();
  }
};
const stopProc = async (m: ProcMember): Promise<void> => {
  const p = m.proc;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((res) => p.once('exit', () => res()));
  p.kill('SIGKILL');
  await exited;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-etcd-auth-'));
  ec = await startEtcdCluster();
});
after(async () => {
  await Promise.all(bg.map((b) => b.stop('SIGKILL')));
  await Promise.all(extra.map(stopProc));
  await ec?.cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth set up with etcdctl', { timeout: 120_000 }, () => {
  test('users, roles, a prefix permission and auth enable, as etcd does them', async () => {
    assert.equal((await ok(all(), ['user', 'add', 'root:root-pw'])).trim(), 'User root created');
    assert.match(await refused(all(), ['auth', 'enable']), /etcdserver: root user does not exist/);
    assert.equal((await ok(all(), ['user', 'grant-role', 'root', 'root'])).trim(), 'Role root is granted to user root');
    assert.equal((await ok(all(), ['role', 'add', 'app'])).trim(), 'Role app created');
    assert.equal((await ok(all(), ['role', 'grant-permission', 'app', '--prefix', 'readwrite', 'app/'])).trim(), 'Role app updated');
    await ok(all(), ['user', 'add', 'alice:alice-pw']);
    await ok(all(), ['user', 'grant-role', 'alice', 'app']);
    // raftlock grants on prefixes: one key is refused, not widened to a prefix
    assert.match(await refused(all(), ['role', 'grant-permission', 'app', 'readwrite', 'single-key']), /raftlock grants permissions on key prefixes/);
    assert.equal(await ok(all(), ['role', 'get', 'app']), 'Role app\nKV Read:\n\t[app/, app0) (prefix app/)\nKV Write:\n\t[app/, app0) (prefix app/)\n');
    // the same table as /v1/auth (auth is still off: anyone may read it)
    const roles = await http('GET', `${rest(1)}/v1/auth/roles/app`);
    assert.deepEqual(roles.body.permissions, [{ prefix: 'app/', access: 'readwrite' }]);
    // a Watch stream opened while auth is off
    const early = watchStream(ec.endpoints[0]!);
    early.write({ create_request: { key: Buffer.from('pre-auth') } });
    await early.until('the watch made before auth', (r) => r.created && !r.canceled);
    // and a LeaseKeepAlive stream
    const leases = grpcClient('etcdserverpb', 'Lease', ec.endpoints[1]!);
    const ka = leases['LeaseKeepAlive']!();
    const kaAnswers: any[] = [];
    const kaError = new Promise<any>((res) => ka.on('error', res));
    ka.on('data', (r: any) => kaAnswers.push(r));
    ka.write({ ID: '12345' });
    await eventually('a keep-alive answer before auth', async () => (kaAnswers.length === 1 ? true : undefined));
    assert.equal(Number(kaAnswers[0].TTL), 0, 'an unknown lease renews to 0, as in etcd');
    assert.equal((await ok(all(), ['auth', 'enable'])).trim(), 'Authentication Enabled');
    ka.write({ ID: '12345' });
    assert.equal((await kaError).details, 'etcdserver: user name is empty');
    assert.equal(kaAnswers.length, 1);
    leases.close();
    // creates nothing more once auth is on: every create is authenticated again, as on /v1
    early.write({ create_request: { key: Buffer.from('app/after') } });
    const refusedCreate = await early.until('the refused create', (r) => r.canceled);
    assert.equal(refusedCreate.cancel_reason, 'etcdserver: user name is empty');
    early.close();
    assert.equal((await http('GET', `${rest(2)}/v1/auth/status`, undefined, { authorization: `Bearer ${await authenticate('root', 'root-pw')}` })).body.enabled, true);
    assert.match(await refused(all(), ['get', 'x']), /etcdserver: user name is empty/);
    assert.match(await refused(all(), ['--user', 'alice:wrong', 'get', 'app/x']), /etcdserver: authentication failed, invalid user ID or password/);
  });
});

describe('a user with readwrite on app/', { timeout: 120_000 }, () => {
  test('puts and gets under app/ on every member; permission denied outside; the same tokens as /v1', async () => {
    assert.equal((await ok(ec.endpoints[1]!, [...ALICE, 'put', 'app/a', 'one'])).trim(), 'OK');
    assert.equal(await ok(ec.endpoints[2]!, [...ALICE, 'get', 'app/a', '--print-value-only']), 'one\n');
    assert.equal(await ok(all(), [...ALICE, 'get', 'app/', '--prefix', '--keys-only']), 'app/a\n\n');
    for (const args of [['put', 'other', 'x'], ['get', 'other'], ['del', 'app', '--prefix'], ['get', '', '--prefix'], ['compaction', '1'], ['txn', '-i']]) {
      assert.match(await refused(all(), [...ALICE, ...args], 'value("app/a") = "one"\n\nput other x\n\n\n'), /etcdserver: permission denied/, args.join(' '));
    }
    // A token from the etcd API is a /v1 bearer token of the same user, and the other way round.
    const token = await authenticate('alice', 'alice-pw');
    const got = await http('GET', `${rest(0)}/v1/kv/app/a`, undefined, { authorization: `Bearer ${token}` });
    assert.equal(got.status, 200);
    assert.equal(got.body.value, 'one');
    assert.equal((await http('GET', `${rest(0)}/v1/kv/other`, undefined, { authorization: `Bearer ${token}` })).status, 403);
    const restToken = (await http('POST', `${rest(1)}/v1/auth/authenticate`, { name: 'alice', password: 'alice-pw' })).body.token as string;
    const kv = grpcClient('etcdserverpb', 'KV', ec.endpoints[2]!);
    try {
      const r = await unaryCall(kv, 'Range', { key: Buffer.from('app/a') }, {}, withToken(restToken));
      assert.equal(r.kvs[0].value.toString(), 'one');
      assert.equal(Number(r.kvs[0].mod_revision), got.body.modRevision);
      await assert.rejects(unaryCall(kv, 'Range', { key: Buffer.from('other') }, {}, withToken(restToken)), { code: 7, details: 'etcdserver: permission denied' });
      await assert.rejects(unaryCall(kv, 'Range', { key: Buffer.from('app/a') }), { code: 3, details: 'etcdserver: user name is empty' });
      await assert.rejects(unaryCall(kv, 'Range', { key: Buffer.from('app/a') }, {}, withToken('forged.token')), { code: 16, details: 'etcdserver: invalid auth token' });
    } finally {
      kv.close();
    }
  });

  test('locks under app/ with etcdctl lock and v3lock (the /v1 lock, same fencing token); refused outside', async () => {
    assert.equal((await ok(all(), [...ALICE, 'lock', 'app/job', 'echo', 'held'])).trim(), 'held');
    assert.match(await refused(all(), [...ALICE, 'lock', 'other-job', 'echo', 'held']), /etcdserver: permission denied/);
    // elections too: etcdctl elect campaigns under app/, and is refused elsewhere
    const el = background(ec.endpoints[0]!, [...ALICE, 'elect', 'app/leader', 'p1']);
    await el.waitFor(/app\/leader\/[0-9a-f]+\np1\n/);
    assert.match(await refused(all(), [...ALICE, 'elect', 'leader', 'p2']), /etcdserver: permission denied/);
    await el.stop();

    const token = await authenticate('alice', 'alice-pw');
    const lease = grpcClient('etcdserverpb', 'Lease', ec.endpoints[0]!);
    const lock = grpcClient('v3lockpb', 'Lock', ec.endpoints[1]!);
    try {
      const l = await unaryCall(lease, 'LeaseGrant', { TTL: 30 }, {}, withToken(token));
      const held = await unaryCall(lock, 'Lock', { name: Buffer.from('app/nightly'), lease: l.ID }, {}, withToken(token));
      const seen = await http('GET', `${rest(2)}/v1/locks/app/nightly`, undefined, { authorization: `Bearer ${token}` });
      assert.equal(seen.status, 200);
      assert.equal(seen.body.holder.fencingToken, Number(held.header.revision));
      await assert.rejects(unaryCall(lock, 'Lock', { name: Buffer.from('nightly'), lease: l.ID }, {}, withToken(token)), { code: 7, details: 'etcdserver: permission denied' });
      await unaryCall(lock, 'Unlock', { key: held.key }, {}, withToken(token));
      // released: alice takes it over REST at once, with a later fencing token
      const auth = { authorization: `Bearer ${token}` };
      const other = await http('POST', `${rest(0)}/v1/leases`, { ttl: 30 }, auth);
      const next = await http('POST', `${rest(0)}/v1/locks/app/nightly`, { lease: other.body.id, waitMs: 0 }, auth);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      assert.ok(next.body.fencingToken > Number(held.header.revision));
      await unaryCall(lease, 'LeaseRevoke', { ID: l.ID }, {}, withToken(token));
      assert.equal((await http('DELETE', `${rest(0)}/v1/leases/${other.body.id}`, undefined, auth)).status, 200);
    } finally {
      lease.close();
      lock.close();
    }
  });

  test('watches under app/; a watch outside is canceled with permission denied', async () => {
    const w = background(ec.endpoints[0]!, [...ALICE, 'watch', 'app/', '--prefix']);
    const denied = background(ec.endpoints[1]!, [...ALICE, 'watch', 'secret/', '--prefix']);
    await eventually('the watch to see a put', async () => {
      await ok(ec.endpoints[2]!, [...ALICE, 'put', 'app/ping', 'x']);
      return /PUT\napp\/ping\nx\n/.test(w.out) ? true : undefined;
    }, 20_000, 300);
    await denied.waitFor(/watch was canceled \(etcdserver: permission denied\)/);
    await w.stop();
  });

  test('the operator\'s methods are root\'s: membership, snapshot, users and roles, auth disable', async () => {
    const file = join(dir, 'by-alice.db');
    assert.match(await refused(ec.endpoints[0]!, [...ALICE, 'snapshot', 'save', file]), /etcdserver: permission denied/);
    assert.match(await refused(ec.endpoints[0]!, ['snapshot', 'save', file]), /etcdserver: user name is empty/);
    assert.ok(!existsSync(file), 'no backup file for a non-root caller');
    if (existsSync(`${file}.part`)) assert.equal(statSync(`${file}.part`).size, 0, 'no byte of the backup reached a non-root caller');
    for (const args of [['user', 'list'], ['role', 'list'], ['user', 'add', 'mallory:pw'], ['user', 'grant-role', 'alice', 'root'], ['role', 'grant-permission', 'app', '--prefix', 'readwrite', ''], ['auth', 'disable'], ['member', 'remove', '1234'], ['member', 'add', 'x', '--peer-urls=http://127.0.0.1:1?name=x'], ['defrag']]) {
      assert.match(await refused(all(), [...ALICE, ...args]), /etcdserver: permission denied/, args.join(' '));
    }
    // what any user may see: the member list and the status, as GET /v1/members and /v1/cluster
    assert.equal((await ok(all(), [...ALICE, 'member', 'list'])).trim().split('\n').length, 3);
    assert.match(await ok(ec.endpoints[0]!, [...ALICE, 'endpoint', 'status']), /3\.4\.0/);
    // etcdctl's health check reads the key "health"; a denied read still means healthy, as on etcd
    const h = await etcdctl(ec.endpoints[0]!, [...ALICE, 'endpoint', 'health']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stderr, /is healthy/);
    // root may
    assert.deepEqual((await ok(all(), [...ROOT, 'user', 'list'])).trim().split('\n'), ['alice', 'root']);
    assert.equal((await ok(all(), [...ROOT, 'user', 'get', 'alice'])).trim(), 'User: alice\nRoles: app');
    assert.equal((await ok(all(), [...ROOT, 'put', 'other', 'by-root'])).trim(), 'OK');
  });

  test('failed authentications are limited per user name, as on /v1', async () => {
    await ok(all(), [...ROOT, 'user', 'add', 'bob:bob-pw']);
    const a = grpcClient('etcdserverpb', 'Auth', ec.endpoints[1]!);
    try {
      for (let i = 0; i < 5; i++) {
        await assert.rejects(unaryCall(a, 'Authenticate', { name: 'bob', password: `guess-${i}` }), { code: 3, details: 'etcdserver: authentication failed, invalid user ID or password' });
      }
      // now even the right password waits out the window
      await assert.rejects(unaryCall(a, 'Authenticate', { name: 'bob', password: 'bob-pw' }), { code: 8, details: 'etcdserver: too many requests' });
      // other users are not held up
      assert.ok((await unaryCall(a, 'Authenticate', { name: 'alice', password: 'alice-pw' })).token);
    } finally {
      a.close();
    }
    await ok(all(), [...ROOT, 'user', 'delete', 'bob']);
  });

  test('a password change ends the old tokens (clients are told "invalid auth token")', async () => {
    const old = await authenticate('alice', 'alice-pw');
    const kv = grpcClient('etcdserverpb', 'KV', ec.endpoints[1]!);
    const w = watchStream(ec.endpoints[1]!, withToken(old));
    try {
      await unaryCall(kv, 'Range', { key: Buffer.from('app/a') }, {}, withToken(old));
      w.write({ create_request: { key: Buffer.from('app/w1') } });
      await w.until('a watch with the old token', (r) => r.created && !r.canceled);
      assert.match(await ok(all(), [...ROOT, 'user', 'passwd', 'alice', '--interactive=false'], 'alice-pw2\n'), /Password updated/);
      await eventually('a watch create with the old token to be refused', async () => {
        w.write({ create_request: { key: Buffer.from('app/w2') } });
        return (await w.until('an answer to the create', (r) => r.canceled || Number(r.watch_id) > 0)).cancel_reason === 'etcdserver: invalid auth token' ? true : undefined;
      });
      await eventually('the old token to be refused', async () => {
        try {
          await unaryCall(kv, 'Range', { key: Buffer.from('app/a') }, {}, withToken(old));
          return undefined;
        } catch (err) {
          return (err as { details?: string }).details === 'etcdserver: invalid auth token' ? true : undefined;
        }
      });
      assert.equal(await ok(all(), ['--user', 'alice:alice-pw2', 'get', 'app/a', '--print-value-only']), 'one\n');
      await ok(all(), [...ROOT, 'user', 'passwd', 'alice', '--interactive=false'], 'alice-pw\n');
    } finally {
      w.close();
      kv.close();
    }
  });
});

describe('the etcd3 npm client with its auth option', { timeout: 60_000 }, () => {
  test('puts, gets, leases, locks and watches under app/; permission denied outside', async () => {
    const etcd = new Etcd3({ hosts: ec.endpoints.map((e) => `http://${e}`), auth: { username: 'alice', password: 'alice-pw' } });
    try {
      await etcd.put('app/e3').value('v');
      assert.equal(await etcd.get('app/e3').string(), 'v');
      // A role change ends alice's token: the client is told "invalid auth token" and
      // authenticates again by itself.
      await ok(all(), [...ROOT, 'role', 'add', 'extra']);
      await ok(all(), [...ROOT, 'user', 'grant-role', 'alice', 'extra']);
      assert.equal(await etcd.get('app/e3').string(), 'v');
      await assert.rejects(etcd.get('other').string(), EtcdPermissionDeniedError);
      await assert.rejects(etcd.put('other').value('x').exec(), EtcdPermissionDeniedError);
      const w = await etcd.watch().prefix('app/w/').create();
      const seen = new Promise<string>((res) => w.on('put', (kv) => res(kv.value.toString())));
      const lease = etcd.lease(10);
      await lease.put('app/w/leased').value('with-lease');
      assert.equal(await seen, 'with-lease');
      await w.cancel();
      const order: string[] = [];
      await etcd.lock('app/e3-lock').do(async () => order.push('held'));
      assert.deepEqual(order, ['held']);
      await lease.revoke();
      assert.equal(await etcd.get('app/w/leased').string(), null);
    } finally {
      etcd.close();
    }
  });
});

describe('Maintenance.Snapshot', { timeout: 120_000 }, () => {
  test('etcdctl snapshot save as root; raftlockctl verifies and restores it into a new cluster that serves it over the etcd API', async () => {
    await ok(all(), [...ROOT, 'put', 'app/backed-up', 'yes']);
    const revision = JSON.parse(await ok(all(), [...ROOT, 'get', 'app/backed-up', '-w', 'json'])).header.revision as number;
    const file = join(dir, 'backup.db');
    const save = await etcdctl(ec.endpoints[2]!, [...ROOT, 'snapshot', 'save', file]);
    assert.equal(save.code, 0, save.stderr);
    assert.match(save.stdout, /Snapshot saved at/);
    assert.equal(statSync(file).size % 512, 32, 'the size etcdctl checks for');

    const status = await runCtl(['-o', 'json', 'snapshot', 'status', file]);
    assert.equal(status.code, 0, status.stderr);
    assert.ok((JSON.parse(status.stdout) as { revision: number }).revision >= revision);

    const m: ProcMember = { name: 'r1', clientPort: await freePort(), peerPort: await freePort(), dataDir: join(dir, 'r1'), url: '', proc: null, output: [] };
    const etcdPort = await freePort();
    const initial = `r1=http://127.0.0.1:${m.peerPort}|http://127.0.0.1:${m.clientPort}`;
    const restore = await runCtl(['snapshot', 'restore', file, '--name', 'r1', '--data-dir', m.dataDir, '--initial-cluster', initial, '--initial-cluster-token', 'restored']);
    assert.equal(restore.code, 0, restore.stderr);
    m.proc = spawnDaemon(m, initial, ['--cluster-token', 'restored', '--listen-etcd', `127.0.0.1:${etcdPort}`], m.output, 200);
    extra.push(m);
    const ep = `127.0.0.1:${etcdPort}`;
    // The users came along: alice reads her key there with her password.
    const got = await eventually('the restored member to serve', async () => {
      const r = await etcdctl(ep, [...ALICE, 'get', 'app/backed-up', '--print-value-only']);
      return r.code === 0 ? r.stdout : undefined;
    }, 30_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${m.output.join('')}`);
    });
    assert.equal(got, 'yes\n');
    assert.match(await refused(ep, [...ALICE, 'get', 'other']), /permission denied/);
    await stopProc(m);
  });
});

describe('Cluster.MemberAdd', { timeout: 150_000 }, () => {
  test('etcdctl member add with the name in the peer URL; the learner joins, is promoted and removed', async () => {
    assert.match(await refused(all(), [...ROOT, 'member', 'add', 'm4', '--peer-urls=http://127.0.0.1:1']), /raftlock derives a member's id from its name; give the new member's name in the peer URL/);
    const m4 = await ec.cluster.addMember('m4');
    const etcdPort = await freePort();
    const peer = `http://127.0.0.1:${m4.peerPort}`;
    const add = await ok(all(), [...ROOT, 'member', 'add', 'm4', '--learner', `--peer-urls=${peer}?name=m4&client=${m4.url}`]);
    const id = /Member +([0-9a-f]+) added to cluster/.exec(add)?.[1];
    assert.ok(id, add);
    const token = (await http('POST', `${rest(0)}/v1/auth/authenticate`, { name: 'root', password: 'root-pw' })).body.token as string;
    const view = await http('GET', `${rest(1)}/v1/cluster`, undefined, { authorization: `Bearer ${token}` });
    const rec = view.body.members.find((m: { name: string }) => m.name === 'm4');
    assert.deepEqual([BigInt(rec.id).toString(16), rec.role, rec.peerUrl, rec.clientUrl], [id, 'learner', peer, m4.url]);
    assert.match(await refused(all(), [...ROOT, 'member', 'add', 'm4', `--peer-urls=${peer}?name=m4`]), /etcdserver: member ID already exist/);

    ec.cluster.spawn(m4, ['--join', '--listen-etcd', `127.0.0.1:${etcdPort}`]);
    await eventually('the learner to catch up', async () => {
      const r = await etcdctl(`127.0.0.1:${etcdPort}`, [...ROOT, 'get', 'app/a', '--print-value-only', '--consistency=s']);
      return r.code === 0 && r.stdout === 'one\n' ? true : undefined;
    }, 60_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}\n${ec.cluster.logs(m4)}`);
    });
    await eventually('the promotion', async () => {
      const r = await etcdctl(all(), [...ROOT, 'member', 'promote', id]);
      return r.code === 0 ? true : undefined;
    }, 30_000, 500);
    const list = await ok(all(), [...ROOT, 'member', 'list']);
    assert.equal(list.trim().split('\n').length, 4);
    assert.ok(list.split('\n').every((l) => !l.endsWith(', true')), list);
    assert.match(await ok(all(), [...ROOT, 'member', 'remove', id]), /removed from cluster/);
    await ec.cluster.kill(m4);
    assert.equal((await ok(all(), [...ROOT, 'member', 'list'])).trim().split('\n').length, 3);
  });
});

describe('revokes and deletes', { timeout: 60_000 }, () => {
  test('role revoke-permission, user revoke-role, role and user delete, with etcd\'s answers', async () => {
    await ok(all(), [...ROOT, 'role', 'add', 'tmp']);
    assert.match(await refused(all(), [...ROOT, 'role', 'add', 'tmp']), /etcdserver: role name already exists/);
    await ok(all(), [...ROOT, 'role', 'grant-permission', 'tmp', '--prefix', 'read', 'tmp/']);
    assert.match(await ok(all(), [...ROOT, 'role', 'revoke-permission', 'tmp', '--prefix', 'tmp/']), /revoked from role tmp/);
    assert.match(await refused(all(), [...ROOT, 'role', 'revoke-permission', 'tmp', '--prefix', 'tmp/']), /etcdserver: permission is not granted to the role/);
    assert.match(await ok(all(), [...ROOT, 'user', 'revoke-role', 'alice', 'extra']), /Role extra is revoked from user alice/);
    assert.match(await refused(all(), [...ROOT, 'user', 'revoke-role', 'alice', 'extra']), /etcdserver: role is not granted to the user/);
    assert.match(await ok(all(), [...ROOT, 'role', 'delete', 'tmp']), /Role tmp deleted/);
    assert.match(await refused(all(), [...ROOT, 'role', 'get', 'tmp']), /etcdserver: role name not found/);
    assert.match(await refused(all(), [...ROOT, 'user', 'get', 'nobody']), /etcdserver: user name not found/);
    assert.match(await refused(all(), [...ROOT, 'user', 'add', 'alice:x']), /etcdserver: user name already exists/);
    // no locking everyone out: the last root keeps its role while auth is on
    assert.match(await refused(all(), [...ROOT, 'user', 'revoke-role', 'root', 'root']), /etcdserver: invalid auth management/);
    assert.match(await refused(all(), [...ROOT, 'role', 'delete', 'root']), /etcdserver: invalid auth management/);
  });
});

describe('auth disable', { timeout: 60_000 }, () => {
  test('root turns auth off with etcdctl; requests need no user again, and --user is still accepted', async () => {
    assert.equal((await ok(all(), [...ROOT, 'auth', 'disable'])).trim(), 'Authentication Disabled');
    assert.equal(await ok(all(), ['get', 'other', '--print-value-only']), 'by-root\n');
    assert.equal(await ok(all(), [...ALICE, 'get', 'other', '--print-value-only']), 'by-root\n');
  });
});
