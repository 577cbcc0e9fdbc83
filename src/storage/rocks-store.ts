// RaftStore on RocksDB (the `rocksdb` npm package, leveldown API).
//
// Key layout (one prefix byte per record kind; entry keys sort by index):
//   0x00                      format version
//   0x01                      hard state
//   0x02 | u64be index        a run of log entries: the entries one save() wrote, starting at
//                             `index`, back to back (format v2 and older: one entry per key)
//   0x03                      snapshot metadata (index, term, conf state, data length, chunk count,
//                             generation)
//   0x04 | u32be gen | u32be chunk
//                             snapshot data chunk (snapshots may be many MiB); a store written by
//                             format v1 has generation 0 only, keyed 0x04 | u32be chunk
//   0x05 | utf8 name          meta value (cluster id, member id, ...)
// Every value is [u32be crc32c(payload)][payload]. load() verifies every checksum, that run keys
// match the first index inside the record and runs are contiguous, and that the log is contiguous
// after the snapshot with non-decreasing terms; any violation is a StorageCorruptionError naming
// path, record and problem.
//
// Runs: a save() writes its entries as ONE record (RocksDB's cost is mostly per operation: a
// synced batch of 15 entry records takes ~40% more CPU than one record holding all 15). An append
// that replaces a log suffix deletes the runs starting inside it; a run that starts before the
// replaced suffix and reaches into it stays, and its tail is superseded: reading in key order, a
// run starting at index i replaces every entry >= i read before it. A compaction deletes the runs
// it covers whole; entries of a run that straddles the snapshot index are skipped when read.
//
// Group commit: each save() is ONE write batch (a synced batch of 1,000 ops costs about one synced
// put), and writes are chained so they reach the disk in call order.

import { createRequire } from 'node:module';
import type { Entry, HardState, Snapshot, SnapshotMetadata } from '../raft/types.js';
import {
  ByteReader,
  ByteWriter,
  CodecError,
  entrySizeBound,
  readEntry,
  readHardState,
  readSnapshotMetadata,
  writeEntry,
  writeHardState,
  writeSnapshotMetadata,
  crc32c,
} from '../codec/index.js';
import { StorageCorruptionError, StorageError } from './errors.js';
import { LogTracker } from './log-tracker.js';
import type { LoadResult, RaftStore, RaftStoreOptions, SaveBatch, StoreStats } from './raft-store.js';
import { MAX_META_KEY_BYTES } from './raft-store.js';

// ---- the slice of the leveldown API we use ----

type Cb = (err: Error | undefined | null) => void;
interface BatchOp {
  type: 'put' | 'del';
  key: Buffer;
  value?: Buffer;
}
interface LevelIterator {
  next(cb: (err: Error | undefined | null, key?: Buffer, value?: Buffer) => void): void;
  end(cb: Cb): void;
}
interface LevelDb {
  open(opts: { createIfMissing?: boolean; errorIfExists?: boolean }, cb: Cb): void;
  close(cb: Cb): void;
  batch(ops: BatchOp[], opts: { sync: boolean }, cb: Cb): void;
  compactRange(start: Buffer, end: Buffer, cb: Cb): void;
  iterator(opts: { gte?: Buffer; lt?: Buffer; keys?: boolean; values?: boolean; keyAsBuffer?: boolean; valueAsBuffer?: boolean }): LevelIterator;
}
type LevelFactory = (location: string) => LevelDb;

const require = createRequire(import.meta.url);
const rocksdb = require('rocksdb') as LevelFactory;

