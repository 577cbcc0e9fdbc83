// Errors the SDK raises. Every one has a stable `code` to branch on: either a code the server
// sent (`KEY_NOT_FOUND`, `LOCK_HELD`, `NO_LEADER`, ... see docs/api.md) or one of the client-side
// codes below. `outcomeUnknown` says whether a write may have been applied.
export class RaftlockError extends Error {
    code;
    status;
    details;
    retryAfterMs;
    endpoint;
    outcomeUnknown;
    constructor(code, message, opts = {}) {
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
    compactRevision;
    constructor(compactRevision, message, opts = {}) {
        super('COMPACTED', message, opts);
        this.name = 'CompactedError';
        this.compactRevision = compactRevision;
    }
}
/** A lease kept alive by the client is gone: the locks it held are released (or about to be). */
export class LeaseLostError extends RaftlockError {
    lease;
    constructor(lease, message, opts = {}) {
        super('LEASE_LOST', message, opts);
        this.name = 'LeaseLostError';
        this.lease = lease;
    }
}
/** `code` of any thrown value, if it is a RaftlockError. */
export function errorCode(err) {
    return err instanceof RaftlockError ? err.code : undefined;
}
//# sourceMappingURL=errors.js.map