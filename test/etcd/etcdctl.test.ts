// The real etcdctl 3.4 (Debian's etcd-client) against a three-member raftlock cluster through
// the etcd v3 gRPC API, and the same state read back over /v1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, http } from '../helpers/process-cluster.js';
import { Background, etcdctl, ok, startEtcdCluster, startRealEtcd, type EtcdCluster } from './support.js';

let ec: EtcdCluster;
const bg: Background[] = [];
const all = (): string => ec.endpoints.join(',');
/** A member's REST URL by index. */
const rest = (i: number): string => ec.cluster.members[i]!.url;
const background = (endpoints: string, args: string[]): Background => {
  const b = new Background(endpoints, args);
  bg.push(b);
  return b;
};
const json = async (endpoint: string, args: string[]): Promise<any> => JSON.parse(await ok(endpoint, [...args, '-w', 'json']));
const b64 = (s: string): string => Buffer.from(s).toString('base64');

before(async () => {
  ec = await startEtcdCluster();
});
after(async () => {
  await Promise.all(bg.map((b) => b.stop('SIGKILL')));
  await ec?.cluster.destroy();
});

describe('etcdctl: keys', () => {
  test('put on one member, get on another, and the same key and revision over /v1', async () => {
    assert.equal((await ok(ec.endpoints[1]!, ['put', 'greeting', 'hello'])).trim(), 'OK');
    const got = await json(ec.endpoints[2]!, ['get', 'greeting']);
    assert.equal(got.kvs.length, 1);
    assert.equal(got.kvs[0].value, b64('hello'));
    const r = await http('GET', `${rest(0)}/v1/kv/greeting`);
    assert.equal(r.status, 200);
    assert.equal(r.body.value, 'hello');
    assert.equal(r.body.modRevision, got.kvs[0].mod_revision);
    assert.equal(r.body.createRevision, got.kvs[0].create_revision);
    assert.ok(got.header.revision >= got.kvs[0].mod_revision);
    assert.ok(BigInt(got.header.cluster_id) > 0n && BigInt(got.header.member_id) > 0n && got.header.raft_term > 0);
    // and a REST write reads back through etcdctl
    const put = await http('PUT', `${rest(1)}/v1/kv/from-rest`, { value: 'made over REST' });
    const back = await json(ec.endpoints[0]!, ['get', 'from-rest']);
    assert.equal(back.kvs[0].mod_revision, put.body.revision);
    assert.equal(Buffer.from(back.kvs[0].value, 'base64').toString(), 'made over REST');
  });

  test('get with --prefix, --limit, --keys-only, --rev, --sort-by', async () => {
    for (const [k, v] of [['fruit/apple', 'red'], ['fruit/banana', 'yellow'], ['fruit/cherry', 'dark red'], ['fruits', 'not in the prefix']]) {
      await ok(all(), ['put', k!, v!]);
    }
    assert.equal(await ok(all(), ['get', 'fruit/', '--prefix']), 'fruit/apple\nred\nfruit/banana\nyellow\nfruit/cherry\ndark red\n');
    assert.equal(await ok(all(), ['get', 'fruit/', '--prefix', '--keys-only']), 'fruit/apple\n\nfruit/banana\n\nfruit/cherry\n\n');
    const limited = await json(all(), ['get', 'fruit/', '--prefix', '--limit', '2']);
    assert.deepEqual(limited.kvs.map((kv: any) => Buffer.from(kv.key, 'base64').toString()), ['fruit/apple', 'fruit/banana']);
    assert.equal(limited.more, true);
    assert.equal(limited.count, 3);
    assert.equal(await ok(all(), ['get', 'fruit/', '--prefix', '--sort-by', 'CREATE', '--order', 'DESCEND', '--keys-only', '--limit', '1']), 'fruit/cherry\n\n');
    // a key range [a, b) and --from-key
    assert.equal(await ok(all(), ['get', 'fruit/b', 'fruit/c', '--keys-only']), 'fruit/banana\n\n');

    const before = await json(all(), ['get', 'fruit/apple']);
    const rev = before.kvs[0].mod_revision as number;
    await ok(all(), ['put', 'fruit/apple', 'green']);
    await ok(all(), ['del', 'fruit/banana']);
    assert.equal(await ok(all(), ['get', 'fruit/apple', '--print-value-only']), 'green\n');
    assert.equal(await ok(all(), ['get', 'fruit/apple', '--print-value-only', `--rev=${rev}`]), 'red\n');
    // the whole prefix as it was then: banana back, cherry not yet there
    assert.equal(await ok(all(), ['get', 'fruit/', '--prefix', '--keys-only', `--rev=${rev}`]), 'fruit/apple\n\n');
    const now = (await json(all(), ['get', 'fruit/apple'])).header.revision as number;
    const future = await etcdctl(all(), ['get', 'fruit/apple', `--rev=${now + 1000}`]);
    assert.notEqual(future.code, 0);
    assert.match(future.stderr, /etcdserver: mvcc: required revision is a future revision/);
  });

  test('del of a key and of a prefix, with prev-kv', async () => {
    await ok(all(), ['put', 'tmp/a', '1']);
    await ok(all(), ['put', 'tmp/b', '2']);
    await ok(all(), ['put', 'tmp-c', '3']);
    assert.equal(await ok(all(), ['del', 'tmp-c']), '1\n');
    assert.equal(await ok(all(), ['del', 'tmp/', '--prefix', '--prev-kv']), '2\ntmp/a\n1\ntmp/b\n2\n');
    assert.equal(await ok(all(), ['get', 'tmp', '--prefix']), '');
    assert.equal((await http('GET', `${rest(2)}/v1/kv/tmp/a`)).status, 404);
  });

  test('txn --interactive: success and failure branches', async () => {
    await ok(all(), ['put', 'txn/key', 'v1']);
    const yes = await ok(all(), ['txn', '-i'], 'value("txn/key") = "v1"\n\nput txn/key v2\nput txn/other side\n\nput txn/key never\n\n');
    // (etcdctl prompts for the three sections on stdout first)
    assert.match(yes, /\nSUCCESS\n\nOK\n\nOK\n$/);
    const no = await ok(all(), ['txn', '-i'], 'value("txn/key") = "v1"\n\nput txn/key never\n\nget txn/key\n\n');
    assert.match(no, /\nFAILURE\n\ntxn\/key\nv2\n$/);
    assert.equal((await http('GET', `${rest(0)}/v1/kv/txn/other`)).body.value, 'side');
  });

  test('compaction: old revisions are gone with etcd\'s error', async () => {
    await ok(all(), ['put', 'compact/k', 'one']);
    const first = (await json(all(), ['get', 'compact/k'])).kvs[0].mod_revision as number;
    await ok(all(), ['put', 'compact/k', 'two']);
    const now = (await json(all(), ['get', 'compact/k'])).header.revision as number;
    assert.equal(await ok(all(), ['compaction', String(now)]), `compacted revision ${now}\n`);
    const old = await etcdctl(all(), ['get', 'compact/k', `--rev=${first}`]);
    assert.notEqual(old.code, 0);
    assert.match(old.stderr, /etcdserver: mvcc: required revision has been compacted/);
    const w = await etcdctl(all(), ['watch', 'compact/k', `--rev=${first}`]);
    assert.match(w.stdout + w.stderr, /required revision has been compacted/);
  });
});