function cbPromise(fn: (cb: Cb) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

// ---- keys and records ----

const P_VERSION = 0x00;
const P_HARD_STATE = 0x01;
const P_ENTRY = 0x02;
const P_SNAP_META = 0x03;
const P_SNAP_CHUNK = 0x04;
const P_META = 0x05;

const FORMAT_VERSION = 'raftlock-store-v3';
/** Older formats this build reads: v2 stored one entry per key (a run of one), v1 also had no
 *  snapshot generations. Either is upgraded by its first write of entries or snapshot chunks. */
const OLDER_FORMATS: readonly string[] = ['raftlock-store-v2', 'raftlock-store-v1'];
/** Snapshot data is stored in chunks of this size, one chunk per batch while the member serves.
 *  The synchronous part of writing one (checksum, record copy, building RocksDB's batch) grows
 *  faster than its size: about 7 ms of event loop for 1 MiB, under 1 ms for 256 KiB, measured
 *  here. Reading takes chunks of any size (load concatenates them), so stores written with
 *  1 MiB chunks load unchanged. */
const SNAPSHOT_CHUNK_BYTES = 1 << 18;

const KEY_VERSION = Buffer.from([P_VERSION]);
const KEY_HARD_STATE = Buffer.from([P_HARD_STATE]);
const KEY_SNAP_META = Buffer.from([P_SNAP_META]);

function entryKey(index: number): Buffer {
  const k = Buffer.allocUnsafe(9);
  k[0] = P_ENTRY;
  k.writeUInt32BE(Math.floor(index / 0x1_0000_0000), 1);
  k.writeUInt32BE(index >>> 0, 5);
  return k;
}

function indexOfKey(key: Buffer): number {
  return key.readUInt32BE(1) * 0x1_0000_0000 + key.readUInt32BE(5);
}

/** The record of one run: the entries back to back, one checksum over all of them. */
function runRecord(entries: readonly Entry[], sizes: number[]): Buffer {
  let bound = 0;
  for (const e of entries) bound += entrySizeBound(e);
  const w = new ByteWriter(bound);
  let at = 0;
  for (const e of entries) {
    writeEntry(w, e);
    sizes.push(w.length - at);
    at = w.length;
  }
  return record(w.finish());
}

/** Chunk `n` of the snapshot of generation `gen` (generation 0: the v1 key, without it). */
function chunkKey(gen: number, n: number): Buffer {
  if (gen === 0) {
    const k = Buffer.allocUnsafe(5);
    k[0] = P_SNAP_CHUNK;
    k.writeUInt32BE(n, 1);
    return k;
  }
  const k = Buffer.allocUnsafe(9);
  k[0] = P_SNAP_CHUNK;
  k.writeUInt32BE(gen, 1);
  k.writeUInt32BE(n, 5);
  return k;
}

function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([P_META]), Buffer.from(name, 'utf8')]);
}

/** [u32 crc32c(payload)][payload] */
function record(payload: Uint8Array): Buffer {
  const v = Buffer.allocUnsafe(4 + payload.length);
  v.writeUInt32BE(crc32c(payload), 0);
  v.set(payload, 4);
  return v;
}

/** Human name of a key, for error messages. */
export function describeKey(key: Buffer): string {
  switch (key[0]) {
    case P_VERSION:
      return 'format version';
    case P_HARD_STATE:
      return 'hard state';
    case P_ENTRY:
      return key.length === 9 ? `entry index ${indexOfKey(key)}` : `entry (bad key ${key.toString('hex')})`;
    case P_SNAP_META:
      return 'snapshot metadata';
    case P_SNAP_CHUNK:
      if (key.length === 5) return `snapshot chunk ${key.readUInt32BE(1)}`;
      return key.length === 9 ? `snapshot chunk ${key.readUInt32BE(5)} of generation ${key.readUInt32BE(1)}` : `snapshot chunk (bad key ${key.toString('hex')})`;
    case P_META:
      return `meta ${JSON.stringify(key.subarray(1).toString('utf8'))}`;
    default:
      return `unknown key ${key.toString('hex')}`;
  }
}

interface SnapMetaRecord {
  metadata: SnapshotMetadata;
  dataBytes: number;
  chunks: number;
  gen: number;
}

export class RocksRaftStore implements RaftStore {
  syncDelayMs: number;
  readonly path: string;
  private readonly maxPendingWrites: number;
  private db: LevelDb | null = null;
  private readonly tracker = new LogTracker();
  /** Generation and chunk count of the stored snapshot (so a new one can delete them). */
  private snapGen = 0;
  private snapChunks = 0;
  /** The generation the next snapshot is written under (above every one found on disk). */
  private nextGen = 1;
  /** Chunks of no stored snapshot: a compaction cut short by a crash, or overtaken. */
  private strayChunks: Buffer[] = [];
  /** Found an older format on disk: the first write of entries or chunks upgrades it. */
  private olderFormat = false;
  /** The runs of entries on disk, by first index: `last` is the last index the run was written
   *  with (a later run starting at or below it supersedes its tail). */
  private runs: { first: number; last: number }[] = [];
  /** The compaction being written chunk by chunk (saveSnapshot), if any. */
  private staging: Promise<void> = Promise.resolve();
  /** A received snapshot whose chunks are being staged (installStaged): saves wait for it. */
  private installing: Promise<void> | null = null;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  /** First write failure or broken invariant: the store refuses everything afterwards. */
  private failure: Error | null = null;
  private writes = 0;
  private syncedWrites = 0;
  private written = 0;
  /** The verified result of the scan done by open(), handed out once by load(). */
  private opened: LoadResult | null = null;

