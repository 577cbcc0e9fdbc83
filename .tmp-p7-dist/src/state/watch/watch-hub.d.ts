import type { WatchEvent } from '../commands.js';
import type { EventsSinceResult } from '../kv/history.js';
/** What the hub needs from the state machine (StateMachine satisfies it). */
export interface WatchSource {
    revision(): number;
    compactRevision(): number;
    eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number): EventsSinceResult;
}
export interface WatchRequest {
    key: string;
    prefix: boolean;
    /** First revision to deliver (inclusive); 0 = from the next published revision on. */
    startRevision: number;
    prevKv: boolean;
    onEvents(events: WatchEvent[], revision: number): void;
    /** Called once when the hub ends the watch: 'compacted' (with the compaction point),
     *  'callback-error' (onEvents threw), or the reason given to close(). Not called on cancel(). */
    onCanceled(reason: string, compactRevision?: number): void;
}
export interface WatchHandle {
    cancel(): void;
}
export interface WatchHubOptions {
    /** Most watchers at once (default 10,000); beyond it watch() throws TOO_MANY_WATCHERS. */
    maxWatchers?: number;
    /** Events read from history per catch-up step (default 1,000). */
    catchUpChunkEvents?: number;
    /** Told about exceptions thrown by watcher callbacks (the watcher is ended either way). */
    onCallbackError?(err: unknown): void;
}
export declare const DEFAULT_MAX_WATCHERS = 10000;
export declare const DEFAULT_CATCH_UP_CHUNK_EVENTS = 1000;
export declare class WatchHub {
    private source;
    private readonly maxWatchers;
    private readonly chunkEvents;
    private readonly onCallbackError;
    /** Every open watcher (insertion order; not replicated, so any order is fine). */
    private readonly all;
    private readonly exact;
    private readonly prefixes;
    /** The last revision handed to publish() (or the source's revision at construction/resync). */
    private published;
    private closed;
    constructor(source: WatchSource, opts?: WatchHubOptions);
    /** Open watchers (for metrics). */
    get size(): number;
    /** Watchers still replaying history (for metrics). */
    catchingUpCount(): number;
    /** The last revision published to live watchers. */
    publishedRevision(): number;
    watch(req: WatchRequest): WatchHandle;
    /**
     * Hand the events of one applied command to the watchers. Called by the driver after every
     * apply, in apply order; a command that changed nothing (no events) is ignored. Revisions must
     * follow each other; a skipped revision sends every live watcher back to history to fill it.
     */
    publish(revision: number, events: readonly WatchEvent[]): void;
    /**
     * The state was replaced (snapshot install) or the source object changed: every watcher
     * re-reads history from where it stands, so nothing between its last delivery and the new
     * state's revision is lost (or it ends with 'compacted').
     */
    resync(source?: WatchSource): void;
    /** End every watcher with `reason` and refuse new ones. */
    close(reason?: string): void;
    private schedule;
    /** One chunk of history for `w`; turns it live once it has read everything published. */
    private catchUpStep;
    /** Returns false when the watcher ended (its callback threw or it canceled itself). */
    private deliver;
    private end;
    private remove;
}
