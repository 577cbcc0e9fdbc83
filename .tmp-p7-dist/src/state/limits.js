// Fixed limits of the replicated state. They are constants, not options, on purpose: every member
// must refuse exactly the same commands, so a limit that could differ between members' configs
// would break determinism.
/** Keys under this prefix belong to raftlock itself (lock holder keys). Users may read and watch
 *  them; only the lock module writes them. */
export const RESERVED_PREFIX = '_raftlock/';
/** A lock named N is observable as the key `LOCK_KEY_PREFIX + N`. */
export const LOCK_KEY_PREFIX = `${RESERVED_PREFIX}locks/`;
export const STATE_LIMITS = Object.freeze({
    /** Longest key, in UTF-16 code units. */
    maxKeyLength: 4096,
    /** Longest value, in UTF-16 code units. */
    maxValueLength: 1 << 20,
    /** Longest lease id / waiter id. */
    maxIdLength: 256,
    /** Longest lock name (its reserved key must stay under maxKeyLength). */
    maxLockNameLength: 1024,
    /** Most compares in one txn. */
    maxCompares: 128,
    /** Most ops in one txn branch. */
    maxTxnOps: 128,
    /** Longest lease TTL: one year. */
    maxTtlMs: 365 * 24 * 3600 * 1000,
    /** Most user keys in the key space (reserved lock keys are bounded by maxLocks). */
    maxKeys: 1_000_000,
    /** Most live leases. */
    maxLeases: 100_000,
    /** Most locks (held or waited for) at once. */
    maxLocks: 100_000,
    /** Most queued waiters on one lock. */
    maxWaitersPerLock: 10_000,
});
export const DEFAULT_HISTORY_REVISIONS = 10_000;
//# sourceMappingURL=limits.js.map