// createApi: the koa app (REST) and the watch WebSocket server, to be mounted on ONE node:http
// server owned by cmd/:
//
//   const api = createApi({ server });
//   const http = createServer(api.app.callback());
//   api.attachWebSockets(http);
//   ...
//   await api.close(); http.close();

import type { Server as HttpServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { statusClassOf, type ApiMetrics } from './api-metrics.js';
import { CodedError, errorBody, httpStatusFor, toCodedError } from './errors.js';
import { answer, answerOf } from './http-context.js';
import { resolveApiLimits, type ApiLimits } from './limits.js';
import { silentLogger, type ApiLogger } from './logger.js';
import { registerMaintenanceRoutes, type MaintenancePort } from './routes-maintenance.js';
import { registerMemberRoutes } from './routes-members.js';
import { registerClusterRoutes } from './routes-cluster.js';
import { registerKvRoutes } from './routes-kv.js';
import { registerLeaseRoutes } from './routes-leases.js';
import { LockWaitRegistry, registerLockRoutes } from './routes-locks.js';
import { makeSchemas } from './schemas.js';
import type { ServerFacade } from './server-facade.js';
import { WatchSockets } from './watch-socket.js';

export interface CreateApiOptions {
  server: ServerFacade;
  limits?: Partial<ApiLimits>;
  metrics?: ApiMetrics;
  logger?: ApiLogger;
  /** Serves GET /metrics (owned by src/metrics). */
  metricsHandler?: (ctx: Koa.Context) => Promise<void>;
  /** Serves /v1/maintenance/* (backups, defragmentation); absent: those routes answer 404. */
  maintenance?: MaintenancePort;
}

export interface Api {
  app: Koa;
  /** Route WebSocket upgrades for /v1/watch on `httpServer` to the watch server. */
  attachWebSockets(httpServer: HttpServer): void;
  /** Close watch sockets, abort waiting lock requests (503 SHUTTING_DOWN), refuse new ones. */
  close(): Promise<void>;
  readonly limits: Readonly<ApiLimits>;
}

export function createApi(opts: CreateApiOptions): Api {
  const { server, metrics } = opts;
  const logger = opts.logger ?? silentLogger;
  const limits = resolveApiLimits(opts.limits);
  const schemas = makeSchemas(limits);
  const waits = new LockWaitRegistry(limits.maxPendingLockWaits);
  const watchSockets = new WatchSockets(server, limits, metrics, logger);
  let closing = false;

  const app = new Koa();
  app.silent = true;
  app.on('error', (err: unknown) => logger.debug({ err }, 'koa error'));

  // Outermost: every failure becomes `{"error": {...}}` with the status from errors.ts.
  app.use(async (ctx, next) => {
    const started = performance.now();
    try {
      if (closing) throw new CodedError('SHUTTING_DOWN', 'this member is shutting down; retry on another member');
      await next();
      if (answerOf(ctx) === undefined) {
        // No route answered: a path with other methods (405/501 from allowedMethods) or none.
        if (ctx.status === 405 || ctx.status === 501) {
          const allow = ctx.response.get('Allow');
          setError(ctx, new CodedError('METHOD_NOT_ALLOWED', `method ${ctx.method} is not allowed on ${ctx.path}`, { details: { allow } }));
        } else if (ctx.status === 404 && ctx.body == null) {
          setError(ctx, new CodedError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`));
        }
      }
    } catch (err) {
      const e = toCodedError(err);
      if (e.code === 'INTERNAL') logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      setError(ctx, e);
    } finally {
      writeJsonBody(ctx);
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics?.observeRequest?.(String(route), statusClassOf(ctx.status), (performance.now() - started) / 1000);
    }
  });

  const router = new Router();
  const deps = { server, limits };
  registerClusterRoutes(router, deps, opts.metricsHandler);
  registerKvRoutes(router, deps, schemas);
  registerLeaseRoutes(router, deps, schemas);
  registerLockRoutes(router, { ...deps, metrics, logger, waits }, schemas);
  registerMemberRoutes(router, deps);
  registerMaintenanceRoutes(router, deps, opts.maintenance);
  app.use(router.routes());
  app.use(router.allowedMethods());

  return {
    app,
    limits,
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
function writeJsonBody(ctx: Koa.Context): void {
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

function setError(ctx: Koa.Context, err: CodedError): void {
  const status = httpStatusFor(err.code);
  answer(ctx, errorBody(err), status);
  if (err.retryAfterSeconds !== undefined && (status === 503 || status === 429)) {
    ctx.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
  }
}
