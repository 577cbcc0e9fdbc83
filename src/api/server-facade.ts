// The narrow view of a member that the REST and WebSocket layers need. The node driver
// (src/node) implements it; api/ tests may implement it over a StateMachine directly.
// api/ never sees raft internals or storage.

import type { EventsSinceResult } from '../state/kv/history.js';
import type { Command, CommandResult, KeyValue, LockHolder, LockWaiter, WatchEvent } from '../state/commands.js';
import type { AuthView } from '../state/auth/index.js';

export type MemberRole = 'leader' | 'follower' | 'candidate' | 'learner';

export interface MemberInfo {
  name: string;
  /** Decimal string of the numeric member id. */
  id: string;
  role: MemberRole;
  clientUrl: string;
  peerUrl: string;
}

export interface ClusterInfo {
  member: { name: string; id: string; role: MemberRole };
  leader: { name: string; id: string; clientUrl: string } | null;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  members: MemberInfo[];
}

export interface LeaseInfo {
  id: string;
  /** Granted TTL in ms. */
  ttlMs: number;
  /** Remaining ms as the leader sees it (-1 if unknown, e.g. the lease is gone). */
  remainingMs: number;
  keys: string[];
  locks: string[];
}

export interface LockInfo {
  name: string;
  holder: LockHolder | null;
  waiters: LockWaiter[];
}

/** A read-only view of the applied state. Calls are synchronous and see the member's state as
 *  of now; linearizability comes from awaiting `readBarrier()` first. */
export interface StateView {
  revision(): number;
  compactRevision(): number;
  /** The key now, or as of `revision` (throws COMPACTED / FUTURE_REVISION outside history). */
  get(key: string, revision?: number): KeyValue | undefined;
  /** From `start` (inclusive) on; `next` is the first key not returned when `more`. As of
   *  `revision` when given (throws COMPACTED / FUTURE_REVISION outside history). */
  range(prefix: string, limit: number, opts?: { start?: string; revision?: number }): { kvs: KeyValue[]; more: boolean; count: number; next?: string };
  /** Whether the state as of `revision` can be read here. */
  readableRevision(revision: number): 'ok' | 'compacted' | 'future';
  /** Keys in [start, end) in key order (`end` undefined: every key from `start` on). */
  rangeBetween(start: string, end: string | undefined, limit: number): { kvs: KeyValue[]; more: boolean; count: number };
  /** The retained history at revisions >= startRevision for an exact key or a prefix (the etcd
   *  API reads the key space at a past revision from it). */
  eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number): EventsSinceResult;
  lease(id: string): { id: string; ttlMs: number; keys: string[]; locks: string[] } | undefined;
  leases(): { id: string; ttlMs: number }[];
  lock(name: string): LockInfo | undefined;
  locks(): LockInfo[];
  /** Users, roles and permissions as applied here. */
  auth(): AuthView;
}

export interface WatchSubscription {
  cancel(): void;
}

export interface WatchOptions {
  key: string;
  prefix: boolean;
  /** First revision to deliver (inclusive); 0 = from now on. */
  startRevision: number;
  prevKv: boolean;
  /** Called with events in revision order, a batch per revision. Read-only: the same array may
   *  go to every watch of that revision. */
  onEvents(events: readonly WatchEvent[], revision: number): void;
  /** Called once if the watch ends from the server side (compacted start, slow reader). */
  onCanceled(reason: string, compactRevision?: number): void;
}

export interface ServerFacade {
  /** Replicate `cmd` (forwarding to the leader from a follower) and resolve with its result once
   *  applied on this member. Rejects with a CodedError (see api/errors.ts): NO_LEADER,
   *  PROPOSAL_LOST, TIMEOUT, ... */
  propose(cmd: Command, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CommandResult>;
  /** Resolve once this member's applied state is at least as new as every write acknowledged
   *  before the call (ReadIndex). */
  readBarrier(opts?: { timeoutMs?: number }): Promise<void>;
  state(): StateView;
  cluster(): ClusterInfo;
  /** Renew a lease on the leader (forwarded from followers). Resolves with the granted TTL ms. */
  leaseKeepalive(id: string): Promise<{ ttlMs: number }>;
  /** Remaining TTL as the leader sees it. */
  leaseRemaining(id: string): Promise<number>;
  /** Resolve when the lock waiter `waiterId` is granted or removed (resolves with the holder or null). */
  awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null>;
  watch(opts: WatchOptions): WatchSubscription;
  /** The revision up to which applied changes have been handed to watchers (the fan-out may
   *  run a moment after the apply). Defaults to `state().revision()` when absent. */
  publishedRevision?(): number;
  /** Membership changes, one server at a time (forwarded to the leader). `add` adds a voter,
   *  `addLearner` a non-voting member that catches up first; `add` of an existing learner
   *  promotes it. Resolves once the change is applied on this member. */
  changeMembership(change: 'add' | 'addLearner' | 'remove', member: { id: number; name: string; peerUrl: string; clientUrl: string }): Promise<void>;
  /** The member id a name maps to in this cluster (ids derive from name + cluster token). */
  memberIdFor(name: string): number;
  /** Ready for traffic: knows a leader and has applied up to the commit index it last heard. */
  readiness(): { ready: boolean; reason: string };
}
