import { LeaseLostError } from './errors.js';
import type { HttpTransport } from './http-transport.js';
export interface KeptLeaseOptions {
    /** Keepalive period, ms (default: a third of the TTL). */
    keepaliveIntervalMs?: number;
    /** Injected for tests. */
    now?: () => number;
}
export declare class KeptLease {
    private readonly transport;
    readonly id: string;
    /** Granted TTL, seconds. */
    readonly ttl: number;
    /** Fires when the lease is lost (its reason is a LeaseLostError). Not fired by stop()/revoke(). */
    readonly signal: AbortSignal;
    /** Resolves with the loss, if the lease is ever lost. */
    readonly lost: Promise<LeaseLostError>;
    private readonly lostCtl;
    private readonly stopCtl;
    private resolveLost;
    private expiresAt;
    private expiryTimer;
    private readonly intervalMs;
    private readonly now;
    private loop;
    /** `grantSentAt` is when the grant request was sent (the TTL is counted from there). */
    constructor(transport: HttpTransport, grant: {
        id: string;
        ttl: number;
    }, grantSentAt: number, opts?: KeptLeaseOptions);
    get isLost(): boolean;
    get stopped(): boolean;
    /** Milliseconds until the lease must be presumed expired. */
    get remainingMs(): number;
    /** Stop keeping the lease alive (it then expires on the server after its TTL). */
    stop(): Promise<void>;
    /** Stop keeping it alive and revoke it (its keys are deleted, its locks released). */
    revoke(): Promise<void>;
    private markLost;
    private armExpiry;
    private run;
}
