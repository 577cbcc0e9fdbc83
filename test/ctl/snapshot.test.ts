// Backup and restore end to end, with real processes: `raftlockctl snapshot save` from a live
// three-member cluster, `snapshot restore` into three new data directories for a NEW cluster
// (other names, other ports), raftlockd started on them serves the same keys with the same
// revisions, the same leases, the same lock holder and fencing token, and the watch history.
// A flipped byte or a cut file is refused by name and leaves no data directory behind.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { findTool } from '../helpers/find-tool.js';
import { CTL, runCtl, type CtlRun } from '../helpers/run-ctl.js';
import { ProcessCluster, eventually, freePort, http, spawnDaemon, waitForLeader } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];


describe('snapshot save and restore (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  let dir: string;
  const restored: { name: string; clientPort: number; peerPort: number; dataDir: string; proc?: ChildProcess; output: string[] }[] = [];

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    dir = mkdtempSync(join(tmpdir(), 'raftlock-snapshot-test-'));
    await waitForLeader(c);
  });
  after(async () => {
    await Promise.all(
      restored.map(async (m) => {
        const p = m.proc;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await exited;
      }),
    );
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('save from a live member, restore into three new data dirs, the new cluster serves the same state', async () => {
    const client = new Client({ endpoints: c.members.map((m) => m.url) });
    const file = join(dir, 'backup.snapshot');
    let before: { a: unknown; b: unknown; lease: unknown; lock: unknown; revision: number };
    try {
      await client.put('app/a', 'one');
      await client.put('app/a', 'two'); // version 2, createRevision != modRevision
      const lease = await client.leaseGrant(300);
      await client.put('app/b', 'leased', { lease: lease.id });
      await client.put('app/gone', 'x');
      await client.delete('app/gone');
      const grant = await client.lock('jobs/nightly', { lease: lease.id, waitMs: 5_000 });
      const a = await client.get('app/a');
      const b = await client.get('app/b');
      const lk = await client.lockStatus('jobs/nightly');
      const ttl = await client.leaseTimeToLive(lease.id);
      const { revision } = await client.range('app/', { limit: 1 });
      before = { a, b, lease: { id: ttl.id, grantedTtl: ttl.grantedTtl, keys: ttl.keys, locks: ttl.locks }, lock: lk, revision };
      assert.equal(lk?.holder?.fencingToken, grant.fencingToken);

      const save = await runCtl(['--endpoints', c.members.map((m) => m.url).join(','), 'snapshot', 'save', file]);
      assert.equal(save.code, 0, save.stderr);
      assert.match(save.stdout, new RegExp(`Snapshot saved to .*revision ${revision}\\b`));
      assert.equal(save.stderr, '', 'no progress output when stderr is not a terminal');
      assert.ok(!existsSync(`${file}.part`));
      // The cluster moves on after the backup: the restored cluster must not see this.
      await client.put('app/a', 'after-backup');
    } finally {
      await client.close();
    }

    const status = await runCtl(['-o', 'json', 'snapshot', 'status', file]);
    assert.equal(status.code, 0, status.stderr);
    const header = JSON.parse(status.stdout) as { revision: number; keys: number; leases: number; locks: number; dataBytes: number };
    assert.equal(header.revision, before.revision);
    assert.equal(header.leases, 1);
    assert.equal(header.locks, 1);
    assert.ok(header.dataBytes > 0 && header.dataBytes < statSync(file).size);

    // A new cluster: new names, new ports, its own token.
    for (const name of ['r1', 'r2', 'r3']) restored.push({ name, clientPort: await freePort(), peerPort: await freePort(), dataDir: join(dir, name), output: [] });
    const initial = restored.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}|http://127.0.0.1:${m.clientPort}`).join(',');
    for (const m of restored) {
      const r = await runCtl(['snapshot', 'restore', file, '--name', m.name, '--data-dir', m.dataDir, '--initial-cluster', initial, '--initial-cluster-token', 'restored']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`revision ${before.revision}, 3 keys, 1 leases, 1 locks`));
    }
    // A second restore into a seeded directory is refused.
    const again = await runCtl(['snapshot', 'restore', file, '--name', 'r1', '--data-dir', restored[0]!.dataDir, '--initial-cluster', initial]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not empty/);

    for (const m of restored) m.proc = spawnDaemon(m, initial, [...FAST, '--cluster-token', 'restored'], m.output, 200);
    const urls = restored.map((m) => `http://127.0.0.1:${m.clientPort}`);
    await eventually('a leader in the restored cluster', async () => {
      const views = await Promise.all(urls.map((u) => http('GET', `${u}/v1/cluster`)));
      const leaders = new Set(views.map((v) => (v.status === 200 ? v.body.leader?.name : undefined)));
      if (leaders.size !== 1 || leaders.has(undefined)) return undefined;
      const names = views[0]!.body.members.map((m: { name: string }) => m.name).sort();
      assert.deepEqual(names, ['r1', 'r2', 'r3'], 'the restored cluster has the new members only');
      return true;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${restored.map((m) => `--- ${m.name}\n${m.output.join('')}`).join('\n')}`);
    });

    const rc = new Client({ endpoints: urls });
    try {
      assert.deepEqual(await rc.get('app/a'), before.a, 'same value, createRevision, modRevision and version');
      assert.deepEqual(await rc.get('app/b'), before.b);
      assert.equal(await rc.get('app/gone'), undefined);
      const ttl = await rc.leaseTimeToLive((before.lease as { id: string }).id);
      assert.deepEqual({ id: ttl.id, grantedTtl: ttl.grantedTtl, keys: ttl.keys, locks: ttl.locks }, before.lease);
      assert.deepEqual(await rc.lockStatus('jobs/nightly'), before.lock, 'same holder, same fencing token');
      const { revision } = await rc.range('app/', { limit: 1 });
      assert.equal(revision, before.revision);
      // Watch history came along: a watch from revision 1 replays the first put.
      const w = rc.watch('app/a', { startRevision: 1 });
      const first = await w[Symbol.asyncIterator]().next();
      w.close();
      assert.equal(first.done, false);
      const ev = (first.value as { events: { type: string; kv: { value: string } }[] }).events[0]!;
      assert.deepEqual([ev.type, ev.kv.value], ['put', 'one']);
      // And the restored cluster takes writes at the next revision.
      const put = await rc.put('app/c', 'new');
      assert.equal(put.revision, before.revision + 1);
    } finally {
      await rc.close();
    }
  });

  test('on a terminal, save shows its progress', async () => {
    // `script` runs the command on a pseudo-terminal (util-linux; present on any Linux CI).
    const scriptBin = findTool('script', 'SCRIPT_BIN', 'apt-get install bsdutils');
    const file = join(dir, 'tty.snapshot');
    const cmdline = [process.execPath, CTL, '--endpoints', c.members[0]!.url, 'snapshot', 'save', file].map((a) => `'${a}'`).join(' ');
    const r = await new Promise<CtlRun>((res, rej) => {
      const p = spawn(scriptBin, ['-qec', cmdline, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.on('error', rej);
      p.on('close', (code) => res({ code, stdout, stderr: '' }));
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /snapshot: [\d.]+ MiB \/ [\d.]+ MiB \(100%\)/);
    assert.ok(existsSync(file));
  });

  test('a corrupt or cut file is refused, naming what is wrong, and seeds nothing', async () => {
    const file = join(dir, 'backup.snapshot');
    const good = readFileSync(file);
    const initial = 'x1=http://127.0.0.1:1|http://127.0.0.1:2';
    const cases: [string, Buffer, RegExp][] = [
      ['flipped', Buffer.from(good).fill(good[good.length - 60]! ^ 0xff, good.length - 60, good.length - 59), /CORRUPT.*data chunk 0 at byte \d+: checksum mismatch/],
      ['cut', good.subarray(0, good.length - 20), /TRUNCATED.*file is cut/],
      ['header-only', good.subarray(0, 200), /TRUNCATED.*file is cut/],
      ['not-a-snapshot', Buffer.from('{"hello":"world"}'), /NOT_A_SNAPSHOT/],
    ];
    for (const [name, bytes, why] of cases) {
      const f = join(dir, `${name}.snapshot`);
      writeFileSync(f, bytes);
      const dataDir = join(dir, `data-${name}`);
      const r = await runCtl(['snapshot', 'restore', f, '--name', 'x1', '--data-dir', dataDir, '--initial-cluster', initial]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, why, name);
      assert.ok(!existsSync(dataDir), `${name}: no data dir is created`);
      const st = await runCtl(['snapshot', 'status', f]);
      assert.equal(st.code, 1, `${name}: status`);
    }
  });
});
