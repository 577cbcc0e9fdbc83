// Locks: acquire (blocking, bounded wait), release, inspect, list.
//
// Acquire is the one route that waits. Its rule is "no ghost waiter, no leaked grant":
//   - the waiter is queued with a unique waiterId; we then wait for the grant with a deadline;
//   - on timeout or client disconnect we propose lockCancel; the cancel result says whether the
//     waiter was removed or had been granted meanwhile (then a timed-out request answers 200, a
//     vanished client gets its grant released);
//   - a lease made for this request (`ttl`) is revoked whenever the request does not end holding
//     the lock; while the request waits (and its client is connected) the member keeps that
//     lease alive, and renews it once more after a grant that waited, before answering, so the
//     grant comes with its full TTL (if that renewal fails, the lock is given back with it).

import type Router from '@koa/router';
import type { LockHolder } from '../state/commands.js';
import { HARD_LIMITS } from '../state/limits.js';
import type { ApiMetrics, LockWaitOutcome } from './api-metrics.js';
import { CodedError } from './errors.js';
import { answer, pathTail, readConsistency, readJson, type RouteContext, type RouteDeps } from './http-context.js';
import type { HotRoutes } from './hot-routes.js';
import type { ApiLogger } from './logger.js';
import { parseQuery, queryInt } from './request-text.js';
import { newLeaseId } from './routes-leases.js';

/** Prefix of the ids of leases that a lock request with `"ttl"` makes for itself. */
export const LOCK_LEASE_PREFIX = 'lock.';
import { assertKey, LEASE_ID_PATTERN, type Schemas } from './schemas.js';
import { invariant } from '../invariant/index.js';
import { expectResult, holderJson, waiterJson } from './wire.js';
import { randomWaiterId } from './random-id.js';

const LOCK_PREFIX = '/v1/locks/';

/** Lock requests now waiting on this member; bounded, and all aborted at shutdown. */
export class LockWaitRegistry {
  private readonly waits = new Set<(reason: 'shutdown') => void>();
  private closed = false;
  constructor(private readonly max: number) {}

  get size(): number {
    return this.waits.size;
  }

  add(abort: (reason: 'shutdown') => void): () => void {
    if (this.waits.size >= this.max) {
      throw new CodedError('TOO_MANY_REQUESTS', `too many lock requests waiting on this member (limit ${this.max})`, {
        retryAfterSeconds: 1,
      });
    }
    this.waits.add(abort);
    // A wait that starts after shutdown began ends at once (its request raced close()).
    if (this.closed) abort('shutdown');
    return () => this.waits.delete(abort);
  }

  abortAll(): void {
    this.closed = true;
    for (const abort of [...this.waits]) abort('shutdown');
  }
}

type WaitEnd = 'granted' | 'gone' | 'timeout' | 'client_gone' | 'shutdown';

