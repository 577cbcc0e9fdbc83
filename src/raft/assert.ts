// Invariant checks. A failed invariant is a bug in the core (or in how it is driven): it throws
// at once with a message naming the broken rule, rather than carrying on with corrupt state.

export class RaftInvariantError extends Error {
  readonly code = 'RAFT_INVARIANT';
  constructor(message: string) {
    super(`raft invariant violated: ${message}`);
    this.name = 'RaftInvariantError';
  }
}

/** `message` may be a function, so a hot path builds it only when the check fails. */
export function assert(cond: boolean, message: string | (() => string)): asserts cond {
  if (!cond) throw new RaftInvariantError(typeof message === 'string' ? message : message());
}
