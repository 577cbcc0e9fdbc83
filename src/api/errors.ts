// Errors a client can act on carry a stable `code`. This one table maps every code to its HTTP
// status and WebSocket close code; nothing else in api/ decides statuses.

export const ERROR_CODES = {
  // 400 — the request itself is wrong
  BAD_REQUEST: { http: 400, ws: 1008 },
  INVALID_JSON: { http: 400, ws: 1007 },
  INVALID_UTF8: { http: 400, ws: 1007 },
  INVALID_ARGUMENT: { http: 400, ws: 1008 },
  RESERVED_KEY: { http: 400, ws: 1008 },
  INVALID_COMMAND: { http: 400, ws: 1008 },
  /** A body on a route that takes none (GET, DELETE, keepalive, promote...). */
  BODY_NOT_ALLOWED: { http: 400, ws: 1008 },
  // 404
  KEY_NOT_FOUND: { http: 404, ws: 1008 },
  LEASE_NOT_FOUND: { http: 404, ws: 1008 },
  LOCK_NOT_FOUND: { http: 404, ws: 1008 },
  USER_NOT_FOUND: { http: 404, ws: 1008 },
  ROLE_NOT_FOUND: { http: 404, ws: 1008 },
  PERMISSION_NOT_FOUND: { http: 404, ws: 1008 },
  NOT_FOUND: { http: 404, ws: 1008 },
  // 405 / 408 / 409 / 410 / 413 / 415 / 417 / 426 / 431
  METHOD_NOT_ALLOWED: { http: 405, ws: 1008 },
  /** The request's headers or body did not arrive within the server's time limits. */
  SLOW_REQUEST: { http: 408, ws: 1008 },
  LOCK_HELD: { http: 409, ws: 1008 },
  NOT_HOLDER: { http: 409, ws: 1008 },
  LEASE_EXISTS: { http: 409, ws: 1008 },
  USER_EXISTS: { http: 409, ws: 1008 },
  ROLE_EXISTS: { http: 409, ws: 1008 },
  /** Auth cannot be enabled, or a change would leave no user holding root while it is on. */
  NO_ROOT_USER: { http: 409, ws: 1008 },
  // 401 / 403 — who is asking, and may they
  /** No token, a bad or expired token, or one whose user changed: authenticate again. */
  UNAUTHENTICATED: { http: 401, ws: 1008 },
  /** POST /v1/auth/authenticate with a wrong name or password. */
  AUTH_FAILED: { http: 401, ws: 1008 },
  /** The token's user lacks the access this request needs. */
  PERMISSION_DENIED: { http: 403, ws: 1008 },
  COMPACTED: { http: 410, ws: 1008 },
  FUTURE_REVISION: { http: 400, ws: 1008 },
  PAYLOAD_TOO_LARGE: { http: 413, ws: 1009 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, ws: 1003 },
  EXPECTATION_FAILED: { http: 417, ws: 1008 },
  /** A plain HTTP request to the WebSocket path. */
  UPGRADE_REQUIRED: { http: 426, ws: 1008 },
  /** The request line (URL) and headers exceed the server's header size limit. */
  HEADERS_TOO_LARGE: { http: 431, ws: 1008 },
  TOO_MANY_REQUESTS: { http: 429, ws: 1013 },
  // 5xx — the cluster cannot serve it right now; safe to retry where the operation allows
  NO_LEADER: { http: 503, ws: 1013 },
  NO_QUORUM: { http: 503, ws: 1013 },
  NOT_READY: { http: 503, ws: 1013 },
  TRANSFER_IN_PROGRESS: { http: 503, ws: 1013 },
  TOO_MANY_UNCOMMITTED: { http: 503, ws: 1013 },
  CONF_CHANGE_PENDING: { http: 503, ws: 1013 },
  INVALID_CONF_CHANGE: { http: 400, ws: 1008 },
  /** The entry this request proposed was overwritten after a leader change: it was NOT applied. */
  PROPOSAL_LOST: { http: 503, ws: 1013 },
  /** The outcome is unknown: the request may or may not have been applied. */
  TIMEOUT: { http: 504, ws: 1013 },
  PEER_UNREACHABLE: { http: 503, ws: 1013 },
  SHUTTING_DOWN: { http: 503, ws: 1001 },
  TOO_MANY_WATCHERS: { http: 503, ws: 1013 },
  INTERNAL: { http: 500, ws: 1011 },
} as const satisfies Record<string, { http: number; ws: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CodedError extends Error {
  readonly code: ErrorCode;
  /** Extra JSON-safe fields for the response body (e.g. the current lock holder). */
  readonly details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (sent as Retry-After on 503). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, opts?: { details?: Record<string, unknown>; retryAfterSeconds?: number; cause?: unknown }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CodedError';
    this.code = code;
    this.details = opts?.details;
    this.retryAfterSeconds = opts?.retryAfterSeconds ?? (ERROR_CODES[code].http === 503 ? 1 : undefined);
  }
}

export function isErrorCode(x: string): x is ErrorCode {
  return Object.hasOwn(ERROR_CODES, x);
}

export function httpStatusFor(code: ErrorCode): number {
  return ERROR_CODES[code].http;
}

export function wsCloseCodeFor(code: ErrorCode): number {
  return ERROR_CODES[code].ws;
}

/** The JSON body of every error response: `{"error": {"code", "message", ...details}}`. */
export function errorBody(err: CodedError): { error: Record<string, unknown> } {
  return { error: { code: err.code, message: err.message, ...(err.details ?? {}) } };
}

/** Any thrown value as a CodedError (unknown errors become INTERNAL without leaking internals). */
export function toCodedError(err: unknown): CodedError {
  if (err instanceof CodedError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isErrorCode(code)) {
    return new CodedError(code, (err as Error).message ?? code);
  }
  return new CodedError('INTERNAL', 'internal error', { cause: err });
}

/** `err` with `details` added when it is a CodedError of `code` (fields the route knows, such as
 *  the lease id, that the layer which refused did not put in); any other `err` unchanged. */
export function withDetails(err: unknown, code: ErrorCode, details: Record<string, unknown>): unknown {
  if (!(err instanceof CodedError) || err.code !== code) return err;
  const opts = err.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: err.retryAfterSeconds };
  return new CodedError(code, err.message, { details: { ...err.details, ...details }, ...opts, cause: err });
}
