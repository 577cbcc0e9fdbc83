// A lease the client keeps alive: a keepalive every third of the TTL (retried on failure while
// the lease can still be alive), and a signal that fires the moment the lease must be presumed
// lost. "Presumed" errs on the early side: the TTL is counted from when the last successful
// keepalive was SENT, so the server (which counts from when it received it) always expires the
// lease later than we give up on it.
import { LeaseLostError, RaftlockError } from './errors.js';
import { encodeKey, sleep } from './http-transport.js';
export class KeptLease {
    transport;
    id;
    /** Granted TTL, seconds. */
    ttl;
    /** Fires when the lease is lost (its reason is a LeaseLostError). Not fired by stop()/revoke(). */
    signal;
    /** Resolves with the loss, if the lease is ever lost. */
    lost;
    lostCtl = new AbortController();
    stopCtl = new AbortController();
    resolveLost;
    expiresAt;
    expiryTimer;
    intervalMs;
    now;
    loop = Promise.resolve();
    /** `grantSentAt` is when the grant request was sent (the TTL is counted from there). */
    constructor(transport, grant, grantSentAt, opts = {}) {
        this.transport = transport;
        if (!(grant.ttl > 0))
            throw new Error(`invariant: a granted lease has a positive TTL (got ${grant.ttl})`);
        this.id = grant.id;
        this.ttl = grant.ttl;
        this.signal = this.lostCtl.signal;
        this.lost = new Promise((resolve) => (this.resolveLost = resolve));
        this.now = opts.now ?? Date.now;
        this.intervalMs = Math.max(50, opts.keepaliveIntervalMs ?? Math.floor((grant.ttl * 1000) / 3));
        this.expiresAt = grantSentAt + grant.ttl * 1000;
        this.armExpiry();
        this.loop = this.run();
    }
    get isLost() {
        return this.lostCtl.signal.aborted;
    }
    get stopped() {
        return this.stopCtl.signal.aborted;
    }
    /** Milliseconds until the lease must be presumed expired. */
    get remainingMs() {
        return Math.max(0, this.expiresAt - this.now());
    }
    /** Stop keeping the lease alive (it then expires on the server after its TTL). */
    async stop() {
        this.stopCtl.abort();
        clearTimeout(this.expiryTimer);
        await this.loop;
    }
    /** Stop keeping it alive and revoke it (its keys are deleted, its locks released). */
    async revoke() {
        await this.stop();
        try {
            await this.transport.request({ method: 'DELETE', path: `/v1/leases/${encodeKey(this.id)}`, retry: 'write' });
        }
        catch (e) {
            if (e instanceof RaftlockError && e.code === 'LEASE_NOT_FOUND')
                return;
            throw e;
        }
    }
    markLost(message, cause) {
        if (this.isLost || this.stopped)
            return;
        clearTimeout(this.expiryTimer);
        const err = new LeaseLostError(this.id, message, { cause });
        this.lostCtl.abort(err);
        this.stopCtl.abort();
        this.resolveLost(err);
    }
    armExpiry() {
        clearTimeout(this.expiryTimer);
        const ms = Math.max(0, this.expiresAt - this.now());
        this.expiryTimer = setTimeout(() => {
            if (this.now() >= this.expiresAt)
                this.markLost(`lease ${this.id} could not be renewed within its TTL of ${this.ttl} s`);
            else
                this.armExpiry();
        }, ms);
    }
    async run() {
        let delay = this.intervalMs;
        while (!this.stopped) {
            try {
                await sleep(delay, this.stopCtl.signal);
            }
            catch {
                return; // stopped
            }
            const sentAt = this.now();
            const budget = this.expiresAt - sentAt;
            if (budget <= 0) {
                this.markLost(`lease ${this.id} could not be renewed within its TTL of ${this.ttl} s`);
                return;
            }
            try {
                const r = await this.transport.request({
                    method: 'POST',
                    path: `/v1/leases/${encodeKey(this.id)}/keepalive`,
                    retry: 'read',
                    timeoutMs: Math.max(50, Math.min(this.intervalMs, budget)),
                    deadlineMs: budget,
                    signal: this.stopCtl.signal,
                });
                if (this.stopped)
                    return;
                if (!(typeof r.ttl === 'number' && r.ttl > 0)) {
                    this.markLost(`lease ${this.id}: keepalive answered ttl ${String(r.ttl)}`);
                    return;
                }
                this.expiresAt = Math.max(this.expiresAt, sentAt + r.ttl * 1000);
                this.armExpiry();
                delay = this.intervalMs;
            }
            catch (e) {
                if (this.stopped)
                    return;
                if (e instanceof RaftlockError && e.code === 'LEASE_NOT_FOUND') {
                    this.markLost(`lease ${this.id} is gone (expired or revoked)`, e);
                    return;
                }
                // Transient: try again soon while the lease can still be alive.
                delay = Math.max(50, Math.min(500, Math.floor(this.intervalMs / 4)));
            }
        }
    }
}
//# sourceMappingURL=lease-keeper.js.map