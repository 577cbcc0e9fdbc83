// Users, roles and permissions (docs/security.md). Who may use these routes: while auth is off,
// anyone who reaches the client port (to set auth up); once it is on, only users with the root
// role (the state machine checks that again at apply). POST /v1/auth/authenticate is open to
// all: it is how a client gets its token.

import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { ACCESS_VALUES, ROOT_ROLE, type Access, type AuthView } from '../state/auth/index.js';
import type { Command } from '../state/commands.js';
import { FailureLimiter, currentPrincipal, hashPassword, requireRoot, signToken, verifyPassword } from './auth.js';
import { CodedError } from './errors.js';
import { answer, readJson, type RouteDeps } from './http-context.js';
import { parseQuery, percentDecode } from './request-text.js';
import { expectResult } from './wire.js';

export const AUTH_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const nameSchema = z.string().regex(AUTH_NAME, 'must be 1-64 characters of letters, digits, ".", "_", "@" or "-"');
const passwordSchema = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

export interface AuthRouteOptions {
  /** Lifetime of an issued token. */
  tokenTtlSeconds: number;
  /** Failed authentications allowed per user name (default 5) and per client address (default
   *  20; one address may serve many users) in a window. */
  maxFailuresPerUser?: number;
  maxFailuresPerAddress?: number;
  failureWindowMs?: number;
  now?: () => number;
}

function nameParam(ctx: Koa.Context, param: string, what: string): string {
  const raw = (ctx.params as Record<string, string | undefined>)[param];
  const v = raw === undefined ? '' : percentDecode(raw, what);
  if (!AUTH_NAME.test(v)) throw new CodedError('INVALID_ARGUMENT', `${what} must be 1-64 characters of letters, digits, ".", "_", "@" or "-"`);
  return v;
}

