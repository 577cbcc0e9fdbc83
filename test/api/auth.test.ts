// Users, roles and permissions through the REST API and the watch socket, over the real state
// machine: who gets in, what each user may touch, when a token stops working, and that auth can
// not be turned on (or kept on) without a root user.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { authSetupSteps } from '../helpers/auth-setup.js';
import { startHarness, type Harness, type Response } from './harness.js';

let h: Harness;
let rootToken: string;
let appToken: string;

const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

async function as(token: string | null, method: string, path: string, body?: unknown): Promise<Response> {
  return h.request(method, path, body, token === null ? {} : bearer(token));
}

function expectError(r: Response, status: number, code: string): void {
  assert.equal(r.status, status, `${code}: ${r.text}`);
  assert.equal(r.json?.error?.code, code, r.text);
}

async function login(name: string, password: string): Promise<string> {
  const r = await h.request('POST', '/v1/auth/authenticate', { name, password });
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.json.token, 'string');
  assert.equal(r.json.ttl, 60);
  return r.json.token;
}

before(async () => {
  h = await startHarness({ authTokenTtlSeconds: 60 });
  // Set up while auth is off: anyone who reaches the port may.
  const steps = authSetupSteps({ rootPassword: 'root-pw', user: 'app', password: 'app-pw', role: 'app-rw', prefixes: ['app/'] });
  // A key outside the user's prefix, written before auth goes on (the last step).
  steps.splice(steps.length - 1, 0, ['PUT', '/v1/kv/other/secret', { value: 'top secret' }]);
  for (const [m, p, b] of steps) {
    const r = await h.request(m, p, b);
    assert.equal(r.status, 200, `${m} ${p}: ${r.text}`);
  }
  rootToken = await login('root', 'root-pw');
  appToken = await login('app', 'app-pw');
});
after(() => h.close());

describe('auth: who gets in', () => {
  it('without a token: 401 UNAUTHENTICATED, but probes stay open', async () => {
    expectError(await as(null, 'GET', '/v1/kv/app/x'), 401, 'UNAUTHENTICATED');
    expectError(await as(null, 'PUT', '/v1/kv/app/x', { value: 'v' }), 401, 'UNAUTHENTICATED');
    expectError(await as('garbage.token', 'GET', '/v1/kv/app/x'), 401, 'UNAUTHENTICATED');
    expectError(await h.request('GET', '/v1/kv/app/x', undefined, { authorization: 'Basic abc' }), 401, 'UNAUTHENTICATED');
    assert.equal((await as(null, 'GET', '/livez')).status, 200);
  });

  it('a wrong password is AUTH_FAILED, and repeated failures are rate-limited with Retry-After', async () => {
    expectError(await h.request('POST', '/v1/auth/authenticate', { name: 'app', password: 'nope' }), 401, 'AUTH_FAILED');
    expectError(await h.request('POST', '/v1/auth/authenticate', { name: 'ghost', password: 'nope' }), 401, 'AUTH_FAILED');
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) last = await h.request('POST', '/v1/auth/authenticate', { name: 'victim', password: `guess${i}` });
    expectError(last!, 429, 'TOO_MANY_REQUESTS');
    assert.ok(Number(last!.headers['retry-after']) >= 1);
  });

  it('passwords are stored as salted scrypt hashes, never in the clear', () => {
    const u = h.fake.sm.auth().user('app')!;
    assert.match(u.passwordHash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const snapshot = Buffer.from(h.fake.sm.snapshot()).toString('utf8');
    assert.ok(!snapshot.includes('app-pw') && !snapshot.includes('root-pw'));
  });
});

