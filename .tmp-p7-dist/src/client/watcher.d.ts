import { type HttpTransport } from './http-transport.js';
import type { WatchBatch } from './types.js';
export interface WatchOptions {
    /** Watch every key starting with `key`. */
    prefix?: boolean;
    /** First revision to deliver (inclusive). Omitted or 0: changes after the watch is created. */
    startRevision?: number;
    /** Ask for the previous value of each changed key. */
    prevKv?: boolean;
    signal?: AbortSignal;
    /** Batches buffered for a slow consumer before the socket is paused (default 1024). */
    maxBufferedBatches?: number;
    /** Give up after this long without managing to (re)create the watch, ms (default 60 s). */
    reconnectTimeoutMs?: number;
    /** Ping period used to detect a dead connection, ms (default 5 s). */
    pingIntervalMs?: number;
}
export declare class Watcher implements AsyncIterable<WatchBatch> {
    private readonly transport;
    private readonly opts;
    readonly key: string;
    /** Resolves with the store revision when the watch is first created; rejects if it never is. */
    readonly ready: Promise<number>;
    private resolveReady;
    private rejectReady;
    private readyDone;
    private readonly queue;
    private wake;
    private failure;
    private ended;
    private ws;
    private endpoint;
    private created;
    private paused;
    /** Next revision to ask for on (re)connect; 0 = "now". */
    private nextStart;
    private lastDelivered;
    private reconnects;
    private failingSince;
    private backoffMs;
    private retryTimer;
    private pingTimer;
    private alive;
    private readonly maxBuffered;
    private readonly reconnectTimeoutMs;
    private readonly pingIntervalMs;
    private readonly onAbort;
    constructor(transport: HttpTransport, key: string, opts?: WatchOptions);
    /** The last revision delivered to the consumer's queue (0 = none yet). */
    get lastRevision(): number;
    /** How many times the watch was re-created after its connection broke. */
    get reconnectCount(): number;
    /** The endpoint the watch is connected to now (undefined between connections). */
    get connectedTo(): string | undefined;
    /** Stop watching. Buffered batches are dropped; the iterator ends. */
    close(): void;
    [Symbol.asyncIterator](): AsyncIterator<WatchBatch>;
    private next;
    private fail;
    private connect;
    private teardownSocket;
    /** The connection broke (or the server asked us to go): create the watch again elsewhere. */
    private reconnect;
    private onMessage;
}
