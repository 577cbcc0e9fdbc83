// Operator procedures on real processes, done with raftlockctl exactly as docs/operations.md
// writes them down:
//   - "Reclaiming disk space": after the log is compacted by snapshots, `raftlockctl defrag` gives
//     the space back (the data directories shrink);
//   - "Replacing a dead member": the commands of its procedure block, read from the docs and run
//     as written (member remove, member add --learner, start the new member with an empty data
//     directory and --join, wait until it has caught up, member promote): a doc that drifts from
//     what works fails here.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { StateMachine } from '../../src/state/index.js';
import { SnapshotFileReader } from '../../src/storage/index.js';
import { runCtl } from '../helpers/run-ctl.js';
import { DAEMON, ProcessCluster, eventually, http, waitForLeader } from '../helpers/process-cluster.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Splits one shell command line into words: single and double quotes, no expansions. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) throw new Error(`unclosed quote in: ${line}`);
      cur += line.slice(i + 1, close);
      i = close;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** The commands of the ```sh block after `<!-- procedure: NAME` in docs/operations.md. */
function docProcedure(name: string): { line: string; words: string[] }[] {
  const text = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const at = text.indexOf(`<!-- procedure: ${name}`);
  if (at < 0) throw new Error(`docs/operations.md has no procedure block ${name}`);
  const m = /```sh\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (m === null) throw new Error(`procedure ${name}: no sh code block after the marker`);
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => ({ line, words: shellWords(line) }));
}

/** A raftlockctl table (columns padded to the widest cell) as one record per row. */
function parseTable(out: string): Record<string, string>[] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const head = lines[0] ?? '';
  const cols = [...head.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index! }));
  return lines.slice(1).map((l) => Object.fromEntries(cols.map((col, i) => [col.name, l.slice(col.at, cols[i + 1]?.at ?? l.length).trim()])));
}

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500', '--snapshot-threshold', '100'];


