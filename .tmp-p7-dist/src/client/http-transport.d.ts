import { RaftlockError } from './errors.js';
export type RetryKind = 'read' | 'write' | 'once';
export interface HttpTransportOptions {
    /** Client URLs of the members, e.g. ['http://10.0.0.1:2379', ...]. A missing scheme means http. */
    endpoints: string[];
    /** Per-attempt timeout, ms (default 10 s). */
    requestTimeoutMs?: number;
    /** Overall budget for one call across retries, ms (default 30 s). */
    deadlineMs?: number;
    /** Most attempts for one call (default 10). */
    maxAttempts?: number;
    /** Cap on a server's Retry-After, ms (default 5 s). */
    maxRetryAfterMs?: number;
    /** Largest response body accepted, bytes (default 64 MiB). */
    maxResponseBytes?: number;
    /** Start at a random endpoint so many clients spread out (default true; false = the first). */
    randomStart?: boolean;
    /** Injected for tests; defaults to the global fetch. */
    fetch?: typeof fetch;
}
export interface RequestOptions {
    method: 'GET' | 'PUT' | 'POST' | 'DELETE';
    /** Path with already-encoded segments, e.g. `/v1/kv/a%20b`. */
    path: string;
    query?: Record<string, string | number | boolean | undefined>;
    body?: unknown;
    retry: RetryKind;
    /** Per-attempt timeout for this call (e.g. a lock wait plus a margin). */
    timeoutMs?: number;
    /** Overall budget for this call. */
    deadlineMs?: number;
    signal?: AbortSignal;
    /** Talk to this endpoint only (no failover). */
    endpoint?: string;
}
/** 503/429 codes that guarantee the request was not applied: safe to retry even a write. */
export declare const NOT_APPLIED_CODES: ReadonlySet<string>;
/** Transient codes whose outcome may be unknown for a write; retried for reads only. */
export declare const TRANSIENT_CODES: ReadonlySet<string>;
export declare function normalizeEndpoint(e: string): string;
/** Whether a failure may be retried for a request of kind `kind`. */
export declare function isRetryable(err: RaftlockError, kind: RetryKind): boolean;
export declare function encodeKey(key: string): string;
export declare class HttpTransport {
    readonly endpoints: readonly string[];
    private current;
    private readonly requestTimeoutMs;
    private readonly deadlineMs;
    private readonly maxAttempts;
    private readonly maxRetryAfterMs;
    private readonly maxResponseBytes;
    private readonly fetchFn;
    private readonly closer;
    constructor(opts: HttpTransportOptions);
    /** The endpoint requests currently go to. */
    get preferred(): string;
    /** Move to the next endpoint (e.g. after a watch socket to the current one broke). */
    rotate(from?: string): string;
    close(): void;
    get closed(): boolean;
    request<T>(opts: RequestOptions): Promise<T>;
    private throwIfStopped;
    /** One attempt against one endpoint. */
    private once;
}
/** Retry-After in ms: delta-seconds or an HTTP date; undefined if absent or unreadable. */
export declare function parseRetryAfter(h: string | null): number | undefined;
/** Resolve after `ms`, or reject early when a signal fires. */
export declare function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void>;
