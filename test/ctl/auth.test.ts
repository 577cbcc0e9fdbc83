// raftlockctl against a TLS cluster with auth: --cacert/--cert/--key (and their environment
// variables) reach https members; `user`, `role` and `auth` set up users and permissions; --user
// name:password (or RAFTLOCK_USER + RAFTLOCK_PASSWORD) authenticates; refusals exit 9.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../helpers/certs.js';
import { ProcessCluster, eventually, type ProcMember } from '../helpers/process-cluster.js';

const CTL = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/raftlockctl.js');

let dir: string;
let clientCa: TestCa;
let user: TestLeaf;
let cluster: ProcessCluster;

function ctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const k of ['RAFTLOCK_ENDPOINTS', 'RAFTLOCK_USER', 'RAFTLOCK_PASSWORD', 'RAFTLOCK_CACERT', 'RAFTLOCK_CERT', 'RAFTLOCK_KEY']) if (!(k in env)) delete e[k];
    const p = spawn(process.execPath, [CTL, '--endpoints', cluster.members.map((m) => m.url).join(','), ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const tlsFlags = (): string[] => ['--cacert', clientCa.cert, '--cert', user.cert, '--key', user.key];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-ctl-auth-'));
  const peerCa = makeCa(dir, 'peer-ca');
  clientCa = makeCa(dir, 'client-ca');
  user = makeLeaf(clientCa, 'ctl-user');
  const args = new Map<string, string[]>();
  for (const n of ['m1', 'm2', 'm3']) {
    const p = makeLeaf(peerCa, n);
    const s = makeLeaf(clientCa, n, { file: `${n}-server` });
    args.set(n, ['--peer-cert', p.cert, '--peer-key', p.key, '--peer-ca', peerCa.cert, '--client-cert', s.cert, '--client-key', s.key, '--client-ca', clientCa.cert]);
  }
  cluster = await ProcessCluster.start({ size: 3, peerScheme: 'https', clientScheme: 'https', memberArgs: (m: ProcMember) => args.get(m.name)! });
  await eventually('the cluster answers over TLS', async () => ((await ctl([...tlsFlags(), 'endpoint', 'health'])).code === 0 ? true : undefined), 30_000);
});
after(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('raftlockctl with TLS and auth', { timeout: 120_000 }, () => {
  test('without --cacert/--cert the TLS cluster is unreachable; with them (flags or env) it answers', async () => {
    assert.equal((await ctl(['get', 'x', '--timeout', '1000'])).code, 5);
    const viaEnv = await ctl(['put', 'tls/env', 'ok'], { RAFTLOCK_CACERT: clientCa.cert, RAFTLOCK_CERT: user.cert, RAFTLOCK_KEY: user.key });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    const missing = await ctl(['--cacert', join(dir, 'nope.crt'), 'get', 'x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--cacert .*nope\.crt: cannot be read/);
  });

  test('user, role and auth commands set up permissions; --user acts within them; refusals exit 9', async () => {
    for (const args of [
      ['user', 'add', 'root', 'root-pw'],
      ['user', 'grant-role', 'root', 'root'],
      ['user', 'add', 'app', 'app-pw'],
      ['role', 'add', 'app-rw'],
      ['role', 'grant-permission', 'app-rw', 'readwrite', 'app/'],
      ['user', 'grant-role', 'app', 'app-rw'],
      ['auth', 'enable'],
    ]) {
      const r = await ctl([...tlsFlags(), ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^OK /);
    }
    assert.equal((await ctl([...tlsFlags(), 'get', 'tls/env'])).code, 9, 'no user: refused');
    const put = await ctl([...tlsFlags(), '--user', 'app:app-pw', 'put', 'app/x', '1']);
    assert.equal(put.code, 0, put.stderr);
    const outside = await ctl([...tlsFlags(), '--user', 'app:app-pw', 'put', 'other/x', '1']);
    assert.equal(outside.code, 9);
    assert.match(outside.stderr, /PERMISSION_DENIED/);
    const wrong = await ctl([...tlsFlags(), '--user', 'app:nope', 'get', 'app/x']);
    assert.equal(wrong.code, 9);
    assert.match(wrong.stderr, /AUTH_FAILED/);
    const viaEnv = await ctl([...tlsFlags(), 'get', 'app/x'], { RAFTLOCK_USER: 'app', RAFTLOCK_PASSWORD: 'app-pw' });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /app\/x\s+1/);

    const users = await ctl([...tlsFlags(), '--user', 'root:root-pw', 'user', 'list']);
    assert.equal(users.code, 0, users.stderr);
    assert.match(users.stdout, /app\s+app-rw/);
    assert.match(users.stdout, /root\s+root/);
    const roles = await ctl([...tlsFlags(), '--user', 'root:root-pw', 'role', 'list']);
    assert.match(roles.stdout, /app-rw\s+app\/\s+readwrite/);
    assert.equal((await ctl([...tlsFlags(), '--user', 'app:app-pw', 'user', 'list'])).code, 9, 'not root');
    const status = await ctl([...tlsFlags(), '--user', 'app:app-pw', 'auth', 'status']);
    assert.match(status.stdout, /auth enabled, authenticated as app/);

    assert.equal((await ctl([...tlsFlags(), '--user', 'root:root-pw', 'role', 'revoke-permission', 'app-rw', 'app/'])).code, 0);
    assert.equal((await ctl([...tlsFlags(), '--user', 'app:app-pw', 'get', 'app/x'])).code, 9, 'the permission is gone');
    assert.equal((await ctl([...tlsFlags(), '--user', 'root:root-pw', 'user', 'passwd', 'app', 'new-pw'])).code, 0);
    assert.equal((await ctl([...tlsFlags(), '--user', 'app:app-pw', 'auth', 'status'])).code, 9, 'old password refused');
    assert.equal((await ctl([...tlsFlags(), '--user', 'root:root-pw', 'user', 'delete', 'app'])).code, 0);
    assert.equal((await ctl([...tlsFlags(), '--user', 'root:root-pw', 'auth', 'disable'])).code, 0);
    assert.equal((await ctl([...tlsFlags(), 'get', 'app/x'])).code, 0, 'auth off: open again');
  });
});
