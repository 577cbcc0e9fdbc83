/** Codes the client itself raises (never sent by a server). */
export type ClientErrorCode = 
/** No endpoint could be reached: every connection attempt failed before the request was sent. */
'UNAVAILABLE'
/** The request was sent but no answer came in time (client-side timeout). Outcome unknown. */
 | 'REQUEST_TIMEOUT'
/** The connection broke after the request was sent. Outcome unknown. */
 | 'CONNECTION_LOST'
/** The answer could not be understood (not JSON, or an unexpected shape). */
 | 'BAD_RESPONSE'
/** The caller's AbortSignal fired. */
 | 'ABORTED'
/** A lease the client was keeping alive is gone (expired, revoked, or unreachable past its TTL). */
 | 'LEASE_LOST'
/** A watch was canceled by the server for a reason the client cannot recover from. */
 | 'WATCH_CANCELED'
/** The client was closed. */
 | 'CLIENT_CLOSED'
/** A route the server does not have (e.g. member add/remove on an older member). */
 | 'UNSUPPORTED';
export interface RaftlockErrorOptions {
    /** HTTP status, when the error came from a response. */
    status?: number;
    /** Extra fields of the server's error body (`holder`, `key`, `field`, ...). */
    details?: Record<string, unknown>;
    /** The server's Retry-After, in ms. */
    retryAfterMs?: number;
    /** The endpoint that answered (or failed). */
    endpoint?: string;
    /** True when a write may or may not have been applied (504 TIMEOUT, client timeout, reset). */
    outcomeUnknown?: boolean;
    cause?: unknown;
}
export declare class RaftlockError extends Error {
    readonly code: string;
    readonly status: number | undefined;
    readonly details: Record<string, unknown>;
    readonly retryAfterMs: number | undefined;
    readonly endpoint: string | undefined;
    readonly outcomeUnknown: boolean;
    constructor(code: string, message: string, opts?: RaftlockErrorOptions);
}
/** A watch asked for history that was compacted away. Re-read the state, then watch again from
 *  `compactRevision + 1` (or from now). */
export declare class CompactedError extends RaftlockError {
    readonly compactRevision: number;
    constructor(compactRevision: number, message: string, opts?: RaftlockErrorOptions);
}
/** A lease kept alive by the client is gone: the locks it held are released (or about to be). */
export declare class LeaseLostError extends RaftlockError {
    readonly lease: string;
    constructor(lease: string, message: string, opts?: RaftlockErrorOptions);
}
/** `code` of any thrown value, if it is a RaftlockError. */
export declare function errorCode(err: unknown): string | undefined;
