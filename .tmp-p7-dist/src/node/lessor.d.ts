export declare class Lessor {
    /** lease id -> expiry time (ms, leader clock). Only meaningful while this member leads. */
    private readonly expiry;
    /** Leases with a revoke proposal in flight (not proposed again until it settles). */
    private readonly revoking;
    private active;
    /** Start keeping time as leader; every lease starts from its full TTL on first sight. */
    promote(): void;
    demote(): void;
    isActive(): boolean;
    /** A keepalive (or a grant) renews the lease from now. */
    renew(id: string, ttlMs: number, now: number): void;
    forget(id: string): void;
    revokeSettled(id: string): void;
    remainingMs(id: string, ttlMs: number, now: number): number;
    /**
     * Leases due for revocation. `leases` is the applied set; any lease not yet on the clock is put
     * on it with its full TTL. Returned ids are marked as revoking until `revokeSettled`/`forget`.
     */
    due(leases: {
        id: string;
        ttlMs: number;
    }[], now: number, max: number): string[];
}
