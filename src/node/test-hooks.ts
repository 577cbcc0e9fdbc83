// Switches that re-introduce bugs on purpose, and observers, for tests and the simulator ONLY.
// They are a separate argument of Member.start, not part of MemberOptions: no config field, flag
// or environment variable reaches them, and cmd/raftlockd's production entry never passes any.
// The simulator's --mutation names map onto these (cmd/lib/sim/member/mutations.ts).

import type { Entry, RaftMutations } from '../raft/types.js';

export interface MemberTestHooks {
  /** UNSAFE: serve linearizable reads from local state without ReadIndex. */
  localReads?: boolean;
  /** UNSAFE: acknowledge puts and deletes once the leader has persisted them, before they commit. */
  ackBeforeCommit?: boolean;
  /** UNSAFE: a keepalive renews a lease whose expiry revoke this leader already proposed. */
  renewRevokingLease?: boolean;
  /** UNSAFE: the leader answers a forwarded write once it is in its log, before it applies,
   *  and the follower does not wait to apply it either. */
  ackForwardBeforeApply?: boolean;
  /** UNSAFE: send every message of a Ready before its write, not only the early ones. */
  sendBeforePersist?: boolean;
  /** UNSAFE bugs in the consensus core (see RaftMutations). */
  raft?: RaftMutations;
  /** Observer: an entry was applied on this member (in index order). */
  onApplied?(e: Entry): void;
}
