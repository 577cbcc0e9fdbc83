// deploy/overlays/tls (and prod, built on it): the cert-manager resources, the Secrets mounted for
// the client and peer certificates, the flags that name the mounted files, the peer names allowed
// against the names the certificates carry, and the probes on the plain metrics listener. Checked
// on what the overlay really builds (test/deploy/kustomize.ts), with the config every pod loads.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { discoverK8sPeers, loadConfig, MAX_K8S_REPLICAS, type Config } from '../../src/config/index.js';
import { certificateNames, nameAllowed } from '../../src/tls/index.js';
import { validateManifest } from './k8s-schema.js';
import { kustomizeBuild, type Doc } from './kustomize.js';
import { expandK8sValue, podEnvironment, type EnvVar } from './pod-env.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OVERLAYS = ['tls', 'prod'];

function one(docs: Doc[], kind: string, name: string): Doc {
  const d = docs.find((r) => r['kind'] === kind && r['metadata']?.['name'] === name);
  assert.ok(d !== undefined, `no ${kind}/${name}`);
  return d;
}

/** What a certificate issued for `cert` (a cert-manager Certificate) presents in a handshake. */
function presented(cert: Doc): { subject: { CN?: string }; subjectaltname: string } {
  const spec = cert['spec'];
  return {
    subject: spec['commonName'] === undefined ? {} : { CN: spec['commonName'] },
    subjectaltname: ((spec['dnsNames'] as string[] | undefined) ?? []).map((n) => `DNS:${n}`).join(', '),
  };
}

/** Whether a client dialing `host` accepts that certificate (Node's own hostname check). */
const covers = (cert: Doc, host: string): boolean => checkServerIdentity(host, presented(cert) as never) === undefined;

