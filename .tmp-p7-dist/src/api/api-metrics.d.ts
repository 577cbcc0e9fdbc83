export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export type LockWaitOutcome = 'acquired' | 'timeout' | 'client_gone' | 'lease_gone' | 'error';
export interface ApiMetrics {
    /** One finished HTTP request: the route pattern (e.g. `/v1/kv/*key`, or `unmatched`). */
    observeRequest?(route: string, statusClass: StatusClass, seconds: number): void;
    /** Open watch WebSockets went up (+1) or down (-1). */
    watchStreams?(delta: number): void;
    /** Active watches (over all sockets) went up or down by `delta`. */
    watches?(delta: number): void;
    /** `n` watch events were written to sockets. */
    eventsSent?(n: number): void;
    /** A socket's watches were canceled because it read too slowly. */
    slowWatcherCanceled?(): void;
    /** A lock request finished waiting (including requests granted at once, with ~0 seconds). */
    lockWait?(seconds: number, outcome: LockWaitOutcome): void;
}
export declare function statusClassOf(status: number): StatusClass;
