// Bugs the member simulation can turn on, to show its checks bite. Each maps onto the test hooks
// a member is built with (src/node/test-hooks.ts) — a separate argument of Member.start that no
// config reaches — and may steer the seed's setup towards where the bug shows.

import type { MemberTestHooks } from '../../../../src/node/test-hooks.js';

export interface MutationSetup {
  voters?: number;
  learner?: boolean;
  /** Several lock clients contend for one lock. */
  lockHeavy?: boolean;
  /** Slow, jittery links and disks (wider races between a decision and its apply). */
  slow?: boolean;
}

export interface MemberMutation {
  hooks: MemberTestHooks;
  what: string;
  /** The check expected to catch it. */
  caughtBy: string;
  /** Setup the bug needs to show (a learner beside a lone voter; contended locks). */
  setup?: MutationSetup;
}

export type MemberMutationName =
  | 'renew-revoking-lease'
  | 'ack-forward-before-apply'
  | 'send-before-persist'
  | 'skip-durable-clamp'
  | 'local-reads'
  | 'ack-before-commit';

export const MEMBER_MUTATIONS: Readonly<Record<MemberMutationName, MemberMutation>> = {
  'renew-revoking-lease': {
    hooks: { renewRevokingLease: true },
    what: 'a keepalive renews a lease whose expiry revoke the leader already proposed',
    caughtBy: 'lock-exclusion',
    setup: { lockHeavy: true, slow: true },
  },
  'ack-forward-before-apply': {
    hooks: { ackForwardBeforeApply: true },
    what: 'the leader answers a forwarded write once it is in its log, before it commits and applies',
    caughtBy: 'kv-linearizable',
    setup: { voters: 3 },
  },
  'send-before-persist': {
    hooks: { sendBeforePersist: true },
    what: 'the driver sends every message of a Ready before its write (votes and acknowledgements too)',
    caughtBy: 'ready-contract',
  },
  'skip-durable-clamp': {
    hooks: { raft: { earlyCommitUnclamped: true } },
    what: 'early AppendEntries keep a commit index that is not yet durable on the leader',
    caughtBy: 'ready-contract',
    setup: { voters: 1, learner: true },
  },
  'local-reads': {
    hooks: { localReads: true },
    what: 'linearizable reads are served from local state without ReadIndex',
    caughtBy: 'kv-linearizable',
    setup: { voters: 3 },
  },
  'ack-before-commit': {
    hooks: { ackBeforeCommit: true },
    what: 'the leader answers puts and deletes once it persisted them, before they commit',
    caughtBy: 'kv-linearizable',
    setup: { voters: 3 },
  },
};

export const MEMBER_MUTATION_NAMES = Object.keys(MEMBER_MUTATIONS) as MemberMutationName[];

export function isMemberMutation(name: string): name is MemberMutationName {
  return Object.hasOwn(MEMBER_MUTATIONS, name);
}
