// `npm start` (cmd/local-cluster.ts) as a user runs it: on chosen ports, a member killed leaves
// the other two serving, the launcher names the member and prints the command that starts it
// again (which works), Ctrl-C stops the rest. A port in use is one line naming the port, from
// the launcher and from raftlockd itself.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { firstPortInUse, localMembers, MAX_BASE_PORT } from '../../cmd/local-cluster.js';
import { Agent, request } from 'undici';
import { Client } from '../../src/client/index.js';
import { DAEMON, DAEMON_NODE_FLAGS, eventually, freePort, http } from '../helpers/process-cluster.js';
import { etcdctl } from '../etcd/support.js';

const LAUNCHER = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/local-cluster.js');

interface Proc {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const proc = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const p: Proc = { proc, stdout: '', stderr: '', exited: new Promise((res) => proc.once('exit', (code, signal) => res({ code, signal }))) };
  proc.stdout!.on('data', (d: Buffer) => (p.stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (p.stderr += d.toString()));
  return p;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A base port whose six member ports are all free now. */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = await freePort();
    if (base > MAX_BASE_PORT) continue;
    if ((await firstPortInUse(localMembers(base).flatMap((m) => [m.clientPort, m.peerPort]))) === undefined) return base;
  }
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(port, '127.0.0.1', () => res(srv));
  });
}

