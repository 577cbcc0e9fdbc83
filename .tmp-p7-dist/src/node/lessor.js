// The leader's lease clock. Expiry is decided here, with the leader's clock, and carried out by
// proposing a `leaseRevoke` through the log; the state machine never reads a clock.
//
// A new leader does not know when its predecessor last renewed each lease, so it restarts every
// lease it finds from its full TTL the first time it looks at it. A lease can therefore live up
// to one TTL (plus an election) longer across a failover, never shorter: a client may rely on
// its lease until (the time it SENT its last acknowledged keepalive) + TTL.
export class Lessor {
    /** lease id -> expiry time (ms, leader clock). Only meaningful while this member leads. */
    expiry = new Map();
    /** Leases with a revoke proposal in flight (not proposed again until it settles). */
    revoking = new Set();
    active = false;
    /** Start keeping time as leader; every lease starts from its full TTL on first sight. */
    promote() {
        this.expiry.clear();
        this.revoking.clear();
        this.active = true;
    }
    demote() {
        this.active = false;
        this.expiry.clear();
        this.revoking.clear();
    }
    isActive() {
        return this.active;
    }
    /** A keepalive (or a grant) renews the lease from now. */
    renew(id, ttlMs, now) {
        if (this.active)
            this.expiry.set(id, now + ttlMs);
    }
    forget(id) {
        this.expiry.delete(id);
        this.revoking.delete(id);
    }
    revokeSettled(id) {
        this.revoking.delete(id);
    }
    remainingMs(id, ttlMs, now) {
        const at = this.expiry.get(id);
        if (at === undefined)
            return ttlMs;
        return Math.max(0, at - now);
    }
    /**
     * Leases due for revocation. `leases` is the applied set; any lease not yet on the clock is put
     * on it with its full TTL. Returned ids are marked as revoking until `revokeSettled`/`forget`.
     */
    due(leases, now, max) {
        if (!this.active)
            return [];
        const out = [];
        const live = new Set();
        for (const l of leases) {
            live.add(l.id);
            let at = this.expiry.get(l.id);
            if (at === undefined) {
                at = now + l.ttlMs;
                this.expiry.set(l.id, at);
            }
            if (at <= now && !this.revoking.has(l.id) && out.length < max) {
                this.revoking.add(l.id);
                out.push(l.id);
            }
        }
        for (const id of this.expiry.keys())
            if (!live.has(id))
                this.expiry.delete(id);
        return out;
    }
}
//# sourceMappingURL=lessor.js.map