// The durable home of one member's Raft state, as the driver (src/node) consumes it. Two
// implementations: RocksRaftStore (RocksDB, the real thing) and MemoryRaftStore (tests, the
// simulator). Both keep the same rules, enforced by LogTracker:
//  - the log is the latest snapshot followed by contiguous entries snapshot.index+1 .. last;
//  - an append starting at index i replaces every stored entry >= i (a conflicting suffix dies);
//  - a snapshot deletes every entry <= its index, all in the same atomic write.

import type { Entry, HardState, LogIndex, Snapshot } from '../raft/types.js';

export interface LoadResult {
  hardState: HardState | null;
  snapshot: Snapshot | null;
  /** Every entry after the snapshot (or from index 1), in index order. */
  entries: Entry[];
  meta: Map<string, Uint8Array>;
}

export interface SaveBatch {
  hardState?: HardState;
  /** Contiguous, ascending. Replaces any stored entries at or after entries[0].index. */
  entries: Entry[];
  /** A snapshot received from the leader (see RaftStore.save for how it meets the stored log). */
  snapshot?: Snapshot;
}

export interface StoreStats {
  /** Entries stored after the snapshot. */
  entries: number;
  /** Encoded bytes of those entries (the log size since the last snapshot). */
  bytes: number;
  /** snapshotIndex + 1. */
  firstIndex: LogIndex;
  /** Last stored index (= snapshotIndex when no entries follow the snapshot). */
  lastIndex: LogIndex;
  snapshotIndex: LogIndex;
  /** Write batches issued so far, and how many of them were synced. */
  writes: number;
  syncedWrites: number;
}

export interface RaftStore {
  open(): Promise<void>;
  /** Waits for queued writes, then closes. */
  close(): Promise<void>;
  /** Reads and verifies everything; throws StorageCorruptionError on a bad record. */
  load(): Promise<LoadResult>;
  /**
   * Persists one Ready atomically, in ONE write batch (synced when `sync`): the snapshot first,
   * then the entries, then the hard state. (A store may write a large snapshot's data ahead, in
   * pieces nothing refers to until that batch lands; a crash before it leaves the old state.)
   * With a snapshot: if the stored entry at snapshot.index has snapshot.term the entries after
   * it are kept (it is a prefix of our log), otherwise the whole stored log is discarded (etcd's
   * rule: a snapshot that does not match replaces the log).
   * Calls must be awaited in order (writes are applied in call order either way).
   */
  save(batch: SaveBatch, sync: boolean): Promise<void>;
  /**
   * Compaction: store `snap`, delete entries <= its index, keep later ones. Always synced.
   * Resolves false when a snapshot at or beyond its index was installed (save) before it was
   * stored: it is then dropped.
   */
  saveSnapshot(snap: Snapshot): Promise<boolean>;
  /** Small named values the driver keeps with the log (cluster id, member id). Synced. */
  putMeta(key: string, value: Uint8Array): Promise<void>;
  stats(): StoreStats;
  /** Test hook ("slow disk"): every synced write first waits this long. May be changed at any time. */
  syncDelayMs: number;
}

export interface RaftStoreOptions {
  /** See RaftStore.syncDelayMs. Default 0. */
  syncDelayMs?: number;
  /** Bound on writes queued and not yet completed. Default 1024. */
  maxPendingWrites?: number;
}

export const MAX_META_KEY_BYTES = 256;
