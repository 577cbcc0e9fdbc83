// Coded transport errors. The codes match the api error table (src/api/errors.ts) where one
// exists there, so the driver can pass them through unchanged.
export class TransportError extends Error {
    code;
    peer;
    /**
     * True when the request had been written to the connection before it failed: the peer may have
     * handled it. False means it certainly never left this process.
     */
    outcomeUnknown;
    constructor(code, peer, message, opts) {
        super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
        this.name = 'TransportError';
        this.code = code;
        this.peer = peer;
        this.outcomeUnknown = opts?.outcomeUnknown ?? false;
    }
}
/**
 * The peer's onRequest handler failed. `code` is the `code` of the error it threw (when that was
 * a string), else 'INTERNAL'; the message is the remote message.
 */
export class RemoteError extends Error {
    code;
    peer;
    constructor(peer, code, message) {
        super(message);
        this.name = 'RemoteError';
        this.code = code;
        this.peer = peer;
    }
}
//# sourceMappingURL=errors.js.map