describe('auth: what a user may touch', () => {
  it('keys: readwrite on app/ puts and reads there and is refused elsewhere, without seeing values', async () => {
    assert.equal((await as(appToken, 'PUT', '/v1/kv/app/a', { value: '1' })).status, 200);
    assert.equal((await as(appToken, 'GET', '/v1/kv/app/a')).json.value, '1');
    expectError(await as(appToken, 'PUT', '/v1/kv/other/a', { value: 'x' }), 403, 'PERMISSION_DENIED');
    const denied = await as(appToken, 'GET', '/v1/kv/other/secret');
    expectError(denied, 403, 'PERMISSION_DENIED');
    assert.ok(!denied.text.includes('top secret'));
    expectError(await as(appToken, 'DELETE', '/v1/kv/other/secret'), 403, 'PERMISSION_DENIED');
    assert.equal((await as(rootToken, 'GET', '/v1/kv/other/secret')).json.value, 'top secret');
  });

  it('ranges and prefix deletes need the access on the whole prefix', async () => {
    assert.equal((await as(appToken, 'GET', '/v1/kv?prefix=app/')).status, 200);
    expectError(await as(appToken, 'GET', '/v1/kv?prefix=ap'), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'GET', '/v1/kv'), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'DELETE', '/v1/kv/ap?prefix=true'), 403, 'PERMISSION_DENIED');
    assert.equal((await as(appToken, 'DELETE', '/v1/kv/app/zz?prefix=true')).status, 200);
  });

  it('transactions need the access on everything they touch, compares and reads included', async () => {
    const inside = { compare: [{ key: 'app/a', target: 'version', op: '>', value: 0 }], success: [{ put: { key: 'app/b', value: '2' } }], failure: [] };
    assert.equal((await as(appToken, 'POST', '/v1/txn', inside)).status, 200);
    const readsOutside = { compare: [], success: [{ get: { key: 'other/secret' } }], failure: [] };
    const r = await as(appToken, 'POST', '/v1/txn', readsOutside);
    expectError(r, 403, 'PERMISSION_DENIED');
    assert.ok(!r.text.includes('top secret'));
    const comparesOutside = { compare: [{ key: 'other/secret', target: 'value', op: '=', value: 'top secret' }], success: [{ put: { key: 'app/c', value: 'x' } }], failure: [] };
    expectError(await as(appToken, 'POST', '/v1/txn', comparesOutside), 403, 'PERMISSION_DENIED');
    assert.equal((await as(appToken, 'GET', '/v1/kv/app/c')).status, 404, 'nothing was written');
  });

  it('locks: a lock name needs write on a prefix of it; its reserved key follows the name', async () => {
    const got = await as(appToken, 'POST', '/v1/locks/app/job', { ttl: 30, waitMs: 0 });
    assert.equal(got.status, 200, got.text);
    assert.equal((await as(appToken, 'GET', '/v1/locks/app/job')).json.holder.fencingToken, got.json.fencingToken);
    assert.equal((await as(appToken, 'GET', '/v1/kv/_raftlock/locks/app/job')).status, 200);
    expectError(await as(appToken, 'POST', '/v1/locks/other/job', { ttl: 30, waitMs: 0 }), 403, 'PERMISSION_DENIED');
    assert.equal((await as(rootToken, 'POST', '/v1/locks/other/job', { ttl: 30, waitMs: 0 })).status, 200);
    expectError(await as(appToken, 'GET', '/v1/locks/other/job'), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'GET', '/v1/kv/_raftlock/locks/other/job'), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'DELETE', '/v1/locks/other/job?fencingToken=1'), 403, 'PERMISSION_DENIED');
    const listed = await as(appToken, 'GET', '/v1/locks');
    assert.deepEqual(listed.json.locks.map((l: { name: string }) => l.name), ['app/job'], 'the listing shows only the locks the user may read');
    assert.equal((await as(appToken, 'DELETE', `/v1/locks/app/job?fencingToken=${got.json.fencingToken}`)).status, 200);
  });

  it('watches need read on what they watch; a socket authenticates on the upgrade or with a first message', async () => {
    const ws = await h.openWatch();
    ws.send({ type: 'create', key: 'app/', prefix: true, watchId: 1 });
    const refused = await ws.next((m) => m.type === 'error');
    assert.equal(refused.code, 'UNAUTHENTICATED');
    ws.send({ type: 'auth', token: appToken });
    assert.deepEqual(await ws.next((m) => m.type === 'authenticated'), { type: 'authenticated', user: 'app' });
    ws.send({ type: 'create', key: 'other/', prefix: true, watchId: 2 });
    const denied = await ws.next((m) => m.type === 'error');
    assert.equal(denied.code, 'PERMISSION_DENIED');
    assert.equal(denied.watchId, 2);
    ws.send({ type: 'create', key: 'app/', prefix: true, watchId: 1 });
    await ws.next((m) => m.type === 'created' && m.watchId === 1);
    await as(appToken, 'PUT', '/v1/kv/app/w', { value: 'seen' });
    const ev = await ws.next((m) => m.type === 'events');
    assert.equal(ev.events[0].kv.key, 'app/w');
  });

  it('auth management, compaction and membership changes need root', async () => {
    expectError(await as(appToken, 'POST', '/v1/auth/users', { name: 'x', password: 'y' }), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'GET', '/v1/auth/users'), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'POST', '/v1/compact', { revision: 1 }), 403, 'PERMISSION_DENIED');
    expectError(await as(appToken, 'POST', '/v1/auth/disable'), 403, 'PERMISSION_DENIED');
    const users = await as(rootToken, 'GET', '/v1/auth/users');
    assert.deepEqual(users.json.users, [{ name: 'app', roles: ['app-rw'] }, { name: 'root', roles: ['root'] }]);
    const roles = await as(rootToken, 'GET', '/v1/auth/roles');
    assert.deepEqual(roles.json.roles, [{ name: 'root', permissions: 'all' }, { name: 'app-rw', permissions: [{ prefix: 'app/', access: 'readwrite' }] }]);
  });

  it('no locking yourself out: the last root user keeps root while auth is on', async () => {
    expectError(await as(rootToken, 'DELETE', '/v1/auth/users/root/roles/root'), 409, 'NO_ROOT_USER');
    expectError(await as(rootToken, 'DELETE', '/v1/auth/users/root'), 409, 'NO_ROOT_USER');
  });
});

