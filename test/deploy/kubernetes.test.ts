import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll, load } from 'js-yaml';
import { loadConfig } from '../../src/config/index.js';
import { validateManifest } from './k8s-schema.js';
import { applyJsonPatch, kustomizeBuild } from './kustomize.js';

// compiled to dist/test/deploy/: the repository root is three levels up
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S_DIR = join(ROOT, 'deploy', 'kubernetes');
const OVERLAYS_DIR = join(ROOT, 'deploy', 'overlays');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function readDocs(file: string): Doc[] {
  return (loadAll(readFileSync(join(K8S_DIR, file), 'utf8')) as unknown[]).filter((d) => d !== null && d !== undefined) as Doc[];
}

function manifestFiles(): string[] {
  return readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
}

function allResources(): Doc[] {
  return manifestFiles().flatMap(readDocs);
}

function find(kind: string, name: string): Doc {
  const d = allResources().find((r) => r['kind'] === kind && r['metadata']?.['name'] === name);
  assert.ok(d !== undefined, `no ${kind}/${name} in deploy/kubernetes`);
  return d;
}

const clone = <T>(x: T): T => structuredClone(x);

describe('schema validation (offline)', () => {
  test('every manifest and the kustomization validate against the Kubernetes API schemas', async () => {
    const files = [...manifestFiles(), 'kustomization.yaml'];
    assert.ok(files.length >= 9, `expected the full base, found ${files.join(', ')}`);
    for (const f of files) {
      for (const doc of readDocs(f)) {
        const errors = await validateManifest(doc);
        assert.deepEqual(errors, [], `${f} (${doc['kind']}/${doc['metadata']?.['name'] ?? ''}):\n${errors.join('\n')}`);
      }
    }
  });

  test('kustomization lists exactly the manifests in the folder', () => {
    const k = load(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as Doc;
    assert.deepEqual([...(k['resources'] as string[])].sort(), manifestFiles());
  });

  test('a misspelled field is caught (negative)', async () => {
    const sts = clone(find('StatefulSet', 'raftlock'));
    const c = sts['spec']['template']['spec']['containers'][0];
    c['imagePullPolcy'] = c['imagePullPolicy'];
    delete c['imagePullPolicy'];
    sts['spec']['template']['spec']['securityContext']['runAsNonRot'] = true;
    const errors = await validateManifest(sts);
    assert.ok(errors.includes('spec.template.spec.containers[0].imagePullPolcy: unknown field in V1Container'), errors.join('\n'));
    assert.ok(errors.includes('spec.template.spec.securityContext.runAsNonRot: unknown field in V1PodSecurityContext'), errors.join('\n'));
    assert.equal(errors.length, 2);
  });

  test('a wrong type is caught (negative)', async () => {
    const sts = clone(find('StatefulSet', 'raftlock'));
    sts['spec']['replicas'] = 'three';
    sts['spec']['template']['spec']['containers'][0]['ports'][0]['containerPort'] = '7379';
    sts['spec']['template']['spec']['containers'][0]['env'][0]['value'] = true;
    const errors = await validateManifest(sts);
    assert.deepEqual(errors.sort(), [
      'spec.replicas: expected number, got string "three"',
      'spec.template.spec.containers[0].env[0].value: expected string, got boolean true',
      'spec.template.spec.containers[0].ports[0].containerPort: expected number, got string "7379"',
    ]);
    const svc = clone(find('Service', 'raftlock'));
    svc['spec']['publishNotReadyAddresses'] = 'yes';
    assert.deepEqual(await validateManifest(svc), ['spec.publishNotReadyAddresses: expected boolean, got string "yes"']);
    const pdb = clone(find('PodDisruptionBudget', 'raftlock'));
    pdb['apiVersion'] = 'policy/v1beta2';
    assert.deepEqual(await validateManifest(pdb), [
      'apiVersion: PodDisruptionBudget is served as policy/v1 (got policy/v1beta2)',
      'apiVersion: no Kubernetes API schema for policy/v1beta2 PodDisruptionBudget',
    ]);
  });

  test('custom resources are checked strictly too (negative)', async () => {
    const sm = clone(find('ServiceMonitor', 'raftlock'));
    sm['spec']['endpoints'][0]['intervall'] = '15s';
    assert.deepEqual(await validateManifest(sm), ['spec.endpoints[0].intervall: unknown field']);
    const pr = clone(find('PrometheusRule', 'raftlock'));
    pr['spec']['groups'][0]['rules'][0]['for'] = 60;
    assert.equal((await validateManifest(pr)).length, 1);
  });
});

describe('what the base promises', () => {
  test('StatefulSet: 3 parallel members, probes, discovery env, storage, safety', () => {
    const sts = find('StatefulSet', 'raftlock');
    const spec = sts['spec'];
    const pod = spec['template']['spec'];
    const c = pod['containers'][0];
    assert.equal(spec['replicas'], 3);
    assert.equal(spec['podManagementPolicy'], 'Parallel');
    assert.equal(spec['serviceName'], 'raftlock');
    const ports = Object.fromEntries((c['ports'] as Doc[]).map((p) => [p['name'], p['containerPort']]));
    assert.deepEqual(ports, { client: 7379, peer: 7380, metrics: 7381 });
    // Probes on the plain metrics listener, which keeps answering when an overlay puts TLS and
    // client certificates on the client port.
    assert.deepEqual(c['readinessProbe']['httpGet'], { path: '/readyz', port: 'metrics' });
    assert.deepEqual(c['livenessProbe']['httpGet'], { path: '/livez', port: 'metrics' });
    assert.deepEqual(c['startupProbe']['httpGet'], { path: '/livez', port: 'metrics' });
    const env = Object.fromEntries((c['env'] as Doc[]).map((e) => [e['name'], e['value'] ?? e['valueFrom']['fieldRef']['fieldPath']]));
    assert.deepEqual(env, {
      RAFTLOCK_K8S_DISCOVERY: 'true',
      RAFTLOCK_REPLICAS: String(spec['replicas']),
      RAFTLOCK_SERVICE: spec['serviceName'],
      POD_NAME: 'metadata.name',
      POD_NAMESPACE: 'metadata.namespace',
    });
    assert.ok(c['resources']['requests']['cpu'] !== undefined && c['resources']['limits']['memory'] !== undefined);
    assert.equal(pod['securityContext']['runAsNonRoot'], true);
    assert.ok(pod['securityContext']['runAsUser'] > 0);
    assert.equal(c['securityContext']['allowPrivilegeEscalation'], false);
    assert.ok(pod['terminationGracePeriodSeconds'] >= 10, 'room for a leadership transfer on SIGTERM');
    const anti = pod['affinity']['podAntiAffinity']['requiredDuringSchedulingIgnoredDuringExecution'][0];
    assert.equal(anti['topologyKey'], 'kubernetes.io/hostname');
    assert.deepEqual(anti['labelSelector']['matchLabels'], spec['selector']['matchLabels']);
    assert.deepEqual(spec['template']['metadata']['labels'], spec['selector']['matchLabels']);
    const claim = spec['volumeClaimTemplates'][0];
    assert.ok((c['volumeMounts'] as Doc[]).some((m) => m['name'] === claim['metadata']['name'] && m['mountPath'] === '/var/lib/raftlock'));
  });

  test('Services, PDB and ServiceMonitor select the members', () => {
    const podLabels = find('StatefulSet', 'raftlock')['spec']['template']['metadata']['labels'];
    const headless = find('Service', 'raftlock');
    assert.equal(headless['spec']['clusterIP'], 'None');
    assert.equal(headless['spec']['publishNotReadyAddresses'], true);
    assert.deepEqual(headless['spec']['selector'], podLabels);
    const client = find('Service', 'raftlock-client');
    assert.deepEqual(client['spec']['selector'], podLabels);
    assert.notEqual(client['spec']['publishNotReadyAddresses'], true);
    const pdb = find('PodDisruptionBudget', 'raftlock');
    assert.equal(pdb['spec']['maxUnavailable'], 1);
    assert.deepEqual(pdb['spec']['selector']['matchLabels'], podLabels);
    const sm = find('ServiceMonitor', 'raftlock');
    for (const [k, v] of Object.entries(sm['spec']['selector']['matchLabels'] as Record<string, string>)) {
      assert.equal(headless['metadata']['labels'][k], v, `ServiceMonitor selects the headless Service by ${k}`);
    }
    assert.equal(sm['spec']['endpoints'][0]['port'], 'metrics', 'Prometheus scrapes the plain metrics port');
    assert.ok((headless['spec']['ports'] as Doc[]).some((p) => p['name'] === 'metrics' && p['targetPort'] === 'metrics'));
  });

  test('the ConfigMap plus the StatefulSet environment make a valid config for every member', () => {
    const cm = find('ConfigMap', 'raftlock-config');
    const sts = find('StatefulSet', 'raftlock');
    const c = sts['spec']['template']['spec']['containers'][0];
    const dir = mkdtempSync(join(tmpdir(), 'raftlock-k8s-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const cfgPath = join(dir, 'raftlock.yaml');
    writeFileSync(cfgPath, cm['data']['raftlock.yaml']);
    const args = (c['args'] as string[]).map((a) => (a === '/etc/raftlock/raftlock.yaml' ? cfgPath : a));
    assert.notDeepEqual(args, c['args'], 'the container reads the ConfigMap file');
    const replicas = sts['spec']['replicas'] as number;
    for (let i = 0; i < replicas; i++) {
      const env: Record<string, string> = { POD_NAME: `raftlock-${i}`, POD_NAMESPACE: 'prod' };
      for (const e of c['env'] as Doc[]) if (typeof e['value'] === 'string') env[e['name']] = e['value'];
      const cfg = loadConfig({ argv: args, env, cwd: dir });
      assert.equal(cfg.name, `raftlock-${i}`);
      assert.equal(cfg.dataDir, '/var/lib/raftlock');
      assert.equal(cfg.listenClientAddress.port, 7379);
      assert.equal(cfg.listenPeerAddress.port, 7380);
      assert.equal(cfg.listenMetrics, '0.0.0.0:7381', 'the probes\' port is the metrics listener');
      assert.equal(cfg.initialCluster.length, replicas);
      assert.equal(cfg.advertisePeerUrl, `http://raftlock-${i}.raftlock.prod.svc.cluster.local:7380`);
    }
  });
});

describe('NetworkPolicy', () => {
  test('peers only from the StatefulSet\'s pods; the client port open; every container port covered', () => {
    const sts = find('StatefulSet', 'raftlock');
    const podLabels = sts['spec']['template']['metadata']['labels'];
    const np = find('NetworkPolicy', 'raftlock');
    assert.deepEqual(np['spec']['podSelector'], { matchLabels: podLabels });
    assert.deepEqual(np['spec']['policyTypes'], ['Ingress']);
    const rules = np['spec']['ingress'] as Doc[];
    const byPort = new Map<string, Doc[]>();
    for (const r of rules) for (const p of r['ports'] as Doc[]) byPort.set(p['port'], [...(byPort.get(p['port']) ?? []), r]);
    // peer: exactly one rule, whose only peers are the members (same namespace, same labels)
    const peer = byPort.get('peer') ?? [];
    assert.equal(peer.length, 1);
    assert.deepEqual(peer[0]!['from'], [{ podSelector: { matchLabels: podLabels } }]);
    // client: open to all (no `from`)
    assert.ok((byPort.get('client') ?? []).some((r) => r['from'] === undefined), 'the client port is open to clients');
    const containerPorts = (sts['spec']['template']['spec']['containers'][0]['ports'] as Doc[]).map((p) => p['name']).sort();
    assert.deepEqual([...byPort.keys()].sort(), containerPorts, 'every named container port has a rule, and no rule names another');
  });
});

describe('overlays (deploy/overlays/dev, deploy/overlays/prod)', () => {
  const overlays = (): string[] => readdirSync(OVERLAYS_DIR).filter((d) => existsSync(join(OVERLAYS_DIR, d, 'kustomization.yaml'))).sort();
  const build = (name: string): Doc[] => kustomizeBuild(join(OVERLAYS_DIR, name));
  const one = (docs: Doc[], kind: string, name: string): Doc => {
    const d = docs.find((r) => r['kind'] === kind && r['metadata']?.['name'] === name);
    assert.ok(d !== undefined, `no ${kind}/${name}`);
    return d;
  };

  test('dev and prod exist; each kustomization and every manifest it builds validate against the schemas', async () => {
    assert.deepEqual(overlays(), ['dev', 'prod', 'tls']);
    const base = kustomizeBuild(K8S_DIR);
    assert.deepEqual(base.map((d) => `${d['kind']}/${d['metadata']['name']}`).sort(), allResources().map((d) => `${d['kind']}/${d['metadata']['name']}`).sort(), 'the base builds every manifest');
    for (const o of overlays()) {
      const k = load(readFileSync(join(OVERLAYS_DIR, o, 'kustomization.yaml'), 'utf8')) as Doc;
      assert.deepEqual(await validateManifest(k), [], `${o}/kustomization.yaml`);
      for (const doc of build(o)) {
        const errors = await validateManifest(doc);
        assert.deepEqual(errors, [], `${o}: ${doc['kind']}/${doc['metadata']?.['name']}:\n${errors.join('\n')}`);
        assert.equal(doc['metadata']['namespace'], k['namespace'], `${o}: ${doc['kind']} in the overlay's namespace`);
      }
    }
  });

  test('dev: schedulable on one node, small, no Prometheus Operator resources; peers still fenced', () => {
    const docs = build('dev');
    const pod = one(docs, 'StatefulSet', 'raftlock')['spec']['template']['spec'];
    const anti = pod['affinity']['podAntiAffinity'];
    assert.equal(anti['requiredDuringSchedulingIgnoredDuringExecution'], undefined);
    assert.equal(anti['preferredDuringSchedulingIgnoredDuringExecution'][0]['podAffinityTerm']['topologyKey'], 'kubernetes.io/hostname');
    assert.equal(one(docs, 'StatefulSet', 'raftlock')['spec']['volumeClaimTemplates'][0]['spec']['resources']['requests']['storage'], '1Gi');
    assert.ok(!docs.some((d) => d['apiVersion'] === 'monitoring.coreos.com/v1'), 'no ServiceMonitor/PrometheusRule');
    one(docs, 'NetworkPolicy', 'raftlock');
    assert.equal(pod['containers'][0]['image'], 'raftlock:0.1.0');
  });

  test('prod: the registry image, one member per node (required) and spread over zones, larger volumes', () => {
    const docs = build('prod');
    const sts = one(docs, 'StatefulSet', 'raftlock');
    const pod = sts['spec']['template']['spec'];
    assert.equal(pod['containers'][0]['image'], 'registry.example.com/raftlock:0.1.0');
    assert.equal(pod['affinity']['podAntiAffinity']['requiredDuringSchedulingIgnoredDuringExecution'][0]['topologyKey'], 'kubernetes.io/hostname');
    const spread = pod['topologySpreadConstraints'][0];
    assert.equal(spread['topologyKey'], 'topology.kubernetes.io/zone');
    assert.deepEqual(spread['labelSelector']['matchLabels'], sts['spec']['selector']['matchLabels']);
    assert.equal(sts['spec']['volumeClaimTemplates'][0]['spec']['resources']['requests']['storage'], '50Gi');
    one(docs, 'NetworkPolicy', 'raftlock');
    one(docs, 'PrometheusRule', 'raftlock');
    // built on the TLS overlay
    one(docs, 'Certificate', 'raftlock-peer');
    const env = (pod['containers'][0]['env'] as Doc[]).map((e) => e['name']);
    for (const v of ['RAFTLOCK_PEER_CERT', 'RAFTLOCK_PEER_ALLOWED_NAMES', 'RAFTLOCK_CLIENT_CERT', 'RAFTLOCK_CLIENT_CA']) assert.ok(env.includes(v), `prod sets ${v}`);
  });

  test('a patch that misses its path or target is an error, as in kustomize (negative)', () => {
    const sts = clone(find('StatefulSet', 'raftlock'));
    assert.throws(() => applyJsonPatch(sts, [{ op: 'replace', path: '/spec/template/spec/containers/0/resourcez', value: {} }]), /nothing there to replace/);
    assert.throws(() => applyJsonPatch(sts, [{ op: 'remove', path: '/spec/nope/x' }]), /nope does not exist/);
    const bad = clone(find('StatefulSet', 'raftlock'));
    applyJsonPatch(bad, [{ op: 'add', path: '/spec/template/spec/topologySpreadConstraint', value: [] }]);
    return validateManifest(bad).then((errors) => assert.deepEqual(errors, ['spec.template.spec.topologySpreadConstraint: unknown field in V1PodSpec']));
  });
});

describe('Dockerfile', () => {
  test('declares a node:20-slim build with npm ci + tsc and runs raftlockd as a non-root user (static check: no Docker engine here)', () => {
    const text = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const from = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.ok(from.length >= 1 && from.every((f) => f === 'node:20-slim'), `FROM lines: ${from.join(', ')}`);
    assert.match(text, /^RUN npm ci$/m);
    assert.match(text, /npx tsc -p tsconfig\.build\.json/);
    const user = /^USER (\S+)$/m.exec(text);
    assert.ok(user !== null && !/^(root|0)(:|$)/.test(user[1]!), 'runs as a non-root user');
    assert.match(text, /^ENTRYPOINT \["node", "--single-threaded-gc", "dist\/cmd\/raftlockd\.js"\]$/m);
    assert.match(text, /^CMD \["--config", "\/etc\/raftlock\/raftlock\.yaml"\]$/m);
  });
});