describe('etcdctl: leases', () => {
  test('grant, attach a key, timetolive --keys, list, keep-alive, revoke; same lease over /v1', async () => {
    const granted = await ok(all(), ['lease', 'grant', '60']);
    const m = /^lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(granted);
    assert.ok(m, granted);
    const id = m![1]!;
    await ok(all(), ['put', 'leased/k', 'v', `--lease=${id}`]);
    assert.match(await ok(all(), ['lease', 'timetolive', id, '--keys']), new RegExp(`lease ${id} granted with TTL\\(60s\\), remaining\\(\\d+s\\), attached keys\\(\\[leased/k\\]\\)`));
    assert.match(await ok(all(), ['lease', 'list']), new RegExp(`found \\d+ leases\\n(?:.*\\n)*${id}\\n`));
    assert.match(await ok(all(), ['lease', 'keep-alive', '--once', id]), new RegExp(`lease ${id} keepalived with TTL\\(60\\)`));
    const viaRest = await http('GET', `${rest(2)}/v1/leases/${id.padStart(16, '0')}`);
    assert.equal(viaRest.status, 200);
    assert.deepEqual(viaRest.body.keys, ['leased/k']);
    assert.equal(viaRest.body.grantedTtl, 60);

    assert.equal(await ok(all(), ['lease', 'revoke', id]), `lease ${id} revoked\n`);
    assert.equal(await ok(all(), ['get', 'leased/k']), '');
    assert.match(await ok(all(), ['lease', 'timetolive', id]), new RegExp(`lease ${id} already expired`));
    const again = await etcdctl(all(), ['lease', 'revoke', id]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /etcdserver: requested lease not found/);
    const bad = await etcdctl(all(), ['put', 'k', 'v', '--lease=1234abcd']);
    assert.match(bad.stderr, /etcdserver: requested lease not found/);
  });

  test('keep-alive streams renewals until the lease is revoked', async () => {
    const id = /^lease ([0-9a-f]+) granted/.exec(await ok(all(), ['lease', 'grant', '3']))![1]!;
    const ka = background(ec.endpoints[1]!, ['lease', 'keep-alive', id]);
    await ka.waitFor(new RegExp(`lease ${id} keepalived with TTL\\(3\\)`));
    await ok(ec.endpoints[0]!, ['lease', 'revoke', id]);
    await ka.waitFor(new RegExp(`lease ${id} expired or revoked`));
  });
});

