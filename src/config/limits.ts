// The `limits` block of the config: every API limit (src/api/limits.ts, with the bounds the state
// machine sets) plus the member's own queues and deadlines. One table drives the YAML schema,
// the flags `--limits-<kebab-name>`, the variables `RAFTLOCK_LIMITS_<SNAKE_NAME>` and `--help`.

import { API_LIMIT_SPECS, type ApiLimitSpec, type ApiLimits } from '../api/limits.js';

/** Limits of the member itself (src/node), not of the API. */
export const NODE_LIMIT_SPECS = Object.freeze({
  maxPendingProposals: { default: 10_000, max: 1_000_000, description: 'most proposals waiting for commit before new ones are refused' },
  maxWatchers: { default: 100_000, max: 10_000_000, description: 'most watchers on this member' },
  requestTimeoutMs: { default: 10_000, max: 3600 * 1000, description: 'default deadline of a request, ms' },
} satisfies Record<string, ApiLimitSpec>);

export type Limits = Readonly<ApiLimits> & { readonly [K in keyof typeof NODE_LIMIT_SPECS]: number };

/** Every settable limit, in `--help` order: the API's (as in docs/api.md), then the member's. */
export const LIMIT_SPECS: { readonly [K in keyof Limits]: ApiLimitSpec } = Object.freeze({ ...API_LIMIT_SPECS, ...NODE_LIMIT_SPECS });

export const LIMIT_NAMES = Object.keys(LIMIT_SPECS) as (keyof Limits)[];

export const DEFAULT_LIMITS: Limits = Object.freeze(Object.fromEntries(LIMIT_NAMES.map((n) => [n, LIMIT_SPECS[n].default])) as unknown as Limits);

/** The API's share of `limits`, for createApi. */
export function apiLimitsOf(limits: Limits): ApiLimits {
  return Object.fromEntries((Object.keys(API_LIMIT_SPECS) as (keyof ApiLimits)[]).map((n) => [n, limits[n]])) as unknown as ApiLimits;
}
