// A TLS cluster of real processes: https and wss with a CA-signed client certificate; without a
// certificate, with one of another CA, or over plain HTTP nothing is read or written; the peer
// port refuses a stranger's handshake and an impostor with a stranger's certificate never joins;
// the operator listener serves probes and metrics in plain HTTP; certificates rotate on SIGHUP;
// a broken certificate file stops the start with one line naming it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { authSetupSteps } from '../helpers/auth-setup.js';
import { makeCa, makeExpiredLeaf, makeLeaf, type TestCa, type TestLeaf } from '../helpers/certs.js';
import { DAEMON, ProcessCluster, eventually, freePort, http, spawnDaemon, type ProcMember } from '../helpers/process-cluster.js';

let dir: string;
let peerCa: TestCa;
let clientCa: TestCa;
let strangerCa: TestCa;
const peerLeaf: Record<string, TestLeaf> = {};
const serverLeaf: Record<string, TestLeaf> = {};
let user: TestLeaf;
let strangerUser: TestLeaf;
let strangerPeer: TestLeaf;
let cluster: ProcessCluster;
let agent: Agent;
let metricsPorts: Map<string, number>;

function tlsArgs(m: ProcMember): string[] {
  return [
    '--peer-cert', peerLeaf[m.name]!.cert, '--peer-key', peerLeaf[m.name]!.key, '--peer-ca', peerCa.cert,
    '--peer-allowed-names', 'm1,m2,m3',
    '--client-cert', serverLeaf[m.name]!.cert, '--client-key', serverLeaf[m.name]!.key, '--client-ca', clientCa.cert,
    '--listen-metrics', `127.0.0.1:${metricsPorts.get(m.name)}`,
  ];
}

async function call(method: string, url: string, body?: unknown, a: Agent = agent): Promise<{ status: number; body: any }> {
  const r = await request(url, {
    method: method as 'GET',
    dispatcher: a,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await r.body.text();
  return { status: r.statusCode, body: text.length > 0 ? JSON.parse(text) : null };
}

async function tlsLeader(): Promise<ProcMember> {
  return eventually('a TLS leader', async () => {
    const names = new Set<string>();
    for (const m of cluster.members.slice(0, 3)) {
      const r = await call('GET', `${m.url}/v1/cluster`);
      if (r.status !== 200 || !r.body.leader) return undefined;
      names.add(r.body.leader.name);
    }
    return names.size === 1 ? cluster.members.find((m) => names.has(m.name)) : undefined;
  }, 30_000);
}

/** Resolves with how a connection attempt ended: 'answered' (an HTTP status line came back) or the error. */
function rawAttempt(connect: () => net.Socket, payload: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect();
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve(got.startsWith('HTTP/') ? 'answered' : 'refused'));
    s.once(s instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => s.write(payload));
    s.setTimeout(5000, () => s.destroy());
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-tls-cluster-'));
  peerCa = makeCa(dir, 'peer-ca');
  clientCa = makeCa(dir, 'client-ca');
  strangerCa = makeCa(dir, 'stranger-ca');
  for (const n of ['m1', 'm2', 'm3']) {
    peerLeaf[n] = makeLeaf(peerCa, n);
    serverLeaf[n] = makeLeaf(clientCa, n, { file: `${n}-server` });
  }
  user = makeLeaf(clientCa, 'app-user');
  strangerUser = makeLeaf(strangerCa, 'app-user', { file: 'stranger-user' });
  strangerPeer = makeLeaf(strangerCa, 'm3', { file: 'stranger-peer' });
  metricsPorts = new Map();
  for (const n of ['m1', 'm2', 'm3']) metricsPorts.set(n, await freePort());
  cluster = await ProcessCluster.start({ size: 3, peerScheme: 'https', clientScheme: 'https', memberArgs: tlsArgs });
  agent = new Agent({ connect: { ca: readFileSync(clientCa.cert), cert: readFileSync(user.cert), key: readFileSync(user.key) } });
});