export function registerAuthRoutes(router: Router, deps: RouteDeps, opts: AuthRouteOptions): void {
  const { server, limits } = deps;
  const now = opts.now ?? Date.now;
  const windowMs = opts.failureWindowMs ?? 60_000;
  const perUser = new FailureLimiter({ max: opts.maxFailuresPerUser ?? 5, windowMs, maxKeys: 10_000 });
  const perAddress = new FailureLimiter({ max: opts.maxFailuresPerAddress ?? 20, windowMs, maxKeys: 10_000 });
  const auth = (): AuthView => server.state().auth();

  /** Proposes an auth change as the caller (root once auth is on) and answers its auth revision. */
  const change = async (ctx: Koa.Context, cmd: Command): Promise<void> => {
    requireRoot(auth(), currentPrincipal());
    const r = expectResult(await server.propose(cmd), 'auth');
    answer(ctx, { authRevision: r.authRevision });
  };
  /** A linearizable view of the table, for root (or anyone while auth is off). */
  const view = async (): Promise<AuthView> => {
    requireRoot(auth(), currentPrincipal());
    await server.readBarrier();
    return auth();
  };
  const noQuery = (ctx: Koa.Context): void => {
    parseQuery(ctx.querystring, []);
  };

  router.post('/v1/auth/authenticate', async (ctx) => {
    noQuery(ctx);
    const body = await readJson(ctx, limits, z.strictObject({ name: nameSchema, password: passwordSchema }));
    const t = now();
    const addr = ctx.req.socket.remoteAddress ?? '?';
    const wait = Math.max(perUser.blockedFor(body.name, t), perAddress.blockedFor(addr, t));
    if (wait > 0) throw new CodedError('TOO_MANY_REQUESTS', 'too many failed authentications; try again later', { retryAfterSeconds: wait });
    await server.readBarrier();
    const a = auth();
    if (!a.enabled()) throw new CodedError('INVALID_ARGUMENT', 'auth is not enabled; requests need no token');
    const u = a.user(body.name);
    // A missing user costs a hash too, so timing does not tell which names exist.
    const ok = u !== undefined ? await verifyPassword(body.password, u.passwordHash) : (await hashPassword(body.password), false);
    if (!ok || u === undefined) {
      perUser.fail(body.name, t);
      perAddress.fail(addr, t);
      throw new CodedError('AUTH_FAILED', 'authentication failed: wrong user name or password');
    }
    const token = signToken(a.secret(), { user: u.name, generation: u.generation, exp: now() + opts.tokenTtlSeconds * 1000 });
    answer(ctx, { token, ttl: opts.tokenTtlSeconds });
  });

  router.post('/v1/auth/enable', async (ctx) => {
    noQuery(ctx);
    await change(ctx, { op: 'authEnable', secret: randomBytes(32).toString('hex') });
  });
  router.post('/v1/auth/disable', async (ctx) => {
    noQuery(ctx);
    await change(ctx, { op: 'authDisable' });
  });
  router.get('/v1/auth/status', async (ctx) => {
    noQuery(ctx);
    await server.readBarrier();
    const p = currentPrincipal();
    answer(ctx, { enabled: auth().enabled(), authRevision: auth().revision(), ...(p !== undefined ? { user: p.user } : {}) });
  });

  // users
  router.get('/v1/auth/users', async (ctx) => {
    noQuery(ctx);
    answer(ctx, { users: (await view()).users().map((u) => ({ name: u.name, roles: u.roles })) });
  });
  router.get('/v1/auth/users/:name', async (ctx) => {
    noQuery(ctx);
    const name = nameParam(ctx, 'name', 'user name');
    const u = (await view()).user(name);
    if (u === undefined) throw new CodedError('USER_NOT_FOUND', `user ${JSON.stringify(name)} does not exist`, { details: { name } });
    answer(ctx, { name: u.name, roles: u.roles });
  });
  router.post('/v1/auth/users', async (ctx) => {
    noQuery(ctx);
    const body = await readJson(ctx, limits, z.strictObject({ name: nameSchema, password: passwordSchema }));
    await change(ctx, { op: 'authUserAdd', name: body.name, passwordHash: await hashPassword(body.password) });
  });
  router.delete('/v1/auth/users/:name', async (ctx) => {
    noQuery(ctx);
    await change(ctx, { op: 'authUserDelete', name: nameParam(ctx, 'name', 'user name') });
  });
  router.post('/v1/auth/users/:name/password', async (ctx) => {
    noQuery(ctx);
    const name = nameParam(ctx, 'name', 'user name');
    const body = await readJson(ctx, limits, z.strictObject({ password: passwordSchema }));
    await change(ctx, { op: 'authUserPassword', name, passwordHash: await hashPassword(body.password) });
  });
  router.post('/v1/auth/users/:name/roles', async (ctx) => {
    noQuery(ctx);
    const name = nameParam(ctx, 'name', 'user name');
    const body = await readJson(ctx, limits, z.strictObject({ role: nameSchema }));
    await change(ctx, { op: 'authUserGrantRole', name, role: body.role });
  });
  router.delete('/v1/auth/users/:name/roles/:role', async (ctx) => {
    noQuery(ctx);
    await change(ctx, { op: 'authUserRevokeRole', name: nameParam(ctx, 'name', 'user name'), role: nameParam(ctx, 'role', 'role name') });
  });

  // roles
  router.get('/v1/auth/roles', async (ctx) => {
    noQuery(ctx);
    answer(ctx, { roles: (await view()).roles().map((r) => ({ name: r.name, permissions: r.name === ROOT_ROLE ? 'all' : r.permissions })) });
  });
  router.get('/v1/auth/roles/:name', async (ctx) => {
    noQuery(ctx);
    const name = nameParam(ctx, 'name', 'role name');
    const r = (await view()).role(name);
    if (r === undefined) throw new CodedError('ROLE_NOT_FOUND', `role ${JSON.stringify(name)} does not exist`, { details: { name } });
    answer(ctx, { name: r.name, permissions: r.name === ROOT_ROLE ? 'all' : r.permissions });
  });
  router.post('/v1/auth/roles', async (ctx) => {
    noQuery(ctx);
    const body = await readJson(ctx, limits, z.strictObject({ name: nameSchema }));
    await change(ctx, { op: 'authRoleAdd', name: body.name });
  });
  router.delete('/v1/auth/roles/:name', async (ctx) => {
    noQuery(ctx);
    await change(ctx, { op: 'authRoleDelete', name: nameParam(ctx, 'name', 'role name') });
  });
  router.post('/v1/auth/roles/:name/permissions', async (ctx) => {
    noQuery(ctx);
    const role = nameParam(ctx, 'name', 'role name');
    const body = await readJson(
      ctx,
      limits,
      z.strictObject({
        prefix: z.string().max(limits.maxKeyBytes, `must be at most ${limits.maxKeyBytes} characters`),
        access: z.enum(ACCESS_VALUES as [Access, ...Access[]], `must be one of ${ACCESS_VALUES.join(', ')}`),
      }),
    );
    await change(ctx, { op: 'authRoleGrantPermission', role, prefix: body.prefix, access: body.access });
  });
  router.delete('/v1/auth/roles/:name/permissions', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['prefix']);
    const prefix = q.get('prefix');
    if (prefix === undefined) throw new CodedError('INVALID_ARGUMENT', 'query parameter prefix is required (use prefix= for the empty prefix)');
    await change(ctx, { op: 'authRoleRevokePermission', role: nameParam(ctx, 'name', 'role name'), prefix });
  });
}
