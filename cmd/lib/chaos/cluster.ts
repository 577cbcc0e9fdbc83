// A real raftlockd cluster whose members reach each other only through the FaultProxy: each
// member listens on its own peer port, but the --initial-cluster every member gets (the same
// string everywhere) names the proxy's port for each destination.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberIdFor } from '../../../src/config/member-id.js';
import { freePort, spawnDaemon } from '../daemon-process.js';
import { FaultProxy, type ProxyOptions } from './proxy.js';

export interface ChaosMember {
  name: string;
  id: number;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  url: string;
  proc: ChildProcess | null;
  paused: boolean;
  /** Flags for the current incarnation only (e.g. a slow disk). */
  extraArgs: string[];
  output: string[];
  starts: number;
}

export interface ChaosClusterOptions {
  size: number;
  /** Flags for every member, e.g. timing. */
  memberArgs?: string[];
  /** Keep the data directories (for post-mortems). */
  keepData?: boolean;
  /** The entry point each member runs (default: raftlockd); tests pass their unsafe-hook entry. */
  daemonScript?: string;
  /** TLS on both ports (flags per member, from security.ts); URLs become https. */
  tls?: { memberArgs(name: string): string[]; proxyTls: NonNullable<ProxyOptions['tls']> };
}

const CLUSTER_TOKEN = 'raftlock';
const OUTPUT_LINES = 400;

export class ChaosCluster {
  readonly members: ChaosMember[] = [];

  private constructor(
    readonly root: string,
    readonly proxy: FaultProxy,
    private readonly opts: ChaosClusterOptions,
  ) {}

  static async start(opts: ChaosClusterOptions): Promise<ChaosCluster> {
    if (opts.size < 1 || opts.size > 9) throw new Error(`ChaosCluster: size ${opts.size} out of range 1..9`);
    const root = mkdtempSync(join(tmpdir(), 'raftlock-chaos-'));
    const specs: Omit<ChaosMember, 'proc' | 'paused' | 'extraArgs' | 'output' | 'starts'>[] = [];
    for (let i = 0; i < opts.size; i++) {
      const name = `m${i + 1}`;
      const clientPort = await freePort();
      const peerPort = await freePort();
      const scheme = opts.tls ? 'https' : 'http';
      specs.push({ name, id: memberIdFor(name, CLUSTER_TOKEN), clientPort, peerPort, dataDir: join(root, name), url: `${scheme}://127.0.0.1:${clientPort}` });
    }
    const proxy = await FaultProxy.start(specs.map((s) => ({ name: s.name, id: s.id, peerPort: s.peerPort })), opts.tls ? { tls: opts.tls.proxyTls } : {});
    const c = new ChaosCluster(root, proxy, opts);
    for (const s of specs) c.members.push({ ...s, proc: null, paused: false, extraArgs: [], output: [], starts: 0 });
    for (const m of c.members) c.spawn(m);
    return c;
  }

  member(name: string): ChaosMember {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`ChaosCluster: no member ${name}`);
    return m;
  }

  initialCluster(): string {
    const scheme = this.opts.tls ? 'https' : 'http';
    return this.members.map((m) => `${m.name}=${scheme}://127.0.0.1:${this.proxy.portOf(m.name)}|${m.url}`).join(',');
  }

  isRunning(m: ChaosMember): boolean {
    return !!m.proc && m.proc.exitCode === null && m.proc.signalCode === null;
  }

  /** Running and not paused: can answer requests. */
  isServing(m: ChaosMember): boolean {
    return this.isRunning(m) && !m.paused;
  }

  spawn(m: ChaosMember, extraArgs: string[] = []): void {
    if (this.isRunning(m)) throw new Error(`ChaosCluster: ${m.name} is already running`);
    // Output is kept across restarts: a member's earlier incarnations explain its later trouble.
    const own = this.opts.tls?.memberArgs(m.name) ?? [];
    m.proc = spawnDaemon(m, this.initialCluster(), [...(this.opts.memberArgs ?? []), ...own, ...extraArgs], m.output, OUTPUT_LINES, undefined, this.opts.daemonScript);
    m.extraArgs = extraArgs;
    m.paused = false;
    m.starts++;
  }

  async kill(m: ChaosMember): Promise<void> {
    const p = m.proc;
    if (!p || !this.isRunning(m)) return;
    const exited = new Promise<void>((res) => p.once('exit', () => res()));
    p.kill('SIGKILL');
    await exited;
    m.paused = false;
  }

  pause(m: ChaosMember): void {
    if (!this.isRunning(m)) throw new Error(`ChaosCluster: cannot pause ${m.name}: not running`);
    if (m.paused) return;
    m.proc!.kill('SIGSTOP');
    m.paused = true;
  }

  resume(m: ChaosMember): void {
    if (!m.paused) return;
    if (this.isRunning(m)) m.proc!.kill('SIGCONT');
    m.paused = false;
  }

  /** Crash (SIGKILL) and start again, with `extraArgs` for the new incarnation. */
  async restart(m: ChaosMember, extraArgs: string[] = []): Promise<void> {
    await this.kill(m);
    this.spawn(m, extraArgs);
  }

  async destroy(): Promise<void> {
    for (const m of this.members) this.resume(m);
    await Promise.all(this.members.map((m) => this.kill(m)));
    await this.proxy.stop();
    if (!this.opts.keepData) rmSync(this.root, { recursive: true, force: true });
  }

  logs(m: ChaosMember): string {
    return m.output.join('');
  }
}