describe('operator procedures (real processes)', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    await waitForLeader(c);
  });
  after(async () => {
    await c?.destroy();
  });

  test('defrag reclaims the space of the compacted log', async (t) => {
    const leader = await waitForLeader(c);
    const value = 'v'.repeat(16_000);
    // Every put overwrites the same few keys: the state stays small, the log grows and is cut
    // by a snapshot every 100 entries.
    for (let i = 0; i < 300; i++) assert.equal((await http('PUT', `${leader.url}/v1/kv/big/${i % 4}`, { value })).status, 200);
    const endpoints = c.members.map((m) => m.url).join(',');
    const r = await runCtl(['--endpoints', endpoints, '-o', 'json', 'defrag']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { endpoint: string; beforeBytes: number; afterBytes: number }[];
    assert.equal(rows.length, 3);
    for (const row of rows) {
      t.diagnostic(`${row.endpoint}: ${row.beforeBytes} -> ${row.afterBytes} bytes`);
      assert.ok(row.beforeBytes > 1_000_000, `${row.endpoint}: ${row.beforeBytes} bytes before`);
      assert.ok(row.afterBytes < row.beforeBytes / 2, `${row.endpoint}: ${row.beforeBytes} -> ${row.afterBytes} bytes`);
    }
    // The members still serve everything.
    for (const m of c.members) assert.equal((await http('GET', `${m.url}/v1/kv/big/3?consistency=serializable`)).body.value, value);
    // An unknown query parameter is a clear 400, not a defragmentation.
    const bad = await http('POST', `${leader.url}/v1/maintenance/defrag?now=1`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_ARGUMENT');
  });

  test('the snapshot route: exact length and revision headers; a bad query is a 400', async () => {
    const m = c.members[1]!;
    const res = await fetch(`${m.url}/v1/maintenance/snapshot?consistency=serializable`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.raftlock.snapshot');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), body.length);
    assert.ok(body.subarray(0, 18).equals(Buffer.from('raftlock snapshot\n')));
    const rev = (await http('GET', `${m.url}/v1/kv/big/0?consistency=serializable`)).body.modRevision as number;
    assert.ok(Number(res.headers.get('x-raftlock-revision')) >= rev);
    assert.equal(res.headers.get('x-raftlock-member'), m.name);
    const bad = await http('GET', `${m.url}/v1/maintenance/snapshot?consistency=maybe`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'INVALID_ARGUMENT');
  });

  test('snapshot save under concurrent writes: exactly the writes up to its revision, every one acknowledged before it began', async () => {
    const leader = await waitForLeader(c);
    const dir = mkdtempSync(join(tmpdir(), 'raftlock-snapcons-'));
    try {
      const puts: { key: string; value: string; revision: number; ackedAt: number }[] = [];
      let stop = false;
      const writer = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const key = `snapcons/${w}/${i}`;
          const r = await http('PUT', `${leader.url}/v1/kv/${encodeURIComponent(key)}`, { value: `v${w}.${i}` });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          puts.push({ key, value: `v${w}.${i}`, revision: r.body.revision, ackedAt: performance.now() });
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await eventually('some writes before the backup', async () => (puts.length >= 100 ? true : undefined), 30_000);
      const startedAt = performance.now();
      const file = join(dir, 'during.snapshot');
      const save = await runCtl(['--endpoints', c.members.filter((m) => c.isRunning(m)).map((m) => m.url).join(','), 'snapshot', 'save', file]);
      const during = puts.length;
      await eventually('writes after the backup began', async () => (puts.length >= during + 20 ? true : undefined), 30_000);
      stop = true;
      await Promise.all(writers);
      assert.equal(save.code, 0, save.stderr);

      const reader = new SnapshotFileReader();
      reader.push(readFileSync(file));
      const { header, data } = reader.end();
      const sm = StateMachine.restore(data);
      assert.equal(sm.revision(), header.revision);
      const held = new Map(sm.range('snapcons/', 100_000).kvs.map((kv) => [kv.key, kv]));
      const upTo = puts.filter((p) => p.revision <= header.revision);
      const after = puts.filter((p) => p.revision > header.revision);
      assert.ok(upTo.length > 0 && after.length > 0, `writes on both sides of revision ${header.revision}: ${upTo.length} / ${after.length}`);
      for (const p of upTo) assert.equal(held.get(p.key)?.value, p.value, `${p.key} (revision ${p.revision} <= ${header.revision}) is in the snapshot`);
      for (const p of after) assert.ok(!held.has(p.key), `${p.key} (revision ${p.revision} > ${header.revision}) is not`);
      assert.equal(held.size, upTo.length, 'nothing else under the prefix');
      // Linearizable: everything acknowledged before the save began is in it.
      for (const p of puts) if (p.ackedAt < startedAt) assert.ok(p.revision <= header.revision, `${p.key} was acknowledged before the save began`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a dead member is replaced by a new one with the commands of docs/operations.md, as written', async () => {
    const steps = docProcedure('replace-dead-member');
    const dead = c.members[2]!;
    assert.equal(dead.name, 'm3', 'the docs\' dead member');
    await c.kill(dead, 'SIGKILL');
    const live = c.members.slice(0, 2);
    await waitForLeader(c, 20_000, live);
    for (let i = 0; i < 150; i++) assert.equal((await http('PUT', `${live[0]!.url}/v1/kv/during/${i}`, { value: String(i) })).status, 200);
    const fresh = await c.addMember('m4');
    // The docs' hosts onto this machine: http://mN:7379 and :7380 are member N's client and peer
    // URLs, m4's wildcard listen addresses its loopback ports, its data directory a temp dir.
    const byName = new Map([...c.members, fresh].map((m) => [m.name, m]));
    const map = (word: string): string =>
      word
        .replace(/http:\/\/(m\d):(7379|7380)/g, (whole, host: string, port: string) => {
          const m = byName.get(host);
          if (m === undefined) throw new Error(`the docs name a host ${host} this test does not have`);
          return port === '7379' ? m.url : `http://127.0.0.1:${m.peerPort}`;
        })
        .replace(/^0\.0\.0\.0:7379$/, `127.0.0.1:${fresh.clientPort}`)
        .replace(/^0\.0\.0\.0:7380$/, `127.0.0.1:${fresh.peerPort}`)
        .replace(/^\/var\/lib\/raftlock$/, fresh.dataDir);

    const kinds: string[] = [];
    for (const { line, words } of steps) {
      const args = words.slice(1).map(map);
      const why = `docs/operations.md step: ${line}`;
      if (words[0] === 'raftlockd') {
        // Started as written, plus what every member of this test cluster shares: its timing.
        assert.ok(args.includes('--join') && args.includes(fresh.dataDir), why);
        fresh.output = [];
        fresh.proc = spawn(process.execPath, [DAEMON, ...args, ...FAST, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const keep = (b: Buffer) => {
          fresh.output.push(b.toString());
          if (fresh.output.length > 200) fresh.output.shift();
        };
        fresh.proc.stdout!.on('data', keep);
        fresh.proc.stderr!.on('data', keep);
        kinds.push('start');
        continue;
      }
      assert.equal(words[0], 'raftlockctl', why);
      if (args.includes('endpoint') && args.includes('status')) {
        // "Repeat until m4's APPLIED has reached the leader's COMMIT."
        await eventually('the new member to catch up', async () => {
          const st = await runCtl(args);
          const rows = parseTable(st.stdout);
          const mine = rows.find((r) => r['ENDPOINT'] === fresh.url);
          const leaderCommit = Math.max(...rows.map((r) => Number(r['COMMIT'] || 0)));
          return mine !== undefined && Number(mine['APPLIED']) >= leaderCommit && leaderCommit > 0 ? true : undefined;
        }, 60_000).catch((e: Error) => {
          throw new Error(`${e.message}\n--- m4 ---\n${c.logs(fresh)}`);
        });
        kinds.push('wait');
        continue;
      }
      const r = await runCtl(args);
      assert.equal(r.code, 0, `${why}\n${r.stdout}${r.stderr}`);
      kinds.push(args.find((a) => ['list', 'remove', 'add', 'promote'].includes(a)) ?? args.join(' '));
    }
    assert.deepEqual(kinds, ['list', 'remove', 'add', 'start', 'wait', 'promote', 'list'], 'the documented steps, in order');

    const list = await runCtl(['--endpoints', live.map((m) => m.url).join(','), '-o', 'json', 'member', 'list']);
    const members = (JSON.parse(list.stdout) as { members: { name: string; role: string }[] }).members;
    assert.deepEqual(members.map((m) => m.name).sort(), ['m1', 'm2', 'm4']);
    assert.ok(!members.some((m) => m.role === 'learner'), JSON.stringify(members));
    // The new member holds everything, including what was written while the dead one was down,
    // and the cluster commits with it: stop another member and write.
    const r = await http('GET', `${fresh.url}/v1/kv?prefix=during/&limit=1000&consistency=serializable`);
    assert.equal(r.body.kvs.length, 150);
    await c.kill(live[1]!, 'SIGKILL');
    await waitForLeader(c, 20_000, [live[0]!, fresh]);
    assert.equal((await http('PUT', `${fresh.url}/v1/kv/after/1`, { value: 'x' })).status, 200);
  });

  test('the procedure reader: words, quotes, comments; a missing block is an error', () => {
    assert.deepEqual(shellWords(`raftlockd --a 'x=1|2,y' --b "q r" plain`), ['raftlockd', '--a', 'x=1|2,y', '--b', 'q r', 'plain']);
    assert.throws(() => shellWords(`a 'unclosed`), /unclosed quote/);
    assert.throws(() => docProcedure('no-such-procedure'), /no procedure block no-such-procedure/);
    assert.ok(docProcedure('replace-dead-member').every((s) => !s.line.startsWith('#')));
  });
});
