// The SDK against a cluster with TLS on both ports and auth on: `tls: {ca, cert, key}` and
// `auth: {name, password}` carry every request, lock and watch socket; the token is renewed
// before it expires (short TTL here) without a failed call; a token the cluster ended (password
// changed) is replaced at once, or the call fails with AUTH_FAILED when the password is wrong.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { Client, RaftlockError } from '../../src/client/index.js';
import { authSetupSteps } from '../helpers/auth-setup.js';
import { makeCa, makeLeaf, type TestCa } from '../helpers/certs.js';
import { ProcessCluster, eventually, type ProcMember } from '../helpers/process-cluster.js';

let dir: string;
let clientCa: TestCa;
let cluster: ProcessCluster;
let tls: { ca: Buffer; cert: Buffer; key: Buffer };
let urls: string[];

async function rootCall(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const agent = new Agent({ connect: tls });
  try {
    const r = await request(`${urls[0]}${path}`, {
      method: method as 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.body.text();
    return { status: r.statusCode, body: text ? JSON.parse(text) : null };
  } finally {
    await agent.close();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-sdk-tls-'));
  const peerCa = makeCa(dir, 'peer-ca');
  clientCa = makeCa(dir, 'client-ca');
  const user = makeLeaf(clientCa, 'sdk-user');
  tls = { ca: readFileSync(clientCa.cert), cert: readFileSync(user.cert), key: readFileSync(user.key) };
  const certs = new Map<string, string[]>();
  for (const n of ['m1', 'm2', 'm3']) {
    const p = makeLeaf(peerCa, n);
    const s = makeLeaf(clientCa, n, { file: `${n}-server` });
    certs.set(n, ['--peer-cert', p.cert, '--peer-key', p.key, '--peer-ca', peerCa.cert, '--client-cert', s.cert, '--client-key', s.key, '--client-ca', clientCa.cert]);
  }
  cluster = await ProcessCluster.start({
    size: 3,
    peerScheme: 'https',
    clientScheme: 'https',
    memberArgs: (m: ProcMember) => certs.get(m.name)!,
    extraArgs: ['--auth-token-ttl-seconds', '2'],
  });
  urls = cluster.members.map((m) => m.url);
  await eventually('a leader', async () => ((await rootCall('GET', '/v1/cluster')).body?.leader ? true : undefined), 30_000);
  for (const [m, p, b] of authSetupSteps({ rootPassword: 'root-pw', user: 'svc', password: 'svc-pw', role: 'svc', prefixes: ['svc/'] })) {
    const r = await rootCall(m, p, b);
    assert.equal(r.status, 200, `${p}: ${JSON.stringify(r.body)}`);
  }
});
after(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('SDK with TLS and auth', { timeout: 90_000 }, () => {
  it('puts, reads, locks and watches over https/wss as its user; 403 outside its prefix', async () => {
    const c = new Client({ endpoints: urls, tls, auth: { name: 'svc', password: 'svc-pw' } });
    try {
      const w = c.watch('svc/', { prefix: true });
      await w.ready;
      const put = await c.put('svc/a', '1');
      assert.ok(put.revision > 0);
      assert.equal((await c.get('svc/a'))?.value, '1');
      const token = await c.withLock('svc/job', async ({ fencingToken }) => fencingToken, { ttl: 5 });
      assert.ok(token > 0);
      await assert.rejects(c.put('other/a', 'x'), (e: unknown) => e instanceof RaftlockError && e.code === 'PERMISSION_DENIED');
      for await (const batch of w) {
        assert.equal(batch.events[0]!.kv.key, 'svc/a');
        break;
      }
      w.close();
    } finally {
      await c.close();
    }
  });

  it('renews its token before it expires (2 s here): calls keep succeeding across many lifetimes', async () => {
    const c = new Client({ endpoints: urls, tls, auth: { name: 'svc', password: 'svc-pw' } });
    const transport = (c as unknown as { transport: { tokens: { peek(): string | undefined } } }).transport;
    try {
      await c.put('svc/renew', '0');
      const first = transport.tokens.peek();
      const seen = new Set([first]);
      let i = 0;
      await eventually('three token renewals', async () => {
        await c.put('svc/renew', String(++i));
        seen.add(transport.tokens.peek());
        return seen.size >= 4 ? true : undefined;
      }, 20_000, 100);
      assert.ok(i > 10, `${i} puts across the renewals, none failed`);
    } finally {
      await c.close();
    }
  });

  it('a token the cluster ended is replaced at once; a wrong password is AUTH_FAILED', async () => {
    const c = new Client({ endpoints: urls, tls, auth: { name: 'svc', password: 'svc-pw' } });
    try {
      await c.put('svc/b', '1');
      const root = (await rootCall('POST', '/v1/auth/authenticate', { name: 'root', password: 'root-pw' })).body.token;
      // Reset the password to the same one: every token of svc ends, the password still works.
      assert.equal((await rootCall('POST', '/v1/auth/users/svc/password', { password: 'svc-pw' }, root)).status, 200);
      assert.equal((await c.put('svc/b', '2')).revision > 0, true, 'the put went through with a fresh token');
      const wrong = new Client({ endpoints: urls, tls, auth: { name: 'svc', password: 'nope' } });
      try {
        await assert.rejects(wrong.get('svc/b'), (e: unknown) => e instanceof RaftlockError && e.code === 'AUTH_FAILED');
      } finally {
        await wrong.close();
      }
    } finally {
      await c.close();
    }
  });
});
