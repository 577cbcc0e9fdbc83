// Coded errors thrown by state/ outside apply (apply itself never throws for a bad command: it
// returns an `{op:'error'}` result). The codes match the api error table, so api/ can map them.
export class StateError extends Error {
    code;
    constructor(code, message) {
        super(message);
        this.name = 'StateError';
        this.code = code;
    }
}
/** A broken invariant: a bug, never an operational condition. */
export function invariant(cond, message) {
    if (!cond)
        throw new Error(`raftlock state invariant violated: ${message}`);
}
//# sourceMappingURL=errors.js.map