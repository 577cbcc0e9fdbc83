export type TransportErrorCode = 
/** No usable connection to the peer (unknown, down, queue full, or the connection dropped). */
'PEER_UNREACHABLE'
/** No response within the deadline: the request may or may not have been handled. */
 | 'TIMEOUT'
/** The transport was stopped. */
 | 'SHUTTING_DOWN'
/** Too many requests already waiting on this peer. */
 | 'TOO_MANY_REQUESTS'
/** The request payload does not fit in one frame. */
 | 'PAYLOAD_TOO_LARGE';
export declare class TransportError extends Error {
    readonly code: TransportErrorCode;
    readonly peer: number;
    /**
     * True when the request had been written to the connection before it failed: the peer may have
     * handled it. False means it certainly never left this process.
     */
    readonly outcomeUnknown: boolean;
    constructor(code: TransportErrorCode, peer: number, message: string, opts?: {
        outcomeUnknown?: boolean;
        cause?: unknown;
    });
}
/**
 * The peer's onRequest handler failed. `code` is the `code` of the error it threw (when that was
 * a string), else 'INTERNAL'; the message is the remote message.
 */
export declare class RemoteError extends Error {
    readonly code: string;
    readonly peer: number;
    constructor(peer: number, code: string, message: string);
}
