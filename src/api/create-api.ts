// createApi: the koa app (REST) and the watch WebSocket server, to be mounted on ONE node:http
// server owned by cmd/:
//
//   const api = createApi({ server });
//   const http = createHttpServer(api, { headersTimeoutMs, ... });   // http-server.ts
//   ...
//   await api.close(); http.close();

import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { statusClassOf, type ApiMetrics } from './api-metrics.js';
import { CodedError, errorBody, httpStatusFor, toCodedError } from './errors.js';
import { answer, answerOf, type RouteContext } from './http-context.js';
import { HotRoutes, LeanContext } from './hot-routes.js';
import { resolveApiLimits, type ApiLimits } from './limits.js';
import { lingerAfterAnswer } from './socket-answers.js';
import { silentLogger, type ApiLogger } from './logger.js';
import { registerMaintenanceRoutes, type MaintenancePort } from './routes-maintenance.js';
import { hasBody } from './request-text.js';
import { registerMemberRoutes } from './routes-members.js';
import { registerAuthRoutes } from './routes-auth.js';
import { bearerToken, guardFacade, principalOf, runAs } from './auth.js';
import { registerClusterRoutes } from './routes-cluster.js';
import { registerKvRoutes } from './routes-kv.js';
import { registerLeaseRoutes } from './routes-leases.js';
import { methodLabel, routeLabel, type RequestCountMetrics } from './request-count.js';
import { registerUiRoutes } from './routes-ui.js';
import { LockWaitRegistry, registerLockRoutes } from './routes-locks.js';
import { makeSchemas } from './schemas.js';
import type { ServerFacade } from './server-facade.js';
import { WATCH_PATH, WatchSockets } from './watch-socket.js';

/** The routes that take a request body ("METHOD pattern"); a body sent to any other route is
 *  refused with 400 BODY_NOT_ALLOWED before the route runs. */
const ROUTES_WITH_BODY: ReadonlySet<string> = new Set([
  'PUT /v1/kv/*key',
  'PUT /v1/kv', // refused as an empty key
  'POST /v1/txn',
  'POST /v1/compact',
  'POST /v1/leases',
  'POST /v1/locks/*name',
  'POST /v1/locks', // refused as an empty name
  'POST /v1/members',
  'POST /v1/auth/authenticate',
  'POST /v1/auth/users',
  'POST /v1/auth/users/:name/password',
  'POST /v1/auth/users/:name/roles',
  'POST /v1/auth/roles',
  'POST /v1/auth/roles/:name/permissions',
]);

export interface CreateApiOptions {
  server: ServerFacade;
  limits?: Partial<ApiLimits>;
  metrics?: ApiMetrics;
  /** raftlock_http_requests_total and _in_flight (request-count.ts). */
  requestCounts?: RequestCountMetrics;
  logger?: ApiLogger;
  /** Serves GET /metrics (owned by src/metrics). */
  metricsHandler?: (ctx: Koa.Context) => Promise<void>;
  /** Lifetime of auth tokens (default 300 s). */
  authTokenTtlSeconds?: number;
  /** Serves /v1/maintenance/* (backups, defragmentation); absent: those routes answer 404. */
  maintenance?: MaintenancePort;
}

/** Paths anyone may use while auth is on: probes, metrics, and the way to get a token. */
const OPEN_PATHS = new Set(['/livez', '/readyz', '/metrics', '/v1/auth/authenticate']);

/** The status page's own files (HTML, scripts, styles) carry no cluster data: open to all.
 *  Its data (`/ui/members` and the REST API it calls) needs a token like everything else. */
function isStaticUiPath(method: string, path: string): boolean {
  return method === 'GET' && (path === '/ui' || (path.startsWith('/ui/') && path !== '/ui/members'));
}

export interface Api {
  app: Koa;
  /** Serve `req` here if it is for a hot route (hot-routes.ts) and say so; false: koa's. */
  serveHot(req: IncomingMessage, res: ServerResponse): boolean;
  /** Route WebSocket upgrades for /v1/watch on `httpServer` to the watch server. */
  attachWebSockets(httpServer: HttpServer): void;
  /** Close watch sockets, abort waiting lock requests (503 SHUTTING_DOWN), refuse new ones. */
  close(): Promise<void>;
  readonly limits: Readonly<ApiLimits>;
}

