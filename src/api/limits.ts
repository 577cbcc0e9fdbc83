// Every queue, buffer and size the API accepts has a limit here. cmd/ may override any of them.

export interface ApiLimits {
  /** Largest request body read, in bytes (counted while reading, not taken from Content-Length). */
  maxBodyBytes: number;
  /** Largest key (or lock name, or prefix) in UTF-8 bytes. */
  maxKeyBytes: number;
  /** Largest value in UTF-8 bytes. */
  maxValueBytes: number;
  /** Most compares + success ops + failure ops in one transaction. */
  maxTxnOps: number;
  /** Largest `limit` a range read may ask for (also the default). */
  maxRangeLimit: number;
  /** Longest a lock request may wait for the lock. */
  maxLockWaitMs: number;
  /** Wait used when a lock request names no `waitMs` (capped at maxLockWaitMs). */
  defaultLockWaitMs: number;
  /** Most watches (including ones still being created) on one WebSocket. */
  maxWatchesPerSocket: number;
  /** When a socket's unsent bytes exceed this, its watches are canceled (slow reader). */
  maxWatchBufferedBytes: number;
  /** Largest WebSocket message a client may send. */
  maxWsMessageBytes: number;
  /** A socket with watches that sent nothing for this long gets a `progress` message. */
  progressIntervalMs: number;
  /** Most lock requests waiting at once on this member (each holds an HTTP request open). */
  maxPendingLockWaits: number;
  /** Most open watch sockets on this member. */
  maxWatchSockets: number;
}

export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze({
  maxBodyBytes: 1.5 * 1024 * 1024,
  maxKeyBytes: 4 * 1024,
  maxValueBytes: 1024 * 1024,
  maxTxnOps: 128,
  maxRangeLimit: 10_000,
  maxLockWaitMs: 5 * 60 * 1000,
  defaultLockWaitMs: 30 * 1000,
  maxWatchesPerSocket: 1_000,
  maxWatchBufferedBytes: 4 * 1024 * 1024,
  maxWsMessageBytes: 64 * 1024,
  progressIntervalMs: 10 * 1000,
  maxPendingLockWaits: 10_000,
  maxWatchSockets: 10_000,
});

/** Defaults overlaid with `overrides`; every limit must be a positive finite number. */
export function resolveApiLimits(overrides?: Partial<ApiLimits>): Readonly<ApiLimits> {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!(name in DEFAULT_API_LIMITS)) throw new Error(`api limits: unknown limit "${name}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`api limits: ${name} must be a positive finite number, got ${String(value)}`);
    }
    (limits as unknown as Record<string, number>)[name] = value;
  }
  if (limits.defaultLockWaitMs > limits.maxLockWaitMs) limits.defaultLockWaitMs = limits.maxLockWaitMs;
  return Object.freeze(limits);
}
