// The one table of hard limits. They are constants, not options, on purpose: every member must
// refuse exactly the same commands, so a limit that could differ between members' configs would
// break determinism. The state machine enforces every one of them when it applies a command;
// the member checks the static ones (sizes, counts within one command) again when a command is
// proposed (src/node/proposal-check.ts), so nothing the API accepted is refused after
// replication for its shape. The config (src/config/limits.ts, src/api/limits.ts) may lower a
// limit here, never raise it: their maxima are taken from this table.
//
// Two kinds of limit live here. Static ones bound one command (key, value, id and lock-name
// length, compares and ops per txn, range limit, encoded size, TTL): a command within them is
// never INVALID_COMMAND. Capacity ones bound the state (keys, leases, locks, waiters per lock):
// whether a command fits depends on what was applied before it, so only apply can decide; it
// refuses with TOO_MANY_REQUESTS, deterministically on every member, as a compare that fails.

/** Keys under this prefix belong to raftlock itself (lock holder keys). Users may read and watch
 *  them; only the lock module writes them. */
export const RESERVED_PREFIX = '_raftlock/';
/** A lock named N is observable as the key `LOCK_KEY_PREFIX + N`. */
export const LOCK_KEY_PREFIX = `${RESERVED_PREFIX}locks/`;

const MiB = 1024 * 1024;

export const HARD_LIMITS = Object.freeze({
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
  /** Largest `limit` of a range (a txn get, a range read). */
  maxRangeLimit: 1_000_000,
  /** Largest command in its log encoding (encodeCommand: JSON in UTF-8), in bytes. It must fit,
   *  with room for the framing, in one peer frame (the transport's default maxFrameBytes is
   *  16 MiB), both as an AppendEntries entry and inside a forwarded request. */
  maxCommandBytes: 8 * MiB,
  /** Room a REST body leaves for what its command adds (the key from the path, the op name,
   *  defaults, the asUser wrapper), so a body of at most maxCommandBytes - this always encodes
   *  to a command within maxCommandBytes. */
  commandOverheadBytes: 64 * 1024,
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
