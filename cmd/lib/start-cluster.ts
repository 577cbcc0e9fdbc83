// Starts a fresh three-member cluster on free loopback ports for the bench (`--start`,
// `--snapshot-threshold`, `--compare-etcd start`): raftlock (one raftlockd process per member) or
// etcd 3.4 (Debian's etcd-server), data in a new temporary directory that stop() removes.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberArgs, type LocalMember } from '../local-cluster.js';
import { DAEMON, DAEMON_NODE_FLAGS } from './daemon-process.js';

const HOST = '127.0.0.1';

export interface StartedCluster {
  kind: 'raftlock' | 'etcd';
  /** Client URLs, comma-separated. */
  urls: string;
  pids: number[];
  dir: string;
  stop(): Promise<void>;
}

/** `n` distinct free loopback ports (each bound once to port 0, then released). */
/** `n` distinct free loopback ports (all held open together while they are picked). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((res, rej) => {
      const s = net.createServer();
      s.once('error', rej);
      s.listen({ port: 0, host: HOST }, () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Children of every cluster started and not stopped yet: killed, and their data removed, if
 *  this process exits first (an error, Ctrl-C), so no member outlives the bench. */
const live = new Map<ChildProcess[], string>();
let exitHook = false;
function track(children: ChildProcess[], dir: string): void {
  live.set(children, dir);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const [ks, d] of live) {
      for (const k of ks) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL');
      rmSync(d, { recursive: true, force: true });
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
}

/** stop() for a bench-started cluster: SIGKILL its processes, remove its data; also on exit. */
export function stopper(children: ChildProcess[], dir: string): () => Promise<void> {
  track(children, dir);
  return async () => {
    live.delete(children);
    await Promise.all(
      children.map((k) => {
        if (k.exitCode !== null || k.signalCode !== null) return undefined;
        const gone = new Promise((r) => k.once('exit', r));
        k.kill('SIGKILL');
        return gone;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Polls `ready` every 100 ms until it returns true or `ms` pass. */
async function until(ready: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
  return r.ok ? r.json() : null;
}

/** Three raftlockd members; `extra` flags go to each (e.g. --snapshot-threshold N). */
export async function startRaftlock(extra: string[] = []): Promise<StartedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-bench-'));
  const ports = await freePorts(6);
  const members: LocalMember[] = [0, 1, 2].map((i) => ({ name: `n${i + 1}`, clientPort: ports[2 * i]!, peerPort: ports[2 * i + 1]! }));
  const children = members.map((m) =>
    spawn(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON, ...memberArgs(m, members, dir, ['--log-level', 'warn', ...extra])], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  const stop = stopper(children, dir);
  const urls = members.map((m) => `http://${HOST}:${m.clientPort}`);
  try {
    await until(
      async () => {
        for (const u of urls) {
          const c = (await getJson(`${u}/v1/cluster`)) as { leader?: unknown } | null;
          if (!c?.leader) return false;
        }
        return true;
      },
      30_000,
      'raftlock cluster',
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { kind: 'raftlock', urls: urls.join(','), pids: children.map((k) => k.pid!), dir, stop };
}

/** Three etcd 3.4 members (the `etcd` binary on PATH), as scripts/etcd-local.sh starts them. */
export async function startEtcd(): Promise<StartedCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-bench-'));
  const ports = await freePorts(6);
  const names = ['e1', 'e2', 'e3'];
  const peer = (i: number) => `http://${HOST}:${ports[2 * i + 1]}`;
  const client = (i: number) => `http://${HOST}:${ports[2 * i]}`;
  const cluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const children = names.map((n, i) =>
    spawn(
      'etcd',
      [
        '--name', n, '--data-dir', join(dir, n),
        '--listen-client-urls', client(i), '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'raftlock-bench',
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    ),
  );
  const stop = stopper(children, dir);
  const urls = names.map((_, i) => client(i));
  try {
    await until(
      async () => {
        for (const u of urls) {
          const st = (await getJson(`${u}/v3/maintenance/status`, { method: 'POST', body: '{}' })) as { leader?: string } | null;
          if (!st?.leader || st.leader === '0') return false;
        }
        return true;
      },
      30_000,
      'etcd cluster',
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { kind: 'etcd', urls: urls.join(','), pids: children.map((k) => k.pid!), dir, stop };
}
