import type { LogIndex, NodeId, Term } from '../../src/raft/types.js';
export type WriteStatus = 'pending' | 'acked' | 'lost';
export interface WriteOp {
    id: number;
    /** The bytes proposed (and later applied), as a string key: `w<id>`. */
    key: string;
    node: NodeId;
    life: number;
    index: LogIndex;
    term: Term;
    start: number;
    end: number;
    status: WriteStatus;
}
export interface ReadOp {
    id: number;
    node: NodeId;
    life: number;
    start: number;
    /** How many writes were acknowledged when the read was issued (a prefix of `acked`). */
    ackedBefore: number;
    readIndex: LogIndex;
    end: number;
    served: boolean;
}
/** What a member's state machine can tell a read. */
export interface ReadableState {
    applied: LogIndex;
    /** Index at which the write with this key was applied, if it was. */
    indexOf(key: string): LogIndex | undefined;
}
export declare class History {
    readonly maxPending: number;
    readonly writes: WriteOp[];
    /** Writes in acknowledgement order. */
    readonly acked: WriteOp[];
    readonly reads: ReadOp[];
    private nextWrite;
    private nextRead;
    /** Pending writes keyed by proposer + index, to resolve them on apply. */
    private pendingWrites;
    private pendingReads;
    constructor(maxPending?: number);
    newWriteKey(): {
        id: number;
        key: string;
    };
    recordWrite(id: number, key: string, node: NodeId, life: number, index: LogIndex, term: Term, now: number): WriteOp;
    /**
     * The proposer applied an entry at `index`: if it proposed a write there, that write is now
     * acknowledged (same term and bytes) or lost (another entry took the slot).
     */
    onProposerApply(node: NodeId, life: number, index: LogIndex, term: Term, key: string | undefined, now: number): WriteOp | undefined;
    /** The proposer died: its pending writes stay unresolved (they may or may not commit). */
    forgetLife(node: NodeId, life: number): void;
    startRead(node: NodeId, life: number, now: number): ReadOp;
    /** The request was refused at once (no leader known): it never happened. */
    abandonRead(id: number): void;
    pendingRead(id: number): ReadOp | undefined;
    pendingReadCount(): number;
    /**
     * Serve read `r` from `state` (the member applied >= r.readIndex). Throws a SimViolation when a
     * write acknowledged before the read began is not visible.
     */
    serveRead(r: ReadOp, state: ReadableState, now: number): void;
}
