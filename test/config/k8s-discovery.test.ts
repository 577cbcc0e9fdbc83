import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, discoverK8sPeers, k8sDiscoveryInputFromEnv, loadConfig, memberIdFor } from '../../src/config/index.js';

describe('discoverK8sPeers (pure)', () => {
  test('headless-service DNS names from the pod ordinal', () => {
    const d = discoverK8sPeers({ podName: 'raftlock-1', replicas: 3, service: 'raftlock-peers', namespace: 'coord', peerPort: 7380, clientPort: 7379 });
    assert.equal(d.name, 'raftlock-1');
    assert.equal(d.ordinal, 1);
    assert.deepEqual(d.initialCluster, [
      { name: 'raftlock-0', peerUrl: 'http://raftlock-0.raftlock-peers.coord.svc.cluster.local:7380', clientUrl: 'http://raftlock-0.raftlock-peers.coord.svc.cluster.local:7379' },
      { name: 'raftlock-1', peerUrl: 'http://raftlock-1.raftlock-peers.coord.svc.cluster.local:7380', clientUrl: 'http://raftlock-1.raftlock-peers.coord.svc.cluster.local:7379' },
      { name: 'raftlock-2', peerUrl: 'http://raftlock-2.raftlock-peers.coord.svc.cluster.local:7380', clientUrl: 'http://raftlock-2.raftlock-peers.coord.svc.cluster.local:7379' },
    ]);
    assert.equal(d.advertisePeerUrl, 'http://raftlock-1.raftlock-peers.coord.svc.cluster.local:7380');
    assert.equal(d.listenPeer, '0.0.0.0:7380');
    assert.equal(d.listenClient, '0.0.0.0:7379');
  });

  test('the set name comes from the pod name and the cluster domain is configurable', () => {
    const d = discoverK8sPeers({ podName: 'locks-a-0', replicas: 1, service: 's', namespace: 'n', peerPort: 1, clientPort: 2, clusterDomain: 'example.internal' });
    assert.equal(d.initialCluster[0]!.peerUrl, 'http://locks-a-0.s.n.svc.example.internal:1');
  });

  test('a loopback host template with distinct addresses', () => {
    const d = discoverK8sPeers({ podName: 'raftlock-2', replicas: 3, service: 'svc', namespace: 'ns', peerPort: 7380, clientPort: 7379, hostTemplate: '127.0.0.{i+1}' });
    assert.deepEqual(d.initialCluster.map((m) => m.peerUrl), ['http://127.0.0.1:7380', 'http://127.0.0.2:7380', 'http://127.0.0.3:7380']);
    assert.equal(d.listenPeer, '127.0.0.3:7380');
    assert.equal(d.listenClient, '127.0.0.3:7379');
  });

  test('one loopback address with port offsets', () => {
    const d = discoverK8sPeers({ podName: 'raftlock-1', replicas: 3, service: 'svc', namespace: 'ns', peerPort: 20000, clientPort: 20001, hostTemplate: '127.0.0.1', portStride: 10 });
    assert.deepEqual(d.initialCluster.map((m) => [m.peerUrl, m.clientUrl]), [
      ['http://127.0.0.1:20000', 'http://127.0.0.1:20001'],
      ['http://127.0.0.1:20010', 'http://127.0.0.1:20011'],
      ['http://127.0.0.1:20020', 'http://127.0.0.1:20021'],
    ]);
    assert.equal(d.listenPeer, '127.0.0.1:20010');
    assert.equal(d.listenClient, '127.0.0.1:20011');
  });

  test('a pod beyond the founders is a scaled member: it joins the founders', () => {
    const base = { replicas: 3, service: 'svc', namespace: 'ns', peerPort: 7380, clientPort: 7379 };
    const founder = discoverK8sPeers({ ...base, podName: 'raftlock-2' });
    assert.equal(founder.scaled, false);
    const d = discoverK8sPeers({ ...base, podName: 'raftlock-4' });
    assert.equal(d.scaled, true);
    assert.equal(d.name, 'raftlock-4');
    assert.deepEqual(d.initialCluster.map((m) => m.name), ['raftlock-0', 'raftlock-1', 'raftlock-2', 'raftlock-4']);
    assert.equal(d.advertisePeerUrl, 'http://raftlock-4.svc.ns.svc.cluster.local:7380');
    const env = { POD_NAME: 'raftlock-3', POD_NAMESPACE: 'ns', RAFTLOCK_REPLICAS: '3', RAFTLOCK_SERVICE: 'svc', RAFTLOCK_K8S_DISCOVERY: 'true' };
    const cfg = loadConfig({ argv: [], env, cwd: '/tmp' });
    assert.equal(cfg.join, true, 'a scaled member joins');
    assert.equal(cfg.name, 'raftlock-3');
    assert.equal(loadConfig({ argv: [], env: { ...env, POD_NAME: 'raftlock-1' }, cwd: '/tmp' }).join, false, 'a founder bootstraps');
  });

  test('rejects bad input', () => {
    const base = { podName: 'raftlock-0', replicas: 3, service: 'svc', namespace: 'ns', peerPort: 7380, clientPort: 7379 };
    assert.throws(() => discoverK8sPeers({ ...base, podName: 'raftlock' }), /POD_NAME must look like <statefulset>-<ordinal>/);
    assert.throws(() => discoverK8sPeers({ ...base, podName: 'raftlock-15' }), /ordinal 15 is beyond the 15 members/);
    assert.throws(() => discoverK8sPeers({ ...base, replicas: 0 }), /RAFTLOCK_REPLICAS must be an integer in 1\.\.15/);
    assert.throws(() => discoverK8sPeers({ ...base, hostTemplate: '{pod}.x' }), /unknown placeholder \{pod\}/);
    assert.throws(() => discoverK8sPeers({ ...base, hostTemplate: 'a b' }), /invalid host/);
    assert.throws(() => discoverK8sPeers({ ...base, peerPort: 65535, portStride: 1, podName: 'raftlock-1' }), ConfigError);
  });
});

