import type { WatchEvent } from '../commands.js';
export interface EventBatch {
    revision: number;
    events: WatchEvent[];
}
export type EventsSinceResult = {
    compacted: true;
    compactRevision: number;
} | {
    compacted: false;
    /** Matching events grouped by revision, in revision order (revisions with no match are left out). */
    batches: EventBatch[];
    /** The first revision not yet examined: continue from here. */
    nextRevision: number;
    /** True when history holds revisions >= nextRevision (the call stopped at maxEvents). */
    more: boolean;
};
export declare function keyMatches(eventKey: string, key: string, prefix: boolean): boolean;
export declare class History {
    /** entries[head..] are live; the dead front is dropped in bulk to keep compaction O(1) amortised. */
    private entries;
    private head;
    private compactRev;
    compactRevision(): number;
    /** Number of revisions held. */
    get length(): number;
    append(revision: number, events: WatchEvent[]): void;
    /** Drop every revision <= `revision`. The caller has checked it is not in the future and not
     *  older than the current compaction point. */
    compact(revision: number): void;
    /** Index into entries of the first live entry with revision >= rev. */
    private seek;
    /**
     * Events at revisions >= startRevision for `key` (exact) or keys starting with `key` (prefix),
     * whole revisions at a time, stopping once at least `maxEvents` events were collected.
     * `currentRevision` is the state's revision (history may end before it only if it is empty).
     */
    eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number, currentRevision: number): EventsSinceResult;
    /** Live entries in revision order (for snapshots). */
    batches(): IterableIterator<EventBatch>;
    /** Restore: set the compaction point, then append entries. */
    resetCompactRevision(revision: number): void;
}