export function createApi(opts: CreateApiOptions): Api {
  const { metrics } = opts;
  // Routes and watch sockets see the guarded facade: under auth, writes go through the log as
  // `asUser`, reads are checked where they read (api/auth.ts).
  const member = opts.server;
  const server = guardFacade(member, () => member.state().auth());
  const logger = opts.logger ?? silentLogger;
  const limits = resolveApiLimits(opts.limits);
  const schemas = makeSchemas(limits);
  const waits = new LockWaitRegistry(limits.maxPendingLockWaits);
  const watchSockets = new WatchSockets(server, limits, metrics, logger);
  let closing = false;

  const app = new Koa();
  app.silent = true;
  app.on('error', (err: unknown) => logger.debug({ err }, 'koa error'));

  /**
   * The one request pipeline, for koa's requests and the hot routes alike: refused while shutting
   * down; `check` resolves the route (throwing 404/405) and returns its label; a body only where
   * the route takes one; then, while auth is on, the caller's identity (a token or a client
   * certificate naming a user) around `run`. Every failure becomes `{"error": {...}}` with the
   * status from errors.ts; the answer is written here, then counted and timed.
   */
  const serve = async (rc: RouteContext, check: () => string, run: () => Promise<void>, routeLabel: () => string): Promise<void> => {
    const counts = opts.requestCounts;
    counts?.inFlight(1);
    const started = performance.now();
    try {
      if (closing) throw new CodedError('SHUTTING_DOWN', 'this member is shutting down; retry on another member');
      const pattern = check();
      if (hasBody(rc.req) && !ROUTES_WITH_BODY.has(`${rc.method} ${pattern}`)) {
        throw new CodedError('BODY_NOT_ALLOWED', `${rc.method} ${rc.path} takes no request body; send none (no Content-Length above 0, no Transfer-Encoding)`);
      }
      const auth = member.state().auth();
      if (!auth.enabled() || OPEN_PATHS.has(rc.path) || isStaticUiPath(rc.method, rc.path)) await run();
      else await runAs(principalOf(auth, rc.req, bearerToken(rc.req), Date.now()), run);
    } catch (err) {
      const e = toCodedError(err);
      if (e.code === 'INTERNAL') logger.error({ err, method: rc.method, path: rc.path }, 'request failed');
      setError(rc, e);
    } finally {
      if (!rc.req.complete) {
        // Answered before the whole request arrived (a refused or oversized body): close after
        // the answer, reading and discarding the rest for a while so the client is not reset
        // before it has read the answer.
        rc.set('Connection', 'close');
        lingerAfterAnswer(rc.req, rc.res);
      }
      writeJsonBody(rc);
      const route = routeLabel();
      metrics?.observeRequest?.(route, statusClassOf(rc.status), (performance.now() - started) / 1000);
      counts?.inFlight(-1);
      counts?.finished(route, methodLabel(rc.method), rc.status);
    }
  };

  app.use((ctx, next) =>
    serve(
      ctx,
      () => {
        const match = router.match(ctx.path, ctx.method);
        if (!match.route) {
          // No route for this method and path: 405 with the methods the path has, else 404.
          const allow = [...new Set(match.path.flatMap((layer) => layer.methods))].join(', ');
          if (allow === '') throw new CodedError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path} (routes are case-sensitive)`);
          ctx.set('Allow', allow);
          throw new CodedError('METHOD_NOT_ALLOWED', `method ${ctx.method} is not allowed on ${ctx.path}`, { details: { allow } });
        }
        // A body is allowed when any route matching this method and path takes one.
        return String(match.pathAndMethod.find((layer) => ROUTES_WITH_BODY.has(`${ctx.method} ${layer.path}`))?.path ?? match.pathAndMethod[0]?.path ?? '');
      },
      next,
      () => routeLabel(ctx),
    ),
  );

  // Routes are case-sensitive: `/V1/KV/a` is no route (404), not a spelling of `/v1/kv/a`.
  const router = new Router({ sensitive: true });
  const hot = new HotRoutes();
  const deps = { server, limits, hot };
  registerClusterRoutes(router, deps, opts.metricsHandler);
  registerKvRoutes(router, deps, schemas);
  registerLeaseRoutes(router, deps, schemas);
  registerLockRoutes(router, { ...deps, metrics, logger, waits }, schemas);
  registerMemberRoutes(router, deps);
  registerAuthRoutes(router, deps, { tokenTtlSeconds: opts.authTokenTtlSeconds ?? 300 });
  registerMaintenanceRoutes(router, deps, opts.maintenance);
  router.get(WATCH_PATH, async () => {
    throw new CodedError('UPGRADE_REQUIRED', `${WATCH_PATH} is a WebSocket endpoint: send a WebSocket upgrade request`);
  });
  registerUiRoutes(router, deps);
  app.use(router.routes());

  return {
    app,
    limits,
    serveHot(req: IncomingMessage, res: ServerResponse): boolean {
      const route = hot.find(req);
      if (route === undefined) return false;
      const rc = new LeanContext(req, res);
      void serve(rc, () => route.pattern, () => route.handler(rc), () => route.pattern).then(() => {
        // A route that answered nothing (its client left): end the response as koa would.
        if (!res.writableEnded) res.end();
      });
      return true;
    },
    attachWebSockets(httpServer: HttpServer): void {
      watchSockets.attach(httpServer);
    },
    async close(): Promise<void> {
      closing = true;
      waits.abortAll();
      await watchSockets.close();
    },
  };
}

/**
 * Every REST answer but /metrics is a JSON object (given with answer(), or a koa body set by
 * other middleware): serialize and write it here, in one write, instead of through koa's generic
 * respond(), which inspects the body kind, stream, HEAD and empty statuses on every request.
 * Headers set through ctx.set (Retry-After, Allow, Connection) are already on the response.
 * Anything that is not a plain object — text, buffers, streams, no body — is left to koa.
 */
function writeJsonBody(ctx: RouteContext & { body?: unknown; respond?: boolean }): void {
  let body: unknown = answerOf(ctx);
  if (body === undefined) {
    body = ctx.body;
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return;
  }
  const res = ctx.res;
  const status = res.statusCode;
  if (res.headersSent || !res.writable || status === 204 || status === 304) return;
  const text = JSON.stringify(body);
  ctx.respond = false;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (ctx.method === 'HEAD') res.end();
  else res.end(text);
}

function setError(ctx: RouteContext, err: CodedError): void {
  const status = httpStatusFor(err.code);
  answer(ctx, errorBody(err), status);
  if (err.retryAfterSeconds !== undefined && (status === 503 || status === 429)) {
    ctx.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
  }
}
