// Leases: grant, keepalive, time-to-live, list, revoke.

import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type Koa from 'koa';
import { CodedError, withDetails } from './errors.js';
import { answer, readConsistency, readJson, type RouteDeps } from './http-context.js';
import { parseQuery, percentDecode } from './request-text.js';
import { LEASE_ID_PATTERN, type Schemas } from './schemas.js';
import { expectResult } from './wire.js';
import { invariant } from '../invariant/index.js';

/** A fresh lease id: 16 hex chars from the OS CSPRNG (the api layer may use randomness; apply may
 *  not, so ids are chosen before proposing). */
export function newLeaseId(): string {
  return randomBytes(8).toString('hex');
}

const LEASE_PATH = /^\/v1\/leases\/([^/]+)(?:\/keepalive)?\/?$/;

function leaseIdFrom(ctx: Koa.Context): string {
  const m = LEASE_PATH.exec(ctx.path);
  invariant(m && m[1] !== undefined, () => `lease route matched path "${ctx.path}"`);
  const id = percentDecode(m[1], 'lease id');
  if (!LEASE_ID_PATTERN.test(id)) throw new CodedError('INVALID_ARGUMENT', 'lease id must be 1-64 characters of A-Z a-z 0-9 _ . -');
  return id;
}

/** Milliseconds as seconds for the wire: whole seconds, rounded up (a lease with 1 ms left still
 *  has "1 second"); -1 stays -1 (unknown). */
export function msToTtlSeconds(ms: number): number {
  return ms < 0 ? -1 : Math.ceil(ms / 1000);
}

export function registerLeaseRoutes(router: Router, deps: RouteDeps, schemas: Schemas): void {
  const { server, limits } = deps;

  router.post('/v1/leases', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const body = await readJson(ctx, limits, schemas.leaseGrant);
    const id = body.id ?? newLeaseId();
    const r = expectResult(await server.propose({ op: 'leaseGrant', id, ttlMs: body.ttl * 1000 }), 'leaseGrant', { LEASE_EXISTS: { id } });
    answer(ctx, { id: r.id, ttl: msToTtlSeconds(r.ttlMs) });
  });

  router.get('/v1/leases', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency']);
    await readConsistency(server, q.get('consistency'));
    answer(ctx, { leases: server.state().leases().map((l) => ({ id: l.id, ttl: msToTtlSeconds(l.ttlMs) })) });
  });

  router.get('/v1/leases/:id', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency']);
    const id = leaseIdFrom(ctx);
    await readConsistency(server, q.get('consistency'));
    const lease = server.state().lease(id);
    if (!lease) throw new CodedError('LEASE_NOT_FOUND', 'lease not found', { details: { id } });
    const remainingMs = await server.leaseRemaining(id).catch((err: unknown) => {
      throw withDetails(err, 'LEASE_NOT_FOUND', { id });
    });
    answer(ctx, {
      id: lease.id,
      ttl: msToTtlSeconds(remainingMs),
      grantedTtl: msToTtlSeconds(lease.ttlMs),
      remaining: remainingMs < 0 ? -1 : remainingMs / 1000,
      keys: [...lease.keys],
      locks: [...lease.locks],
    });
  });

  router.post('/v1/leases/:id/keepalive', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const id = leaseIdFrom(ctx);
    const r = await server.leaseKeepalive(id).catch((err: unknown) => {
      throw withDetails(err, 'LEASE_NOT_FOUND', { id });
    });
    answer(ctx, { ttl: msToTtlSeconds(r.ttlMs) });
  });

  router.delete('/v1/leases/:id', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const id = leaseIdFrom(ctx);
    const r = expectResult(await server.propose({ op: 'leaseRevoke', id, reason: 'revoke' }), 'leaseRevoke', { LEASE_NOT_FOUND: { id } });
    answer(ctx, { revision: r.revision, deletedKeys: [...r.deletedKeys], releasedLocks: [...r.releasedLocks] });
  });
}
