// Range paging and historical reads through the REST API and the SDK, against the real api
// layer over a real state machine (test/api's in-process harness): `next` and `start`,
// `?revision=N` with 410 COMPACTED and 400 FUTURE_REVISION, and the SDK's get/range/rangeAll.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, RaftlockError } from '../../src/client/index.js';
import { FakeServer } from '../api/fake-server.js';
import { startHarness, type Harness } from '../api/harness.js';

describe('range paging and ?revision= over REST and the SDK', () => {
  let h: Harness;
  let client: Client;
  /** revision -> value of `cfg` after it. */
  const cfgAt = new Map<number, string>();
  let deletedAt = 0;

  before(async () => {
    h = await startHarness({ fake: new FakeServer({ historyRevisions: 1_000 }), limits: { maxRangeLimit: 4 } });
    client = new Client({ endpoints: [`http://127.0.0.1:${h.port}`], randomStart: false });
    for (let i = 0; i < 10; i++) await client.put(`p/${i}`, `v${i}`);
    for (let i = 0; i < 3; i++) cfgAt.set((await client.put('cfg', `c${i}`)).revision, `c${i}`);
    deletedAt = (await client.delete('p/', { prefix: true })).revision;
    await client.put('p/new', 'fresh');
  });
  after(async () => {
    await client?.close();
    await h?.close();
  });

  test('REST: a range cut short by limit carries next; start goes on from it, inclusive', async () => {
    for (let i = 0; i < 10; i++) await client.put(`q/${i}`, `w${i}`);
    const first = await h.request('GET', '/v1/kv?prefix=q/&limit=3');
    assert.equal(first.status, 200);
    assert.deepEqual(first.json.kvs.map((kv: { key: string }) => kv.key), ['q/0', 'q/1', 'q/2']);
    assert.equal(first.json.more, true);
    assert.equal(first.json.next, 'q/3');
    assert.equal(first.json.count, 10);
    const second = await h.request('GET', `/v1/kv?prefix=q/&limit=3&start=${encodeURIComponent(first.json.next)}`);
    assert.deepEqual(second.json.kvs.map((kv: { key: string }) => kv.key), ['q/3', 'q/4', 'q/5']);
    const last = await h.request('GET', '/v1/kv?prefix=q/&limit=3&start=q/9');
    assert.deepEqual(last.json, { kvs: [last.json.kvs[0]], more: false, count: 10, revision: last.json.revision });
    // Without limit, the member's maxRangeLimit (4 here) cuts the list, with next.
    const capped = await h.request('GET', '/v1/kv?prefix=q/');
    assert.equal(capped.json.kvs.length, 4);
    assert.equal(capped.json.next, 'q/4');
    assert.equal((await h.request('GET', '/v1/kv?prefix=q/&start=')).status, 400, 'an empty start is refused');
    assert.equal((await h.request('GET', '/v1/kv?prefix=q/&start=a&start=b')).status, 400, 'a repeated start is refused');
  });

  test('SDK: rangeAll pages through a prefix larger than the range limit, as of one revision', async () => {
    const pages: number[] = [];
    for await (const page of client.rangePages('q/', { pageSize: 3 })) pages.push(page.kvs.length);
    assert.deepEqual(pages, [3, 3, 3, 1]);
    const all = await client.rangeAll('q/');
    assert.deepEqual(all.kvs.map((kv) => kv.key), Array.from({ length: 10 }, (_, i) => `q/${i}`));
    assert.equal(all.count, 10);
    const tail = await client.rangeAll('q/', { start: 'q/7' });
    assert.deepEqual(tail.kvs.map((kv) => kv.key), ['q/7', 'q/8', 'q/9']);
  });

  test('REST: ?revision=N reads one key and ranges as of revision N', async () => {
    for (const [rev, value] of cfgAt) {
      const r = await h.request('GET', `/v1/kv/cfg?revision=${rev}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.value, value);
      assert.equal(r.json.modRevision, rev);
    }
    const before = deletedAt - 1;
    const range = await h.request('GET', `/v1/kv?prefix=p/&revision=${before}&limit=4`);
    assert.equal(range.status, 200, range.text);
    assert.deepEqual(range.json.kvs.map((kv: { key: string }) => kv.key), ['p/0', 'p/1', 'p/2', 'p/3']);
    assert.equal(range.json.count, 10, 'the ten keys the prefix held then');
    assert.equal(range.json.revision, before, 'the answer names the revision it shows');
    assert.equal(range.json.next, 'p/4');
    const page2 = await h.request('GET', `/v1/kv?prefix=p/&revision=${before}&limit=4&start=p/4`);
    assert.deepEqual(page2.json.kvs.map((kv: { key: string }) => kv.key), ['p/4', 'p/5', 'p/6', 'p/7']);
    const atDelete = await h.request('GET', `/v1/kv?prefix=p/&revision=${deletedAt}`);
    assert.deepEqual(atDelete.json.kvs, []);
    const missing = await h.request('GET', `/v1/kv/p/new?revision=${deletedAt}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'KEY_NOT_FOUND');
  });

  test('REST: FUTURE_REVISION above the current revision, COMPACTED below the compaction point, 400 for a bad revision', async () => {
    const current = h.fake.sm.revision();
    const future = await h.request('GET', `/v1/kv/cfg?revision=${current + 1}`);
    assert.equal(future.status, 400);
    assert.deepEqual(future.json.error, { code: 'FUTURE_REVISION', message: future.json.error.message, revision: current + 1, currentRevision: current });
    assert.equal((await h.request('GET', `/v1/kv?prefix=p/&revision=${current + 1}`)).json.error.code, 'FUTURE_REVISION');
    for (const bad of ['0', '-1', 'x', '1.5']) {
      const r = await h.request('GET', `/v1/kv/cfg?revision=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json.error.code, 'INVALID_ARGUMENT', bad);
    }
    const [firstCfg] = [...cfgAt.keys()];
    assert.equal((await h.request('POST', '/v1/compact', { revision: firstCfg! + 1 })).status, 200);
    const gone = await h.request('GET', `/v1/kv/cfg?revision=${firstCfg}`);
    assert.equal(gone.status, 410);
    assert.deepEqual(gone.json.error, { code: 'COMPACTED', message: gone.json.error.message, revision: firstCfg, compactRevision: firstCfg! + 1 });
    assert.equal((await h.request('GET', `/v1/kv?revision=${firstCfg}`)).status, 410);
    const atFloor = await h.request('GET', `/v1/kv/cfg?revision=${firstCfg! + 1}`);
    assert.equal(atFloor.status, 200, 'the compaction point itself is readable');
    assert.equal(atFloor.json.value, cfgAt.get(firstCfg! + 1));
  });

  test('SDK: get and range take a revision; errors keep their codes', async () => {
    const revs = [...cfgAt.keys()];
    const last = revs[revs.length - 1]!;
    assert.equal((await client.get('cfg', { revision: last }))?.value, cfgAt.get(last));
    assert.equal(await client.get('p/new', { revision: deletedAt }), undefined);
    const r = await client.range('p/', { revision: deletedAt - 1, limit: 2, start: 'p/8' });
    assert.deepEqual(r.kvs.map((kv) => kv.value), ['v8', 'v9']);
    assert.equal(r.more, false);
    const all = await client.rangeAll('p/', { revision: deletedAt - 1, pageSize: 3 });
    assert.equal(all.kvs.length, 10);
    assert.equal(all.revision, deletedAt - 1);
    await assert.rejects(client.get('cfg', { revision: h.fake.sm.revision() + 5 }), (e: unknown) => e instanceof RaftlockError && e.code === 'FUTURE_REVISION' && e.status === 400);
    await assert.rejects(client.range('', { revision: 1 }), (e: unknown) => e instanceof RaftlockError && e.code === 'COMPACTED' && e.status === 410);
    await assert.rejects(client.get('cfg', { revision: 0 }), (e: unknown) => e instanceof RaftlockError && e.code === 'INVALID_ARGUMENT');
  });
});
