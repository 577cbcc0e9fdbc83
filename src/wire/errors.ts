// The error codes of the API: every JSON error body is `{"error": {"code", "message", ...}}`
// with one of these codes. This one table maps each code to its HTTP status and WebSocket close
// code; the server (src/api/errors.ts) decides statuses from it, and clients may branch on the
// codes. docs/api.md lists what each one means.

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

/** A code a server sends. */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(x: string): x is ErrorCode {
  return Object.hasOwn(ERROR_CODES, x);
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; [detail: string]: unknown };
}