  constructor(path: string, opts: RaftStoreOptions = {}) {
    this.path = path;
    this.syncDelayMs = opts.syncDelayMs ?? 0;
    this.maxPendingWrites = opts.maxPendingWrites ?? 1024;
  }

  /**
   * Opens (creating if missing) and verifies the whole store. A corrupt store still opens, but
   * load() and every write then throw the StorageCorruptionError (I/O failures throw here).
   */
  async open(): Promise<void> {
    if (this.db !== null) throw new Error(`store at ${this.path} is already open`);
    const db = rocksdb(this.path);
    try {
      await cbPromise((cb) => db.open({ createIfMissing: true }, cb));
    } catch (err) {
      throw new StorageError('STORAGE_IO', `cannot open RocksDB at ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    this.db = db;
    this.failure = null;
    try {
      this.opened = await this.scan();
      if (!(await this.hasVersion())) await this.write([{ type: 'put', key: KEY_VERSION, value: record(Buffer.from(FORMAT_VERSION)) }], true);
    } catch (err) {
      if (err instanceof StorageCorruptionError) {
        // Stay open so the caller can close(); load() and every write report the corruption.
        this.failure = err;
        return;
      }
      this.db = null;
      await cbPromise((cb) => db.close(cb)).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    if (db === null) return;
    await this.staging;
    await this.tail;
    this.db = null;
    this.opened = null;
    await cbPromise((cb) => db.close(cb));
  }

  async load(): Promise<LoadResult> {
    this.checkUsable();
    await this.tail;
    const result = this.opened ?? (await this.scan());
    this.opened = null;
    return result;
  }

  save(batch: SaveBatch, sync: boolean): Promise<void> {
    // While a received snapshot's chunks are being staged, later saves wait for its last batch
    // (they append after it, so they must see its effect on the tracker).
    if (this.installing !== null) return this.installing.then(() => this.save(batch, sync));
    const snap = batch.snapshot;
    if (snap !== undefined && snap.data.length > SNAPSHOT_CHUNK_BYTES) {
      const run = this.installStaged(snap, batch, sync);
      const installing = run.then(
        () => undefined,
        () => undefined,
      );
      this.installing = installing;
      void installing.then(() => {
        if (this.installing === installing) this.installing = null;
      });
      return run;
    }
    return this.enqueue(sync, () => this.saveOps(batch, snap === undefined ? undefined : this.snapshotChunkOps(snap)));
  }

  /** The Ready's one batch: the snapshot switch (its chunks in `chunks`), entries, hard state. */
  private saveOps(batch: SaveBatch, chunks: { gen: number; ops: BatchOp[] } | undefined): BatchOp[] {
    const ops: BatchOp[] = [];
    if (batch.snapshot !== undefined && chunks !== undefined) this.snapshotOps(batch.snapshot, chunks, ops);
    if (batch.entries.length > 0) this.appendRun(batch.entries, ops);
    if (batch.hardState !== undefined) ops.push({ type: 'put', key: KEY_HARD_STATE, value: encodeHardStateRecord(batch.hardState) });
    return ops;
  }

  /**
   * A snapshot received from the leader that spans several chunks: the chunks go first, one per
   * batch, each built (checksummed) in its own turn of the event loop under a new generation
   * nothing points at yet, so the member goes on serving its clients while tens of MiB are
   * copied; then the Ready's batch switches the metadata to them, drops the log and the previous
   * generation, and appends the entries — atomically, as when it was all one batch. A crash
   * between leaves the previous snapshot and log in place, plus stray chunks the next snapshot
   * deletes. (Built whole, a 40 MiB snapshot held the event loop about 0.3-0.5 s here.)
   */
  private async installStaged(snap: Snapshot, batch: SaveBatch, sync: boolean): Promise<void> {
    this.checkUsable();
    const gen = this.nextGen++;
    const data = snap.data;
    const chunks = Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES);
    for (let c = 0; c < chunks; c++) await this.enqueue(false, () => [...this.upgradeOps(), chunkOp(gen, data, c)]);
    await this.enqueue(sync, () => this.saveOps(batch, { gen, ops: [] }));
  }

  /** All chunks of `snap` under a new generation, for a snapshot written in one batch. */
  private snapshotChunkOps(snap: Snapshot): { gen: number; ops: BatchOp[] } {
    const gen = this.nextGen++;
    const data = snap.data;
    const ops: BatchOp[] = [];
    const chunks = Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES);
    for (let c = 0; c < chunks; c++) ops.push(chunkOp(gen, data, c));
    return { gen, ops };
  }

  /**
   * A compaction: the snapshot is written a chunk per batch, each batch built (checksummed) in
   * its own turn of the event loop and queued behind whatever was saved meanwhile, so the member
   * keeps replicating while tens of MiB reach the disk; the chunks go under a new generation that
   * nothing points at yet. A last, small synced batch then switches the metadata to it and drops
   * the compacted entries and the previous generation — until then a crash leaves the old
   * snapshot and the full log in place, plus stray chunks that the next snapshot deletes.
   * A snapshot installed meanwhile at or beyond this index wins: this one deletes its chunks.
   */
  saveSnapshot(snap: Snapshot): Promise<boolean> {
    const run = this.staging.then(() => this.stageSnapshot(snap));
    // `staging` only orders compactions; a failure reaches the caller through `run` (and poisons
    // the store), so this chain swallows it rather than leave a rejection nobody handles.
    this.staging = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async stageSnapshot(snap: Snapshot): Promise<boolean> {
    this.checkUsable();
    const { index } = snap.metadata;
    const gen = this.nextGen++;
    const data = snap.data;
    const chunks = Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES);
    const written: Buffer[] = [];
    const overtaken = (): boolean => this.tracker.snapIndex >= index;
    for (let c = 0; c < chunks && !overtaken(); c++) {
      const key = chunkKey(gen, c);
      written.push(key);
      await this.enqueue(false, () => [...this.upgradeOps(), chunkOp(gen, data, c)]);
    }
    let stored = false;
    await this.enqueue(true, () => {
      if (overtaken()) return written.map((key) => ({ type: 'del', key }));
      stored = true;
      const ops: BatchOp[] = [];
      this.dropRuns(this.tracker.snapshot(index, snap.metadata.term, 'compact').to, ops);
      this.dropStoredChunks(ops);
      ops.push({ type: 'put', key: KEY_SNAP_META, value: snapMetaRecord(snap.metadata, data.length, chunks, gen) });
      this.snapGen = gen;
      this.snapChunks = chunks;
      return ops;
    });
    return stored;
  }

  putMeta(key: string, value: Uint8Array): Promise<void> {
    if (key.length === 0 || Buffer.byteLength(key) > MAX_META_KEY_BYTES) {
      return Promise.reject(new Error(`meta key must be 1..${MAX_META_KEY_BYTES} bytes, got ${JSON.stringify(key)}`));
    }
    return this.enqueue(true, () => [{ type: 'put', key: metaKey(key), value: record(value) }]);
  }

  /**
   * Compacts the whole key range (RocksDB compactRange): rewrites the SST files without the
   * records deleted since (compacted log runs, old snapshot chunks), which gives the disk space
   * back. Runs beside normal writes; costs disk I/O for as long as it takes.
   */
  async compactStorage(): Promise<void> {
    const db = this.checkUsable();
    try {
      await cbPromise((cb) => db.compactRange(Buffer.from([0x00]), Buffer.from([0xff]), cb));
    } catch (err) {
      throw new StorageError('STORAGE_IO', `compacting ${this.path} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Bytes of keys and values in the write batches that reached RocksDB (raftlock_storage_written_bytes_total). */
  get writtenBytes(): number {
    return this.written;
  }

  stats(): StoreStats {
    return this.tracker.stats(this.writes, this.syncedWrites);
  }

  // ---- writing ----

  private checkUsable(): LevelDb {
    if (this.failure !== null) throw this.failure;
    if (this.db === null) throw new StorageError('STORAGE_CLOSED', `store at ${this.path} is not open`);
    return this.db;
  }

  /** A snapshot installed from the leader, in the batch of its Ready: its chunks (`chunks.ops`,
   *  empty when they were staged before) become the stored snapshot. */
  private snapshotOps(snap: Snapshot, chunks: { gen: number; ops: BatchOp[] }, ops: BatchOp[]): void {
    this.dropRuns(this.tracker.snapshot(snap.metadata.index, snap.metadata.term, 'install').to, ops);
    this.dropStoredChunks(ops);
    ops.push(...this.upgradeOps(), ...chunks.ops);
    const gen = chunks.gen;
    const data = snap.data;
    const count = Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES);
    ops.push({ type: 'put', key: KEY_SNAP_META, value: snapMetaRecord(snap.metadata, data.length, count, gen) });
    this.snapGen = gen;
    this.snapChunks = count;
  }

  /** Deletes the chunks of the stored snapshot and any strays (the caller replaces the metadata). */
  private dropStoredChunks(ops: BatchOp[]): void {
    for (let c = 0; c < this.snapChunks; c++) ops.push({ type: 'del', key: chunkKey(this.snapGen, c) });
    for (const key of this.strayChunks) ops.push({ type: 'del', key });
    this.strayChunks = [];
    this.snapChunks = 0;
  }

  /** Rewrites an older format version in the first batch that writes a run or a generation-keyed
   *  chunk (so an older build never misreads what this one wrote). */
  private upgradeOps(): BatchOp[] {
    if (!this.olderFormat) return [];
    this.olderFormat = false;
    return [{ type: 'put', key: KEY_VERSION, value: record(Buffer.from(FORMAT_VERSION)) }];
  }

  /** Writes `entries` as one run; the runs that start inside the suffix it replaces die. */
  private appendRun(entries: readonly Entry[], ops: BatchOp[]): void {
    const sizes: number[] = [];
    const value = runRecord(entries, sizes);
    this.tracker.append(entries, sizes); // checks the append's shape first (throws on a bad one)
    const first = entries[0]!.index;
    const runs = this.runs;
    while (runs.length > 0 && runs[runs.length - 1]!.first >= first) {
      const dead = runs.pop()!;
      if (dead.first !== first) ops.push({ type: 'del', key: entryKey(dead.first) }); // else overwritten below
    }
    ops.push(...this.upgradeOps());
    ops.push({ type: 'put', key: entryKey(first), value });
    runs.push({ first, last: entries[entries.length - 1]!.index });
  }

  /** Deletes the runs whose live entries all lie at or below `upTo` (snapshotted or discarded). */
  private dropRuns(upTo: number, ops: BatchOp[]): void {
    const runs = this.runs;
    let n = 0;
    while (n < runs.length) {
      const next = runs[n + 1];
      const liveLast = next === undefined ? runs[n]!.last : Math.min(runs[n]!.last, next.first - 1);
      if (liveLast > upTo) break;
      ops.push({ type: 'del', key: entryKey(runs[n]!.first) });
      n++;
    }
    if (n > 0) runs.splice(0, n);
  }

  /**
   * Builds the batch now (so the next call sees this one's effect on the tracker) and writes it
   * after every earlier write. A broken invariant or an I/O failure poisons the store.
   */
  private enqueue(sync: boolean, build: () => BatchOp[]): Promise<void> {
    let ops: BatchOp[];
    try {
      this.checkUsable();
      if (this.pending >= this.maxPendingWrites) {
        throw new StorageError('STORAGE_BUSY', `more than ${this.maxPendingWrites} writes queued on the store at ${this.path}`);
      }
      try {
        ops = build();
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    this.opened = null; // the scan done by open() is stale now
    if (ops.length === 0) return this.tail;
    return this.write(ops, sync);
  }

  private write(ops: BatchOp[], sync: boolean): Promise<void> {
    this.pending++;
    this.writes++;
    if (sync) this.syncedWrites++;
    // With nothing in flight the batch goes to the disk now, not a microtask later: the caller
    // overlaps its own work (sending, applying) with the write, so it should start first.
    const start = async (): Promise<void> => {
      if (this.failure !== null) throw this.failure;
      const db = this.db;
      if (db === null) throw new StorageError('STORAGE_CLOSED', `store at ${this.path} was closed with writes pending`);
      const delay = sync ? this.syncDelayMs : 0;
      if (delay > 0) await new Promise<void>((r) => setTimeout(r, delay));
      try {
        await cbPromise((cb) => db.batch(ops, { sync }, cb));
        for (const op of ops) this.written += op.key.length + (op.value?.length ?? 0);
      } catch (err) {
        this.failure = new StorageError('STORAGE_IO', `write to ${this.path} failed: ${(err as Error).message}`, { cause: err });
        throw this.failure;
      }
    };
    const run = this.pending === 1 ? start() : this.tail.then(start);
    this.tail = run.then(
      () => {
        this.pending--;
      },
      () => {
        this.pending--;
      },
    );
    return run;
  }

  // ---- reading ----

  private async hasVersion(): Promise<boolean> {
    let found = false;
    await this.iterate(KEY_VERSION, Buffer.from([P_VERSION + 1]), () => {
      found = true;
    });
    return found;
  }

  private async iterate(gte: Buffer, lt: Buffer, each: (key: Buffer, value: Buffer) => void): Promise<void> {
    const db = this.checkUsable();
    const it = db.iterator({ gte, lt, keyAsBuffer: true, valueAsBuffer: true });
    try {
      for (;;) {
        const kv = await new Promise<[Buffer, Buffer] | null>((resolve, reject) =>
          it.next((err, key, value) => (err ? reject(err) : resolve(key === undefined || value === undefined ? null : [key, value]))),
        );
        if (kv === null) break;
        each(kv[0], kv[1]);
      }
    } finally {
      await cbPromise((cb) => it.end(cb));
    }
  }

  private corrupt(key: string, problem: string, cause?: unknown): StorageCorruptionError {
    return new StorageCorruptionError(this.path, key, problem, cause === undefined ? undefined : { cause });
  }

  /** Checks the record's checksum and returns its payload. */
  private payload(key: Buffer, value: Buffer): Buffer {
    if (value.length < 4) throw this.corrupt(describeKey(key), `value is ${value.length} byte(s), too short for its checksum (torn write?)`);
    const want = value.readUInt32BE(0);
    const payload = value.subarray(4);
    const got = crc32c(payload);
    if (got !== want) {
      throw this.corrupt(describeKey(key), `checksum mismatch: stored crc32c ${want.toString(16).padStart(8, '0')}, computed ${got.toString(16).padStart(8, '0')}`);
    }
    return payload;
  }

  private decode<T>(key: Buffer, value: Buffer, read: (r: ByteReader) => T): T {
    const payload = this.payload(key, value);
    const r = new ByteReader(payload, describeKey(key));
    try {
      const out = read(r);
      r.end();
      return out;
    } catch (err) {
      if (err instanceof CodecError) throw this.corrupt(describeKey(key), `cannot decode: ${err.message}`, err);
      throw err;
    }
  }

  /** Reads and verifies everything, and rebuilds the tracker from it. */
  private async scan(): Promise<LoadResult> {
    const unknown: Buffer[] = [];
    let version: string | null = null;
    let hardState: HardState | null = null;
    let snapMeta: SnapMetaRecord | null = null;
    /** Chunk keys and values by generation, in key order. */
    const gens = new Map<number, { keys: Buffer[]; values: Buffer[] }>();
    // Entries in index order, each with the first index of the run it came from.
    let entries: Entry[] = [];
    let sizes: number[] = [];
    let runOf: number[] = [];
    const runs: { first: number; last: number }[] = [];
    const meta = new Map<string, Uint8Array>();

    await this.iterate(Buffer.from([0x00]), Buffer.from([0xff]), (key, value) => {
      switch (key[0]) {
        case P_VERSION:
          version = this.payload(key, value).toString('utf8');
          break;
        case P_HARD_STATE:
          hardState = this.decode(key, value, readHardState);
          break;
        case P_ENTRY: {
          if (key.length !== 9) throw this.corrupt(describeKey(key), 'entry key is not 9 bytes');
          const first = indexOfKey(key);
          const run = this.decode(key, value, (r) => {
            const out: { e: Entry; size: number }[] = [];
            do {
              const at = r.remaining;
              out.push({ e: readEntry(r), size: at - r.remaining });
            } while (r.remaining > 0);
            return out;
          });
          for (let i = 0; i < run.length; i++) {
            const index = run[i]!.e.index;
            if (index !== first + i) {
              throw this.corrupt(describeKey(key), i === 0 ? `record holds index ${index}, not the key's ${first}` : `run holds index ${index} where ${first + i} belongs`);
            }
          }
          // This run replaces every entry at or after its first index read so far.
          let keep = entries.length;
          while (keep > 0 && entries[keep - 1]!.index >= first) keep--;
          if (keep < entries.length) {
            entries = entries.slice(0, keep);
            sizes = sizes.slice(0, keep);
            runOf = runOf.slice(0, keep);
          }
          for (const { e, size } of run) {
            // Copy out of the RocksDB value buffer so one entry does not pin a larger allocation.
            entries.push({ term: e.term, index: e.index, type: e.type, data: e.data.slice() });
            sizes.push(size);
            runOf.push(first);
          }
          runs.push({ first, last: first + run.length - 1 });
          break;
        }
        case P_SNAP_META:
          snapMeta = this.decode(key, value, (r) => {
            const metadata = readSnapshotMetadata(r);
            const dataBytes = r.uvarint('data length');
            const n = r.uvarint('chunk count');
            const gen = r.remaining > 0 ? r.uvarint('generation') : 0;
            return { metadata, dataBytes, chunks: n, gen };
          });
          break;
        case P_SNAP_CHUNK: {
          if (key.length !== 5 && key.length !== 9) throw this.corrupt(describeKey(key), 'chunk key is neither 5 nor 9 bytes');
          const gen = key.length === 5 ? 0 : key.readUInt32BE(1);
          let g = gens.get(gen);
          if (g === undefined) {
            g = { keys: [], values: [] };
            gens.set(gen, g);
          }
          g.keys.push(Buffer.from(key));
          g.values.push(value);
          break;
        }
        case P_META:
          meta.set(key.subarray(1).toString('utf8'), new Uint8Array(this.payload(key, value)));
          break;
        default:
          unknown.push(key);
      }
    });

    if (unknown.length > 0) throw this.corrupt(describeKey(unknown[0]!), `${unknown.length} record(s) of unknown kind`);
    const isEmpty = hardState === null && snapMeta === null && entries.length === 0 && gens.size === 0 && meta.size === 0;
    if (version === null && !isEmpty) throw this.corrupt('format version', 'missing, but the store holds data');
    if (version !== null && version !== FORMAT_VERSION && !OLDER_FORMATS.includes(version)) {
      throw this.corrupt('format version', `found ${JSON.stringify(version)}, this build reads ${[FORMAT_VERSION, ...OLDER_FORMATS].map((v) => JSON.stringify(v)).join(', ')}`);
    }

    // The metadata names the generation of the stored snapshot; chunks of any other generation
    // are strays of a compaction that never finished (see saveSnapshot), deleted by the next one.
    let snapshot: Snapshot | null = null;
    const sm = snapMeta as SnapMetaRecord | null;
    const current = sm === null ? undefined : gens.get(sm.gen);
    const strays: Buffer[] = [];
    for (const g of gens.values()) if (g !== current) strays.push(...g.keys);
    const chunks: Buffer[] = [];
    if (current !== undefined) {
      for (let c = 0; c < current.keys.length; c++) {
        const key = current.keys[c]!;
        const n = key.readUInt32BE(key.length - 4);
        if (n !== c) throw this.corrupt(describeKey(key), `expected chunk ${c} next (missing chunk)`);
        chunks.push(this.payload(key, current.values[c]!));
      }
    }
    if (sm !== null) {
      if (chunks.length !== sm.chunks) throw this.corrupt('snapshot metadata', `says ${sm.chunks} chunk(s), found ${chunks.length}`);
      const data = new Uint8Array(sm.dataBytes);
      let off = 0;
      for (let c = 0; c < chunks.length; c++) {
        const piece = chunks[c]!;
        if (off + piece.length > sm.dataBytes) throw this.corrupt(`snapshot chunk ${c}`, `chunks exceed the recorded data length ${sm.dataBytes}`);
        data.set(piece, off);
        off += piece.length;
      }
      if (off !== sm.dataBytes) throw this.corrupt('snapshot metadata', `records ${sm.dataBytes} data byte(s), chunks hold ${off}`);
      snapshot = { metadata: sm.metadata, data };
    }

    const snapIndex = snapshot?.metadata.index ?? 0;
    const snapTerm = snapshot?.metadata.term ?? 0;
    // A run that straddles the snapshot index keeps its entries up to it on disk; they are
    // skipped. Any other entry at or below the snapshot index outlived its compaction.
    let skip = 0;
    while (skip < entries.length && entries[skip]!.index <= snapIndex) skip++;
    if (skip > 0) {
      const straddling = skip < entries.length ? runOf[skip] : undefined;
      for (let i = 0; i < skip; i++) {
        if (runOf[i] !== straddling) throw this.corrupt(`entry index ${entries[i]!.index}`, `survives at or below the snapshot index ${snapIndex}`);
      }
      const at = entries[skip - 1]!;
      if (at.index === snapIndex && at.term !== snapTerm) {
        throw this.corrupt(`entry index ${at.index}`, `term ${at.term} contradicts the snapshot's term ${snapTerm} at that index`);
      }
      entries = entries.slice(skip);
      sizes = sizes.slice(skip);
    }

    // Continuity: entries follow the snapshot without gaps, terms never decrease.
    let prevIndex = snapIndex;
    let prevTerm = snapTerm;
    for (const e of entries) {
      if (e.index <= snapIndex) throw this.corrupt(`entry index ${e.index}`, `survives at or below the snapshot index ${snapIndex}`);
      if (e.index !== prevIndex + 1) throw this.corrupt(`entry index ${e.index}`, `gap in the log: previous stored index is ${prevIndex}`);
      if (e.term < prevTerm) throw this.corrupt(`entry index ${e.index}`, `term ${e.term} is below the previous term ${prevTerm}`);
      prevIndex = e.index;
      prevTerm = e.term;
    }
    const hs = hardState as HardState | null;
    if (hs !== null) {
      if (hs.commit > prevIndex) throw this.corrupt('hard state', `commit ${hs.commit} is beyond the last stored index ${prevIndex}`);
      if (hs.term < prevTerm) throw this.corrupt('hard state', `term ${hs.term} is below the last stored term ${prevTerm}`);
    }

    this.tracker.reset(snapIndex, snapTerm);
    if (entries.length > 0) this.tracker.append(entries, sizes);
    this.snapGen = sm?.gen ?? 0;
    this.snapChunks = chunks.length;
    this.strayChunks = strays;
    this.nextGen = Math.max(0, ...gens.keys(), this.snapGen) + 1;
    this.olderFormat = version !== null && version !== FORMAT_VERSION;
    this.runs = runs;
    return { hardState: hs, snapshot, entries, meta };
  }
}

/** Piece `c` of snapshot data as stored: SNAPSHOT_CHUNK_BYTES each, the last one shorter. */
function chunkOf(data: Uint8Array, c: number): Uint8Array {
  return data.subarray(c * SNAPSHOT_CHUNK_BYTES, Math.min(data.length, (c + 1) * SNAPSHOT_CHUNK_BYTES));
}

/** The write of piece `c` of snapshot data under generation `gen` (checksummed now). */
function chunkOp(gen: number, data: Uint8Array, c: number): BatchOp {
  return { type: 'put', key: chunkKey(gen, c), value: record(chunkOf(data, c)) };
}

function snapMetaRecord(metadata: SnapshotMetadata, dataBytes: number, chunks: number, gen: number): Buffer {
  const w = new ByteWriter(64);
  writeSnapshotMetadata(w, metadata);
  w.uvarint(dataBytes).uvarint(chunks).uvarint(gen);
  return record(w.finish());
}

function encodeHardStateRecord(hs: HardState): Buffer {
  const w = new ByteWriter(32);
  writeHardState(w, hs);
  return record(w.finish());
}
