// Kubernetes peer discovery, end to end: three raftlockd processes get exactly the environment the
// StatefulSet in deploy/kubernetes gives its pods (env and args read from statefulset.yaml, the
// config file from configmap.yaml) and must form one cluster named raftlock-0..2 with one leader,
// every member ready. Two things are mapped, the way a pod's surroundings would be:
//   - the pod network: RAFTLOCK_K8S_HOST_TEMPLATE=127.0.0.1 and RAFTLOCK_K8S_PORT_STRIDE put the
//     members on loopback, at free ports written into the config file's listen addresses;
//   - the volume: the config file's dataDir (the pod's PVC mount) becomes a per-pod temp dir.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { dump, load } from 'js-yaml';
import { eventually, http } from '../helpers/process-cluster.js';
import { freePortRange } from '../helpers/port-range.js';
import { killPods, spawnPod } from '../helpers/pod-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S_DIR = join(ROOT, 'deploy', 'kubernetes');
const NAMESPACE = 'raftlock-test';
/** Client, peer and metrics ports of one member sit next to each other (7379/7380/7381 in the ConfigMap). */
const STRIDE = 3;
/** Pods the scaling test runs at most (3 -> 5). */
const MAX_PODS = 5;
/** Most stored output chunks per member (for failure messages). */
const MAX_OUTPUT_CHUNKS = 200;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface StatefulSet {
  metadata: { name: string };
  spec: {
    replicas: number;
    template: { spec: { containers: { name: string; args?: string[]; env?: EnvVar[] }[] } };
  };
}

function readYaml<T>(file: string): T {
  return load(readFileSync(join(K8S_DIR, file), 'utf8')) as T;
}

/** The downward-API fields the StatefulSet uses, as Kubernetes would fill them for pod `ordinal`. */
function podEnv(set: StatefulSet, ordinal: number): Record<string, string> {
  const container = set.spec.template.spec.containers.find((c) => c.name === 'raftlockd');
  if (container === undefined) throw new Error('statefulset.yaml has no raftlockd container');
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') out[e.name] = `${set.metadata.name}-${ordinal}`;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') out[e.name] = NAMESPACE;
    else throw new Error(`env ${e.name}: the test does not know how Kubernetes fills ${JSON.stringify(e.valueFrom)}`);
  }
  return out;
}


interface Pod {
  name: string;
  url: string;
  proc: ChildProcess;
  output: string[];
}

