// deploy/overlays/tls end to end: three raftlockd processes get exactly what the TLS overlay gives
// its pods — the built StatefulSet's args and environment (`$(POD_NAMESPACE)` expanded as the
// kubelet does), the ConfigMap's file, and the Secrets' files (tls.crt, tls.key, ca.crt) made
// with openssl from the overlay's cert-manager Certificates: same common names and DNS names,
// signed by one CA as cert-manager's CA issuer signs them. They must form one cluster over mutual
// TLS with https:// URLs everywhere, answer the probes on the plain metrics port, serve clients
// that present a certificate of the CA, and refuse the rest.
//
// Mapped, the way a pod's surroundings would be: the pod network (RAFTLOCK_K8S_HOST_TEMPLATE
// 127.0.0.1 with a port stride; the certificates add IP:127.0.0.1, the only name loopback has),
// the volumes (the data PVC and each Secret mount become temp dirs).

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { dump, load } from 'js-yaml';
import { Agent, request } from 'undici';
import { kustomizeBuild, type Doc } from '../deploy/kustomize.js';
import { podEnvironment, type EnvVar } from '../deploy/pod-env.js';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { eventually, http } from '../helpers/process-cluster.js';
import { freePortRange } from '../helpers/port-range.js';
import { killPods, spawnPod } from '../helpers/pod-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STRIDE = 3;
const PODS = 3;
const MAX_OUTPUT_CHUNKS = 300;


interface Pod {
  name: string;
  clientPort: number;
  proc: ChildProcess;
  output: string[];
}

