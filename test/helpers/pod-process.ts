// raftlockd started as a StatefulSet pod would start it, for the suites that replay the
// manifests' environment on loopback (test/ops/k8s-discovery, test/ops/k8s-tls).

import { spawn, type ChildProcess } from 'node:child_process';
import { DAEMON, DAEMON_NODE_FLAGS } from './process-cluster.js';

export interface PodProcess {
  proc: ChildProcess;
  /** The last `maxChunks` pieces of its stdout and stderr. */
  output: string[];
}

/**
 * Start raftlockd with `args` and the pod's environment `env`. Nothing RAFTLOCK_* (or POD_*) from
 * the test runner's own environment leaks in; every pod's host is 127.0.0.1 and pod i's ports
 * are its base ports + i * `stride`.
 */
export function spawnPod(args: string[], env: Record<string, string>, stride: number, maxChunks: number): PodProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RAFTLOCK_') && k !== 'POD_NAME' && k !== 'POD_NAMESPACE'));
  const proc = spawn(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...inherited, ...env, RAFTLOCK_K8S_HOST_TEMPLATE: '127.0.0.1', RAFTLOCK_K8S_PORT_STRIDE: String(stride) },
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > maxChunks) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output };
}

/** SIGKILL every pod still running and wait until each has exited. */
export async function killPods(pods: readonly { proc: ChildProcess }[]): Promise<void> {
  await Promise.all(
    pods.map((p) => {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) return undefined;
      const exited = new Promise<void>((r) => p.proc.once('exit', () => r()));
      p.proc.kill('SIGKILL');
      return exited;
    }),
  );
}
