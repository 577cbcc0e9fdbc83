// Every queue, buffer and size the API accepts has a limit here, with its default and the
// largest value a member may be configured with. Where the state machine has a fixed limit of
// its own (HARD_LIMITS, the one table of hard limits), that is the largest value: a member may
// lower it, never raise it, so the API never accepts what the state machine would then refuse. cmd/ may override any limit
// (from the config, which takes its bounds from API_LIMIT_SPECS).

import { HARD_LIMITS } from '../state/limits.js';

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
  /** Wait used when a lock request names no `waitMs` (at most maxLockWaitMs). */
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

export interface ApiLimitSpec {
  readonly default: number;
  /** The largest value accepted (the state machine's own limit where it has one). */
  readonly max: number;
  /** Why `max` is the largest value, when it is not just a sanity bound. */
  readonly maxReason?: string;
  /** For `--help` and error messages. */
  readonly description: string;
}

const MiB = 1024 * 1024;

/** The one table of API limits: default and hard maximum of each. Every limit is a whole number >= 1. */
export const API_LIMIT_SPECS: { readonly [K in keyof ApiLimits]: ApiLimitSpec } = Object.freeze({
  // A body within this leaves room for what its command adds (HARD_LIMITS.commandOverheadBytes),
  // so its command fits in HARD_LIMITS.maxCommandBytes, the largest the log takes.
  maxBodyBytes: {
    default: 1.5 * MiB,
    max: HARD_LIMITS.maxCommandBytes - HARD_LIMITS.commandOverheadBytes,
    maxReason: `a command is at most ${HARD_LIMITS.maxCommandBytes} bytes in the log`,
    description: 'largest HTTP request body in bytes; must hold a largest key plus a largest value',
  },
  // A key of n UTF-8 bytes has at most n UTF-16 code units, the unit the state machine counts in.
  maxKeyBytes: {
    default: 4 * 1024,
    max: HARD_LIMITS.maxKeyLength,
    maxReason: `the state machine takes keys of at most ${HARD_LIMITS.maxKeyLength} characters`,
    description: 'largest key, prefix or lock name in UTF-8 bytes',
  },
  maxValueBytes: {
    default: MiB,
    max: HARD_LIMITS.maxValueLength,
    maxReason: `the state machine takes values of at most ${HARD_LIMITS.maxValueLength} characters`,
    description: 'largest value in UTF-8 bytes',
  },
  // The state machine takes at most maxCompares compares and maxTxnOps ops per branch: a total
  // within the smaller of the two always fits.
  maxTxnOps: {
    default: 128,
    max: Math.min(HARD_LIMITS.maxCompares, HARD_LIMITS.maxTxnOps),
    maxReason: `the state machine takes at most ${HARD_LIMITS.maxCompares} compares and ${HARD_LIMITS.maxTxnOps} ops per branch`,
    description: 'most compares + ops in one transaction',
  },
  maxRangeLimit: {
    default: 10_000,
    max: HARD_LIMITS.maxRangeLimit,
    maxReason: `the state machine takes range limits of at most ${HARD_LIMITS.maxRangeLimit}`,
    description: 'largest (and default) range limit',
  },
  maxLockWaitMs: { default: 5 * 60 * 1000, max: 24 * 3600 * 1000, description: 'longest a lock request may wait, ms' },
  defaultLockWaitMs: { default: 30 * 1000, max: 24 * 3600 * 1000, description: 'lock wait when a request names no waitMs, ms; at most maxLockWaitMs' },
  maxWatchesPerSocket: { default: 1_000, max: 1_000_000, description: 'most watches on one WebSocket' },
  maxWatchBufferedBytes: { default: 4 * MiB, max: 1024 * MiB, description: 'unsent bytes before a watch socket counts as a slow reader' },
  maxWsMessageBytes: { default: 64 * 1024, max: 64 * MiB, description: 'largest WebSocket message a client may send, bytes' },
  progressIntervalMs: { default: 10 * 1000, max: 3600 * 1000, description: 'idle time before a watch socket gets a progress message, ms' },
  maxPendingLockWaits: { default: 10_000, max: 1_000_000, description: 'most lock requests waiting at once on this member' },
  maxWatchSockets: { default: 10_000, max: 1_000_000, description: 'most open watch sockets on this member' },
});

export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze(
  Object.fromEntries(Object.entries(API_LIMIT_SPECS).map(([name, spec]) => [name, spec.default])) as unknown as ApiLimits,
);

/** Defaults overlaid with `overrides`. Every limit must be a whole number from 1 to its maximum
 *  in API_LIMIT_SPECS. defaultLockWaitMs is at most maxLockWaitMs: given larger, it is refused;
 *  left at its default, it is lowered to maxLockWaitMs. */
export function resolveApiLimits(overrides?: Partial<ApiLimits>): Readonly<ApiLimits> {
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    const spec = (API_LIMIT_SPECS as Record<string, ApiLimitSpec>)[name];
    if (spec === undefined) throw new Error(`api limits: unknown limit "${name}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > spec.max) {
      throw new Error(`api limits: ${name} must be a whole number from 1 to ${spec.max}${spec.maxReason ? ` (${spec.maxReason})` : ''}, got ${String(value)}`);
    }
    (limits as unknown as Record<string, number>)[name] = value;
  }
  if (limits.defaultLockWaitMs > limits.maxLockWaitMs) {
    if (overrides?.defaultLockWaitMs !== undefined) {
      throw new Error(`api limits: defaultLockWaitMs must be at most maxLockWaitMs (${limits.maxLockWaitMs}), got ${limits.defaultLockWaitMs}`);
    }
    limits.defaultLockWaitMs = limits.maxLockWaitMs;
  }
  return Object.freeze(limits);
}