describe('npm start (local-cluster)', { timeout: 120_000 }, () => {
  const pids = new Set<number>();
  const dirs: string[] = [];
  after(() => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'raftlock-local-test-'));
    dirs.push(d);
    return d;
  };

  test('a killed member leaves the others serving; its restart command brings it back; Ctrl-C stops the rest', async () => {
    const base = await freeBase();
    const members = localMembers(base);
    const urls = members.map((m) => `http://127.0.0.1:${m.clientPort}`);
    const env = { ...process.env, RAFTLOCK_LOCAL_BASE_PORT: String(base) };
    const launcher = run(process.execPath, [LAUNCHER, '--data', tmp(), '--log-level', 'warn'], env);
    pids.add(launcher.proc.pid!);

    const memberPids = await eventually('the launcher to list its three members', async () => {
      const found = [...launcher.stdout.matchAll(/^ {2}(n\d) {2}pid (\d+) {2}client (\S+)/gm)].map((m) => ({ name: m[1]!, pid: Number(m[2]), url: m[3]! }));
      return found.length === 3 ? found : undefined;
    });
    for (const m of memberPids) pids.add(m.pid);
    assert.deepEqual(memberPids.map((m) => m.url), urls, 'members listen on the base port, +100, +200');
    for (const m of memberPids) {
      // Each member runs with the daemon's V8 flags ahead of its script (cmd/lib/daemon-process.ts).
      const argv = readFileSync(`/proc/${m.pid}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(argv.slice(1, 1 + DAEMON_NODE_FLAGS.length), [...DAEMON_NODE_FLAGS], `${m.name}: ${argv.join(' ')}`);
    }

    const leader = await eventually('a leader', async () => {
      const r = await http('GET', `${urls[0]}/v1/cluster`);
      return r.status === 200 && r.body.leader ? (r.body.leader.name as string) : undefined;
    }, 30_000);
    const victim = memberPids.find((m) => m.name === leader)!;
    process.kill(victim.pid, 'SIGKILL');

    const restartLine = await eventually('the launcher to report the member that ended', async () => {
      const m = new RegExp(`member ${victim.name} \\(pid ${victim.pid}\\) ended \\(killed by SIGKILL\\);[^\\n]*keep running\\.\\n {2}start it again with:\\n {4}(.+)\\n`).exec(launcher.stderr);
      return m?.[1];
    });
    assert.equal(launcher.proc.exitCode, null, 'the launcher keeps running');
    const survivors = memberPids.filter((m) => m !== victim);
    for (const s of survivors) assert.ok(alive(s.pid), `${s.name} still runs`);

    // The two survivors elect a leader and take writes.
    const client = new Client({ endpoints: survivors.map((s) => s.url), deadlineMs: 20_000 });
    try {
      const put = await client.put('after-kill', 'still serving');
      assert.ok(put.revision > 0);

      // The printed command starts the member again; it catches up and serves the write.
      const again = run('sh', ['-c', `exec ${restartLine}`]);
      pids.add(again.proc.pid!);
      const back = new Client({ endpoints: [victim.url], deadlineMs: 20_000 });
      try {
        const kv = await eventually('the restarted member to serve the write made while it was down', async () => (await back.get('after-kill'))?.value, 30_000);
        assert.equal(kv, 'still serving');
      } finally {
        await back.close();
      }

      // Ctrl-C: the launcher stops the members it runs and exits 0.
      launcher.proc.kill('SIGINT');
      assert.deepEqual(await launcher.exited, { code: 0, signal: null }, launcher.stderr);
      for (const s of survivors) await eventually(`${s.name} to stop`, async () => (alive(s.pid) ? undefined : true));
      again.proc.kill('SIGTERM');
      await again.exited;
    } finally {
      await client.close();
    }
  });

  test('--tls: every port speaks TLS with certificates it makes under the data dir; clients present the one it made for them', async () => {
    const base = await freeBase();
    const data = tmp();
    const launcher = run(process.execPath, [LAUNCHER, '--data', data, '--base-port', String(base), '--tls', '--log-level', 'warn']);
    pids.add(launcher.proc.pid!);
    const memberPids = await eventually('the launcher to list its three members', async () => {
      const found = [...launcher.stdout.matchAll(/^ {2}(n\d) {2}pid (\d+) {2}client (\S+)/gm)].map((m) => ({ pid: Number(m[2]), url: m[3]! }));
      return found.length === 3 ? found : undefined;
    }, 30_000);
    for (const m of memberPids) pids.add(m.pid);
    assert.ok(memberPids.every((m) => m.url.startsWith('https://')), launcher.stdout);
    const tls = join(data, 'tls', 'client-ca');
    const agent = new Agent({ connect: { ca: readFileSync(join(tls, 'ca.crt')), cert: readFileSync(join(tls, 'client.crt')), key: readFileSync(join(tls, 'client.key')) } });
    try {
      const put = await eventually('a put over https', async () => {
        const r = await request(`${memberPids[1]!.url}/v1/kv/tls-hello`, { method: 'PUT', dispatcher: agent, body: '{"value":"hi"}', headers: { 'content-type': 'application/json' } });
        const text = await r.body.text();
        return r.statusCode === 200 ? text : undefined;
      }, 30_000);
      assert.match(put, /"revision":\d+/);
      // The etcdctl line the launcher prints works as printed (TLS flags, https endpoints).
      const hint = /^ {3}or: etcdctl ([^\n]*?)\\\n\s+--endpoints (\S+) get greeting$/m.exec(launcher.stdout);
      assert.ok(hint, launcher.stdout);
      const flags = hint[1]!.trim().split(/\s+/);
      const etcdPut = await etcdctl(hint[2]!, [...flags, 'put', 'greeting', 'hello']);
      assert.equal(etcdPut.code, 0, etcdPut.stderr);
      const got = await etcdctl(hint[2]!, [...flags, 'get', 'greeting', '--print-value-only']);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.trim(), 'hello');
      // no client certificate: the handshake fails
      const bare = new Agent({ connect: { ca: readFileSync(join(tls, 'ca.crt')) } });
      await assert.rejects(request(`${memberPids[0]!.url}/v1/kv/tls-hello`, { dispatcher: bare }).then((r) => r.body.text()));
      await bare.close();
    } finally {
      await agent.close();
    }
    launcher.proc.kill('SIGINT');
    assert.deepEqual(await launcher.exited, { code: 0, signal: null }, launcher.stderr);
  });

  test('a port in use is one line naming the port (launcher and raftlockd)', async () => {
    const base = await freeBase();
    const taken = localMembers(base)[1]!.peerPort;
    const srv = await listenOn(taken);
    try {
      const launcher = run(process.execPath, [LAUNCHER, '--base-port', String(base), '--data', tmp()]);
      pids.add(launcher.proc.pid!);
      assert.equal((await launcher.exited).code, 1);
      assert.equal(launcher.stderr.trim().split('\n').length, 1, launcher.stderr);
      assert.match(launcher.stderr, new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is already in use`));
      assert.equal(launcher.stdout, '', 'no member was started');

      const free = await freePort();
      for (const [flag, args] of [
        ['listenClient', ['--listen-client', `127.0.0.1:${taken}`, '--listen-peer', `127.0.0.1:${free}`]],
        ['listenPeer', ['--listen-client', `127.0.0.1:${free}`, '--listen-peer', `127.0.0.1:${taken}`]],
      ] as const) {
        const d = run(process.execPath, [DAEMON, '--data-dir', tmp(), '--log-level', 'warn', ...args]);
        pids.add(d.proc.pid!);
        assert.equal((await d.exited).code, 1);
        assert.equal(d.stderr, `raftlockd: cannot listen on 127.0.0.1:${taken} (${flag}): the address is already in use\n`);
      }
    } finally {
      srv.close();
    }
  });
});