after(async () => {
  await agent?.close();
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('a TLS cluster', { timeout: 120_000 }, () => {
  it('serves https and wss to a client with a CA-signed certificate, through every member', async () => {
    const leader = await tlsLeader();
    const follower = cluster.members.find((m) => m !== leader)!;
    const ws = new WebSocket(`${follower.url.replace('https', 'wss')}/v1/watch`, {
      ca: readFileSync(clientCa.cert), cert: readFileSync(user.cert), key: readFileSync(user.key),
    });
    const events: any[] = [];
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ type: 'create', watchId: 1, key: 'tls/', prefix: true }));
    await eventually('the watch is created', async () => (events.some((e) => e.type === 'created') ? true : undefined));
    const put = await call('PUT', `${follower.url}/v1/kv/tls/a`, { value: 'secret' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const got = await call('GET', `${cluster.members.find((m) => m !== leader && m !== follower)!.url}/v1/kv/tls/a`);
    assert.equal(got.status, 200);
    assert.equal(got.body.value, 'secret');
    await eventually('the wss watcher sees the put', async () => (events.some((e) => e.type === 'events' && e.events?.some((x: any) => x.kv?.key === 'tls/a')) ? true : undefined));
    ws.close();
  });

  it('without a certificate, with another CA\'s, or over plain HTTP: nothing is read or written', async () => {
    const m = cluster.members[0]!;
    const before = await call('GET', `${m.url}/v1/kv?prefix=tls/`);
    const noCert = new Agent({ connect: { ca: readFileSync(clientCa.cert) } });
    const foreign = new Agent({ connect: { ca: readFileSync(clientCa.cert), cert: readFileSync(strangerUser.cert), key: readFileSync(strangerUser.key) } });
    try {
      for (const a of [noCert, foreign]) {
        await assert.rejects(call('PUT', `${m.url}/v1/kv/tls/evil`, { value: 'x' }, a));
        await assert.rejects(call('GET', `${m.url}/v1/kv/tls/a`, undefined, a));
      }
    } finally {
      await noCert.close();
      await foreign.close();
    }
    const plain = await rawAttempt(() => net.connect({ host: '127.0.0.1', port: m.clientPort }), 'GET /v1/kv/tls/a HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(plain, 'refused', 'plain HTTP on the TLS port gets no HTTP answer');
    const after = await call('GET', `${m.url}/v1/kv?prefix=tls/`);
    assert.deepEqual(after.body.kvs, before.body.kvs);
    assert.equal((await call('GET', `${m.url}/v1/kv/tls/evil`)).status, 404);
  });

  it('the operator listener serves /metrics, /livez and /readyz in plain HTTP and nothing else', async () => {
    const port = metricsPorts.get('m1')!;
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /raftlock_raft_term/);
    assert.equal((await http('GET', `http://127.0.0.1:${port}/livez`)).status, 200);
    assert.equal((await http('GET', `http://127.0.0.1:${port}/readyz`)).status, 200);
    const kv = await http('GET', `http://127.0.0.1:${port}/v1/kv/tls/a`);
    assert.equal(kv.status, 404);
    assert.equal(kv.body.error.code, 'NOT_FOUND');
  });

  it('the peer port refuses a stranger\'s handshake, and an impostor with a stranger\'s certificate never joins', async () => {
    const m1 = cluster.members[0]!;
    const plain = await rawAttempt(() => net.connect({ host: '127.0.0.1', port: m1.peerPort }), 'hello');
    assert.equal(plain, 'refused');
    const foreign = await rawAttempt(
      () => tls.connect({ host: '127.0.0.1', port: m1.peerPort, rejectUnauthorized: false, cert: readFileSync(strangerPeer.cert), key: readFileSync(strangerPeer.key) }),
      'hello',
    );
    assert.equal(foreign, 'refused');
    const leader = await tlsLeader();
    const termBefore = (await call('GET', `${leader.url}/v1/cluster`)).body.term;

    // An impostor claiming to be a fourth member, with certificates of its own CA, dials the real
    // members and campaigns; the real members refuse it during the handshake.
    const impostor = { name: 'm4', dataDir: join(dir, 'impostor'), clientPort: await freePort(), peerPort: await freePort() };
    const others = cluster.members.map((m) => `${m.name}=https://127.0.0.1:${m.peerPort}|https://127.0.0.1:${m.clientPort}`).join(',');
    const out: string[] = [];
    const proc = spawnDaemon(impostor, `${others},m4=https://127.0.0.1:${impostor.peerPort}|http://127.0.0.1:${impostor.clientPort}`, [
      '--peer-cert', strangerPeer.cert, '--peer-key', strangerPeer.key, '--peer-ca', strangerCa.cert,
    ], out, 200);
    const refusals = (): number => cluster.members.reduce((n, m) => n + cluster.logs(m).split('TLS handshake failed').length - 1, 0);
    const refusedBefore = refusals();
    try {
      await eventually('the impostor is up', async () => ((await http('GET', `http://127.0.0.1:${impostor.clientPort}/livez`)).status === 200 ? true : undefined));
      await eventually('the real members refuse the impostor\'s handshakes', async () => (refusals() >= refusedBefore + 2 ? true : undefined), 20_000);
      const view = await call('GET', `${leader.url}/v1/cluster`);
      assert.equal(view.body.members.length, 3, 'membership unchanged');
      assert.ok(!view.body.members.some((x: any) => x.name === 'm4'));
      assert.equal(view.body.leader.name, leader.name, 'leadership unchanged');
      assert.equal(view.body.term, termBefore, 'no election was forced');
      const seen = await http('GET', `http://127.0.0.1:${impostor.clientPort}/v1/cluster`);
      assert.equal(seen.body.leader ?? null, null, 'the impostor never learns of a leader');
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
  });

  it('certificates are re-read on SIGHUP: new connections see the rotated certificate', async () => {
    const m = cluster.members[1]!;
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: m.clientPort, ca: readFileSync(clientCa.cert), cert: readFileSync(user.cert), key: readFileSync(user.key), servername: 'localhost' }, () => {
          const fp = s.getPeerCertificate().fingerprint256;
          s.end();
          resolve(fp);
        });
        s.on('error', reject);
      });
    const before = await fingerprint();
    const fresh = makeLeaf(clientCa, 'm2', { file: 'm2-server-rotated' });
    copyFileSync(fresh.cert, serverLeaf.m2!.cert);
    copyFileSync(fresh.key, serverLeaf.m2!.key);
    m.proc!.kill('SIGHUP');
    const after = await eventually('the rotated certificate is served', async () => {
      const fp = await fingerprint();
      return fp !== before ? fp : undefined;
    });
    assert.notEqual(after, before);
    assert.equal((await call('GET', `${m.url}/livez`)).status, 200);
  });

  it('with auth on, a client certificate whose CN names a user acts as that user (no token, no password)', async () => {
    // The agent's certificate says CN=app-user; make that a user limited to tls/ and turn auth on.
    for (const [m, p, b] of authSetupSteps({ rootPassword: 'root-pw', user: 'app-user', password: 'unused-long-random', role: 'tls-rw', prefixes: ['tls/'] })) {
      const r = await call(m, `${cluster.members[0]!.url}${p}`, b);
      assert.equal(r.status, 200, `${p}: ${JSON.stringify(r.body)}`);
    }
    for (const m of cluster.members.slice(0, 3)) {
      assert.equal((await call('PUT', `${m.url}/v1/kv/tls/by-cert`, { value: m.name })).status, 200, m.name);
      const outside = await call('GET', `${m.url}/v1/kv/other`);
      assert.equal(outside.status, 403, m.name);
      assert.equal(outside.body.error.code, 'PERMISSION_DENIED');
    }
    // A certificate whose CN is no user gets nothing once auth is on.
    const nobody = makeLeaf(clientCa, 'nobody');
    const a = new Agent({ connect: { ca: readFileSync(clientCa.cert), cert: readFileSync(nobody.cert), key: readFileSync(nobody.key) } });
    try {
      const r = await call('GET', `${cluster.members[0]!.url}/v1/kv/tls/by-cert`, undefined, a);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'UNAUTHENTICATED');
    } finally {
      await a.close();
    }
  });

  it('a certificate that does not match its key, an expired one, or an unreadable file stops the start with one line naming the file', async () => {
    const expired = makeExpiredLeaf(clientCa, 'old');
    for (const [args, file] of [
      [['--client-cert', expired.cert, '--client-key', expired.key], expired.cert],
      [['--client-cert', serverLeaf.m1!.cert, '--client-key', serverLeaf.m3!.key], serverLeaf.m1!.cert],
      [['--peer-cert', join(dir, 'missing.crt'), '--peer-key', peerLeaf.m1!.key, '--peer-ca', peerCa.cert], join(dir, 'missing.crt')],
    ] as const) {
      const port = await freePort();
      const proc = spawn(process.execPath, [DAEMON, '--name', 'bad', '--data-dir', join(dir, 'bad'), '--listen-client', `127.0.0.1:${port}`, '--listen-peer', `127.0.0.1:${await freePort()}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr!.on('data', (d) => (err += String(d)));
      const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      assert.equal(code, 2, err);
      const lines = err.trim().split('\n');
      assert.equal(lines.length, 1, err);
      assert.ok(lines[0]!.includes(file), `names ${file}: ${err}`);
      if (file === expired.cert) assert.match(lines[0]!, /expired on 2020-02-01/);
    }
  });
});