describe('deploy/overlays/tls: three pods with the overlay\'s certificates', { timeout: 120_000 }, () => {
  const docs = kustomizeBuild(join(ROOT, 'deploy', 'overlays', 'tls'));
  const find = (kind: string, name: string): Doc => docs.find((d) => d['kind'] === kind && d['metadata']['name'] === name)!;
  const sts = find('StatefulSet', 'raftlock');
  const namespace = sts['metadata']['namespace'] as string;
  const container = (sts['spec']['template']['spec']['containers'] as Doc[]).find((c) => c['name'] === 'raftlockd')!;
  const root = mkdtempSync(join(tmpdir(), 'raftlock-k8s-tls-'));
  const pods: Pod[] = [];
  let base = 0;
  let appTls: { ca: Buffer; cert: Buffer; key: Buffer };
  let app: Agent;
  let noCert: Agent;

  before(async () => {
    // The Secrets, as cert-manager would fill them from the Certificates.
    const ca = makeCa(root, 'ca');
    const secretDirs = new Map<string, string>();
    for (const cert of docs.filter((d) => d['kind'] === 'Certificate' && d['spec']['isCA'] !== true)) {
      const spec = cert['spec'];
      const sans = [...((spec['dnsNames'] as string[] | undefined) ?? []).map((n) => `DNS:${n}`), 'IP:127.0.0.1'];
      const leaf = makeLeaf(ca, spec['commonName'], { sans, file: cert['metadata']['name'] });
      const dir = join(root, 'secrets', spec['secretName']);
      mkdirSync(dir, { recursive: true });
      copyFileSync(leaf.cert, join(dir, 'tls.crt'));
      copyFileSync(leaf.key, join(dir, 'tls.key'));
      copyFileSync(ca.cert, join(dir, 'ca.crt'));
      secretDirs.set(spec['secretName'], dir);
    }
    // Mount path -> the Secret's directory.
    const volumes = new Map((sts['spec']['template']['spec']['volumes'] as Doc[]).map((v) => [v['name'], v]));
    const mounts = new Map<string, string>();
    for (const m of container['volumeMounts'] as Doc[]) {
      const secret = volumes.get(m['name'])?.['secret']?.['secretName'];
      if (secret !== undefined) mounts.set(m['mountPath'], secretDirs.get(secret)!);
    }
    const appDir = secretDirs.get(find('Certificate', 'raftlock-client-app')['spec']['secretName'])!;
    appTls = { ca: readFileSync(join(appDir, 'ca.crt')), cert: readFileSync(join(appDir, 'tls.crt')), key: readFileSync(join(appDir, 'tls.key')) };
    app = new Agent({ connect: appTls });
    noCert = new Agent({ connect: { ca: appTls.ca } });

    const args = container['args'] as string[];
    const cfgFlag = args.indexOf('--config');
    const cfg = load(find('ConfigMap', 'raftlock-config')['data'][args[cfgFlag + 1]!.split('/').pop()!]) as Record<string, unknown>;
    base = await freePortRange(PODS * STRIDE);
    for (let i = 0; i < PODS; i++) {
      const env = podEnvironment(container['env'] as EnvVar[], { name: `raftlock-${i}`, namespace });
      for (const [k, v] of Object.entries(env)) {
        for (const [mountPath, dir] of mounts) if (v.startsWith(`${mountPath}/`)) env[k] = join(dir, v.slice(mountPath.length + 1));
      }
      const podDir = join(root, `pod-${i}`);
      mkdirSync(join(podDir, 'data'), { recursive: true });
      const cfgPath = join(podDir, 'raftlock.yaml');
      writeFileSync(cfgPath, dump({ ...cfg, dataDir: join(podDir, 'data'), listenClient: `0.0.0.0:${base}`, listenPeer: `0.0.0.0:${base + 1}`, listenMetrics: `127.0.0.1:${base + i * STRIDE + 2}` }));
      const podArgs = [...args];
      podArgs[cfgFlag + 1] = cfgPath;
      const pod: Pod = { name: `raftlock-${i}`, clientPort: base + i * STRIDE, ...spawnPod(podArgs, env, STRIDE, MAX_OUTPUT_CHUNKS) };
      pods.push(pod);
    }
  });

  after(async () => {
    await killPods(pods);
    await app?.close();
    await noCert?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const describePods = () => pods.map((p) => `--- ${p.name} (exit ${p.proc.exitCode ?? p.proc.signalCode ?? 'running'})\n${p.output.join('').slice(-2000)}`).join('\n');
  const https = async (agent: Agent, method: 'GET' | 'PUT', pod: Pod, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const r = await request(`https://127.0.0.1:${pod.clientPort}${path}`, {
      method,
      dispatcher: agent,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await r.body.text();
    return { status: r.statusCode, json: text === '' ? null : JSON.parse(text) };
  };

  test('one cluster over mutual TLS: probes answer on the metrics port, every URL is https://, clients with a CA certificate read and write', async () => {
    try {
      for (const p of pods) {
        await eventually(`${p.name} readiness probe (metrics port) 200`, async () => {
          if (p.proc.exitCode !== null) throw new Error(`${p.name} exited with ${p.proc.exitCode}`);
          return (await http('GET', `http://127.0.0.1:${p.clientPort + 2}/readyz`)).status === 200 ? true : undefined;
        }, 60_000, 100);
        assert.equal((await http('GET', `http://127.0.0.1:${p.clientPort + 2}/livez`)).status, 200);
      }
      const views = await eventually('one leader every pod agrees on', async () => {
        const vs = await Promise.all(pods.map(async (p) => (await https(app, 'GET', p, '/v1/cluster')).json));
        const leaders = new Set(vs.map((v) => v?.leader?.name));
        return leaders.size === 1 && !leaders.has(undefined) ? vs : undefined;
      }, 30_000);
      for (const v of views) {
        assert.deepEqual(v.members.map((m: { name: string }) => m.name).sort(), ['raftlock-0', 'raftlock-1', 'raftlock-2']);
        for (const m of v.members as { peerUrl: string; clientUrl: string }[]) {
          assert.match(m.peerUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
          assert.match(m.clientUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
        }
      }
      const put = await https(app, 'PUT', pods[2]!, '/v1/kv/tls%2Fhello', { value: 'world' });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      const get = await https(app, 'GET', pods[0]!, '/v1/kv/tls%2Fhello');
      assert.equal(get.json.value, 'world');
    } catch (e) {
      (e as Error).message += `\n${describePods()}`;
      throw e;
    }
  });

  test('the client port refuses plain HTTP and TLS without a client certificate', async () => {
    await assert.rejects(http('GET', `http://127.0.0.1:${pods[0]!.clientPort}/v1/kv/tls%2Fhello`));
    await assert.rejects(https(noCert, 'GET', pods[0]!, '/v1/kv/tls%2Fhello'));
  });

  test('the peer port refuses a certificate of the same CA whose name is not a member\'s', async () => {
    const target = pods[1]!;
    const before = target.output.join('').split('certificate name not in the allowed peer names').length;
    const closed = await new Promise<{ authorized: boolean; got: number }>((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: target.clientPort + 1, ...appTls, rejectUnauthorized: false }, () => {
        // The handshake may complete (the CA signed it); the member then closes the connection
        // without a byte, before the Raft transport ever sees a frame.
        sock.write(Buffer.alloc(64, 1));
      });
      let got = 0;
      sock.on('data', (b: Buffer) => (got += b.length));
      sock.on('error', () => resolve({ authorized: false, got }));
      sock.on('close', () => resolve({ authorized: sock.authorized, got }));
      sock.setTimeout(10_000, () => reject(new Error('the member kept the connection open')));
    });
    assert.equal(closed.got, 0, 'nothing answered');
    await eventually('the refusal in the member\'s log', async () => (target.output.join('').split('certificate name not in the allowed peer names').length > before ? true : undefined), 10_000);
    // The cluster is unaffected.
    assert.equal((await https(app, 'GET', pods[1]!, '/v1/kv/tls%2Fhello')).json.value, 'world');
  });
});