for (const overlay of OVERLAYS) {
  describe(`deploy/overlays/${overlay}: TLS`, () => {
    const docs = kustomizeBuild(join(ROOT, 'deploy', 'overlays', overlay));
    const namespace = one(docs, 'StatefulSet', 'raftlock')['metadata']['namespace'] as string;
    const sts = one(docs, 'StatefulSet', 'raftlock');
    const pod = sts['spec']['template']['spec'];
    const c = (pod['containers'] as Doc[]).find((x) => x['name'] === 'raftlockd')!;
    const env = c['env'] as EnvVar[];
    const literal = (name: string): string => {
      const e = env.find((x) => x['name'] === name);
      assert.ok(e?.value !== undefined, `the container sets ${name}`);
      return e.value;
    };
    const peerCert = one(docs, 'Certificate', 'raftlock-peer');
    const serverCert = one(docs, 'Certificate', 'raftlock-server');
    const appCert = one(docs, 'Certificate', 'raftlock-client-app');

    /** The config pod `ordinal` loads: the ConfigMap file plus the pod's expanded environment. */
    const dir = mkdtempSync(join(tmpdir(), `raftlock-k8s-tls-${overlay}-`));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const cfgPath = join(dir, 'raftlock.yaml');
    writeFileSync(cfgPath, one(docs, 'ConfigMap', 'raftlock-config')['data']['raftlock.yaml']);
    const configOf = (ordinal: number): Config => {
      const args = (c['args'] as string[]).map((a) => (a === '/etc/raftlock/raftlock.yaml' ? cfgPath : a));
      return loadConfig({ argv: args, env: podEnvironment(env, { name: `raftlock-${ordinal}`, namespace }), cwd: dir });
    };

    test('cert-manager can issue every certificate: a self-signed root, a CA issuer, leaves signed by it', () => {
      const issuers = new Map(docs.filter((d) => d['kind'] === 'Issuer').map((d) => [d['metadata']['name'] as string, d]));
      const certs = docs.filter((d) => d['kind'] === 'Certificate');
      assert.deepEqual(certs.map((d) => d['metadata']['name']).sort(), ['raftlock-ca', 'raftlock-client-app', 'raftlock-peer', 'raftlock-server']);
      for (const cert of certs) {
        const ref = cert['spec']['issuerRef'];
        assert.equal(ref['kind'], 'Issuer', `${cert['metadata']['name']}: a namespaced issuer of this overlay`);
        assert.ok(issuers.has(ref['name']), `${cert['metadata']['name']}: issuer ${ref['name']} is in the build`);
        assert.equal(cert['metadata']['namespace'], namespace);
      }
      const ca = one(docs, 'Certificate', 'raftlock-ca');
      assert.equal(ca['spec']['isCA'], true);
      assert.ok(issuers.get(ca['spec']['issuerRef']['name'])!['spec']['selfSigned'] !== undefined, 'the CA is self-signed');
      const caIssuer = issuers.get(peerCert['spec']['issuerRef']['name'])!;
      assert.equal(caIssuer['spec']['ca']['secretName'], ca['spec']['secretName'], 'the CA issuer signs with the CA certificate\'s Secret');
      for (const leaf of [peerCert, serverCert, appCert]) {
        assert.equal(leaf['spec']['issuerRef']['name'], caIssuer['metadata']['name']);
        assert.notEqual(leaf['spec']['isCA'], true);
        assert.equal(leaf['spec']['privateKey']['rotationPolicy'], 'Always', 'a renewal makes a new key');
        assert.ok(leaf['spec']['renewBefore'] !== undefined, 'renewed before it expires');
      }
      // Peer TLS is mutual: the same certificate serves and dials. The client port's certificate
      // only serves; the application's only dials.
      assert.deepEqual([...peerCert['spec']['usages']].filter((u: string) => u.endsWith(' auth')).sort(), ['client auth', 'server auth']);
      assert.deepEqual([...serverCert['spec']['usages']].filter((u: string) => u.endsWith(' auth')), ['server auth']);
      assert.deepEqual([...appCert['spec']['usages']].filter((u: string) => u.endsWith(' auth')), ['client auth']);
      // The pods never mount the CA's Secret (its key).
      const mounted = (pod['volumes'] as Doc[]).map((v) => v['secret']?.['secretName']).filter((n) => n !== undefined);
      assert.ok(!mounted.includes(ca['spec']['secretName']), `mounted Secrets: ${mounted.join(', ')}`);
    });

    test('the files the TLS flags name are in Secrets mounted whole, from the right certificate', () => {
      const volumes = new Map((pod['volumes'] as Doc[]).map((v) => [v['name'] as string, v]));
      const secretOf = new Map(docs.filter((d) => d['kind'] === 'Certificate').map((d) => [d['spec']['secretName'] as string, d['metadata']['name'] as string]));
      const expect: [string, string, string][] = [
        ['RAFTLOCK_PEER_CERT', 'tls.crt', 'raftlock-peer'],
        ['RAFTLOCK_PEER_KEY', 'tls.key', 'raftlock-peer'],
        ['RAFTLOCK_PEER_CA', 'ca.crt', 'raftlock-peer'],
        ['RAFTLOCK_CLIENT_CERT', 'tls.crt', 'raftlock-server'],
        ['RAFTLOCK_CLIENT_KEY', 'tls.key', 'raftlock-server'],
        ['RAFTLOCK_CLIENT_CA', 'ca.crt', 'raftlock-server'],
      ];
      const cfg = configOf(0);
      const flagged: Record<string, string | null | undefined> = {
        RAFTLOCK_PEER_CERT: cfg.tls.peer?.cert,
        RAFTLOCK_PEER_KEY: cfg.tls.peer?.key,
        RAFTLOCK_PEER_CA: cfg.tls.peer?.ca,
        RAFTLOCK_CLIENT_CERT: cfg.tls.client?.cert,
        RAFTLOCK_CLIENT_KEY: cfg.tls.client?.key,
        RAFTLOCK_CLIENT_CA: cfg.tls.client?.ca,
      };
      for (const [variable, file, certName] of expect) {
        const path = literal(variable);
        assert.equal(flagged[variable], path, `${variable} reaches the config`);
        assert.equal(basename(path), file, `${variable} names the Secret's ${file}`);
        const mount = (c['volumeMounts'] as Doc[]).find((m) => m['mountPath'] === dirname(path));
        assert.ok(mount !== undefined, `${variable}=${path}: nothing is mounted at ${dirname(path)}`);
        assert.equal(mount['readOnly'], true);
        assert.equal(mount['subPath'], undefined, 'a subPath mount would never see a renewed certificate');
        const vol = volumes.get(mount['name']);
        assert.ok(vol?.['secret'] !== undefined, `${mount['name']} is a Secret volume`);
        assert.equal(secretOf.get(vol['secret']['secretName']), certName, `${variable}: the Secret of Certificate ${certName}`);
        assert.equal(vol['secret']['items'], undefined, 'the whole Secret: tls.crt, tls.key and ca.crt');
        assert.equal(vol['secret']['defaultMode'] & 0o007, 0, 'not readable by others');
      }
    });

    test('discovery gives every pod https:// URLs for all members, peer and client', () => {
      for (const ordinal of [0, 1, 2, 3]) {
        const cfg = configOf(ordinal);
        assert.equal(cfg.name, `raftlock-${ordinal}`);
        assert.equal(cfg.join, ordinal >= 3, 'pod 3 is a scaled member');
        assert.equal(cfg.advertisePeerUrl, `https://raftlock-${ordinal}.raftlock.${namespace}.svc.cluster.local:7380`);
        assert.equal(cfg.advertiseClientUrl, `https://raftlock-${ordinal}.raftlock.${namespace}.svc.cluster.local:7379`);
        for (const m of cfg.initialCluster) {
          assert.match(m.peerUrl, /^https:\/\//, `${m.name} peer URL`);
          assert.match(m.clientUrl, /^https:\/\//, `${m.name} client URL`);
        }
      }
    });

    test('the allowed peer names are the StatefulSet\'s pod names, which the peer certificate covers; other certificates of the CA are refused', () => {
      const allowed = configOf(1).tls.peer?.allowedNames ?? [];
      assert.deepEqual(allowed, [`*.${sts['spec']['serviceName']}.${namespace}.svc.cluster.local`]);
      assert.match(literal('RAFTLOCK_PEER_ALLOWED_NAMES'), /\$\(POD_NAMESPACE\)/, 'the namespace comes from the pod (downward API), not spelled out');
      assert.equal(expandK8sValue('a.$(POD_NAMESPACE).b', new Map([['POD_NAMESPACE', namespace]])), `a.${namespace}.b`);
      const podNames = (pod['containers'][0]['env'] as EnvVar[]).map((e) => e.name);
      assert.ok(podNames.indexOf('POD_NAMESPACE') < podNames.indexOf('RAFTLOCK_PEER_ALLOWED_NAMES'), 'Kubernetes expands only variables defined earlier');
      const peerNames = certificateNames(presented(peerCert));
      for (let ordinal = 0; ordinal < MAX_K8S_REPLICAS; ordinal++) {
        // the name discovery dials pod `ordinal` by
        const d = discoverK8sPeers({ podName: `raftlock-${ordinal}`, replicas: 3, service: sts['spec']['serviceName'], namespace, peerPort: 7380, clientPort: 7379, peerScheme: 'https' });
        const host = new URL(d.advertisePeerUrl).hostname;
        assert.ok(covers(peerCert, host), `the peer certificate covers ${host} (it is dialed by that name)`);
        assert.ok(covers(serverCert, host), `the client port's certificate covers ${host} (the advertised client URL)`);
      }
      assert.ok(nameAllowed(peerNames, allowed), `the members' certificate (${peerNames.join(', ')}) may join`);
      assert.ok(!nameAllowed(certificateNames(presented(appCert)), allowed), 'an application\'s client certificate of the same CA may not');
      assert.ok(!covers(peerCert, `raftlock-0.other.${namespace}.svc.cluster.local`) && !covers(peerCert, `raftlock-0.raftlock.elsewhere.svc.cluster.local`));
      for (const n of ['raftlock-client', `raftlock-client.${namespace}`, `raftlock-client.${namespace}.svc`, `raftlock-client.${namespace}.svc.cluster.local`]) {
        assert.ok(covers(serverCert, n), `clients reach the client Service as ${n}`);
      }
      one(docs, 'Service', 'raftlock-client');
    });

    test('probes and Prometheus use the plain metrics listener; only the client port asks for certificates', () => {
      const cfg = configOf(0);
      assert.notEqual(cfg.tls.client, null);
      const ports = new Map((c['ports'] as Doc[]).map((p) => [p['name'] as string, p['containerPort'] as number]));
      assert.equal(ports.get('metrics'), cfg.listenMetricsAddress?.port);
      assert.equal(ports.get('client'), cfg.listenClientAddress.port);
      for (const [probe, path] of [['livenessProbe', '/livez'], ['readinessProbe', '/readyz'], ['startupProbe', '/livez']] as const) {
        const get = c[probe]['httpGet'];
        assert.equal(get['path'], path);
        assert.equal(ports.get(get['port']), cfg.listenMetricsAddress?.port, `${probe} hits the metrics port`);
        assert.notEqual(get['scheme'], 'HTTPS');
      }
      if (docs.some((d) => d['kind'] === 'ServiceMonitor')) {
        const ep = one(docs, 'ServiceMonitor', 'raftlock')['spec']['endpoints'][0];
        assert.equal(ep['port'], 'metrics');
        assert.notEqual(ep['scheme'], 'https');
      }
    });
  });
}

test('cert-manager resources are checked strictly (negative)', async () => {
  const docs = kustomizeBuild(join(ROOT, 'deploy', 'overlays', 'tls'));
  const cert = structuredClone(one(docs, 'Certificate', 'raftlock-peer'));
  cert['spec']['dnsName'] = cert['spec']['dnsNames'];
  delete cert['spec']['dnsNames'];
  cert['spec']['usages'] = ['server auth', 'client-auth'];
  cert['spec']['duration'] = '90d';
  const errors = await validateManifest(cert);
  assert.equal(errors.length, 3, errors.join('\n'));
  assert.ok(errors.includes('spec.dnsName: unknown field'), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('spec.usages[1]:')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('spec.duration: must be a Go duration')), errors.join('\n'));
  const issuer = structuredClone(one(docs, 'Issuer', 'raftlock-ca'));
  issuer['spec']['selfSigned'] = {};
  assert.deepEqual(await validateManifest(issuer), ['spec: exactly one of selfSigned, ca']);
});
