// The JSON answers of the REST API (docs/api.md), one shape per route. The server builds them
// (src/api) and the SDK (src/client) reads them.

import type { KeyValue, TxnOp, TxnOpResult, Compare, WatchEvent } from './kv.js';

export type Consistency = 'linearizable' | 'serializable';

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** True when `limit` cut the list short: more keys follow, from `next` on. */
  more: boolean;
  /** When `more`: the first key not returned. Pass it as `start` for the next page. */
  next?: string;
  /** Keys matching the prefix (all of them, not just this page). */
  count: number;
  /** The revision of the state read (the `revision` asked for, if any). */
  revision: number;
}

export interface DeleteResult {
  deleted: number;
  revision: number;
  prevKvs?: KeyValue[];
}

export interface TxnRequest {
  compare?: Compare[];
  success?: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  succeeded: boolean;
  revision: number;
  results: TxnOpResult[];
}

export interface CompactResult {
  revision: number;
  compactRevision: number;
}

export interface LeaseGrantResult {
  id: string;
  /** Granted TTL, seconds. */
  ttl: number;
}

export interface LeaseTimeToLive {
  id: string;
  /** Remaining seconds (rounded up), -1 if unknown. */
  ttl: number;
  grantedTtl: number;
  /** Remaining seconds with ms precision, -1 if unknown. */
  remaining: number;
  keys: string[];
  locks: string[];
}

export interface LeaseRevokeResult {
  revision: number;
  deletedKeys: string[];
  releasedLocks: string[];
}

/** A lock's holder as the API shows it. */
export interface LockHolderInfo {
  name: string;
  lease: string;
  fencingToken: number;
  revision: number;
}

/** A granted lock. */
export interface LockGrant extends LockHolderInfo {}

export interface LockReleaseResult {
  released: true;
  revision: number;
  next: LockHolderInfo | null;
}

/** A lease queued for a lock. */
export interface LockWaiterInfo {
  lease: string;
  revision: number;
}

export interface LockStatus {
  name: string;
  holder: LockHolderInfo | null;
  waiters: LockWaiterInfo[];
}

export interface LockSummary {
  name: string;
  holder: LockHolderInfo | null;
  waiters: number;
}

export type MemberRole = 'leader' | 'follower' | 'candidate' | 'learner';

export interface ClusterMember {
  name: string;
  id: string;
  role: MemberRole;
  clientUrl: string;
  peerUrl: string;
}

export interface ClusterStatus {
  member: { name: string; id: string; role: MemberRole };
  leader: { name: string; id: string; clientUrl: string } | null;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  members: ClusterMember[];
}

export interface MemberAddRequest {
  name: string;
  peerUrl: string;
  clientUrl: string;
  learner?: boolean;
}

/** The answer of member add / promote / remove: the member concerned and the new member list. */
export interface MemberChangeResult {
  member?: { name: string; id: string; learner?: boolean };
  removed?: { name: string; id: string };
  members: ClusterMember[];
}

/** One endpoint's view, as `endpoint status` shows it. */
export interface EndpointStatus {
  endpoint: string;
  ok: boolean;
  latencyMs: number;
  status?: ClusterStatus;
  error?: { code: string; message: string };
}

export interface EndpointHealth {
  endpoint: string;
  healthy: boolean;
  latencyMs: number;
  reason: string;
}

/** The changes of one revision, as a watch delivers them. */
export interface WatchBatch {
  revision: number;
  events: WatchEvent[];
}
