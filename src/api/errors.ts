// Errors a client can act on carry a stable `code`. One table (src/wire/errors.ts) maps every
// code to its HTTP status and WebSocket close code; nothing else in api/ decides statuses.

import { ERROR_CODES, isErrorCode, type ErrorCode } from '../wire/errors.js';

// The table itself is part of the wire contract (src/wire/errors.ts), shared with the SDK.
export { ERROR_CODES, isErrorCode };
export type { ErrorCode };

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
