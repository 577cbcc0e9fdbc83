// Auth across real members: rules set through one member hold on every member at the same
// revision; a user with readwrite on app/ puts, reads, locks and watches under app/ through any
// member and gets 403 outside it; a token from one member works on all and stops working on all
// when its user's password changes.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { authSetupSteps } from '../helpers/auth-setup.js';
import { ProcessCluster, eventually, http, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';

let cluster: ProcessCluster;
let leader: ProcMember;
let appToken: string;

const auth = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

before(async () => {
  cluster = await ProcessCluster.start({ size: 3 });
  leader = await waitForLeader(cluster);
  const u = leader.url;
  for (const [m, p, b] of authSetupSteps({ rootPassword: 'root-pw', user: 'app', password: 'app-pw', role: 'app-rw', prefixes: ['app/'] })) {
    const r = await http(m, `${u}${p}`, b);
    assert.equal(r.status, 200, `${m} ${p}: ${JSON.stringify(r.body)}`);
  }
  // A token is issued by a follower; the rule set went in through the leader.
  const follower = cluster.members.find((m) => m !== leader)!;
  const t = await http('POST', `${follower.url}/v1/auth/authenticate`, { name: 'app', password: 'app-pw' });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  appToken = t.body.token;
});
after(() => cluster?.destroy());

describe('auth across members', { timeout: 90_000 }, () => {
  it('every member refuses a request without a token', async () => {
    for (const m of cluster.members) {
      const r = await http('GET', `${m.url}/v1/kv/app/x`);
      assert.equal(r.status, 401, m.name);
      assert.equal(r.body.error.code, 'UNAUTHENTICATED');
    }
  });

  it('a user with readwrite on app/ works there through any member and gets 403 outside it', async () => {
    for (const [i, m] of cluster.members.entries()) {
      const put = await http('PUT', `${m.url}/v1/kv/app/k${i}`, { value: `v${i}` }, auth(appToken));
      assert.equal(put.status, 200, `${m.name}: ${JSON.stringify(put.body)}`);
      const next = cluster.members[(i + 1) % 3]!;
      const got = await http('GET', `${next.url}/v1/kv/app/k${i}`, undefined, auth(appToken));
      assert.equal(got.body.value, `v${i}`);
      assert.equal((await http('PUT', `${m.url}/v1/kv/etc/k${i}`, { value: 'x' }, auth(appToken))).status, 403);
      assert.equal((await http('GET', `${m.url}/v1/kv?prefix=`, undefined, auth(appToken))).status, 403);
      const txn = await http('POST', `${m.url}/v1/txn`, { compare: [], success: [{ put: { key: 'etc/t', value: 'x' } }], failure: [] }, auth(appToken));
      assert.equal(txn.status, 403);
      const lock = await http('POST', `${m.url}/v1/locks/app/job${i}`, { ttl: 10, waitMs: 0 }, auth(appToken));
      assert.equal(lock.status, 200, JSON.stringify(lock.body));
      assert.equal((await http('POST', `${m.url}/v1/locks/etc/job`, { ttl: 10, waitMs: 0 }, auth(appToken))).status, 403);
    }
  });

  it('a watch with the token on the upgrade sees app/ and is refused outside it', async () => {
    const m = cluster.members.find((x) => x !== leader)!;
    const ws = new WebSocket(`${m.url.replace('http', 'ws')}/v1/watch`, { headers: auth(appToken) });
    const msgs: any[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    ws.send(JSON.stringify({ type: 'create', key: 'etc/', prefix: true, watchId: 7 }));
    ws.send(JSON.stringify({ type: 'create', key: 'app/', prefix: true, watchId: 8 }));
    await eventually('refusal and creation', async () => (msgs.some((x) => x.type === 'error' && x.watchId === 7) && msgs.some((x) => x.type === 'created' && x.watchId === 8) ? true : undefined));
    assert.equal(msgs.find((x) => x.type === 'error').code, 'PERMISSION_DENIED');
    await http('PUT', `${leader.url}/v1/kv/app/watched`, { value: 'w' }, auth(appToken));
    await eventually('the event', async () => (msgs.some((x) => x.type === 'events' && x.events[0].kv.key === 'app/watched') ? true : undefined));
    ws.close();
    const bad = new WebSocket(`${m.url.replace('http', 'ws')}/v1/watch`, { headers: auth('not-a-token') });
    const status = await new Promise<number>((res) => bad.once('unexpected-response', (_req, resp) => res(resp.statusCode ?? 0)));
    assert.equal(status, 401);
  });

  it('a password change through one member ends the token on every member', async () => {
    const root = (await http('POST', `${leader.url}/v1/auth/authenticate`, { name: 'root', password: 'root-pw' })).body.token;
    const via = cluster.members.find((m) => m !== leader)!;
    assert.equal((await http('POST', `${via.url}/v1/auth/users/app/password`, { password: 'new-pw' }, auth(root))).status, 200);
    for (const m of cluster.members) {
      // Linearizable reads check the token after their read barrier: no member lags behind here.
      const r = await http('GET', `${m.url}/v1/kv/app/k0`, undefined, auth(appToken));
      assert.equal(r.status, 401, `${m.name}: ${JSON.stringify(r.body)}`);
      const w = await http('PUT', `${m.url}/v1/kv/app/k0`, { value: 'late' }, auth(appToken));
      assert.equal(w.status, 401, `${m.name} write: ${JSON.stringify(w.body)}`);
    }
    const fresh = await http('POST', `${cluster.members[2]!.url}/v1/auth/authenticate`, { name: 'app', password: 'new-pw' });
    assert.equal(fresh.status, 200);
    assert.equal((await http('GET', `${cluster.members[0]!.url}/v1/kv/app/k0`, undefined, auth(fresh.body.token))).body.value, 'v0');
  });
});
