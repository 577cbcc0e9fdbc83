import { FencedResource } from './resource.js';
import type { Anomaly, LockGrant, ResourceAccess } from './history.js';
export { FencedResource };
export interface LockCheckOptions {
    /** Slack for the lease expiry bound (clock granularity, timer lateness). Default 250 ms. */
    expiryMarginMs?: number;
}
/** The latest time grant `g` is certainly still held (its holder may act until then). */
export declare function safeEnd(g: LockGrant, marginMs: number): number;
export declare function checkLocks(grants: readonly LockGrant[], accesses: readonly ResourceAccess[], opts?: LockCheckOptions): Anomaly[];
