// `npm run bench -- --compare-security`: three local three-member clusters started side by side
// on free loopback ports, each in its own temporary data directory, so one bench run can measure
// the cost of transport security and of authentication with interleaved rounds:
//   plain     no TLS, no auth;
//   tls       TLS on the client and peer ports (client certificates required, mutual TLS between
//             members), certificates made with openssl as `npm start -- --tls` makes them;
//   tls+auth  the same, with auth on: requests carry the token of a user whose only role grants
//             readwrite on the prefix `bench` (the bench's keys `bench/...`, locks `bench-...`), so
//             every request pays the token check and the permission check.
// Idle clusters cost little (heartbeats), so the one being measured has the machine as much as a
// shared machine allows.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ensureDevCertificates, memberArgs, type LocalMember } from '../local-cluster.js';
import { DAEMON, DAEMON_NODE_FLAGS } from './daemon-process.js';
import { freePorts, stopper } from './start-cluster.js';

export type SecurityMode = 'plain' | 'tls' | 'tls+auth';
export const SECURITY_MODES: readonly SecurityMode[] = ['plain', 'tls', 'tls+auth'];

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface BenchCluster {
  mode: SecurityMode;
  /** Client URLs of the three members. */
  urls: string[];
  pids: number[];
  /** Its data (and certificates), removed by stop(). */
  dir: string;
  /** Client TLS material (modes tls and tls+auth). */
  tls?: TlsMaterial;
  /** The scoped user (mode tls+auth). */
  user?: { name: string; password: string };
  stop(): Promise<void>;
}

/** The bench's user in tls+auth mode and the prefix its role may read and write. */
export const BENCH_USER = { name: 'bench', password: 'bench-password', prefix: 'bench' } as const;
const ROOT_PASSWORD = 'bench-root-password';
const START_TIMEOUT_MS = 60_000;


async function call(dispatcher: Agent, method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const r = await request(url, { method, dispatcher, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.statusCode, json };
}

/** Starts one cluster of `mode` and waits until it has a leader (and, for tls+auth, auth is on). */
export async function startBenchCluster(mode: SecurityMode, opts: { logLevel?: string } = {}): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), `raftlock-bench-${mode.replace('+', '-')}-`));
  const members: LocalMember[] = [];
  const ports = await freePorts(6);
  for (let i = 0; i < 3; i++) members.push({ name: `n${i + 1}`, clientPort: ports[2 * i]!, peerPort: ports[2 * i + 1]! });
  const secure = mode !== 'plain';
  const tlsDir = secure ? join(dir, 'tls') : undefined;
  if (tlsDir !== undefined) ensureDevCertificates(tlsDir, members);
  const tls: TlsMaterial | undefined =
    tlsDir === undefined
      ? undefined
      : {
          ca: readFileSync(join(tlsDir, 'client-ca', 'ca.crt')),
          cert: readFileSync(join(tlsDir, 'client-ca', 'client.crt')),
          key: readFileSync(join(tlsDir, 'client-ca', 'client.key')),
        };
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const stop = stopper(children, dir);

  const scheme = secure ? 'https' : 'http';
  const urls = members.map((m) => `${scheme}://127.0.0.1:${m.clientPort}`);
  const dispatcher = new Agent({ connect: tls === undefined ? {} : { ca: tls.ca, cert: tls.cert, key: tls.key } });
  try {
    for (const m of members) {
      const k = spawn(process.execPath, [...DAEMON_NODE_FLAGS, DAEMON, ...memberArgs(m, members, dir, ['--log-level', opts.logLevel ?? 'warn'], tlsDir)], { stdio: ['ignore', 'ignore', 'pipe'] });
      k.stderr!.on('data', (b: Buffer) => {
        output.push(b.toString());
        if (output.length > 50) output.shift();
      });
      children.push(k);
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    const until = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
      for (;;) {
        const dead = children.find((k) => k.exitCode !== null);
        if (dead !== undefined) throw new Error(`bench ${mode} cluster: a member exited with ${dead.exitCode} while waiting for ${what}:\n${output.join('')}`);
        if (await ok().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`bench ${mode} cluster: timed out waiting for ${what}:\n${output.join('')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until('a leader', async () => {
      const views = await Promise.all(urls.map(async (u) => (await call(dispatcher, 'GET', `${u}/v1/cluster`)).json as { leader?: { name?: string } | null }));
      return views.every((v) => typeof v.leader?.name === 'string');
    });
    let user: BenchCluster['user'];
    if (mode === 'tls+auth') {
      const u = urls[0]!;
      const steps: [string, unknown][] = [
        ['/v1/auth/users', { name: 'root', password: ROOT_PASSWORD }],
        ['/v1/auth/users/root/roles', { role: 'root' }],
        ['/v1/auth/users', { name: BENCH_USER.name, password: BENCH_USER.password }],
        ['/v1/auth/roles', { name: BENCH_USER.name }],
        [`/v1/auth/roles/${BENCH_USER.name}/permissions`, { prefix: BENCH_USER.prefix, access: 'readwrite' }],
        [`/v1/auth/users/${BENCH_USER.name}/roles`, { role: BENCH_USER.name }],
        ['/v1/auth/enable', undefined],
      ];
      for (const [path, body] of steps) {
        const r = await call(dispatcher, 'POST', `${u}${path}`, body);
        if (r.status !== 200) throw new Error(`bench ${mode} cluster: POST ${path} answered ${r.status} ${JSON.stringify(r.json)}`);
      }
      user = { name: BENCH_USER.name, password: BENCH_USER.password };
      // Enabled on every member: an unauthenticated read is refused everywhere.
      await until('auth on every member', async () => {
        const rs = await Promise.all(urls.map((x) => call(dispatcher, 'GET', `${x}/v1/kv/${BENCH_USER.prefix}%2Fprobe`)));
        return rs.every((r) => r.status === 401);
      });
    }
    return { mode, urls, pids: children.map((k) => k.pid ?? 0), dir, ...(tls === undefined ? {} : { tls }), ...(user === undefined ? {} : { user }), stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await dispatcher.close();
  }
}
