// Proposal numbers. A ballot is (round, node): rounds order ballots, and the proposer's id breaks
// ties, so two proposers never use the same number (Paxos requires proposal numbers to be
// unique and totally ordered). ZERO_BALLOT is below every ballot a proposer can pick.

import type { Ballot, NodeId } from './types.js';

export const ZERO_BALLOT: Ballot = Object.freeze({ round: 0, node: 0 });

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  return a.round - b.round || a.node - b.node;
}

export function ballotEquals(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/** The smallest ballot of `node` above `seen`. */
export function nextBallot(seen: Ballot, node: NodeId): Ballot {
  return { round: seen.round + 1, node };
}

export function formatBallot(b: Ballot): string {
  return `${b.round}.${b.node}`;
}
