// Errors the SDK raises. Every one has a stable `code` to branch on: either a code the server
// sent (`KEY_NOT_FOUND`, `LOCK_HELD`, `NO_LEADER`, ... see docs/api.md) or one of the client-side
// codes below. `outcomeUnknown` says whether a write may have been applied.

/** Codes the client itself raises (never sent by a server). */
export type ClientErrorCode =
  /** No endpoint could be reached: every connection attempt failed before the request was sent. */
  | 'UNAVAILABLE'
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

export class RaftlockError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly details: Record<string, unknown>;
  readonly retryAfterMs: number | undefined;
  readonly endpoint: string | undefined;
  readonly outcomeUnknown: boolean;

  constructor(code: string, message: string, opts: RaftlockErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RaftlockError';
    this.code = code;
    this.status = opts.status;
    this.details = opts.details ?? {};
    this.retryAfterMs = opts.retryAfterMs;
    this.endpoint = opts.endpoint;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
  }
}

/** A watch asked for history that was compacted away. Re-read the state, then watch again from
 *  `compactRevision + 1` (or from now). */
export class CompactedError extends RaftlockError {
  readonly compactRevision: number;
  constructor(compactRevision: number, message: string, opts: RaftlockErrorOptions = {}) {
    super('COMPACTED', message, opts);
    this.name = 'CompactedError';
    this.compactRevision = compactRevision;
  }
}

/** A lease kept alive by the client is gone: the locks it held are released (or about to be). */
export class LeaseLostError extends RaftlockError {
  readonly lease: string;
  constructor(lease: string, message: string, opts: RaftlockErrorOptions = {}) {
    super('LEASE_LOST', message, opts);
    this.name = 'LeaseLostError';
    this.lease = lease;
  }
}

/** `code` of any thrown value, if it is a RaftlockError. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof RaftlockError ? err.code : undefined;
}
