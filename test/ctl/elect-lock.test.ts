// raftlockctl elect and the consul-lock-like parts of raftlockctl lock, against a real
// three-member cluster: two campaigning processes lead in turn (SIGINT resigns) while a
// --listen process prints each leader's value; lock gives up after --wait with exit 4, passes
// signals on to its command and exits with its status, and holds the lock with a lease of --ttl.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client/index.js';
import { ProcessCluster, eventually, waitForLeader } from '../helpers/process-cluster.js';

const CTL = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/raftlockctl.js');
const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

/** A raftlockctl process whose output can be waited on line by line. */
class Ctl {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(endpoints: string, args: string[]) {
    const env = { ...process.env };
    delete env.RAFTLOCK_ENDPOINTS;
    this.proc = spawn(process.execPath, [CTL, '--endpoints', endpoints, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((res) => this.proc.once('exit', (code, signal) => res({ code, signal })));
  }

  async waitFor(re: RegExp, what: string, timeoutMs = 15_000): Promise<void> {
    await eventually(`${what} (stdout: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)})`, async () => (re.test(this.stdout) ? true : undefined), timeoutMs);
  }

  lines(): string[] {
    return this.stdout.split('\n').filter((l) => l !== '');
  }
}

describe('raftlockctl elect and lock (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  let endpoints: string;
  let client: Client;
  const procs: Ctl[] = [];
  const run = (args: string[]): Ctl => {
    const p = new Ctl(endpoints, args);
    procs.push(p);
    return p;
  };

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    endpoints = c.members.map((m) => m.url).join(',');
    client = new Client({ endpoints: c.members.map((m) => m.url) });
    await waitForLeader(c);
  });
  after(async () => {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    await client?.close();
    await c?.destroy();
  });

  test('elect: one leader at a time, Ctrl-C resigns to the next; --listen prints each value', async () => {
    const listen = run(['elect', '--listen', 'svc']);
    const a = run(['elect', 'svc', 'host-a:8080']);
    await a.waitFor(/svc: leading with "host-a:8080"/, 'a to lead');
    await listen.waitFor(/^host-a:8080$/m, 'the listener to print a');
    const b = run(['elect', 'svc', 'host-b:8080']);
    await eventually('b to queue', async () => ((await client.lockStatus('election/svc'))?.waiters.length === 1 ? true : undefined));
    assert.doesNotMatch(b.stdout, /leading/, 'b does not lead while a does');

    a.proc.kill('SIGINT');
    assert.deepEqual(await a.exited, { code: 0, signal: null }, a.stderr);
    assert.match(a.stdout, /svc: resigned/);
    await b.waitFor(/svc: leading with "host-b:8080"/, 'b to lead after a resigned');
    await listen.waitFor(/^host-b:8080$/m, 'the listener to print b');
    assert.equal((await client.election('svc').leader())?.value, 'host-b:8080');

    b.proc.kill('SIGTERM');
    assert.equal((await b.exited).code, 0, b.stderr);
    listen.proc.kill('SIGINT');
    assert.deepEqual(await listen.exited, { code: 0, signal: null }, listen.stderr);
    assert.deepEqual(listen.lines(), ['host-a:8080', 'host-b:8080'], 'each leader printed once, in order');
    assert.equal(await client.election('svc').leader(), undefined);
  });

  test('elect: usage errors exit 2', async () => {
    assert.equal((await run(['elect', 'svc']).exited).code, 2);
    assert.equal((await run(['elect', '--listen', 'svc', 'extra']).exited).code, 2);
  });

  test('lock --wait gives up with exit 4 when the lock stays held', async () => {
    const lease = await client.lease(30);
    try {
      const held = await client.lock('busy', { lease: lease.id, waitMs: 0 });
      const started = Date.now();
      const r = run(['lock', 'busy', '--wait', '1.5s', '--', 'true']);
      const { code } = await r.exited;
      assert.equal(code, 4, r.stderr);
      assert.ok(Date.now() - started >= 1_500, 'it waited the whole --wait');
      assert.match(r.stderr, /not acquired within 1\.5s \(held by lease [^ ]+, fencing token \d+\)/);
      assert.equal((await client.lockStatus('busy'))?.holder?.fencingToken, held.fencingToken);
      assert.equal((await client.lockStatus('busy'))?.waiters.length, 0, 'no waiter left queued');
    } finally {
      await lease.revoke();
    }
  });

  test('lock passes signals on to the command and exits with its status', async () => {
    // The command exits 42 on SIGTERM and 43 on SIGHUP (a signal raftlockctl did not pass on before).
    const script = 'trap "exit 42" TERM; trap "exit 43" HUP; echo ready; while :; do sleep 0.05; done';
    for (const [sig, status] of [['SIGTERM', 42], ['SIGHUP', 43]] as const) {
      const r = run(['lock', `sig-${status}`, '--', 'sh', '-c', script]);
      await r.waitFor(/ready/, 'the command to start');
      r.proc.kill(sig);
      assert.deepEqual(await r.exited, { code: status, signal: null }, r.stderr);
      assert.equal(await client.lockStatus(`sig-${status}`), undefined, 'the lock is released');
    }
    // Killed by a signal: 128 + N.
    const k = run(['lock', 'killed', '--', 'sh', '-c', 'kill -KILL $$']);
    assert.equal((await k.exited).code, 128 + 9, k.stderr);
  });

  test('lock --ttl sets the TTL of the lease holding the lock', async () => {
    const r = run(['-o', 'json', 'lock', 'ttl-job', '--ttl', '7', '--', 'sh', '-c', `"${process.execPath}" "${CTL}" --endpoints "${endpoints}" -o json lease ttl "$RAFTLOCK_LOCK_LEASE"`]);
    assert.equal((await r.exited).code, 0, r.stderr);
    const ttl = JSON.parse(r.stdout) as { grantedTtl: number; locks: string[] };
    assert.equal(ttl.grantedTtl, 7);
    assert.deepEqual(ttl.locks, ['ttl-job']);
  });
});
