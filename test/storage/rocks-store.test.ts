// RocksDB-specific behaviour: checksums, corruption detection, chunked snapshots.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { crc32c } from '../../src/codec/index.js';
import { RocksRaftStore, StorageCorruptionError } from '../../src/storage/index.js';
import { EntryType } from '../../src/raft/types.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';

const require = createRequire(import.meta.url);
type Cb = (err?: Error | null) => void;
interface RawDb {
  open(o: object, cb: Cb): void;
  close(cb: Cb): void;
  get(k: Buffer, o: object, cb: (err: Error | null | undefined, v: Buffer) => void): void;
  put(k: Buffer, v: Buffer, o: object, cb: Cb): void;
  del(k: Buffer, o: object, cb: Cb): void;
  iterator(o: object): { next(cb: (err: Error | null | undefined, k?: Buffer) => void): void; end(cb: Cb): void };
}
const rocksdb = require('rocksdb') as (loc: string) => RawDb;

const p = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> =>
  new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v as T))));

/** Opens the store's directory with a raw handle, runs `fn`, closes. */
async function withRaw(path: string, fn: (db: RawDb) => Promise<void>): Promise<void> {
  const db = rocksdb(path);
  await p((cb) => db.open({}, cb));
  try {
    await fn(db);
  } finally {
    await p((cb) => db.close(cb));
  }
}

function entryKey(i: number): Buffer {
  const k = Buffer.alloc(9);
  k[0] = 0x02;
  k.writeUInt32BE(Math.floor(i / 2 ** 32), 1);
  k.writeUInt32BE(i >>> 0, 5);
  return k;
}

function chunkKey(gen: number, n: number): Buffer {
  const k = Buffer.alloc(9);
  k[0] = 0x04;
  k.writeUInt32BE(gen, 1);
  k.writeUInt32BE(n, 5);
  return k;
}

/** [crc32c][payload], as the store writes every value. */
function rawRecord(payload: Buffer): Buffer {
  const v = Buffer.alloc(4 + payload.length);
  v.writeUInt32BE(crc32c(payload), 0);
  payload.copy(v, 4);
  return v;
}

async function rawKeysOf(db: RawDb, prefix: number): Promise<Buffer[]> {
  const keys: Buffer[] = [];
  const it = db.iterator({ gte: Buffer.from([prefix]), lt: Buffer.from([prefix + 1]), values: false, keyAsBuffer: true });
  for (;;) {
    const k = await p<Buffer | undefined>((cb) => it.next(cb));
    if (k === undefined) break;
    keys.push(Buffer.from(k));
  }
  await p((cb) => it.end(cb));
  return keys;
}

async function rawKeys(path: string, prefix: number): Promise<Buffer[]> {
  let keys: Buffer[] = [];
  await withRaw(path, async (db) => {
    keys = await rawKeysOf(db, prefix);
  });
  return keys;
}

function snapshotAt(index: number, bytes: number, fill: number): Snapshot {
  return { metadata: { index, term: 1, confState: { voters: [1], learners: [] } }, data: new Uint8Array(bytes).fill(fill) };
}

function ent(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array([index & 0xff, 0, 0xff, term & 0xff]) };
}

describe('crc32c', () => {
  it('matches the published check value and composes over pieces', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32c(check), 0xe3069283); // CRC-32C check value (RFC 3720 / Castagnoli)
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    assert.equal(crc32c(check.subarray(5), crc32c(check.subarray(0, 5))), 0xe3069283);
  });
});

