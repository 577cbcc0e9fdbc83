import type { LogIndex, NodeId } from './types.js';
export interface ReadIndexRequest {
    /** Commit index when the request arrived. */
    index: LogIndex;
    /** Who asked: the leader itself (answer locally) or a follower (answer with ReadIndexResp). */
    from: NodeId;
    ctx: Uint8Array;
}
/** A Uint8Array as a string map key (latin1: one char per byte). */
export declare function ctxKey(ctx: Uint8Array): string;
export declare class ReadOnlyQueue {
    readonly capacity: number;
    private readonly byKey;
    /** Arrival order (keys). Entries are removed from the front when answered. */
    private queue;
    constructor(capacity: number);
    size(): number;
    full(): boolean;
    /** Record a request. Returns false (and records nothing) when full or `ctx` is already pending. */
    add(req: ReadIndexRequest, self: NodeId): boolean;
    /** The context the next heartbeat should carry (the newest pending request), if any. */
    lastCtx(): Uint8Array | undefined;
    /** A heartbeat response from `from` carried `ctx`. Returns how many voters have acked it
     *  (0 when the context is not pending). */
    recvAck(from: NodeId, ctx: Uint8Array): {
        acks: Set<NodeId>;
    } | undefined;
    /** Remove and return every request up to and including the one with `ctx`. */
    advance(ctx: Uint8Array): ReadIndexRequest[];
    clear(): void;
}
