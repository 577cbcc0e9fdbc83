// Real raftlockd processes for tests: free loopback ports, temp data dirs, and bookkeeping so
// every process a test starts is stopped again. The spawn and the port allocator live in
// cmd/lib/daemon-process.ts (the chaos tool uses them too); they are re-exported here.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON, DAEMON_NODE_FLAGS, freePort, spawnDaemon as spawnBase } from '../../cmd/lib/daemon-process.js';

export { DAEMON, DAEMON_NODE_FLAGS, freePort };
/** The test-only daemon with unsafe hooks (unsafe-raftlockd.ts). */
export const UNSAFE_DAEMON = fileURLToPath(new URL('./unsafe-raftlockd.js', import.meta.url));

/** spawnDaemon of cmd/lib, starting the test-only unsafe entry when the args ask for a hook. */
export function spawnDaemon(
  m: { name: string; dataDir: string; clientPort: number; peerPort: number },
  initialCluster: string,
  args: string[],
  output: string[],
  maxChunks: number,
  env?: Record<string, string>,
): ChildProcess {
  const script = args.some((a) => a.startsWith('--testing-unsafe-')) ? UNSAFE_DAEMON : DAEMON;
  return spawnBase(m, initialCluster, args, output, maxChunks, env, script);
}

export interface ProcMember {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  url: string;
  proc: ChildProcess | null;
  output: string[];
}

export interface ClusterOptions {
  size: number;
  /** Extra flags for every member. */
  extraArgs?: string[];
  /** Extra flags for one member (e.g. its own certificate files). */
  memberArgs?: (m: ProcMember) => string[];
  /** `https` where the members serve TLS on that port (default http). */
  peerScheme?: 'http' | 'https';
  clientScheme?: 'http' | 'https';
  /** Extra flags for the member at `index` (e.g. its own port of an extra listener). */
  argsFor?: (index: number) => string[];
  env?: Record<string, string>;
}

export class ProcessCluster {
  readonly members: ProcMember[] = [];
  readonly root: string;
  private readonly opts: ClusterOptions;

  private constructor(opts: ClusterOptions, root: string) {
    this.opts = opts;
    this.root = root;
  }

  static async start(opts: ClusterOptions): Promise<ProcessCluster> {
    const c = new ProcessCluster(opts, mkdtempSync(join(tmpdir(), 'raftlock-test-')));
    for (let i = 0; i < opts.size; i++) {
      const clientPort = await freePort();
      const peerPort = await freePort();
      c.members.push({
        name: `m${i + 1}`,
        clientPort,
        peerPort,
        dataDir: join(c.root, `m${i + 1}`),
        url: `${opts.clientScheme ?? 'http'}://127.0.0.1:${clientPort}`,
        proc: null,
        output: [],
      });
    }
    for (const m of c.members) c.spawn(m);
    return c;
  }

  initialCluster(): string {
    const ps = this.opts.peerScheme ?? 'http';
    const cs = this.opts.clientScheme ?? 'http';
    return this.members.map((m) => `${m.name}=${ps}://127.0.0.1:${m.peerPort}|${cs}://127.0.0.1:${m.clientPort}`).join(',');
  }

  /** A new member (not started): for membership tests. It is included in initialCluster(). */
  async addMember(name: string): Promise<ProcMember> {
    const m: ProcMember = {
      name,
      clientPort: await freePort(),
      peerPort: await freePort(),
      dataDir: join(this.root, name),
      url: '',
      proc: null,
      output: [],
    };
    m.url = `${this.opts.clientScheme ?? 'http'}://127.0.0.1:${m.clientPort}`;
    this.members.push(m);
    return m;
  }

  spawn(m: ProcMember, extraArgs: string[] = []): void {
    if (m.proc && m.proc.exitCode === null && m.proc.signalCode === null) throw new Error(`${m.name} is already running`);
    m.output = [];
    const own = [...(this.opts.memberArgs?.(m) ?? []), ...(this.opts.argsFor?.(this.members.indexOf(m)) ?? [])];
    m.proc = spawnDaemon(m, this.initialCluster(), [...(this.opts.extraArgs ?? []), ...own, ...extraArgs], m.output, 200, this.opts.env);
  }

  isRunning(m: ProcMember): boolean {
    return !!m.proc && m.proc.exitCode === null && m.proc.signalCode === null;
  }

  /** Send `signal` and wait for the process to exit; resolves with its exit code/signal. */
  async kill(m: ProcMember, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const p = m.proc;
    if (!p || !this.isRunning(m)) return { code: p?.exitCode ?? null, signal: p?.signalCode ?? null };
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => p.once('exit', (code, sig) => res({ code, signal: sig })));
    p.kill(signal);
    return exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.members.map((m) => this.kill(m, 'SIGKILL')));
  }

  async destroy(): Promise<void> {
    await this.stopAll();
    rmSync(this.root, { recursive: true, force: true });
  }

  logs(m: ProcMember): string {
    return m.output.join('');
  }
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = any>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...(headers ?? {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text.length ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/**
 * Poll `fn` until it returns a value other than undefined, or fail after `timeoutMs` with the
 * last error. This waits for a condition; it is not a sleep used as synchronisation.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Wait until every running member agrees on one leader; returns it. */
export async function waitForLeader(c: ProcessCluster, timeoutMs = 20_000, among: ProcMember[] = c.members): Promise<ProcMember> {
  return eventually('a leader all running members agree on', async () => {
    const running = among.filter((m) => c.isRunning(m));
    const leaders = new Set<string>();
    for (const m of running) {
      const r = await http('GET', `${m.url}/v1/cluster`);
      if (r.status !== 200 || !r.body.leader) return undefined;
      leaders.add(r.body.leader.name);
    }
    if (leaders.size !== 1) return undefined;
    const name = [...leaders][0];
    return c.members.find((m) => m.name === name && c.isRunning(m));
  }, timeoutMs);
}
