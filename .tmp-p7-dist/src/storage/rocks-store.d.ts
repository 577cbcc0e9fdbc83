import type { Snapshot } from '../raft/types.js';
import type { LoadResult, RaftStore, RaftStoreOptions, SaveBatch, StoreStats } from './raft-store.js';
/** Human name of a key, for error messages. */
export declare function describeKey(key: Buffer): string;
export declare class RocksRaftStore implements RaftStore {
    syncDelayMs: number;
    readonly path: string;
    private readonly maxPendingWrites;
    private db;
    private readonly tracker;
    /** Chunks of the stored snapshot (so a new one can delete the leftovers). */
    private snapChunks;
    private pending;
    private tail;
    /** First write failure or broken invariant: the store refuses everything afterwards. */
    private failure;
    private writes;
    private syncedWrites;
    /** The verified result of the scan done by open(), handed out once by load(). */
    private opened;
    constructor(path: string, opts?: RaftStoreOptions);
    /**
     * Opens (creating if missing) and verifies the whole store. A corrupt store still opens, but
     * load() and every write then throw the StorageCorruptionError (I/O failures throw here).
     */
    open(): Promise<void>;
    close(): Promise<void>;
    load(): Promise<LoadResult>;
    save(batch: SaveBatch, sync: boolean): Promise<void>;
    saveSnapshot(snap: Snapshot): Promise<void>;
    putMeta(key: string, value: Uint8Array): Promise<void>;
    stats(): StoreStats;
    private checkUsable;
    private snapshotOps;
    /**
     * Builds the batch now (so the next call sees this one's effect on the tracker) and writes it
     * after every earlier write. A broken invariant or an I/O failure poisons the store.
     */
    private enqueue;
    private write;
    private hasVersion;
    private iterate;
    private corrupt;
    /** Checks the record's checksum and returns its payload. */
    private payload;
    private decode;
    /** Reads and verifies everything, and rebuilds the tracker from it. */
    private scan;
}