export function registerLockRoutes(
  router: Router,
  deps: RouteDeps & { metrics?: ApiMetrics; logger: ApiLogger; waits: LockWaitRegistry; hot: HotRoutes },
  schemas: Schemas,
): void {
  const { server, limits, metrics, logger, waits, hot } = deps;

  const emptyName = async (): Promise<void> => {
    throw new CodedError('INVALID_ARGUMENT', 'lock name must not be empty');
  };
  router.post('/v1/locks', emptyName);
  router.delete('/v1/locks', emptyName);

  const lockName = (ctx: RouteContext): string => {
    const name = pathTail(ctx, LOCK_PREFIX, 'lock name');
    assertKey(name, limits, 'lock name');
    if (name.length > HARD_LIMITS.maxLockNameLength) {
      throw new CodedError('INVALID_ARGUMENT', `lock name must be at most ${HARD_LIMITS.maxLockNameLength} characters`);
    }
    return name;
  };

  /** Best-effort cleanup proposals after the request's fate is decided; failures are logged
   *  (the lease TTL is the backstop). */
  const bestEffort = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ err, what }, 'lock cleanup failed; the lease TTL will clean up');
    }
  };

  hot.add(router, 'POST', '/v1/locks/*name', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const name = lockName(ctx);
    const body = await readJson(ctx, limits, schemas.lockAcquire);
    const started = performance.now();
    let observed = false;
    const observe = (outcome: LockWaitOutcome): void => {
      observed = true;
      metrics?.lockWait?.((performance.now() - started) / 1000, outcome);
    };
    const waitMs = Math.min(body.waitMs ?? limits.defaultLockWaitMs, limits.maxLockWaitMs);

    let lease: string;
    let ownLease = false;
    if (body.ttl !== undefined) {
      // A lease made for this lock request alone: marked by its prefix so that releasing the lock
      // also revokes it (instead of leaving it to expire after its TTL).
      lease = `${LOCK_LEASE_PREFIX}${newLeaseId()}`;
      expectResult(await server.propose({ op: 'leaseGrant', id: lease, ttlMs: body.ttl * 1000 }), 'leaseGrant');
      ownLease = true;
    } else {
      invariant(body.lease !== undefined, 'lock schema admitted a body with neither ttl nor lease');
      lease = body.lease;
    }

    let holdsLock = false;
    try {
      const waiterId = randomWaiterId();
      const acq = expectResult(await server.propose({ op: 'lockAcquire', name, lease, waiterId }), 'lockAcquire', { LEASE_NOT_FOUND: { lease } });
      let holder: LockHolder | null = acq.granted ? acq.holder : null;
      // Granted to this request, or already held by the same lease (re-entrant by lease).
      invariant(
        !acq.granted || holder?.waiterId === waiterId || holder?.lease === lease,
        () => `lockAcquire reported granted but the holder is waiter ${holder?.waiterId ?? 'none'}, not ${waiterId}`,
      );
      let end: WaitEnd = acq.granted ? 'granted' : 'timeout';
      let waited = false;
      if (!acq.granted && waitMs > 0) {
        const w = await waitForGrant(ctx, name, waiterId, waitMs, ownLease ? { lease, ttlMs: body.ttl! * 1000 } : undefined);
        end = w.end;
        holder = w.holder;
        waited = true;
      }
      if (end !== 'granted' && end !== 'gone') {
        // Withdraw the waiter; the cancel result tells us if it was granted meanwhile.
        const cancel = expectResult(await server.propose({ op: 'lockCancel', name, waiterId }), 'lockCancel');
        if (!cancel.canceled) {
          if (cancel.holder?.waiterId === waiterId) {
            holder = cancel.holder;
            if (end === 'timeout') end = 'granted';
          } else {
            end = 'gone';
          }
        } else {
          holder = cancel.holder;
        }
      }

      if (end === 'granted') {
        invariant(holder, 'lock granted without a holder');
        // The request lease ran while it waited; renew it so the grant starts with its full TTL.
        // If the lease is gone (it expired as the grant happened), so is the lock: LEASE_NOT_FOUND;
        // any other failure gives the lock back (the lease is revoked in `finally`).
        if (ownLease && waited) await server.leaseKeepalive(lease);
        holdsLock = true;
        observe('acquired');
        answer(ctx, { name, lease, fencingToken: holder.fencingToken, revision: holder.revision });
        return;
      }
      if (end === 'client_gone') {
        observe('client_gone');
        if (holder && holder.waiterId === waiterId && !ownLease) {
          // Granted to a client that left: give it back (an own lease is revoked below instead).
          const token = holder.fencingToken;
          await bestEffort('release abandoned grant', () => server.propose({ op: 'lockRelease', name, fencingToken: token }));
        }
        ctx.status = 499;
        return;
      }
      if (end === 'shutdown') {
        observe('error');
        throw new CodedError('SHUTTING_DOWN', 'this member is shutting down; retry on another member');
      }
      if (end === 'gone') {
        observe('lease_gone');
        throw new CodedError('LEASE_NOT_FOUND', 'the lock request was dropped: its lease expired or was revoked while waiting', {
          details: { lease },
        });
      }
      observe('timeout');
      const current = holder ?? server.state().lock(name)?.holder ?? null;
      throw new CodedError('LOCK_HELD', `lock "${name}" is held; waited ${waitMs} ms`, { details: { name, holder: holderJson(current) } });
    } catch (err) {
      if (!observed) observe('error');
      throw err;
    } finally {
      if (ownLease && !holdsLock) {
        await bestEffort('revoke request lease', () => server.propose({ op: 'leaseRevoke', id: lease, reason: 'revoke' }));
      }
    }
  });

  /** Wait for the grant of `waiterId` until the deadline, the client leaving, or shutdown. A
   *  request's own lease (`keep`) gets a keepalive every third of its TTL meanwhile. */
  async function waitForGrant(
    ctx: RouteContext,
    name: string,
    waiterId: string,
    waitMs: number,
    keep?: { lease: string; ttlMs: number },
  ): Promise<{ end: WaitEnd; holder: LockHolder | null }> {
    const ac = new AbortController();
    let why: 'timeout' | 'client_gone' | 'shutdown' | undefined;
    const stop = (reason: 'timeout' | 'client_gone' | 'shutdown'): void => {
      why ??= reason;
      ac.abort();
    };
    const unregister = waits.add((r) => stop(r));
    const timer = setTimeout(() => stop('timeout'), waitMs);
    const keeper = keep ? keepWhileWaiting(keep.lease, keep.ttlMs, ac.signal) : undefined;
    const onClose = (): void => {
      if (!ctx.res.writableEnded) stop('client_gone');
    };
    ctx.res.on('close', onClose);
    // The socket may already be gone before we listened.
    if (ctx.req.socket.destroyed) stop('client_gone');
    let holder: LockHolder | null | undefined;
    try {
      holder = await server.awaitLockGrant(name, waiterId, ac.signal);
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
      if (keeper) clearInterval(keeper);
      ctx.res.off('close', onClose);
      unregister();
    }
    if (holder && holder.waiterId === waiterId) {
      // Granted, even if the client left in the same instant (the caller releases then).
      return { end: why === 'client_gone' ? 'client_gone' : 'granted', holder };
    }
    if (why !== undefined) return { end: why, holder: null };
    return { end: 'gone', holder: null };
  }

  /** Keepalives for a waiting request's own lease, one at a time, until `signal` aborts (the wait
   *  ended or the client left). A failed one is logged; the lease ending ends the wait anyway. */
  function keepWhileWaiting(lease: string, ttlMs: number, signal: AbortSignal): NodeJS.Timeout {
    let busy = false;
    return setInterval(() => {
      if (busy || signal.aborted) return;
      busy = true;
      server
        .leaseKeepalive(lease)
        .catch((err: unknown) => logger.warn({ err, lease }, 'keepalive of a waiting lock request lease failed'))
        .finally(() => {
          busy = false;
        });
    }, Math.max(100, Math.floor(ttlMs / 3)));
  }

  hot.add(router, 'DELETE', '/v1/locks/*name', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['fencingToken', 'lease']);
    const name = lockName(ctx);
    const fencingToken = queryInt(q, 'fencingToken', 1, Number.MAX_SAFE_INTEGER);
    const lease = q.get('lease');
    if ((fencingToken === undefined) === (lease === undefined)) {
      throw new CodedError('INVALID_ARGUMENT', 'give exactly one of ?fencingToken=N or ?lease=ID');
    }
    if (lease !== undefined && !LEASE_ID_PATTERN.test(lease)) {
      throw new CodedError('INVALID_ARGUMENT', 'lease must be 1-64 characters of A-Z a-z 0-9 _ . -');
    }
    const result = await server.propose(fencingToken !== undefined ? { op: 'lockRelease', name, fencingToken } : { op: 'lockRelease', name, lease: lease as string });
    // Not the holder (of a free lock, or of one another lease holds): 409 with the holder now.
    const r = expectResult(result, 'lockRelease', { NOT_HOLDER: { name, holder: holderJson(server.state().lock(name)?.holder) } });
    if (!r.released) {
      throw new CodedError('NOT_HOLDER', `the caller does not hold lock "${name}"`, { details: { name, holder: holderJson(r.holder) } });
    }
    const released = r.holder?.lease ?? lease;
    if (released?.startsWith(LOCK_LEASE_PREFIX)) {
      // The lease was made for this lock alone (POST with "ttl"): revoke it too, unless the client
      // has since attached keys or other locks to it. Best effort: if this fails, its TTL ends it.
      const info = server.state().lease(released);
      if (info && info.keys.length === 0 && info.locks.length === 0) {
        await server.propose({ op: 'leaseRevoke', id: released, reason: 'revoke' }).catch(() => undefined);
      }
    }
    answer(ctx, { released: true, revision: r.revision, next: holderJson(r.next) });
  });

  router.get('/v1/locks/*name', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency']);
    const name = lockName(ctx);
    await readConsistency(server, q.get('consistency'));
    const info = server.state().lock(name);
    if (!info || (info.holder === null && info.waiters.length === 0)) {
      throw new CodedError('LOCK_NOT_FOUND', `lock "${name}" is neither held nor awaited`, { details: { name } });
    }
    answer(ctx, { name, holder: holderJson(info.holder), waiters: info.waiters.map(waiterJson) });
  });

  router.get('/v1/locks', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency']);
    await readConsistency(server, q.get('consistency'));
    const locks = server
      .state()
      .locks()
      .filter((l) => l.holder !== null)
      .map((l) => ({ name: l.name, holder: holderJson(l.holder), waiters: l.waiters.length }));
    answer(ctx, { locks });
  });
}
