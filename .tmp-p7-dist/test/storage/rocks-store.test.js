// RocksDB-specific behaviour: checksums, corruption detection, chunked snapshots.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { RocksRaftStore, StorageCorruptionError, crc32c } from '../../src/storage/index.js';
import { EntryType } from '../../src/raft/types.js';
const require = createRequire(import.meta.url);
const rocksdb = require('rocksdb');
const p = (fn) => new Promise((res, rej) => fn((err, v) => (err ? rej(err) : res(v))));
/** Opens the store's directory with a raw handle, runs `fn`, closes. */
async function withRaw(path, fn) {
    const db = rocksdb(path);
    await p((cb) => db.open({}, cb));
    try {
        await fn(db);
    }
    finally {
        await p((cb) => db.close(cb));
    }
}
function entryKey(i) {
    const k = Buffer.alloc(9);
    k[0] = 0x02;
    k.writeUInt32BE(Math.floor(i / 2 ** 32), 1);
    k.writeUInt32BE(i >>> 0, 5);
    return k;
}
function ent(index, term) {
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
    let dir;
    let path;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'raftlock-rocks-'));
        path = join(dir, 'db');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    async function seed(entries, snapshot) {
        const s = new RocksRaftStore(path);
        await s.open();
        await s.save({ entries, hardState: { term: 5, vote: 1, commit: 0 } }, true);
        if (snapshot)
            await s.saveSnapshot(snapshot);
        await s.close();
    }
    async function loadError() {
        const s = new RocksRaftStore(path);
        await s.open();
        try {
            await s.load();
        }
        catch (err) {
            assert.ok(err instanceof StorageCorruptionError, `expected StorageCorruptionError, got ${String(err)}`);
            // the corrupt store refuses writes too
            await assert.rejects(s.save({ entries: [ent(99, 5)] }, true), StorageCorruptionError);
            return err;
        }
        finally {
            await s.close();
        }
        assert.fail('load() accepted a corrupt store');
    }
    it('detects a flipped byte in an entry and names path, key and index', async () => {
        await seed([1, 2, 3, 4, 5].map((i) => ent(i, 2)));
        await withRaw(path, async (db) => {
            const v = await p((cb) => db.get(entryKey(3), {}, cb));
            v[v.length - 2] ^= 0x10;
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
            const v = await p((cb) => db.get(entryKey(2), {}, cb));
            await p((cb) => db.put(entryKey(3), v, { sync: true }, cb));
        });
        const err = await loadError();
        assert.match(err.message, /entry index 3: record holds index 2/);
    });
    it('detects decreasing terms', async () => {
        await seed([ent(1, 3), ent(2, 3)]);
        // write a valid record with a lower term at index 3 by saving through another store's codec
        const other = join(dir, 'other');
        const s = new RocksRaftStore(other);
        await s.open();
        await s.save({ entries: [ent(1, 1), ent(2, 1), ent(3, 1)] }, true);
        await s.close();
        let v = Buffer.alloc(0);
        await withRaw(other, async (db) => {
            v = await p((cb) => db.get(entryKey(3), {}, cb));
        });
        await withRaw(path, (db) => p((cb) => db.put(entryKey(3), v, { sync: true }, cb)));
        const err = await loadError();
        assert.match(err.message, /entry index 3: term 1 is below the previous term 3/);
    });
    it('stores a multi-MiB snapshot in chunks and drops leftover chunks when a smaller one replaces it', async () => {
        const big = new Uint8Array(3 * (1 << 20) + 12345);
        for (let i = 0; i < big.length; i++)
            big[i] = (i * 7 + (i >> 11)) & 0xff;
        const entries = Array.from({ length: 30 }, (_, i) => ent(i + 1, 2));
        await seed(entries, { metadata: { index: 10, term: 2, confState: { voters: [1], learners: [] } }, data: big });
        const countChunks = async () => {
            let n = 0;
            await withRaw(path, async (db) => {
                const it = db.iterator({ gte: Buffer.from([0x04]), lt: Buffer.from([0x05]), values: false, keyAsBuffer: true });
                for (;;) {
                    const k = await p((cb) => it.next(cb));
                    if (k === undefined)
                        break;
                    n++;
                }
                await p((cb) => it.end(cb));
            });
            return n;
        };
        assert.equal(await countChunks(), 4);
        const s = new RocksRaftStore(path);
        await s.open();
        const r = await s.load();
        assert.equal(r.snapshot?.metadata.index, 10);
        assert.ok(Buffer.from(r.snapshot.data).equals(Buffer.from(big)));
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
        await withRaw(path, (db) => p((cb) => db.del(Buffer.from([0x04, 0, 0, 0, 1]), { sync: true }, cb)));
        const err = await loadError();
        assert.equal(err.key, 'snapshot chunk 2');
        assert.match(err.message, /missing chunk/);
    });
    it('refuses writes after close', async () => {
        const s = new RocksRaftStore(path);
        await s.open();
        await s.close();
        await assert.rejects(s.save({ entries: [ent(1, 1)] }, true), { code: 'STORAGE_CLOSED' });
    });
});
//# sourceMappingURL=rocks-store.test.js.map