describe('RocksRaftStore', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'raftlock-rocks-'));
    path = join(dir, 'db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes each entry with its own save (so each is a run of one, under its own key). */
  async function seed(entries: Entry[], snapshot?: Snapshot): Promise<void> {
    const s = new RocksRaftStore(path);
    await s.open();
    for (const e of entries) await s.save({ entries: [e] }, true);
    await s.save({ entries: [], hardState: { term: 5, vote: 1, commit: 0 } }, true);
    if (snapshot) await s.saveSnapshot(snapshot);
    await s.close();
  }

  async function loadError(): Promise<StorageCorruptionError> {
    const s = new RocksRaftStore(path);
    await s.open();
    try {
      await s.load();
    } catch (err) {
      assert.ok(err instanceof StorageCorruptionError, `expected StorageCorruptionError, got ${String(err)}`);
      // the corrupt store refuses writes too
      await assert.rejects(s.save({ entries: [ent(99, 5)] }, true), StorageCorruptionError);
      return err;
    } finally {
      await s.close();
    }
    assert.fail('load() accepted a corrupt store');
  }

  /** The stored records (runs of one) of entries 1..n of `term`, written by a scratch store
   *  through the real codec, by index. */
  async function recordsOf(n: number, term: number): Promise<Map<number, Buffer>> {
    const other = join(dir, `other-${n}-${term}`);
    const s = new RocksRaftStore(other);
    await s.open();
    for (let i = 1; i <= n; i++) await s.save({ entries: [ent(i, term)] }, true);
    await s.close();
    const out = new Map<number, Buffer>();
    await withRaw(other, async (db) => {
      for (let i = 1; i <= n; i++) out.set(i, await p<Buffer>((cb) => db.get(entryKey(i), {}, cb)));
    });
    return out;
  }

  it('detects a flipped byte in an entry and names path, key and index', async () => {
    await seed([1, 2, 3, 4, 5].map((i) => ent(i, 2)));
    await withRaw(path, async (db) => {
      const v = await p<Buffer>((cb) => db.get(entryKey(3), {}, cb));
      v[v.length - 2]! ^= 0x10;
      await p((cb) => db.put(entryKey(3), v, { sync: true }, cb));
    });
    const err = await loadError();
    assert.equal(err.code, 'STORAGE_CORRUPT');
    assert.equal(err.key, 'entry index 3');
    assert.match(err.message, /entry index 3/);
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, /checksum mismatch/);
  });

  it('detects a torn (truncated) hard state record', async () => {
    await seed([ent(1, 1)]);
    await withRaw(path, async (db) => {
      await p((cb) => db.put(Buffer.from([0x01]), Buffer.from([1, 2]), { sync: true }, cb));
    });
    const err = await loadError();
    assert.equal(err.key, 'hard state');
    assert.match(err.message, /too short/);
  });

  it('detects a hole in the log', async () => {
    await seed([1, 2, 3, 4].map((i) => ent(i, 1)));
    await withRaw(path, (db) => p((cb) => db.del(entryKey(2), { sync: true }, cb)));
    const err = await loadError();
    assert.equal(err.key, 'entry index 3');
    assert.match(err.message, /gap in the log: previous stored index is 1/);
  });

  it('detects an entry stored under the wrong key', async () => {
    await seed([1, 2, 3].map((i) => ent(i, 1)));
    await withRaw(path, async (db) => {
      const v = await p<Buffer>((cb) => db.get(entryKey(2), {}, cb));
      await p((cb) => db.put(entryKey(3), v, { sync: true }, cb));
    });
    const err = await loadError();
    assert.match(err.message, /entry index 3: record holds index 2/);
  });

  it('detects decreasing terms', async () => {
    await seed([ent(1, 3), ent(2, 3)]);
    // a valid record with a lower term at index 3
    const v = (await recordsOf(3, 1)).get(3)!;
    await withRaw(path, (db) => p((cb) => db.put(entryKey(3), v, { sync: true }, cb)));
    const err = await loadError();
    assert.match(err.message, /entry index 3: term 1 is below the previous term 3/);
  });

  /** The entries load() returns, as [index, term] pairs, after a reopen. */
  async function reloaded(): Promise<[number, number][]> {
    const s = new RocksRaftStore(path);
    await s.open();
    try {
      return (await s.load()).entries.map((e) => [e.index, e.term]);
    } finally {
      await s.close();
    }
  }

  it('writes each save as one run; an append that replaces a suffix supersedes the tail of the run it starts in', async () => {
    const s = new RocksRaftStore(path);
    await s.open();
    await s.save({ entries: [1, 2, 3, 4, 5].map((i) => ent(i, 1)) }, true);
    await s.save({ entries: [4, 5, 6].map((i) => ent(i, 2)) }, true);
    await s.close();
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [1, 4]);
    assert.deepEqual(await reloaded(), [[1, 1], [2, 1], [3, 1], [4, 2], [5, 2], [6, 2]]);

    // Replacing from index 2 deletes the run at 4; the run at 1 stays, its tail superseded.
    const s2 = new RocksRaftStore(path);
    await s2.open();
    await s2.load();
    await s2.save({ entries: [ent(2, 3), ent(3, 3)] }, true);
    await s2.close();
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [1, 2]);
    assert.deepEqual(await reloaded(), [[1, 1], [2, 3], [3, 3]]);
  });

  it('a compaction deletes the runs it covers whole and skips the covered part of a straddling run', async () => {
    const s = new RocksRaftStore(path);
    await s.open();
    await s.save({ entries: [1, 2, 3].map((i) => ent(i, 1)) }, true);
    await s.save({ entries: [4, 5, 6, 7, 8].map((i) => ent(i, 1)) }, true);
    assert.equal(await s.saveSnapshot(snapshotAt(5, 10, 1)), true);
    await s.close();
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [4]);
    assert.deepEqual(await reloaded(), [[6, 1], [7, 1], [8, 1]]);

    const s2 = new RocksRaftStore(path);
    await s2.open();
    await s2.load();
    await s2.save({ entries: [ent(9, 1)] }, true);
    assert.equal(await s2.saveSnapshot(snapshotAt(8, 10, 2)), true);
    await s2.close();
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [9]);
    assert.deepEqual(await reloaded(), [[9, 1]]);
  });

  it('detects a run whose entries are not contiguous', async () => {
    await seed([ent(1, 1), ent(2, 1)]);
    const records = await recordsOf(3, 1);
    const payloads = [records.get(1)!.subarray(4), records.get(3)!.subarray(4)];
    await withRaw(path, (db) => p((cb) => db.put(entryKey(1), rawRecord(Buffer.concat(payloads)), { sync: true }, cb)));
    const err = await loadError();
    assert.equal(err.key, 'entry index 1');
    assert.match(err.message, /run holds index 3 where 2 belongs/);
  });

  it('detects an entry that outlived its compaction', async () => {
    await seed([1, 2, 3, 4].map((i) => ent(i, 1)), snapshotAt(2, 10, 1));
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [3, 4]);
    const v = (await recordsOf(1, 1)).get(1)!;
    await withRaw(path, (db) => p((cb) => db.put(entryKey(1), v, { sync: true }, cb)));
    const err = await loadError();
    assert.equal(err.key, 'entry index 1');
    assert.match(err.message, /survives at or below the snapshot index 2/);
  });

  it('stores a multi-MiB snapshot in chunks and drops leftover chunks when a smaller one replaces it', async () => {
    const big = new Uint8Array(3 * (1 << 20) + 12345);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 0xff;
    const entries = Array.from({ length: 30 }, (_, i) => ent(i + 1, 2));
    await seed(entries, { metadata: { index: 10, term: 2, confState: { voters: [1], learners: [] } }, data: big });

    const countChunks = async (): Promise<number> => {
      let n = 0;
      await withRaw(path, async (db) => {
        const it = db.iterator({ gte: Buffer.from([0x04]), lt: Buffer.from([0x05]), values: false, keyAsBuffer: true });
        for (;;) {
          const k = await p<Buffer | undefined>((cb) => it.next(cb));
          if (k === undefined) break;
          n++;
        }
        await p((cb) => it.end(cb));
      });
      return n;
    };
    assert.equal(await countChunks(), 13); // 256 KiB chunks: 12 whole ones and the 12,345-byte rest

    const s = new RocksRaftStore(path);
    await s.open();
    const r = await s.load();
    assert.equal(r.snapshot?.metadata.index, 10);
    assert.ok(Buffer.from(r.snapshot!.data).equals(Buffer.from(big)));
    assert.deepEqual(r.entries.map((e) => e.index), Array.from({ length: 20 }, (_, i) => i + 11));
    const small = new Uint8Array(10).fill(7);
    await s.saveSnapshot({ metadata: { index: 20, term: 2, confState: { voters: [1], learners: [] } }, data: small });
    await s.close();
    assert.equal(await countChunks(), 1);

    const s2 = new RocksRaftStore(path);
    await s2.open();
    const r2 = await s2.load();
    assert.deepEqual(r2.snapshot?.data, small);
    assert.equal(r2.entries[0]?.index, 21);
    await s2.close();
  });

  it('detects a missing snapshot chunk', async () => {
    const data = new Uint8Array(2 * (1 << 20) + 5).fill(3);
    await seed([1, 2, 3].map((i) => ent(i, 1)), { metadata: { index: 2, term: 1, confState: { voters: [1], learners: [] } }, data });
    await withRaw(path, (db) => p((cb) => db.del(chunkKey(1, 1), { sync: true }, cb)));
    const err = await loadError();
    assert.equal(err.key, 'snapshot chunk 2 of generation 1');
    assert.match(err.message, /missing chunk/);
  });

  it('a compaction cut short leaves stray chunks that load ignores and the next snapshot deletes', async () => {
    const first = snapshotAt(2, 10, 1);
    await seed([1, 2, 3, 4].map((i) => ent(i, 1)), first);
    // As if a later compaction had written a chunk of generation 7 and then the process died.
    await withRaw(path, (db) => p((cb) => db.put(chunkKey(7, 0), rawRecord(Buffer.from('half a snapshot')), { sync: true }, cb)));

    const s = new RocksRaftStore(path);
    await s.open();
    const r = await s.load();
    assert.deepEqual(r.snapshot?.data, first.data);
    assert.deepEqual(r.entries.map((e) => e.index), [3, 4]);
    await s.saveSnapshot(snapshotAt(3, 10, 2));
    await s.close();

    const keys = await rawKeys(path, 0x04);
    assert.deepEqual(keys.map((k) => k.readUInt32BE(1)), [8], 'only the new generation (above the stray 7) is left');
    const s2 = new RocksRaftStore(path);
    await s2.open();
    const r2 = await s2.load();
    assert.deepEqual(r2.snapshot?.data, snapshotAt(3, 10, 2).data);
    assert.deepEqual(r2.entries.map((e) => e.index), [4]);
    await s2.close();
  });

  it('keeps taking log writes while a compaction is written, which lands after them', async () => {
    const s = new RocksRaftStore(path);
    await s.open();
    await s.save({ entries: Array.from({ length: 10 }, (_, i) => ent(i + 1, 1)), hardState: { term: 1, vote: 1, commit: 10 } }, true);
    const big = snapshotAt(5, 3 * (1 << 20) + 17, 9);
    const compaction = s.saveSnapshot(big);
    const appends: Promise<void>[] = [];
    for (let i = 11; i <= 20; i++) appends.push(s.save({ entries: [ent(i, 1)] }, true));
    const [stored] = await Promise.all([compaction, ...appends]);
    assert.equal(stored, true);
    assert.equal(s.stats().firstIndex, 6);
    await s.close();

    const s2 = new RocksRaftStore(path);
    await s2.open();
    const r = await s2.load();
    assert.equal(r.snapshot?.metadata.index, 5);
    assert.ok(Buffer.from(r.snapshot!.data).equals(Buffer.from(big.data)));
    assert.deepEqual(r.entries.map((e) => e.index), Array.from({ length: 15 }, (_, i) => i + 6));
    await s2.close();
  });

  it('a snapshot installed while a compaction is being written wins, and the compaction leaves nothing behind', async () => {
    const s = new RocksRaftStore(path);
    await s.open();
    await s.save({ entries: Array.from({ length: 10 }, (_, i) => ent(i + 1, 1)), hardState: { term: 1, vote: 1, commit: 10 } }, true);
    const compaction = s.saveSnapshot(snapshotAt(5, 4 * (1 << 20), 3));
    // A log write queued now lands before the compaction's first chunk does; once it has, that
    // chunk is queued and the three others and the last batch are not: the install below comes
    // in the middle of the compaction.
    await s.save({ entries: [ent(11, 1)] }, true);
    const installed = snapshotAt(12, 100, 4);
    const [stored] = await Promise.all([compaction, s.save({ entries: [], snapshot: installed, hardState: { term: 1, vote: 1, commit: 12 } }, true)]);
    assert.equal(stored, false, 'the compaction reports that it was dropped');
    await s.close();

    const gens = new Set((await rawKeys(path, 0x04)).map((k) => k.readUInt32BE(1)));
    assert.equal(gens.size, 1, `chunks of one generation only, found ${[...gens].join(', ')}`);
    const s2 = new RocksRaftStore(path);
    await s2.open();
    const r = await s2.load();
    assert.equal(r.snapshot?.metadata.index, 12);
    assert.deepEqual(r.snapshot?.data, installed.data);
    assert.deepEqual(r.entries, []);
    await s2.close();
  });

  it('reads a format v2 store (one entry per key) and upgrades it with its first write of a run', async () => {
    await seed([1, 2, 3, 4].map((i) => ent(i, 1)));
    await withRaw(path, (db) => p((cb) => db.put(Buffer.from([0x00]), rawRecord(Buffer.from('raftlock-store-v2')), { sync: true }, cb)));
    const version = async (): Promise<string> => {
      let v = '';
      await withRaw(path, async (db) => {
        v = (await p<Buffer>((cb) => db.get(Buffer.from([0x00]), {}, cb))).subarray(4).toString();
      });
      return v;
    };
    const s = new RocksRaftStore(path);
    await s.open();
    assert.deepEqual((await s.load()).entries.map((e) => e.index), [1, 2, 3, 4]);
    await s.close();
    assert.equal(await version(), 'raftlock-store-v2', 'reading alone changes nothing');

    const s2 = new RocksRaftStore(path);
    await s2.open();
    await s2.load();
    await s2.save({ entries: [ent(3, 2), ent(4, 2), ent(5, 2)] }, true);
    await s2.close();
    assert.equal(await version(), 'raftlock-store-v3');
    assert.deepEqual((await rawKeys(path, 0x02)).map((k) => k.readUInt32BE(5)), [1, 2, 3]);
    assert.deepEqual(await reloaded(), [[1, 1], [2, 1], [3, 2], [4, 2], [5, 2]]);
  });

  it('installs a received multi-chunk snapshot a chunk per batch, atomically with its Ready, and orders later saves after it', async () => {
    await seed(Array.from({ length: 30 }, (_, i) => ent(i + 1, 1)), snapshotAt(10, 100, 1));
    const s = new RocksRaftStore(path);
    await s.open();
    await s.load();
    const before = s.stats();
    const snap: Snapshot = { metadata: { index: 40, term: 2, confState: { voters: [1], learners: [] } }, data: new Uint8Array(3 * (1 << 20) + 7) };
    for (let i = 0; i < snap.data.length; i++) snap.data[i] = (i * 13 + (i >> 9)) & 0xff;
    const install = s.save({ snapshot: snap, entries: [ent(41, 2), ent(42, 2)], hardState: { term: 2, vote: 1, commit: 40 } }, true);
    const later = s.save({ entries: [ent(43, 2)] }, true); // issued before the install has landed
    await Promise.all([install, later]);
    const after = s.stats();
    assert.equal(after.writes - before.writes, 13 + 1 + 1, 'thirteen chunk batches, the Ready batch, the later save');
    assert.equal(after.syncedWrites - before.syncedWrites, 2, 'only the Ready batch and the later save are synced');
    assert.deepEqual([after.snapshotIndex, after.lastIndex], [40, 43]);
    await s.close();

    const keys = await rawKeys(path, 0x04);
    assert.equal(keys.length, 13, 'the old snapshot chunk is gone');
    assert.equal(new Set(keys.map((k) => k.readUInt32BE(1))).size, 1, 'all chunks under one generation');
    const s2 = new RocksRaftStore(path);
    await s2.open();
    const r = await s2.load();
    assert.equal(r.snapshot?.metadata.index, 40);
    assert.ok(Buffer.from(r.snapshot!.data).equals(Buffer.from(snap.data)));
    assert.deepEqual(r.entries.map((e) => e.index), [41, 42, 43]);
    assert.deepEqual(r.hardState, { term: 2, vote: 1, commit: 40 });
    await s2.close();
  });

  it('writes snapshots in 256 KiB chunks and still loads one stored in the 1 MiB chunks of earlier builds', async () => {
    const snap = snapshotAt(2, 2 * (1 << 20) + 5, 9);
    await seed([1, 2, 3].map((i) => ent(i, 1)), snap);
    await withRaw(path, async (db) => {
      const keys = await rawKeysOf(db, 0x04);
      assert.equal(keys.length, 9, 'eight 256 KiB chunks and the 5-byte rest');
      const gen = keys[0]!.readUInt32BE(1);
      for (const key of keys) await p((cb) => db.del(key, { sync: true }, cb));
      // Rewrite it as a build with 1 MiB chunks wrote it: three chunks, metadata saying so.
      const data = Buffer.from(snap.data);
      for (let c = 0; c < 3; c++) {
        const key = Buffer.alloc(9);
        key[0] = 0x04;
        key.writeUInt32BE(gen, 1);
        key.writeUInt32BE(c, 5);
        await p((cb) => db.put(key, rawRecord(data.subarray(c << 20, Math.min(data.length, (c + 1) << 20))), { sync: true }, cb));
      }
      const meta = await p<Buffer>((cb) => db.get(Buffer.from([0x03]), {}, cb));
      const payload = Buffer.from(meta.subarray(4));
      // The metadata ends with uvarints: data length, chunk count, generation (one byte each here).
      assert.deepEqual([payload[payload.length - 2], payload[payload.length - 1]], [9, gen]);
      payload[payload.length - 2] = 3;
      await p((cb) => db.put(Buffer.from([0x03]), rawRecord(payload), { sync: true }, cb));
    });
    const s = new RocksRaftStore(path);
    await s.open();
    const r = await s.load();
    assert.ok(Buffer.from(r.snapshot!.data).equals(Buffer.from(snap.data)));
    assert.deepEqual(r.entries.map((e) => e.index), [3]);
    await s.close();
  });

  it('reads a format v1 store (chunks without generation) and upgrades it with the next snapshot', async () => {
    const old = snapshotAt(2, (1 << 18) + 3, 5);
    await seed([1, 2, 3].map((i) => ent(i, 1)), old);
    // Rewrite it as v1 wrote it: version string, 5-byte chunk keys, metadata without generation.
    await withRaw(path, async (db) => {
      for (const key of await rawKeysOf(db, 0x04)) {
        const v = await p<Buffer>((cb) => db.get(key, {}, cb));
        await p((cb) => db.put(Buffer.from([0x04, 0, 0, 0, key.readUInt32BE(5)]), v, { sync: true }, cb));
        await p((cb) => db.del(key, { sync: true }, cb));
      }
      const meta = await p<Buffer>((cb) => db.get(Buffer.from([0x03]), {}, cb));
      assert.equal(meta[meta.length - 1], 1, 'the metadata ends with generation 1');
      await p((cb) => db.put(Buffer.from([0x03]), rawRecord(meta.subarray(4, meta.length - 1)), { sync: true }, cb));
      await p((cb) => db.put(Buffer.from([0x00]), rawRecord(Buffer.from('raftlock-store-v1')), { sync: true }, cb));
    });
    assert.deepEqual((await rawKeys(path, 0x04)).map((k) => k.length), [5, 5]);

    const s = new RocksRaftStore(path);
    await s.open();
    const r = await s.load();
    assert.ok(Buffer.from(r.snapshot!.data).equals(Buffer.from(old.data)));
    assert.deepEqual(r.entries.map((e) => e.index), [3]);
    await s.saveSnapshot(snapshotAt(3, 10, 6));
    await s.close();

    const keys = await rawKeys(path, 0x04);
    assert.deepEqual(keys.map((k) => [k.length, k.readUInt32BE(1)]), [[9, 1]], 'the v1 chunks are gone, the new one has generation 1');
    await withRaw(path, async (db) => {
      const v = await p<Buffer>((cb) => db.get(Buffer.from([0x00]), {}, cb));
      assert.equal(v.subarray(4).toString(), 'raftlock-store-v3');
    });
    const s2 = new RocksRaftStore(path);
    await s2.open();
    assert.deepEqual((await s2.load()).snapshot?.data, snapshotAt(3, 10, 6).data);
    await s2.close();
  });

  it('a failed compaction rejects to its caller and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const s = new RocksRaftStore(path);
      await s.open();
      await s.close();
      await assert.rejects(s.saveSnapshot(snapshotAt(1, 10, 1)), { code: 'STORAGE_CLOSED' });
      // Node reports unhandled rejections once the microtask queue has drained: one macrotask on.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses writes after close', async () => {
    const s = new RocksRaftStore(path);
    await s.open();
    await s.close();
    await assert.rejects(s.save({ entries: [ent(1, 1)] }, true), { code: 'STORAGE_CLOSED' });
  });
});
