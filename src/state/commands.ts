// Commands replicated through the Raft log and the results their apply produces.
// This file is the contract between api/ (which builds commands from requests), node/ (which
// proposes them and hands results back) and state/ (which applies them deterministically).
// Every field is plain JSON data; values and keys are UTF-8 strings.

import type { AuthCommand } from './auth/auth-table.js';

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  /** Number of puts since the key was (re)created; 1 after the first put. */
  version: number;
  /** Lease id ("" when none). */
  lease: string;
}

export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease' | 'fencingToken';
export type CompareOp = '=' | '!=' | '<' | '>';

export interface Compare {
  /** For target `fencingToken`, `key` is a lock name and the compare is against that lock's
   *  current holder's token (0 when the lock is free). */
  key: string;
  target: CompareTarget;
  op: CompareOp;
  /** string for `value`/`lease`, number for the others. */
  value: string | number;
}

export type TxnOp =
  | { put: { key: string; value: string; lease?: string; prevKv?: boolean } }
  | { get: { key: string; prefix?: boolean; limit?: number } }
  | { delete: { key: string; prefix?: boolean; prevKv?: boolean } };

export type TxnOpResult =
  | { put: { revision: number; prevKv?: KeyValue } }
  | { get: { kvs: KeyValue[]; more: boolean; count: number } }
  | { delete: { deleted: number; prevKvs?: KeyValue[] } };

/** A command as proposed. `ts` is the proposing leader's wall clock in ms (informational and for
 *  lease/lock bookkeeping that must be deterministic: apply uses `ts`, never a clock). */
export type Command =
  | { op: 'put'; key: string; value: string; lease?: string; prevKv?: boolean }
  | { op: 'delete'; key: string; prefix?: boolean; prevKv?: boolean }
  | { op: 'txn'; compare: Compare[]; success: TxnOp[]; failure: TxnOp[] }
  | { op: 'compact'; revision: number }
  /** `id` is chosen by the proposer (unique, e.g. from member id + counter); apply rejects a
   *  duplicate. `ttlMs` is the granted TTL. */
  | { op: 'leaseGrant'; id: string; ttlMs: number }
  /** Revoke by request (`reason: 'revoke'`) or by the leader's expiry timer (`'expire'`). */
  | { op: 'leaseRevoke'; id: string; reason: 'revoke' | 'expire' }
  /** Ask for `name` on behalf of `lease`. `waiterId` is unique per request. If the lock is free
   *  (and no one is queued) it is granted at once; otherwise the waiter joins the FIFO queue. */
  | { op: 'lockAcquire'; name: string; lease: string; waiterId: string }
  /** Withdraw a queued waiter (wait timed out or the client went away). No-op when already
   *  granted or gone; the caller learns which from the result. */
  | { op: 'lockCancel'; name: string; waiterId: string }
  /** Release by fencing token or by lease; the next waiter is granted in the same apply. */
  | { op: 'lockRelease'; name: string; fencingToken?: number; lease?: string }
  /** Applied as a no-op; used to commit a barrier. */
  | { op: 'noop' }
  /** Users, roles and permissions (state/auth). */
  | AuthCommand
  /** A client's command while auth is on: applied only if `user`, still at token `generation`,
   *  may do it by the permissions in force at this point of the log. */
  | { op: 'asUser'; user: string; generation: number; cmd: Command };

export interface LockHolder {
  name: string;
  lease: string;
  waiterId: string;
  /** Strictly increasing across all grants of this lock (it is the revision of the grant). */
  fencingToken: number;
  /** Revision at which the holder was granted. */
  revision: number;
}

export interface LockWaiter {
  name: string;
  lease: string;
  waiterId: string;
  /** Revision at which the waiter queued. */
  revision: number;
}

export type CommandResult =
  | { op: 'put'; revision: number; prevKv?: KeyValue }
  | { op: 'delete'; revision: number; deleted: number; prevKvs?: KeyValue[] }
  | { op: 'txn'; revision: number; succeeded: boolean; results: TxnOpResult[] }
  | { op: 'compact'; revision: number; compactRevision: number }
  | { op: 'leaseGrant'; revision: number; id: string; ttlMs: number }
  | {
      op: 'leaseRevoke';
      revision: number;
      id: string;
      deletedKeys: string[];
      releasedLocks: string[];
      /** Waiters granted a lock (in the same apply) because this lease's hold was released. */
      grantedLocks?: LockHolder[];
      /** Queued waiters of this lease that were withdrawn. */
      withdrawnWaiters?: LockWaiter[];
    }
  | { op: 'lockAcquire'; revision: number; granted: boolean; holder: LockHolder | null; position: number }
  | { op: 'lockCancel'; revision: number; canceled: boolean; holder: LockHolder | null }
  | { op: 'lockRelease'; revision: number; released: boolean; holder: LockHolder | null; next: LockHolder | null }
  | { op: 'noop'; revision: number }
  /** An auth command was applied; `authRevision` is the auth table's new revision. */
  | { op: 'auth'; revision: number; authRevision: number }
  /** The command was refused by apply (deterministically, on every member). */
  | { op: 'error'; revision: number; code: StateErrorCode; message: string };

export type StateErrorCode =
  | 'LEASE_NOT_FOUND'
  | 'LEASE_EXISTS'
  | 'NOT_HOLDER'
  | 'COMPACTED'
  | 'FUTURE_REVISION'
  | 'INVALID_COMMAND'
  /** A fixed state limit was reached (waiters per lock, total keys, total leases). */
  | 'TOO_MANY_REQUESTS'
  | 'USER_NOT_FOUND'
  | 'USER_EXISTS'
  | 'ROLE_NOT_FOUND'
  | 'ROLE_EXISTS'
  | 'PERMISSION_NOT_FOUND'
  | 'NO_ROOT_USER'
  /** An `asUser` command whose user is gone or whose token generation is past. */
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED';

export type EventType = 'put' | 'delete';

export interface WatchEvent {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}