describe('etcdctl: watch', () => {
  test('watch --prefix --prev-kv sees puts and deletes; watch --rev replays history', async () => {
    const w = background(ec.endpoints[2]!, ['watch', 'watched/', '--prefix', '--prev-kv']);
    // A put that lands before the watch is set up would be missed: wait until it sees one.
    await eventually('the watch to see a put', async () => {
      await ok(ec.endpoints[0]!, ['put', 'watched/ping', 'x']);
      return /PUT\nwatched\/ping\nx\n/.test(w.out) ? true : undefined;
    });
    await ok(ec.endpoints[0]!, ['put', 'watched/a', '1']);
    const rev = (await json(all(), ['get', 'watched/a'])).kvs[0].mod_revision as number;
    await ok(ec.endpoints[1]!, ['put', 'watched/a', '2']);
    await ok(ec.endpoints[1]!, ['del', 'watched/a']);
    await ok(ec.endpoints[1]!, ['put', 'unwatched', 'z']);
    await w.waitFor(/PUT\nwatched\/a\n1\nPUT\nwatched\/a\n1\nwatched\/a\n2\nDELETE\nwatched\/a\n2\nwatched\/a\n\n/);
    assert.doesNotMatch(w.out, /unwatched/);

    const replay = background(ec.endpoints[0]!, ['watch', 'watched/a', `--rev=${rev}`]);
    await replay.waitFor(/PUT\nwatched\/a\n1\nPUT\nwatched\/a\n2\nDELETE\nwatched\/a\n\n/);
    await replay.stop();
    await w.stop();
  });
});

describe('etcdctl: cluster', () => {
  test('member list, endpoint status and endpoint health', async () => {
    const list = await ok(all(), ['member', 'list']);
    const lines = list.trim().split('\n');
    assert.equal(lines.length, 3);
    for (const m of ec.cluster.members) assert.match(list, new RegExp(`, started, ${m.name}, http://127\\.0\\.0\\.1:${m.peerPort}, http://127\\.0\\.0\\.1:${m.clientPort}, false`));

    const status = JSON.parse(await ok(all(), ['endpoint', 'status', '-w', 'json'])) as any[];
    assert.equal(status.length, 3);
    const leaders = new Set(status.map((s) => String(s.Status.leader)));
    assert.equal(leaders.size, 1, 'every member names the same leader');
    const ids = status.map((s) => String(s.Status.header.member_id));
    assert.ok(ids.includes([...leaders][0]!));
    const info = (await http('GET', `${rest(0)}/v1/cluster`)).body;
    assert.ok(status.every((s) => s.Status.raftTerm >= 1 && s.Status.raftIndex >= 1));
    assert.equal(String([...leaders][0]), info.leader.id);

    // etcdctl reports health on stderr
    const h = await etcdctl(all(), ['endpoint', 'health']);
    assert.equal(h.code, 0, h.stderr);
    for (const ep of ec.endpoints) assert.match(h.stderr, new RegExp(`${ep.replace(/\./g, '\\.')} is healthy`));
  });
});