describe('discovery from the environment', () => {
  const env = {
    RAFTLOCK_K8S_DISCOVERY: 'true',
    POD_NAME: 'raftlock-1',
    POD_NAMESPACE: 'default',
    RAFTLOCK_REPLICAS: '3',
    RAFTLOCK_SERVICE: 'raftlock-headless',
  };

  test('k8sDiscoveryInputFromEnv reads the StatefulSet variables', () => {
    const input = k8sDiscoveryInputFromEnv({ ...env, RAFTLOCK_K8S_PORT_STRIDE: '2' }, { peerPort: 1, clientPort: 2 });
    assert.deepEqual(input, { podName: 'raftlock-1', namespace: 'default', service: 'raftlock-headless', replicas: 3, peerPort: 1, clientPort: 2, portStride: 2 });
    assert.throws(() => k8sDiscoveryInputFromEnv({ ...env, POD_NAME: undefined }, { peerPort: 1, clientPort: 2 }), /POD_NAME must be set/);
    assert.throws(() => k8sDiscoveryInputFromEnv({ ...env, RAFTLOCK_REPLICAS: 'three' }, { peerPort: 1, clientPort: 2 }), /RAFTLOCK_REPLICAS must be a non-negative integer/);
  });

  test('loadConfig derives name, cluster and addresses; explicit env and flags still win', () => {
    const c = loadConfig({ argv: [], env, cwd: '/data' });
    assert.equal(c.k8sDiscovery, true);
    assert.equal(c.name, 'raftlock-1');
    assert.equal(c.memberId, memberIdFor('raftlock-1', 'raftlock'));
    assert.equal(c.listenPeer, '0.0.0.0:7380');
    assert.equal(c.advertiseClientUrl, 'http://raftlock-1.raftlock-headless.default.svc.cluster.local:7379');
    assert.deepEqual(c.initialCluster.map((m) => m.name), ['raftlock-0', 'raftlock-1', 'raftlock-2']);
    assert.equal(c.dataDir, '/data/data/raftlock-1');

    const flagged = loadConfig({ argv: ['--listen-client', '0.0.0.0:9000', '--advertise-client-url', 'http://raftlock-1.raftlock-headless.default.svc.cluster.local:7379'], env, cwd: '/data' });
    assert.equal(flagged.listenClient, '0.0.0.0:9000');
  });

  test('the same environment maps onto loopback with a host template', () => {
    const loop = { ...env, RAFTLOCK_K8S_HOST_TEMPLATE: '127.0.0.1', RAFTLOCK_K8S_PORT_STRIDE: '10', RAFTLOCK_LISTEN_PEER: undefined };
    const c = loadConfig({ argv: [], env: loop, cwd: '/data' });
    assert.equal(c.listenPeer, '127.0.0.1:7390');
    assert.equal(c.listenClient, '127.0.0.1:7389');
    assert.equal(c.advertisePeerUrl, 'http://127.0.0.1:7390');
    assert.deepEqual(c.initialCluster.map((m) => m.peerUrl), ['http://127.0.0.1:7380', 'http://127.0.0.1:7390', 'http://127.0.0.1:7400']);
  });

  test('with TLS on (file, environment or flag), every discovered URL of that port says https://', () => {
    const host = (i: number) => `raftlock-${i}.raftlock-headless.default.svc.cluster.local`;
    const peerTls = { RAFTLOCK_PEER_CERT: '/tls/peer/tls.crt', RAFTLOCK_PEER_KEY: '/tls/peer/tls.key', RAFTLOCK_PEER_CA: '/tls/peer/ca.crt' };
    const peerOnly = loadConfig({ argv: [], env: { ...env, ...peerTls }, cwd: '/data' });
    assert.deepEqual(peerOnly.initialCluster.map((m) => m.peerUrl), [0, 1, 2].map((i) => `https://${host(i)}:7380`));
    assert.deepEqual(peerOnly.initialCluster.map((m) => m.clientUrl), [0, 1, 2].map((i) => `http://${host(i)}:7379`));
    assert.equal(peerOnly.advertisePeerUrl, `https://${host(1)}:7380`);
    const both = loadConfig({ argv: ['--client-cert', '/tls/c.crt', '--client-key', '/tls/c.key'], env: { ...env, ...peerTls, RAFTLOCK_PEER_ALLOWED_NAMES: '*.raftlock-headless.default.svc.cluster.local' }, cwd: '/data' });
    assert.ok(both.initialCluster.every((m) => m.peerUrl.startsWith('https://') && m.clientUrl.startsWith('https://')));
    assert.equal(both.advertiseClientUrl, `https://${host(1)}:7379`);
    assert.deepEqual(both.tls.peer?.allowedNames, ['*.raftlock-headless.default.svc.cluster.local']);
    // A scaled member joins with https URLs too.
    const scaled = loadConfig({ argv: [], env: { ...env, ...peerTls, POD_NAME: 'raftlock-4' }, cwd: '/data' });
    assert.equal(scaled.join, true);
    assert.deepEqual(scaled.initialCluster.map((m) => m.peerUrl), [0, 1, 2, 4].map((i) => `https://${host(i)}:7380`));
    // Without TLS nothing changes.
    assert.ok(loadConfig({ argv: [], env, cwd: '/data' }).initialCluster.every((m) => m.peerUrl.startsWith('http://')));
  });

  test('the --k8s-discovery flag turns it on too, and missing variables are config errors', () => {
    const { RAFTLOCK_K8S_DISCOVERY: _ignored, ...rest } = env;
    assert.equal(loadConfig({ argv: ['--k8s-discovery'], env: rest, cwd: '/data' }).name, 'raftlock-1');
    assert.equal(loadConfig({ argv: [], env: rest, cwd: '/data' }).k8sDiscovery, false);
    assert.throws(() => loadConfig({ argv: ['--k8s-discovery'], env: {}, cwd: '/data' }), (e: unknown) => e instanceof ConfigError && /must be set when Kubernetes discovery is on/.test(e.message));
  });
});
