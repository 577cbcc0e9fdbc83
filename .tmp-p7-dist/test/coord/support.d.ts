import { WebSocket } from 'ws';
import type { ProcessCluster, ProcMember } from '../helpers/process-cluster.js';
/** Fast elections: heartbeat 50 ms, election timeout 500 ms. */
export declare const FAST: string[];
export type CallResult = {
    ok: true;
    status: number;
    body: any;
}
/** No HTTP answer: connection refused/reset, or our own deadline passed. */
 | {
    ok: false;
    error: string;
};
/** One HTTP request with a deadline. Never throws for transport failures. */
export declare function call(method: string, url: string, body?: unknown, timeoutMs?: number): Promise<CallResult>;
/** Answers a client may retry: the cluster could not serve it now (503), outcome unknown (504),
 *  or no answer at all. */
export declare function retryable(r: CallResult): boolean;
/** Whether a failed write may nevertheless have been applied: no answer, 504 TIMEOUT, or a 503
 *  other than the two that say "not proposed / not applied" (NO_LEADER, PROPOSAL_LOST). */
export declare function outcomeUnknown(r: CallResult): boolean;
export declare function describe(r: CallResult): string;
export declare function running(c: ProcessCluster): ProcMember[];
/** Wait for `ms` WITHOUT using it to synchronise with anything: pacing of a periodic loop
 *  (keepalives) or back-off between retries. */
export declare function pause(ms: number): Promise<void>;
/**
 * Send a write to `members()` in rotation until it gets a definite answer (anything but
 * 503/504/no answer), for at most `deadlineMs`. Returns the definite answer and whether an
 * earlier attempt's outcome was unknown (so the write may have been applied more than once).
 */
export declare function retryCall(members: () => ProcMember[], method: string, path: string, body?: unknown, opts?: {
    deadlineMs?: number;
    start?: number;
}): Promise<{
    r: Extract<CallResult, {
        ok: true;
    }>;
    unknownBefore: boolean;
    via: ProcMember;
}>;
export interface Deferred<T> {
    promise: Promise<T>;
    resolve(v: T): void;
    reject(e: unknown): void;
}
export declare function deferred<T>(): Deferred<T>;
export interface WireKv {
    key: string;
    value: string;
    createRevision: number;
    modRevision: number;
    version: number;
    lease: string;
}
export interface WireEvent {
    type: 'put' | 'delete';
    kv: WireKv;
    prevKv?: WireKv;
}
export type ServerMessage = {
    type: 'created';
    watchId: number;
    revision: number;
} | {
    type: 'events';
    watchId: number;
    revision: number;
    events: WireEvent[];
} | {
    type: 'progress';
    revision: number;
} | {
    type: 'canceled';
    watchId: number;
    reason: string;
    compactRevision?: number;
} | {
    type: 'keepalive';
    lease: string;
    ttl: number;
} | {
    type: 'error';
    code: string;
    message: string;
    watchId?: number;
    lease?: string;
};
/** A WebSocket on /v1/watch that records every server message and lets a test wait for one. */
export declare class WatchStream {
    readonly ws: WebSocket;
    readonly member: ProcMember;
    readonly messages: ServerMessage[];
    readonly closed: Promise<{
        code: number;
        reason: string;
    }>;
    private readonly waiters;
    private readonly listeners;
    private isClosed;
    private constructor();
    static open(member: ProcMember): Promise<WatchStream>;
    get isOpen(): boolean;
    send(msg: Record<string, unknown>): void;
    onMessage(fn: (m: ServerMessage) => void): void;
    /** The first message from now on (or already received, if `includePast`) matching `pred`. */
    waitFor<T extends ServerMessage>(what: string, pred: (m: ServerMessage) => boolean, timeoutMs?: number, includePast?: boolean): Promise<T>;
    /** Create a watch and wait for its `created` (or a `canceled`/`error` for it, returned too). */
    create(opts: {
        key: string;
        prefix?: boolean;
        startRevision?: number;
        prevKv?: boolean;
        watchId: number;
    }, timeoutMs?: number): Promise<ServerMessage>;
    /** Every event of `watchId` received so far, flattened, with its revision. */
    events(watchId: number): {
        revision: number;
        ev: WireEvent;
    }[];
    close(): Promise<void>;
    terminate(): void;
}
