// The raftlock client: KV, transactions, leases with automatic keepalive, locks (and withLock),
// watches, and the cluster/member calls the CLI needs. It speaks only the public REST/WebSocket
// API (docs/api.md); see http-transport.ts for which calls are retried and when.
import { RaftlockError } from './errors.js';
import { HttpTransport, encodeKey, isRetryable } from './http-transport.js';
import { KeptLease } from './lease-keeper.js';
import { Watcher } from './watcher.js';
export class Client {
    transport;
    lockMarginMs;
    kept = new Set();
    watchers = new Set();
    isClosed = false;
    constructor(opts) {
        this.transport = new HttpTransport(opts);
        this.lockMarginMs = opts.lockResponseMarginMs ?? 10_000;
    }
    get endpoints() {
        return this.transport.endpoints;
    }
    /** Stop keepalives and watches, abort requests in flight. Kept leases are not revoked: they
     *  expire after their TTL. */
    async close() {
        if (this.isClosed)
            return;
        this.isClosed = true;
        for (const w of this.watchers)
            w.close();
        await Promise.all([...this.kept].map((k) => k.stop()));
        this.transport.close();
    }
    assertOpen() {
        if (this.isClosed)
            throw new RaftlockError('CLIENT_CLOSED', 'the client is closed');
    }
    // ---------------------------------------------------------------------------------------- KV
    /** The key, or undefined if it does not exist. */
    async get(key, opts = {}) {
        nonEmpty(key, 'key');
        try {
            return await this.transport.request({
                method: 'GET',
                path: `/v1/kv/${encodeKey(key)}`,
                query: { consistency: opts.consistency },
                retry: 'read',
                signal: opts.signal,
            });
        }
        catch (e) {
            if (e instanceof RaftlockError && e.code === 'KEY_NOT_FOUND')
                return undefined;
            throw e;
        }
    }
    async put(key, value, opts = {}) {
        nonEmpty(key, 'key');
        const body = { value };
        if (opts.lease !== undefined)
            body.lease = opts.lease;
        if (opts.prevKv)
            body.prevKv = true;
        return this.transport.request({ method: 'PUT', path: `/v1/kv/${encodeKey(key)}`, body, retry: 'write', signal: opts.signal });
    }
    /** Delete `key` (or, with `prefix`, every key starting with it). */
    async delete(key, opts = {}) {
        nonEmpty(key, 'key');
        return this.transport.request({
            method: 'DELETE',
            path: `/v1/kv/${encodeKey(key)}`,
            query: { prefix: opts.prefix ? 'true' : undefined, prevKv: opts.prevKv ? 'true' : undefined },
            retry: 'write',
            signal: opts.signal,
        });
    }
    /** Keys starting with `prefix` ("" = all), in key order. */
    async range(prefix, opts = {}) {
        return this.transport.request({
            method: 'GET',
            path: '/v1/kv',
            query: { prefix: prefix === '' ? undefined : prefix, limit: opts.limit, consistency: opts.consistency },
            retry: 'read',
            signal: opts.signal,
        });
    }
    async txn(req, opts = {}) {
        const writes = [...(req.success ?? []), ...(req.failure ?? [])].some((op) => !('get' in op));
        return this.transport.request({
            method: 'POST',
            path: '/v1/txn',
            body: { compare: req.compare ?? [], success: req.success ?? [], failure: req.failure ?? [] },
            // A transaction of gets only changes nothing: safe to retry like a read.
            retry: writes ? 'write' : 'read',
            signal: opts.signal,
        });
    }
    async compact(revision, opts = {}) {
        if (!Number.isSafeInteger(revision) || revision < 1)
            throw new RaftlockError('INVALID_ARGUMENT', 'revision must be a positive integer');
        return this.transport.request({ method: 'POST', path: '/v1/compact', body: { revision }, retry: 'write', signal: opts.signal });
    }
    // ------------------------------------------------------------------------------------ leases
    async leaseGrant(ttl, opts = {}) {
        wholeSeconds(ttl);
        const body = { ttl };
        if (opts.id !== undefined)
            body.id = opts.id;
        return this.transport.request({ method: 'POST', path: '/v1/leases', body, retry: 'write', signal: opts.signal });
    }
    /** Renew once; resolves with the renewed TTL in seconds. */
    async leaseKeepAliveOnce(id, opts = {}) {
        return this.transport.request({ method: 'POST', path: `/v1/leases/${encodeKey(id)}/keepalive`, retry: 'read', signal: opts.signal });
    }
    async leaseRevoke(id, opts = {}) {
        return this.transport.request({ method: 'DELETE', path: `/v1/leases/${encodeKey(id)}`, retry: 'write', signal: opts.signal });
    }
    async leaseTimeToLive(id, opts = {}) {
        return this.transport.request({
            method: 'GET',
            path: `/v1/leases/${encodeKey(id)}`,
            query: { consistency: opts.consistency },
            retry: 'read',
            signal: opts.signal,
        });
    }
    async leases(opts = {}) {
        const r = await this.transport.request({
            method: 'GET',
            path: '/v1/leases',
            query: { consistency: opts.consistency },
            retry: 'read',
            signal: opts.signal,
        });
        return r.leases;
    }
    /** Grant a lease and keep it alive (a keepalive every third of the TTL) until `revoke()` or
     *  `stop()`. Its `signal` fires if it is lost. */
    async lease(ttl, opts = {}) {
        this.assertOpen();
        const sentAt = Date.now();
        const grant = await this.leaseGrant(ttl, opts);
        const kept = new KeptLease(this.transport, grant, sentAt, opts);
        this.kept.add(kept);
        void kept.lost.then(() => this.kept.delete(kept));
        const stop = kept.stop.bind(kept);
        kept.stop = async () => {
            this.kept.delete(kept);
            await stop();
        };
        return kept;
    }
    // ------------------------------------------------------------------------------------- locks
    /** Acquire `name` (blocking up to `waitMs`). Not retried once sent: a lost answer may have
     *  left a waiter queued on the lease, so the safe recovery is to revoke that lease (withLock
     *  does this). */
    async lock(name, opts) {
        nonEmpty(name, 'lock name');
        if ((opts.lease === undefined) === (opts.ttl === undefined))
            throw new RaftlockError('INVALID_ARGUMENT', 'give exactly one of lease or ttl');
        const body = {};
        if (opts.lease !== undefined)
            body.lease = opts.lease;
        if (opts.ttl !== undefined)
            body.ttl = wholeSeconds(opts.ttl);
        if (opts.waitMs !== undefined) {
            if (!Number.isSafeInteger(opts.waitMs) || opts.waitMs < 0)
                throw new RaftlockError('INVALID_ARGUMENT', 'waitMs must be a non-negative integer');
            body.waitMs = opts.waitMs;
        }
        const timeoutMs = (opts.waitMs ?? 30_000) + this.lockMarginMs;
        return this.transport.request({
            method: 'POST',
            path: `/v1/locks/${encodeKey(name)}`,
            body,
            retry: 'once',
            timeoutMs,
            deadlineMs: timeoutMs,
            signal: opts.signal,
        });
    }
    async unlock(name, by, opts = {}) {
        nonEmpty(name, 'lock name');
        const query = 'fencingToken' in by ? { fencingToken: by.fencingToken } : { lease: by.lease };
        return this.transport.request({ method: 'DELETE', path: `/v1/locks/${encodeKey(name)}`, query, retry: 'write', signal: opts.signal });
    }
    /** Holder and waiters of `name`, or undefined when it is neither held nor awaited. */
    async lockStatus(name, opts = {}) {
        nonEmpty(name, 'lock name');
        try {
            return await this.transport.request({
                method: 'GET',
                path: `/v1/locks/${encodeKey(name)}`,
                query: { consistency: opts.consistency },
                retry: 'read',
                signal: opts.signal,
            });
        }
        catch (e) {
            if (e instanceof RaftlockError && e.code === 'LOCK_NOT_FOUND')
                return undefined;
            throw e;
        }
    }
    async locks(opts = {}) {
        const r = await this.transport.request({ method: 'GET', path: '/v1/locks', query: { consistency: opts.consistency }, retry: 'read', signal: opts.signal });
        return r.locks;
    }
    /**
     * Run `fn` holding lock `name`: grant a lease (kept alive), acquire, call `fn` with the fencing
     * token and a signal that fires the moment the lease is lost, and release (by revoking the
     * lease) in `finally`. If the lease was lost before `fn` settled, withLock throws
     * LeaseLostError even if `fn` returned: mutual exclusion was not guaranteed throughout.
     */
    async withLock(name, fn, opts = {}) {
        this.assertOpen();
        nonEmpty(name, 'lock name');
        const ttl = wholeSeconds(opts.ttl ?? 10);
        const attempts = Math.max(1, opts.attempts ?? 3);
        for (let attempt = 1;; attempt++) {
            const lease = await this.lease(ttl, { signal: opts.signal });
            let grant;
            try {
                grant = await this.lock(name, { lease: lease.id, waitMs: opts.waitMs, signal: opts.signal });
            }
            catch (e) {
                // Revoking the lease withdraws any waiter the failed attempt may have left queued.
                await this.releaseLease(lease);
                if (e instanceof RaftlockError && (isRetryable(e, 'read') || e.code === 'LEASE_NOT_FOUND') && attempt < attempts && !opts.signal?.aborted)
                    continue;
                throw e;
            }
            try {
                if (lease.isLost)
                    throw lease.signal.reason;
                const result = await fn({ name, lease: lease.id, fencingToken: grant.fencingToken, signal: lease.signal });
                if (lease.isLost)
                    throw lease.signal.reason;
                return result;
            }
            finally {
                await this.releaseLease(lease);
            }
        }
    }
    /** Stop the keepalive and revoke; if revoking fails the lease simply expires after its TTL. */
    async releaseLease(lease) {
        try {
            await lease.revoke();
        }
        catch {
            // The lease is no longer kept alive: the server expires it (and releases its locks).
        }
    }
    // ----------------------------------------------------------------------------------- watches
    /** Watch `key` (or a prefix). Iterate the result: `for await (const { revision, events } of w)`. */
    watch(key, opts = {}) {
        this.assertOpen();
        const w = new Watcher(this.transport, key, opts);
        this.watchers.add(w);
        const close = w.close.bind(w);
        w.close = () => {
            this.watchers.delete(w);
            close();
        };
        return w;
    }
    // ----------------------------------------------------------------------------------- cluster
    /** The cluster as one member (the preferred one, or `endpoint`) sees it. */
    async cluster(opts = {}) {
        return this.transport.request({ method: 'GET', path: '/v1/cluster', retry: 'read', endpoint: opts.endpoint, signal: opts.signal });
    }
    async memberList() {
        return (await this.cluster()).members;
    }
    async memberAdd(req) {
        return unsupportedIf404(this.transport.request({ method: 'POST', path: '/v1/members', body: req, retry: 'write' }), 'member add');
    }
    async memberRemove(id) {
        if (!/^\d+$/.test(id))
            throw new RaftlockError('INVALID_ARGUMENT', 'a member id is a decimal string');
        return unsupportedIf404(this.transport.request({ method: 'DELETE', path: `/v1/members/${id}`, retry: 'write' }), 'member remove');
    }
    /** GET /v1/cluster on every endpoint, once each (no retries), with latency. */
    async endpointStatus(opts = {}) {
        return Promise.all(this.endpoints.map(async (endpoint) => {
            const t0 = performance.now();
            try {
                const status = await this.transport.request({ method: 'GET', path: '/v1/cluster', retry: 'once', endpoint, timeoutMs: opts.timeoutMs ?? 5_000 });
                return { endpoint, ok: true, latencyMs: performance.now() - t0, status };
            }
            catch (e) {
                const err = e instanceof RaftlockError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String(e) };
                return { endpoint, ok: false, latencyMs: performance.now() - t0, error: err };
            }
        }));
    }
    /** GET /readyz on every endpoint, once each. */
    async endpointHealth(opts = {}) {
        return Promise.all(this.endpoints.map(async (endpoint) => {
            const t0 = performance.now();
            try {
                const r = await this.transport.request({ method: 'GET', path: '/readyz', retry: 'once', endpoint, timeoutMs: opts.timeoutMs ?? 5_000 });
                return { endpoint, healthy: r.status === 'ok', latencyMs: performance.now() - t0, reason: r.reason ?? r.status };
            }
            catch (e) {
                const reason = e instanceof RaftlockError ? `${e.code}: ${e.message}` : String(e);
                return { endpoint, healthy: false, latencyMs: performance.now() - t0, reason };
            }
        }));
    }
}
async function unsupportedIf404(p, what) {
    try {
        return await p;
    }
    catch (e) {
        if (e instanceof RaftlockError && e.code === 'NOT_FOUND') {
            throw new RaftlockError('UNSUPPORTED', `${what}: the server has no such route (${e.message}); this member does not support membership changes over the API`, {
                status: e.status,
                endpoint: e.endpoint,
                cause: e,
            });
        }
        throw e;
    }
}
function nonEmpty(s, what) {
    if (typeof s !== 'string' || s === '')
        throw new RaftlockError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
}
function wholeSeconds(ttl) {
    if (!Number.isSafeInteger(ttl) || ttl < 1)
        throw new RaftlockError('INVALID_ARGUMENT', `ttl must be a whole number of seconds >= 1 (got ${ttl})`);
    return ttl;
}
//# sourceMappingURL=client.js.map