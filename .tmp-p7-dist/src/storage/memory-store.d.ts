import type { Snapshot } from '../raft/types.js';
import type { LoadResult, RaftStore, RaftStoreOptions, SaveBatch, StoreStats } from './raft-store.js';
export declare class MemoryRaftStore implements RaftStore {
    syncDelayMs: number;
    private readonly maxPendingWrites;
    private isOpen;
    private readonly tracker;
    /** entries[i] is entry tracker.snapIndex + 1 + i. */
    private entries;
    private hardState;
    private snap;
    private readonly meta;
    private pending;
    private tail;
    private writes;
    /** Set when a write broke an invariant half-way: the store refuses everything afterwards. */
    private failure;
    private syncedWrites;
    constructor(opts?: RaftStoreOptions);
    open(): Promise<void>;
    close(): Promise<void>;
    private checkOpen;
    load(): Promise<LoadResult>;
    /** Applies `mutate` now (so later calls see it) and completes after the simulated write. */
    private commit;
    save(batch: SaveBatch, sync: boolean): Promise<void>;
    private applySnapshot;
    saveSnapshot(snap: Snapshot): Promise<void>;
    putMeta(key: string, value: Uint8Array): Promise<void>;
    stats(): StoreStats;
}
