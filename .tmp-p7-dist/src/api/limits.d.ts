export interface ApiLimits {
    /** Largest request body read, in bytes (counted while reading, not taken from Content-Length). */
    maxBodyBytes: number;
    /** Largest key (or lock name, or prefix) in UTF-8 bytes. */
    maxKeyBytes: number;
    /** Largest value in UTF-8 bytes. */
    maxValueBytes: number;
    /** Most compares + success ops + failure ops in one transaction. */
    maxTxnOps: number;
    /** Largest `limit` a range read may ask for (also the default). */
    maxRangeLimit: number;
    /** Longest a lock request may wait for the lock. */
    maxLockWaitMs: number;
    /** Wait used when a lock request names no `waitMs` (capped at maxLockWaitMs). */
    defaultLockWaitMs: number;
    /** Most watches (including ones still being created) on one WebSocket. */
    maxWatchesPerSocket: number;
    /** When a socket's unsent bytes exceed this, its watches are canceled (slow reader). */
    maxWatchBufferedBytes: number;
    /** Largest WebSocket message a client may send. */
    maxWsMessageBytes: number;
    /** A socket with watches that sent nothing for this long gets a `progress` message. */
    progressIntervalMs: number;
    /** Most lock requests waiting at once on this member (each holds an HTTP request open). */
    maxPendingLockWaits: number;
    /** Most open watch sockets on this member. */
    maxWatchSockets: number;
}
export declare const DEFAULT_API_LIMITS: Readonly<ApiLimits>;
/** Defaults overlaid with `overrides`; every limit must be a positive finite number. */
export declare function resolveApiLimits(overrides?: Partial<ApiLimits>): Readonly<ApiLimits>;
