// The etcd listener speaks TLS when the client port does (--client-cert/--client-key), and
// requires a client certificate signed by --client-ca: etcdctl 3.4 with --cacert/--cert/--key
// against a member whose certificates openssl made. With auth on, a verified certificate's CN
// names the user when no password is given, as etcd's --client-cert-auth does.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../helpers/certs.js';
import { eventually, freePort, ProcessCluster } from '../helpers/process-cluster.js';
import { etcdctl, grpcClient, ok, unaryCall } from './support.js';

let dir: string;
let ca: TestCa;
let server: TestLeaf;
let cluster: ProcessCluster;
let ep: string;
let caFile: string;
let root: TestLeaf;
let svc: TestLeaf;
let stranger: TestLeaf;
const tlsArgs = (leaf: TestLeaf): string[] => ['--cacert', caFile, '--cert', leaf.cert, '--key', leaf.key];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-etcd-tls-'));
  ca = makeCa(dir, 'client-ca');
  caFile = ca.cert;
  server = makeLeaf(ca, 'm1', { file: 'server' });
  root = makeLeaf(ca, 'root');
  svc = makeLeaf(ca, 'svc');
  // signed by a CA the member does not trust
  stranger = makeLeaf(makeCa(dir, 'other-ca'), 'root', { file: 'stranger' });
  const etcdPort = await freePort();
  ep = `127.0.0.1:${etcdPort}`;
  cluster = await ProcessCluster.start({
    size: 1,
    clientScheme: 'https',
    extraArgs: ['--client-cert', server.cert, '--client-key', server.key, '--client-ca', ca.cert, '--listen-etcd', ep],
  });
  await eventually('the TLS etcd listener', async () => ((await etcdctl(ep, [...tlsArgs(root), 'endpoint', 'health'])).code === 0 ? true : undefined), 30_000, 200).catch(
    (e: Error) => {
      throw new Error(`${e.message}\n${cluster.logs(cluster.members[0]!)}`);
    },
  );
});
after(async () => {
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('etcd listener over TLS', { timeout: 90_000 }, () => {
  test('etcdctl with --cacert/--cert/--key; no certificate, an untrusted one, or plain text are refused', async () => {
    assert.equal((await ok(ep, [...tlsArgs(root), 'put', 'tls/a', '1'])).trim(), 'OK');
    assert.equal(await ok(ep, [...tlsArgs(svc), 'get', 'tls/a', '--print-value-only']), '1\n');
    for (const args of [['--cacert', caFile], [...tlsArgs(stranger)], ['--insecure-transport=true']]) {
      const r = await etcdctl(ep, [...args, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'tls/a']);
      assert.notEqual(r.code, 0, `${args.join(' ')}: ${r.stdout}`);
    }
    // a grpc-js client too, with its own TLS credentials
    const kv = grpcClient('etcdserverpb', 'KV', ep, grpc.credentials.createSsl(readFileSync(caFile), readFileSync(svc.key), readFileSync(svc.cert)));
    try {
      const r = await unaryCall(kv, 'Range', { key: Buffer.from('tls/a') });
      assert.equal(r.kvs[0].value.toString(), '1');
    } finally {
      kv.close();
    }
  });

  test('with auth on, the certificate\'s CN is the user (no password needed); its permissions hold', async () => {
    await ok(ep, [...tlsArgs(root), 'user', 'add', 'root:root-pw']);
    await ok(ep, [...tlsArgs(root), 'user', 'grant-role', 'root', 'root']);
    await ok(ep, [...tlsArgs(root), 'user', 'add', 'svc:svc-pw']);
    await ok(ep, [...tlsArgs(root), 'role', 'add', 'svc']);
    await ok(ep, [...tlsArgs(root), 'role', 'grant-permission', 'svc', '--prefix', 'readwrite', 'svc/']);
    await ok(ep, [...tlsArgs(root), 'user', 'grant-role', 'svc', 'svc']);
    await ok(ep, [...tlsArgs(root), 'auth', 'enable']);
    // CN=svc: svc's permissions, without --user
    assert.equal((await ok(ep, [...tlsArgs(svc), 'put', 'svc/x', 'by-cert'])).trim(), 'OK');
    const denied = await etcdctl(ep, [...tlsArgs(svc), 'put', 'tls/b', 'x']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /etcdserver: permission denied/);
    // CN=root is root: it may read everything and take a snapshot
    assert.equal(await ok(ep, [...tlsArgs(root), 'get', 'svc/x', '--print-value-only']), 'by-cert\n');
    assert.match(await ok(ep, [...tlsArgs(root), 'user', 'list']), /^root\nsvc\n$/);
    // a token still wins over the certificate
    const asSvc = await etcdctl(ep, [...tlsArgs(root), '--user', 'svc:svc-pw', 'get', 'tls/a']);
    assert.match(asSvc.stderr, /etcdserver: permission denied/);
  });

  test('rotated certificates are served on new connections after SIGHUP, as on the client port', async () => {
    const [host, port] = [ep.split(':')[0]!, Number(ep.split(':')[1])];
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host, port, ca: readFileSync(caFile), cert: readFileSync(root.cert), key: readFileSync(root.key), servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
          const fp = s.getPeerCertificate().fingerprint256;
          s.end();
          resolve(fp);
        });
        s.on('error', reject);
      });
    const before = await fingerprint();
    const fresh = makeLeaf(ca, 'm1', { file: 'server-rotated' });
    copyFileSync(fresh.cert, server.cert);
    copyFileSync(fresh.key, server.key);
    cluster.members[0]!.proc!.kill('SIGHUP');
    const after = await eventually('the rotated certificate on the etcd listener', async () => {
      const fp = await fingerprint();
      return fp !== before ? fp : undefined;
    });
    assert.notEqual(after, before);
    assert.equal(await ok(ep, [...tlsArgs(root), 'get', 'svc/x', '--print-value-only']), 'by-cert\n');
  });
});
