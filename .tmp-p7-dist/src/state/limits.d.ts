/** Keys under this prefix belong to raftlock itself (lock holder keys). Users may read and watch
 *  them; only the lock module writes them. */
export declare const RESERVED_PREFIX = "_raftlock/";
/** A lock named N is observable as the key `LOCK_KEY_PREFIX + N`. */
export declare const LOCK_KEY_PREFIX = "_raftlock/locks/";
export declare const STATE_LIMITS: Readonly<{
    /** Longest key, in UTF-16 code units. */
    maxKeyLength: 4096;
    /** Longest value, in UTF-16 code units. */
    maxValueLength: number;
    /** Longest lease id / waiter id. */
    maxIdLength: 256;
    /** Longest lock name (its reserved key must stay under maxKeyLength). */
    maxLockNameLength: 1024;
    /** Most compares in one txn. */
    maxCompares: 128;
    /** Most ops in one txn branch. */
    maxTxnOps: 128;
    /** Longest lease TTL: one year. */
    maxTtlMs: number;
    /** Most user keys in the key space (reserved lock keys are bounded by maxLocks). */
    maxKeys: 1000000;
    /** Most live leases. */
    maxLeases: 100000;
    /** Most locks (held or waited for) at once. */
    maxLocks: 100000;
    /** Most queued waiters on one lock. */
    maxWaitersPerLock: 10000;
}>;
export declare const DEFAULT_HISTORY_REVISIONS = 10000;
