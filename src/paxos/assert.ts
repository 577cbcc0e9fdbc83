// Invariant checks of the Paxos core. A failed invariant is a bug in the core (or in how it is
// driven): it throws at once, naming the broken rule.

export class PaxosInvariantError extends Error {
  readonly code = 'PAXOS_INVARIANT';
  constructor(message: string) {
    super(`paxos invariant violated: ${message}`);
    this.name = 'PaxosInvariantError';
  }
}

/** `message` may be a function, so a hot path builds it only when the check fails. */
export function assert(cond: boolean, message: string | (() => string)): asserts cond {
  if (!cond) throw new PaxosInvariantError(typeof message === 'string' ? message : message());
}
