import type { Entry, HardState, Snapshot } from '../../src/raft/types.js';
export declare class Disk {
    hardState: HardState;
    snapshot: Snapshot | undefined;
    /** Entries snapshotIndex+1 .. snapshotIndex+entries.length, contiguous. */
    entries: Entry[];
    get snapshotIndex(): number;
    get lastIndex(): number;
    /** One synced write of a Ready's durable parts: snapshot, then entries, then hard state. */
    persist(hs: HardState | undefined, snap: Snapshot | undefined, entries: readonly Entry[]): void;
    /** Record a compaction: `snap` replaces the entries it covers. */
    compact(snap: Snapshot): void;
}
