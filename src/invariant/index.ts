// Broken invariants: the one way src/ fails loudly on a bug. A failed invariant is never an
// operational condition (those are coded errors a client can act on); it means the code, or how
// it is driven, is wrong, so it throws at once with a message naming the broken rule rather than
// carry on with corrupt state. This module imports nothing, so every layer may use it, the pure
// Raft and Paxos cores included.

export class InvariantError extends Error {
  /** Like node:assert's AssertionError (ERR_ASSERTION): stable, and never a client error code. */
  readonly code = 'INVARIANT_VIOLATED' as const;
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

/** Throw an InvariantError unless `cond` holds. `message` may be a function, so a hot path
 *  builds it only when the check fails. */
export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new InvariantError(typeof message === 'string' ? message : message());
}
