// Public surface of the Paxos consensus core (single-decree Paxos per slot and Multi-Paxos).

export * from './types.js';
export { PaxosNode, DEFAULT_MAX_ENTRIES_PER_MSG, DEFAULT_MAX_PENDING_VALUES, type ProposerCounters } from './paxos-node.js';
export { Acceptor } from './acceptor.js';
export { Learner } from './learner.js';
export { Quorum, valueFromPromises } from './proposer.js';
export { ZERO_BALLOT, ballotEquals, compareBallots, formatBallot, maxBallot, nextBallot } from './ballot.js';