describe('etcdctl: lock and elect', () => {
  test('lock: one holder at a time, the next one gets it when the first lets go', async () => {
    const first = background(ec.endpoints[0]!, ['lock', 'jobs']);
    await first.waitFor(/^jobs\/[0-9a-f]+\n/);
    const second = background(ec.endpoints[1]!, ['lock', 'jobs', '--', 'sh', '-c', 'echo "second holds $ETCD_LOCK_KEY"']);
    // The second contender's key is queued behind the first (etcd's recipe: keys under jobs/).
    await eventually('the second contender to queue', async () => {
      const keys = await ok(all(), ['get', 'jobs/', '--prefix', '--keys-only']);
      return keys.trim().split('\n').filter((l) => l !== '').length === 2 ? true : undefined;
    });
    assert.doesNotMatch(second.out, /second holds/);
    await first.stop('SIGINT');
    await second.waitFor(/second holds jobs\/[0-9a-f]+\n/);
  });

  test('elect: the first candidate leads, an observer sees the next one take over', async () => {
    const one = background(ec.endpoints[0]!, ['elect', 'pilot', 'alice']);
    await one.waitFor(/^pilot\/[0-9a-f]+\nalice\n/);
    const two = background(ec.endpoints[1]!, ['elect', 'pilot', 'bob']);
    const observer = background(ec.endpoints[2]!, ['elect', '-l', 'pilot']);
    await observer.waitFor(/pilot\/[0-9a-f]+\nalice\n/);
    await eventually('bob to campaign', async () => {
      const keys = await ok(all(), ['get', 'pilot/', '--prefix', '--keys-only']);
      return keys.trim().split('\n').filter((l) => l !== '').length === 2 ? true : undefined;
    });
    assert.doesNotMatch(two.out, /bob/);
    await one.stop('SIGINT');
    await two.waitFor(/pilot\/[0-9a-f]+\nbob\n/);
    await observer.waitFor(/alice\n(?:.*\n)*pilot\/[0-9a-f]+\nbob\n/);
    await two.stop();
    await observer.stop();
  });
});

describe('etcdctl: raftlock answers as etcd 3.4 does', () => {
  test('the same commands print the same on raftlock and on a real etcd', async () => {
    const etcd = await startRealEtcd();
    try {
      const script: (string[] | [string[], string])[] = [
        ['put', 'zz-cmp/a', '1'],
        ['put', 'zz-cmp/b/1', 'x'],
        ['put', 'zz-cmp/b/2', 'y'],
        ['put', 'zz-cmp/c', '3'],
        ['get', 'zz-cmp/b/', '--prefix'],
        ['get', 'zz-cmp/a', 'zz-cmp/c'],
        ['get', '--from-key', 'zz-cmp/b'],
        ['get', 'zz-cmp/b/', '--prefix', '--sort-by=VALUE', '--order=DESCEND'],
        ['get', 'zz-cmp/b/', '--prefix', '--limit=1', '--keys-only'],
        ['get', 'zz-cmp/', '--prefix', '--sort-by=MODIFY', '--order=DESCEND', '--print-value-only'],
        ['del', 'zz-cmp/b/', '--prefix', '--prev-kv'],
        ['del', 'zz-cmp/nothing'],
        [['txn', '-i'], 'version("zz-cmp/a") = "1"\n\nget zz-cmp/a\n\nput zz-cmp/a 2\n\n'],
        [['txn', '-i'], 'create("zz-cmp/new") = "0"\nvalue("zz-cmp/c") = "3"\n\nput zz-cmp/new fresh\ndel zz-cmp/c\n\n\n'],
        ['get', 'zz-cmp/', '--prefix'],
        ['put', '', 'x'],
        ['get', ''],
        ['lease', 'timetolive', '1234'],
        ['lease', 'revoke', '1234'],
        ['lease', 'keep-alive', '--once', '1234'],
        ['put', 'zz-cmp/q', 'v', '--lease=1234'],
        ['get', 'zz-cmp/a', '--rev=100000000'],
        ['compaction', '100000000'],
        ['alarm', 'list'],
      ];
      // Client log lines carry times and endpoints; the rest must be the same.
      const normal = (r: { code: number; stdout: string; stderr: string }): string =>
        `exit ${r.code}\n${r.stdout}${r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('{"level"'))
          .join('\n')}`;
      for (const step of script) {
        const [args, input] = typeof step[0] === 'string' ? [step as string[], undefined] : (step as [string[], string]);
        const theirs = normal(await etcdctl(etcd.endpoint, args, input));
        const ours = normal(await etcdctl(all(), args, input));
        assert.equal(ours, theirs, `etcdctl ${args.join(' ')}`);
      }
    } finally {
      await etcd.stop();
    }
  });
});
