import { z } from 'zod';
import { RESERVED_PREFIX } from '../state/limits.js';
import type { ApiLimits } from './limits.js';
/** Keys under this prefix belong to raftlock itself: readable, never writable through the API. */
export { RESERVED_PREFIX };
/** Lease ids are chosen by clients or generated here; they appear in URLs, so keep them plain. */
export declare const LEASE_ID_PATTERN: RegExp;
/** Longest lease TTL a client may ask for (seconds): one year. */
export declare const MAX_LEASE_TTL_SECONDS: number;
export declare function makeSchemas(limits: Readonly<ApiLimits>): {
    key: z.ZodString;
    prefixKey: z.ZodString;
    leaseId: z.ZodString;
    put: z.ZodObject<{
        value: z.ZodString;
        lease: z.ZodOptional<z.ZodString>;
        prevKv: z.ZodOptional<z.ZodBoolean>;
    }, z.core.$strict>;
    txn: z.ZodObject<{
        compare: z.ZodDefault<z.ZodArray<z.ZodObject<{
            key: z.ZodString;
            target: z.ZodEnum<{
                createRevision: "createRevision";
                fencingToken: "fencingToken";
                lease: "lease";
                modRevision: "modRevision";
                value: "value";
                version: "version";
            }>;
            op: z.ZodEnum<{
                "!=": "!=";
                "<": "<";
                "=": "=";
                ">": ">";
            }>;
            value: z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>;
        }, z.core.$strict>>>;
        success: z.ZodDefault<z.ZodArray<z.ZodUnion<readonly [z.ZodObject<{
            put: z.ZodObject<{
                key: z.ZodString;
                value: z.ZodString;
                lease: z.ZodOptional<z.ZodString>;
                prevKv: z.ZodOptional<z.ZodBoolean>;
            }, z.core.$strict>;
        }, z.core.$strict>, z.ZodObject<{
            get: z.ZodObject<{
                key: z.ZodString;
                prefix: z.ZodOptional<z.ZodBoolean>;
                limit: z.ZodOptional<z.ZodNumber>;
            }, z.core.$strict>;
        }, z.core.$strict>, z.ZodObject<{
            delete: z.ZodObject<{
                key: z.ZodString;
                prefix: z.ZodOptional<z.ZodBoolean>;
                prevKv: z.ZodOptional<z.ZodBoolean>;
            }, z.core.$strict>;
        }, z.core.$strict>]>>>;
        failure: z.ZodDefault<z.ZodArray<z.ZodUnion<readonly [z.ZodObject<{
            put: z.ZodObject<{
                key: z.ZodString;
                value: z.ZodString;
                lease: z.ZodOptional<z.ZodString>;
                prevKv: z.ZodOptional<z.ZodBoolean>;
            }, z.core.$strict>;
        }, z.core.$strict>, z.ZodObject<{
            get: z.ZodObject<{
                key: z.ZodString;
                prefix: z.ZodOptional<z.ZodBoolean>;
                limit: z.ZodOptional<z.ZodNumber>;
            }, z.core.$strict>;
        }, z.core.$strict>, z.ZodObject<{
            delete: z.ZodObject<{
                key: z.ZodString;
                prefix: z.ZodOptional<z.ZodBoolean>;
                prevKv: z.ZodOptional<z.ZodBoolean>;
            }, z.core.$strict>;
        }, z.core.$strict>]>>>;
    }, z.core.$strict>;
    compact: z.ZodObject<{
        revision: z.ZodNumber;
    }, z.core.$strict>;
    leaseGrant: z.ZodObject<{
        ttl: z.ZodNumber;
        id: z.ZodOptional<z.ZodString>;
    }, z.core.$strict>;
    lockAcquire: z.ZodObject<{
        ttl: z.ZodOptional<z.ZodNumber>;
        lease: z.ZodOptional<z.ZodString>;
        waitMs: z.ZodOptional<z.ZodNumber>;
    }, z.core.$strict>;
};
export type Schemas = ReturnType<typeof makeSchemas>;
/** Validate `input` against `schema`, turning the first issue into a 400 with a readable path. */
export declare function parseWith<T>(schema: z.ZodType<T>, input: unknown, what?: string): T;
/** Write-path key rules beyond size: nothing under the reserved prefix, and a prefix delete may
 *  not reach into it (`_raft` as a prefix would cover `_raftlock/...`). */
export declare function assertWritableKey(key: string, prefix?: boolean): void;
/** Size and emptiness rules for a key that arrived outside a body (path or query). */
export declare function assertKey(key: string, limits: Readonly<ApiLimits>, what?: string, allowEmpty?: boolean): void;
