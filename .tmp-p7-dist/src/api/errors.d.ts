export declare const ERROR_CODES: {
    readonly BAD_REQUEST: {
        readonly http: 400;
        readonly ws: 1008;
    };
    readonly INVALID_JSON: {
        readonly http: 400;
        readonly ws: 1007;
    };
    readonly INVALID_UTF8: {
        readonly http: 400;
        readonly ws: 1007;
    };
    readonly INVALID_ARGUMENT: {
        readonly http: 400;
        readonly ws: 1008;
    };
    readonly RESERVED_KEY: {
        readonly http: 400;
        readonly ws: 1008;
    };
    readonly INVALID_COMMAND: {
        readonly http: 400;
        readonly ws: 1008;
    };
    readonly KEY_NOT_FOUND: {
        readonly http: 404;
        readonly ws: 1008;
    };
    readonly LEASE_NOT_FOUND: {
        readonly http: 404;
        readonly ws: 1008;
    };
    readonly LOCK_NOT_FOUND: {
        readonly http: 404;
        readonly ws: 1008;
    };
    readonly NOT_FOUND: {
        readonly http: 404;
        readonly ws: 1008;
    };
    readonly METHOD_NOT_ALLOWED: {
        readonly http: 405;
        readonly ws: 1008;
    };
    readonly LOCK_HELD: {
        readonly http: 409;
        readonly ws: 1008;
    };
    readonly NOT_HOLDER: {
        readonly http: 409;
        readonly ws: 1008;
    };
    readonly LEASE_EXISTS: {
        readonly http: 409;
        readonly ws: 1008;
    };
    readonly COMPACTED: {
        readonly http: 410;
        readonly ws: 1008;
    };
    readonly FUTURE_REVISION: {
        readonly http: 400;
        readonly ws: 1008;
    };
    readonly PAYLOAD_TOO_LARGE: {
        readonly http: 413;
        readonly ws: 1009;
    };
    readonly UNSUPPORTED_MEDIA_TYPE: {
        readonly http: 415;
        readonly ws: 1003;
    };
    readonly TOO_MANY_REQUESTS: {
        readonly http: 429;
        readonly ws: 1013;
    };
    readonly NO_LEADER: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly NO_QUORUM: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly NOT_READY: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly TRANSFER_IN_PROGRESS: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly TOO_MANY_UNCOMMITTED: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly CONF_CHANGE_PENDING: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly INVALID_CONF_CHANGE: {
        readonly http: 400;
        readonly ws: 1008;
    };
    /** The entry this request proposed was overwritten after a leader change: it was NOT applied. */
    readonly PROPOSAL_LOST: {
        readonly http: 503;
        readonly ws: 1013;
    };
    /** The outcome is unknown: the request may or may not have been applied. */
    readonly TIMEOUT: {
        readonly http: 504;
        readonly ws: 1013;
    };
    readonly PEER_UNREACHABLE: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly SHUTTING_DOWN: {
        readonly http: 503;
        readonly ws: 1001;
    };
    readonly TOO_MANY_WATCHERS: {
        readonly http: 503;
        readonly ws: 1013;
    };
    readonly INTERNAL: {
        readonly http: 500;
        readonly ws: 1011;
    };
};
export type ErrorCode = keyof typeof ERROR_CODES;
export declare class CodedError extends Error {
    readonly code: ErrorCode;
    /** Extra JSON-safe fields for the response body (e.g. the current lock holder). */
    readonly details?: Record<string, unknown>;
    /** Seconds a client should wait before retrying (sent as Retry-After on 503). */
    readonly retryAfterSeconds?: number;
    constructor(code: ErrorCode, message: string, opts?: {
        details?: Record<string, unknown>;
        retryAfterSeconds?: number;
        cause?: unknown;
    });
}
export declare function isErrorCode(x: string): x is ErrorCode;
export declare function httpStatusFor(code: ErrorCode): number;
export declare function wsCloseCodeFor(code: ErrorCode): number;
/** The JSON body of every error response: `{"error": {"code", "message", ...details}}`. */
export declare function errorBody(err: CodedError): {
    error: Record<string, unknown>;
};
/** Any thrown value as a CodedError (unknown errors become INTERNAL without leaking internals). */
export declare function toCodedError(err: unknown): CodedError;
