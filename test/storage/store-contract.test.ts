// The RaftStore contract, run against both implementations.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRaftStore, RocksRaftStore } from '../../src/storage/index.js';
import type { RaftStore } from '../../src/storage/index.js';
import { EntryType } from '../../src/raft/types.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';

function ent(index: number, term: number, text = `e${index}t${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(Buffer.from(text)) };
}

function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term));
  return out;
}

function snap(index: number, term: number, bytes: number): Snapshot {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + index) & 0xff;
  return { metadata: { index, term, confState: { voters: [1, 2, 3], learners: [4] } }, data };
}

interface Harness {
  name: string;
  make(): RaftStore;
  /** A new store object over the same durable state (a process restart). */
  reopen(old: RaftStore): RaftStore;
  cleanup(): void;
}

function memoryHarness(): Harness {
  return {
    name: 'MemoryRaftStore',
    make: () => new MemoryRaftStore(),
    reopen: (old) => old, // the memory store survives close()/open() of the same object
    cleanup: () => undefined,
  };
}

function rocksHarness(): Harness {
  let dir = '';
  return {
    name: 'RocksRaftStore',
    make() {
      dir = mkdtempSync(join(tmpdir(), 'raftlock-store-'));
      return new RocksRaftStore(join(dir, 'db'));
    },
    reopen: () => new RocksRaftStore(join(dir, 'db')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

for (const makeHarness of [memoryHarness, rocksHarness]) {
  const h = makeHarness();
  describe(`RaftStore contract: ${h.name}`, () => {
    let store: RaftStore;
    beforeEach(async () => {
      store = h.make();
      await store.open();
    });
    afterEach(async () => {
      await store.close();
      h.cleanup();
    });

    async function restart(): Promise<RaftStore> {
      await store.close();
      store = h.reopen(store);
      await store.open();
      return store;
    }

    it('starts empty', async () => {
      const r = await store.load();
      assert.equal(r.hardState, null);
      assert.equal(r.snapshot, null);
      assert.deepEqual(r.entries, []);
      assert.equal(r.meta.size, 0);
      assert.deepEqual(
        { ...store.stats(), writes: 0, syncedWrites: 0 },
        { entries: 0, bytes: 0, firstIndex: 1, lastIndex: 0, snapshotIndex: 0, writes: 0, syncedWrites: 0 },
      );
    });

    it('round-trips entries, hard state and meta across a restart', async () => {
      const entries = [...range(1, 3, 1), { index: 4, term: 2, type: EntryType.ConfChange, data: new Uint8Array([0, 255, 1, 128]) }];
      await store.save({ hardState: { term: 2, vote: 3, commit: 2 }, entries }, true);
      await store.putMeta('cluster-id', new Uint8Array([9, 8, 7]));
      await restart();
      const r = await store.load();
      assert.deepEqual(r.hardState, { term: 2, vote: 3, commit: 2 });
      assert.deepEqual(r.entries, entries);
      assert.deepEqual(r.meta.get('cluster-id'), new Uint8Array([9, 8, 7]));
      const st = store.stats();
      assert.equal(st.entries, 4);
      assert.equal(st.firstIndex, 1);
      assert.equal(st.lastIndex, 4);
      assert.ok(st.bytes > 0);
    });

    it('an append at index i replaces the conflicting suffix (and deletes entries beyond the new end)', async () => {
      await store.save({ entries: range(1, 10, 1) }, true);
      const bytesBefore = store.stats().bytes;
      await store.save({ entries: range(6, 7, 2), hardState: { term: 2, vote: 0, commit: 5 } }, true);
      assert.equal(store.stats().lastIndex, 7);
      assert.ok(store.stats().bytes < bytesBefore);
      await restart();
      const r = await store.load();
      assert.deepEqual(r.entries, [...range(1, 5, 1), ...range(6, 7, 2)]);
      // appending right after the end extends the log
      await store.save({ entries: range(8, 9, 2) }, true);
      assert.deepEqual((await store.load()).entries.map((e) => e.index), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('rejects appends that would leave a gap or go below the snapshot', async () => {
      await store.save({ entries: range(1, 3, 1) }, true);
      await assert.rejects(store.save({ entries: range(5, 6, 1) }, true), /gap/);
    });

    it('compaction stores the snapshot and deletes entries up to its index', async () => {
      await store.save({ entries: range(1, 20, 3), hardState: { term: 3, vote: 1, commit: 15 } }, true);
      const s = snap(15, 3, 3000);
      await store.saveSnapshot(s);
      assert.equal(store.stats().firstIndex, 16);
      assert.equal(store.stats().entries, 5);
      await restart();
      const r = await store.load();
      assert.deepEqual(r.snapshot, s);
      assert.deepEqual(r.entries, range(16, 20, 3));
      await assert.rejects(store.saveSnapshot(snap(25, 3, 10)), /beyond the last stored index/);
    });

    it('a compaction that a newer installed snapshot overtook resolves false and changes nothing', async () => {
      await store.save({ entries: range(1, 10, 2), hardState: { term: 2, vote: 1, commit: 10 } }, true);
      const installed = snap(8, 2, 100);
      await store.save({ entries: [], snapshot: installed }, true);
      assert.equal(await store.saveSnapshot(snap(5, 2, 50)), false);
      assert.equal(await store.saveSnapshot(snap(9, 2, 60)), true);
      await restart();
      const r = await store.load();
      assert.deepEqual(r.snapshot, snap(9, 2, 60));
      assert.deepEqual(r.entries, range(10, 10, 2));
    });

    it('an installed snapshot that does not match our log replaces it; a matching one keeps the suffix', async () => {
      await store.save({ entries: range(1, 10, 1) }, true);
      // matching: entry 5 has term 1
      await store.save({ snapshot: snap(5, 1, 10), entries: [], hardState: { term: 1, vote: 0, commit: 5 } }, true);
      assert.deepEqual((await store.load()).entries, range(6, 10, 1));
      // not matching: entry 8 has term 1, snapshot says term 4 -> the log is discarded
      const s = snap(8, 4, 100);
      await store.save({ snapshot: s, entries: range(9, 9, 4), hardState: { term: 4, vote: 0, commit: 8 } }, true);
      await restart();
      const r = await store.load();
      assert.deepEqual(r.snapshot, s);
      assert.deepEqual(r.entries, range(9, 9, 4));
      assert.equal(store.stats().snapshotIndex, 8);
    });

    it('group commit: 1,000 entries in one save are one synced write', async () => {
      const before = store.stats();
      await store.save({ entries: range(1, 1000, 1), hardState: { term: 1, vote: 1, commit: 0 } }, true);
      const after = store.stats();
      assert.equal(after.writes - before.writes, 1);
      assert.equal(after.syncedWrites - before.syncedWrites, 1);
      assert.equal(after.lastIndex, 1000);
      await restart();
      assert.equal((await store.load()).entries.length, 1000);
    });

    it('the slow-disk hook delays synced writes only', async () => {
      store.syncDelayMs = 60;
      let t = performance.now();
      await store.save({ entries: range(1, 1, 1) }, true);
      assert.ok(performance.now() - t >= 55, 'synced write was not delayed');
      t = performance.now();
      await store.save({ entries: range(2, 2, 1) }, false);
      assert.ok(performance.now() - t < 55, 'unsynced write was delayed');
      store.syncDelayMs = 0;
    });

    it('writes land in call order even when not awaited one by one', async () => {
      store.syncDelayMs = 5;
      const p1 = store.save({ entries: range(1, 5, 1) }, true);
      const p2 = store.save({ entries: range(4, 6, 2) }, false);
      await Promise.all([p1, p2]);
      store.syncDelayMs = 0;
      await restart();
      assert.deepEqual((await store.load()).entries, [...range(1, 3, 1), ...range(4, 6, 2)]);
    });
  });
}