describe('auth: when a token stops working', () => {
  it('a password change, a role change or deleting the user ends its tokens; a new login works again', async () => {
    await as(rootToken, 'POST', '/v1/auth/users', { name: 'tmp', password: 'one' });
    await as(rootToken, 'POST', '/v1/auth/users/tmp/roles', { role: 'app-rw' });
    let t = await login('tmp', 'one');
    assert.equal((await as(t, 'GET', '/v1/kv/app/a')).status, 200);

    assert.equal((await as(rootToken, 'POST', '/v1/auth/users/tmp/password', { password: 'two' })).status, 200);
    expectError(await as(t, 'GET', '/v1/kv/app/a'), 401, 'UNAUTHENTICATED');
    expectError(await h.request('POST', '/v1/auth/authenticate', { name: 'tmp', password: 'one' }), 401, 'AUTH_FAILED');
    t = await login('tmp', 'two');

    assert.equal((await as(rootToken, 'DELETE', '/v1/auth/users/tmp/roles/app-rw')).status, 200);
    expectError(await as(t, 'GET', '/v1/kv/app/a'), 401, 'UNAUTHENTICATED');
    t = await login('tmp', 'two');
    expectError(await as(t, 'GET', '/v1/kv/app/a'), 403, 'PERMISSION_DENIED');

    assert.equal((await as(rootToken, 'DELETE', '/v1/auth/users/tmp')).status, 200);
    expectError(await as(t, 'GET', '/v1/kv/app/a'), 401, 'UNAUTHENTICATED');
  });

  it('a write checked at the edge is checked again at apply: a revoke that lands first wins', () => {
    const app = h.fake.sm.auth().user('app')!;
    h.fake.sm.apply({ op: 'authRoleRevokePermission', role: 'app-rw', prefix: 'app/' });
    const r = h.fake.sm.apply({ op: 'asUser', user: 'app', generation: app.generation, cmd: { op: 'put', key: 'app/late', value: 'x' } });
    assert.equal(r.result.op, 'error');
    assert.equal((r.result as { code: string }).code, 'PERMISSION_DENIED');
    h.fake.sm.apply({ op: 'authRoleGrantPermission', role: 'app-rw', prefix: 'app/', access: 'readwrite' });
    const stale = h.fake.sm.apply({ op: 'asUser', user: 'app', generation: app.generation - 1, cmd: { op: 'put', key: 'app/late', value: 'x' } });
    assert.equal((stale.result as { code: string }).code, 'UNAUTHENTICATED');
  });

  it('a token expires after its ttl', async () => {
    const short = await startHarness({ authTokenTtlSeconds: 1 });
    try {
      await short.request('POST', '/v1/auth/users', { name: 'root', password: 'pw' });
      await short.request('POST', '/v1/auth/users/root/roles', { role: 'root' });
      await short.request('POST', '/v1/auth/enable');
      const t = (await short.request('POST', '/v1/auth/authenticate', { name: 'root', password: 'pw' })).json.token;
      assert.equal((await short.request('GET', '/v1/cluster', undefined, bearer(t))).status, 200);
      // Poll until the token is refused (a condition, with a deadline), then check how.
      const deadline = Date.now() + 5000;
      let r = await short.request('GET', '/v1/cluster', undefined, bearer(t));
      while (r.status === 200 && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        r = await short.request('GET', '/v1/cluster', undefined, bearer(t));
      }
      expectError(r, 401, 'UNAUTHENTICATED');
    } finally {
      await short.close();
    }
  });

  it('auth cannot be enabled before a user holds root', async () => {
    const fresh = await startHarness();
    try {
      expectError(await fresh.request('POST', '/v1/auth/enable'), 409, 'NO_ROOT_USER');
      await fresh.request('POST', '/v1/auth/users', { name: 'someone', password: 'pw' });
      expectError(await fresh.request('POST', '/v1/auth/enable'), 409, 'NO_ROOT_USER');
    } finally {
      await fresh.close();
    }
  });
});