describe('Kubernetes discovery with the StatefulSet environment', { timeout: 150_000 }, () => {
  const set = readYaml<StatefulSet>('statefulset.yaml');
  const configMap = readYaml<{ data: Record<string, string> }>('configmap.yaml');
  const root = mkdtempSync(join(tmpdir(), 'raftlock-k8s-'));
  const pods: Pod[] = [];

  /** Pods 0..MAX_PODS-1 each get STRIDE ports (client, peer, metrics) starting at `base`. */
  let base = 0;
  let startPod: (i: number) => Pod;

  before(async () => {
    const container = set.spec.template.spec.containers.find((c) => c.name === 'raftlockd')!;
    const args = container.args ?? [];
    const cfgFlag = args.indexOf('--config');
    assert.ok(cfgFlag >= 0 && args[cfgFlag + 1] !== undefined, `the container must pass --config: ${JSON.stringify(args)}`);
    const mountedName = args[cfgFlag + 1]!.split('/').pop()!;
    const fileText = configMap.data[mountedName];
    assert.ok(fileText !== undefined, `configmap.yaml has no ${mountedName}`);
    const cfg = load(fileText) as Record<string, unknown>;

    base = await freePortRange(MAX_PODS * STRIDE);
    const parsePort = (hp: unknown): number => Number(String(hp).split(':').pop());
    assert.equal(parsePort(cfg['listenPeer']) - parsePort(cfg['listenClient']), 1, 'the ConfigMap puts the peer port right after the client port');

    // Pod `i` as the StatefulSet creates it: same template for every ordinal (scaling changes
    // only spec.replicas, never the pods' environment), its own volume.
    startPod = (i: number): Pod => {
      const env = podEnv(set, i);
      const dataDir = join(root, `pod-${i}`, 'data');
      mkdirSync(dataDir, { recursive: true });
      // Same file for every pod but the volume path; listen ports moved to the free range.
      const podCfg = { ...cfg, dataDir, listenClient: `0.0.0.0:${base}`, listenPeer: `0.0.0.0:${base + 1}`, listenMetrics: `127.0.0.1:${base + i * STRIDE + 2}` };
      const cfgPath = join(root, `pod-${i}`, mountedName);
      writeFileSync(cfgPath, dump(podCfg));
      const podArgs = [...args];
      podArgs[cfgFlag + 1] = cfgPath;
      const pod: Pod = { name: env['POD_NAME']!, url: `http://127.0.0.1:${base + i * STRIDE}`, ...spawnPod(podArgs, env, STRIDE, MAX_OUTPUT_CHUNKS) };
      pods.push(pod);
      return pod;
    };
    for (let i = 0; i < set.spec.replicas; i++) startPod(i);
  });

  after(async () => {
    await killPods(pods);
    rmSync(root, { recursive: true, force: true });
  });

  test('the manifests give the environment discovery needs', () => {
    const env = podEnv(set, 1);
    assert.equal(env['RAFTLOCK_K8S_DISCOVERY'], 'true');
    assert.equal(env['POD_NAME'], 'raftlock-1');
    assert.equal(env['POD_NAMESPACE'], NAMESPACE);
    assert.equal(env['RAFTLOCK_REPLICAS'], String(set.spec.replicas));
    assert.equal(env['RAFTLOCK_SERVICE'], 'raftlock');
  });

  test('three pods form one cluster raftlock-0..2 with one leader, and every /readyz turns 200', async () => {
    const describePods = () => pods.map((p) => `--- ${p.name} (exit ${p.proc.exitCode ?? p.proc.signalCode ?? 'running'})\n${p.output.join('').slice(-2000)}`).join('\n');
    const names = pods.map((_, i) => `${set.metadata.name}-${i}`);
    try {
      for (const p of pods) {
        await eventually(`${p.name} /readyz 200`, async () => {
          if (p.proc.exitCode !== null) throw new Error(`${p.name} exited with ${p.proc.exitCode}`);
          const r = await http('GET', `${p.url}/readyz`);
          return r.status === 200 ? true : undefined;
        }, 45_000, 100);
        // The kubelet's probes hit the metrics listener (listenMetrics), which answers the same.
        const metricsUrl = `http://127.0.0.1:${Number(new URL(p.url).port) + 2}`;
        assert.equal((await http('GET', `${metricsUrl}/readyz`)).status, 200, `${p.name} readiness probe on the metrics port`);
        assert.equal((await http('GET', `${metricsUrl}/livez`)).status, 200, `${p.name} liveness probe on the metrics port`);
      }
      const views = await eventually('one leader every pod agrees on', async () => {
        const vs = await Promise.all(pods.map(async (p) => (await http('GET', `${p.url}/v1/cluster`)).body));
        const leaders = new Set(vs.map((v) => v?.leader?.name));
        return leaders.size === 1 && !leaders.has(undefined) ? vs : undefined;
      }, 30_000);
      for (const [i, v] of views.entries()) {
        assert.equal(v.member.name, names[i], `pod ${i} calls itself ${v.member.name}`);
        assert.deepEqual(v.members.map((m: { name: string }) => m.name).sort(), names);
        assert.ok(names.includes(v.leader.name));
        assert.equal(v.members.filter((m: { role: string }) => m.role === 'leader').length, 1, `${names[i]} sees one leader: ${JSON.stringify(v.members)}`);
        for (const m of v.members as { name: string; clientUrl: string; peerUrl: string }[]) {
          const ord = names.indexOf(m.name);
          assert.equal(m.clientUrl, `http://127.0.0.1:${Number(new URL(pods[0]!.url).port) + ord * STRIDE}`);
          assert.equal(m.peerUrl, `http://127.0.0.1:${Number(new URL(pods[0]!.url).port) + 1 + ord * STRIDE}`);
        }
      }
      // It is one cluster, not three: a write through the last pod is read through the first.
      const put = await http('PUT', `${pods[2]!.url}/v1/kv/k8s%2Fhello`, { value: 'world' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const get = await http('GET', `${pods[0]!.url}/v1/kv/k8s%2Fhello`);
      assert.equal(get.status, 200);
      assert.equal(get.body.value, 'world');
    } catch (e) {
      (e as Error).message += `\n${describePods()}`;
      throw e;
    }
  });

  test('scaling 3 -> 5 joins the new pods as learners, then voters, restarting nobody; 5 -> 3 removes them', async () => {
    const founders = pods.slice(0, 3);
    const founderPids = founders.map((p) => p.proc.pid);
    const describePods = () => pods.map((p) => `--- ${p.name} (exit ${p.proc.exitCode ?? p.proc.signalCode ?? 'running'})\n${p.output.join('').slice(-3000)}`).join('\n');
    const view = async (p: Pod) => (await http('GET', `${p.url}/v1/cluster`)).body as { members: { name: string; role: string }[]; leader: { name: string } | null };
    try {
      for (let i = 0; i < 50; i++) assert.equal((await http('PUT', `${founders[0]!.url}/v1/kv/scale%2F${i}`, { value: String(i) })).status, 200);
      // kubectl scale statefulset raftlock --replicas=5: two new pods, same template.
      const added = [startPod(3), startPod(4)];
      const five = await eventually('five voters, the new pods ready', async () => {
        for (const p of added) if (p.proc.exitCode !== null) throw new Error(`${p.name} exited with ${p.proc.exitCode}`);
        const v = await view(founders[0]!);
        if (v.members.length !== 5 || v.members.some((m) => m.role === 'learner')) return undefined;
        for (const p of added) if ((await http('GET', `${p.url}/readyz`)).status !== 200) return undefined;
        // The pod logs its promotion after the leader has committed it, so the leader's view can
        // show five voters a moment before the new pod's line arrives on its stdout.
        if (!added.every((p) => p.output.join('').includes('promoted this member to a voter'))) return undefined;
        return v;
      }, 60_000, 100);
      assert.deepEqual(five.members.map((m) => m.name).sort(), ['raftlock-0', 'raftlock-1', 'raftlock-2', 'raftlock-3', 'raftlock-4']);
      for (const p of added) {
        const log = p.output.join('');
        const learner = log.indexOf('added this member as a learner');
        const promoted = log.indexOf('promoted this member to a voter');
        assert.ok(learner >= 0 && promoted > learner, `${p.name} joined as a learner first, then was promoted:\n${log.slice(-2000)}`);
        const r = await http('GET', `${p.url}/v1/kv?prefix=scale%2F&limit=100&consistency=serializable`);
        assert.equal(r.body.kvs.length, 50, `${p.name} holds the keys written before it existed`);
      }
      assert.deepEqual(founders.map((p) => p.proc.pid), founderPids);
      assert.ok(founders.every((p) => p.proc.exitCode === null && p.proc.signalCode === null), 'no founder was restarted');
      // A write needs the new voters now: 3 of 5.
      assert.equal((await http('PUT', `${added[1]!.url}/v1/kv/scale%2Ffive`, { value: 'x' })).status, 200);

      // kubectl scale --replicas=3: the two highest pods get SIGTERM together (Parallel policy).
      const exits = await Promise.all(added.map((p) => new Promise<number | null>((r) => {
        p.proc.once('exit', (code) => r(code));
        p.proc.kill('SIGTERM');
      })));
      assert.deepEqual(exits, [0, 0], 'both stopped cleanly');
      const three = await eventually('three voters again', async () => {
        const v = await view(founders[0]!);
        return v.members.length === 3 && v.leader !== null ? v : undefined;
      }, 30_000);
      assert.deepEqual(three.members.map((m) => m.name).sort(), ['raftlock-0', 'raftlock-1', 'raftlock-2']);
      // Scaling up again reuses the retained volume: the removed member walks back in with its
      // old log (learner, catch up, voter) and leaves again on SIGTERM.
      const again = startPod(4);
      await eventually('four voters with the returning pod', async () => {
        if (again.proc.exitCode !== null) throw new Error(`${again.name} exited with ${again.proc.exitCode}`);
        const v = await view(founders[0]!);
        if (v.members.length !== 4 || v.members.some((m) => m.role === 'learner')) return undefined;
        return again.output.join('').includes('promoted this member to a voter') ? true : undefined;
      }, 60_000, 100);
      assert.match(again.output.join(''), /added this member as a learner[\s\S]*promoted this member to a voter/);
      const r4 = await http('GET', `${again.url}/v1/kv/scale%2Ffive?consistency=serializable`);
      assert.equal(r4.body.value, 'x');
      const exit4 = await new Promise<number | null>((r) => {
        again.proc.once('exit', (code) => r(code));
        again.proc.kill('SIGTERM');
      });
      assert.equal(exit4, 0);
      await eventually('three voters once more', async () => ((await view(founders[0]!)).members.length === 3 ? true : undefined), 30_000);

      // The cluster commits with its three founders only, and tolerates losing one of them.
      founders[2]!.proc.kill('SIGKILL');
      await eventually('a write with two of three founders', async () => {
        const r = await http('PUT', `${founders[0]!.url}/v1/kv/scale%2Fthree`, { value: 'y' });
        return r.status === 200 ? true : undefined;
      }, 30_000);

      // That founder lost its volume: replaced under its own name as docs/operations.md says
      // (remove it, empty volume, add it back as a learner, catch up, promote).
      const lost = founders[2]!;
      assert.equal((await http('DELETE', `${founders[0]!.url}/v1/members/${lost.name}`)).status, 200);
      rmSync(join(root, 'pod-2', 'data'), { recursive: true, force: true });
      const port = Number(new URL(lost.url).port);
      const readd = await http('POST', `${founders[0]!.url}/v1/members`, { name: lost.name, peerUrl: `http://127.0.0.1:${port + 1}`, clientUrl: lost.url, learner: true });
      assert.equal(readd.status, 200, JSON.stringify(readd.body));
      const reborn = startPod(2);
      await eventually('the rebuilt founder to catch up', async () => {
        const mine = (await http('GET', `${reborn.url}/v1/cluster`)).body;
        const lead = (await http('GET', `${founders[0]!.url}/v1/cluster`)).body;
        return mine?.appliedIndex >= lead.commitIndex && mine.appliedIndex > 0 ? true : undefined;
      }, 30_000);
      assert.equal((await http('POST', `${founders[0]!.url}/v1/members/${lost.name}/promote`)).status, 200);
      const healed = await view(founders[0]!);
      assert.deepEqual(healed.members.map((m) => [m.name, m.role === 'learner']).sort(), [['raftlock-0', false], ['raftlock-1', false], ['raftlock-2', false]]);
      const r = await http('GET', `${reborn.url}/v1/kv?prefix=scale%2F&limit=100&consistency=serializable`);
      assert.equal(r.body.kvs.length, 52, 'the rebuilt founder holds every key');
      founders[1]!.proc.kill('SIGKILL');
      await eventually('a write with the rebuilt founder as one of two', async () => {
        const w = await http('PUT', `${reborn.url}/v1/kv/scale%2Frebuilt`, { value: 'z' });
        return w.status === 200 ? true : undefined;
      }, 30_000);
    } catch (e) {
      (e as Error).message += `\n${describePods()}`;
      throw e;
    }
  });
});
