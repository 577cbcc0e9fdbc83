// RaftStore in memory, for unit tests and the deterministic simulator. It keeps the same rules as
// RocksRaftStore (LogTracker validates every write) and copies every byte array on the way in and
// out, so callers can never alias stored state. Survives close()/open(): a "restart" of the same
// object sees what was saved, like a disk would.

import type { Entry, HardState, Snapshot } from '../raft/types.js';
import { StorageError } from './errors.js';
import { entrySizeBound } from '../codec/index.js';
import { LogTracker } from './log-tracker.js';
import type { LoadResult, RaftStore, RaftStoreOptions, SaveBatch, StoreStats } from './raft-store.js';
import { MAX_META_KEY_BYTES } from './raft-store.js';

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

function copySnapshot(s: Snapshot): Snapshot {
  return {
    metadata: {
      index: s.metadata.index,
      term: s.metadata.term,
      confState: { voters: [...s.metadata.confState.voters], learners: [...s.metadata.confState.learners] },
    },
    data: s.data.slice(),
  };
}

export class MemoryRaftStore implements RaftStore {
  syncDelayMs: number;
  private readonly maxPendingWrites: number;
  private isOpen = false;
  private readonly tracker = new LogTracker();
  /** entries[i] is entry tracker.snapIndex + 1 + i. */
  private entries: Entry[] = [];
  private hardState: HardState | null = null;
  private snap: Snapshot | null = null;
  private readonly meta = new Map<string, Uint8Array>();
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  private writes = 0;
  /** Set when a write broke an invariant half-way: the store refuses everything afterwards. */
  private failure: Error | null = null;
  private syncedWrites = 0;

  constructor(opts: RaftStoreOptions = {}) {
    this.syncDelayMs = opts.syncDelayMs ?? 0;
    this.maxPendingWrites = opts.maxPendingWrites ?? 1024;
  }

  async open(): Promise<void> {
    this.isOpen = true;
  }

  async close(): Promise<void> {
    await this.tail;
    this.isOpen = false;
  }

  private checkOpen(): void {
    if (this.failure !== null) throw this.failure;
    if (!this.isOpen) throw new StorageError('STORAGE_CLOSED', 'memory store is not open');
  }

  async load(): Promise<LoadResult> {
    this.checkOpen();
    await this.tail;
    return {
      hardState: this.hardState === null ? null : { ...this.hardState },
      snapshot: this.snap === null ? null : copySnapshot(this.snap),
      entries: this.entries.map(copyEntry),
      meta: new Map([...this.meta].map(([k, v]) => [k, v.slice()])),
    };
  }

  /** Applies `mutate` now (so later calls see it) and completes after the simulated write. */
  private commit(sync: boolean, mutate: () => void): Promise<void> {
    this.checkOpen();
    if (this.pending >= this.maxPendingWrites) {
      throw new StorageError('STORAGE_BUSY', `more than ${this.maxPendingWrites} writes queued on the memory store`);
    }
    try {
      mutate();
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    this.writes++;
    if (sync) this.syncedWrites++;
    this.pending++;
    const delay = sync ? this.syncDelayMs : 0;
    const done = this.tail.then(() => (delay > 0 ? new Promise<void>((r) => setTimeout(r, delay)) : undefined));
    this.tail = done.finally(() => {
      this.pending--;
    });
    return this.tail;
  }

  save(batch: SaveBatch, sync: boolean): Promise<void> {
    try {
      return this.commit(sync, () => {
        if (batch.snapshot !== undefined) this.applySnapshot(batch.snapshot, 'install');
        if (batch.entries.length > 0) {
          const first = batch.entries[0]!.index;
          this.tracker.append(batch.entries, batch.entries.map(entrySizeBound));
          this.entries.length = first - this.tracker.snapIndex - 1;
          for (const e of batch.entries) this.entries.push(copyEntry(e));
        }
        if (batch.hardState !== undefined) this.hardState = { ...batch.hardState };
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private applySnapshot(snap: Snapshot, mode: 'compact' | 'install'): void {
    const before = this.tracker.snapIndex;
    this.tracker.snapshot(snap.metadata.index, snap.metadata.term, mode);
    // Either a prefix died (the tracker kept a suffix) or the whole log did.
    if (this.tracker.count === 0) this.entries = [];
    else this.entries.splice(0, this.tracker.snapIndex - before);
    this.snap = copySnapshot(snap);
  }

  saveSnapshot(snap: Snapshot): Promise<boolean> {
    try {
      if (snap.metadata.index <= this.tracker.snapIndex) return this.commit(true, () => undefined).then(() => false);
      return this.commit(true, () => this.applySnapshot(snap, 'compact')).then(() => true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  putMeta(key: string, value: Uint8Array): Promise<void> {
    try {
      if (Buffer.byteLength(key) > MAX_META_KEY_BYTES || key.length === 0) {
        throw new Error(`meta key must be 1..${MAX_META_KEY_BYTES} bytes, got ${JSON.stringify(key)}`);
      }
      return this.commit(true, () => this.meta.set(key, value.slice()));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  stats(): StoreStats {
    return this.tracker.stats(this.writes, this.syncedWrites);
  }
}
