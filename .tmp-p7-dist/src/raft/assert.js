// Invariant checks. A failed invariant is a bug in the core (or in how it is driven): it throws
// at once with a message naming the broken rule, rather than carrying on with corrupt state.
export class RaftInvariantError extends Error {
    code = 'RAFT_INVARIANT';
    constructor(message) {
        super(`raft invariant violated: ${message}`);
        this.name = 'RaftInvariantError';
    }
}
export function assert(cond, message) {
    if (!cond)
        throw new RaftInvariantError(message);
}
//# sourceMappingURL=assert.js.map