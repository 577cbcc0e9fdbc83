// Request body schemas (zod, strict: unknown fields are refused) and the key rules every route
// shares. Built per createApi() because sizes come from the configured limits.

import { z } from 'zod';
import { RESERVED_PREFIX } from '../state/limits.js';
import { CodedError } from './errors.js';
import type { ApiLimits } from './limits.js';
import { utf8Bytes } from './request-text.js';

/** Keys under this prefix belong to raftlock itself: readable, never writable through the API. */
export { RESERVED_PREFIX };

/** Lease ids are chosen by clients or generated here; they appear in URLs, so keep them plain. */
export const LEASE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Longest lease TTL a client may ask for (seconds): one year. */
export const MAX_LEASE_TTL_SECONDS = 365 * 24 * 3600;

export function makeSchemas(limits: Readonly<ApiLimits>) {
  const keyBytes = (s: string): boolean => utf8Bytes(s) <= limits.maxKeyBytes;
  const key = z
    .string()
    .min(1, 'must not be empty')
    .refine(keyBytes, `must be at most ${limits.maxKeyBytes} UTF-8 bytes`);
  /** A key that may be empty: a range/prefix start ("" with prefix = every key). */
  const prefixKey = z.string().refine(keyBytes, `must be at most ${limits.maxKeyBytes} UTF-8 bytes`);
  const value = z.string().refine((s) => utf8Bytes(s) <= limits.maxValueBytes, `must be at most ${limits.maxValueBytes} UTF-8 bytes`);
  const leaseId = z.string().regex(LEASE_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');
  const ttlSeconds = z.number().int('must be a whole number of seconds').min(1).max(MAX_LEASE_TTL_SECONDS);
  const revision = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

  const put = z.strictObject({ value, lease: leaseId.optional(), prevKv: z.boolean().optional() });

  const compare = z
    .strictObject({
      key,
      target: z.enum(['value', 'version', 'createRevision', 'modRevision', 'lease', 'fencingToken']),
      op: z.enum(['=', '!=', '<', '>']),
      value: z.union([z.string(), z.number()]),
    })
    .superRefine((c, ctx) => {
      const wantsString = c.target === 'value' || c.target === 'lease';
      if (wantsString && typeof c.value !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a string for target "${c.target}"` });
      } else if (!wantsString && !(typeof c.value === 'number' && Number.isSafeInteger(c.value) && c.value >= 0)) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a non-negative integer for target "${c.target}"` });
      } else if (c.target === 'value' && typeof c.value === 'string' && utf8Bytes(c.value) > limits.maxValueBytes) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `must be at most ${limits.maxValueBytes} UTF-8 bytes` });
      }
    });

  const txnOp = z.union([
    z.strictObject({ put: z.strictObject({ key, value, lease: leaseId.optional(), prevKv: z.boolean().optional() }) }),
    z.strictObject({
      get: z.strictObject({
        key: prefixKey,
        prefix: z.boolean().optional(),
        limit: z.number().int().min(1).max(limits.maxRangeLimit).optional(),
      }),
    }),
    z.strictObject({ delete: z.strictObject({ key, prefix: z.boolean().optional(), prevKv: z.boolean().optional() }) }),
  ]);

  const txn = z.strictObject({
    compare: z.array(compare).max(limits.maxTxnOps).default([]),
    success: z.array(txnOp).max(limits.maxTxnOps).default([]),
    failure: z.array(txnOp).max(limits.maxTxnOps).default([]),
  });

  const compact = z.strictObject({ revision: revision.min(1) });

  const leaseGrant = z.strictObject({ ttl: ttlSeconds, id: leaseId.optional() });

  const lockAcquire = z
    .strictObject({
      ttl: ttlSeconds.optional(),
      lease: leaseId.optional(),
      waitMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .superRefine((b, ctx) => {
      if ((b.ttl === undefined) === (b.lease === undefined)) {
        ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "ttl" (a new lease for this holder) or "lease"' });
      }
    });

  return { key, prefixKey, leaseId, put, txn, compact, leaseGrant, lockAcquire };
}

export type Schemas = ReturnType<typeof makeSchemas>;

/** Validate `input` against `schema`, turning the first issue into a 400 with a readable path. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what = 'body'): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) throw new CodedError('INVALID_ARGUMENT', `${what} is invalid`);
  const at = issue.path.length > 0 ? `${what}.${issue.path.map(String).join('.')}` : what;
  let message: string;
  if (issue.code === 'unrecognized_keys') {
    message = `${at}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  } else if (issue.code === 'invalid_union' && Array.isArray((issue as { options?: unknown }).options)) {
    // A tagged union (a WebSocket message's "type"): name the tags it takes.
    const tags = (issue as { options: unknown[] }).options;
    message = `${at}: must be one of ${tags.map((o) => JSON.stringify(o)).join(', ')}`;
  } else if (issue.code === 'invalid_union') {
    message = `${at}: must be one of {"put": {...}}, {"get": {...}}, {"delete": {...}}`;
  } else {
    message = `${at}: ${issue.message}`;
  }
  throw new CodedError('INVALID_ARGUMENT', message, { details: { field: at } });
}

/** Write-path key rules beyond size: nothing under the reserved prefix, and a prefix delete may
 *  not reach into it (`_raft` as a prefix would cover `_raftlock/...`). */
export function assertWritableKey(key: string, prefix = false): void {
  if (key.startsWith(RESERVED_PREFIX) || (prefix && RESERVED_PREFIX.startsWith(key))) {
    throw new CodedError('RESERVED_KEY', `keys under "${RESERVED_PREFIX}" are reserved for raftlock and cannot be written`, {
      details: { key },
    });
  }
}

/** Size and emptiness rules for a key that arrived outside a body (path or query). */
export function assertKey(key: string, limits: Readonly<ApiLimits>, what = 'key', allowEmpty = false): void {
  if (!allowEmpty && key.length === 0) throw new CodedError('INVALID_ARGUMENT', `${what} must not be empty`);
  if (utf8Bytes(key) > limits.maxKeyBytes) {
    throw new CodedError('INVALID_ARGUMENT', `${what} must be at most ${limits.maxKeyBytes} UTF-8 bytes`);
  }
}
