// createApi: the koa app (REST) and the watch WebSocket server, to be mounted on ONE node:http
// server owned by cmd/:
//
//   const api = createApi({ server });
//   const http = createServer(api.app.callback());
//   api.attachWebSockets(http);
//   ...
//   await api.close(); http.close();
import Router from '@koa/router';
import Koa from 'koa';
import { statusClassOf } from './api-metrics.js';
import { CodedError, errorBody, httpStatusFor, toCodedError } from './errors.js';
import { resolveApiLimits } from './limits.js';
import { silentLogger } from './logger.js';
import { registerMemberRoutes } from './routes-members.js';
import { registerClusterRoutes } from './routes-cluster.js';
import { registerKvRoutes } from './routes-kv.js';
import { registerLeaseRoutes } from './routes-leases.js';
import { LockWaitRegistry, registerLockRoutes } from './routes-locks.js';
import { makeSchemas } from './schemas.js';
import { WatchSockets } from './watch-socket.js';
export function createApi(opts) {
    const { server, metrics } = opts;
    const logger = opts.logger ?? silentLogger;
    const limits = resolveApiLimits(opts.limits);
    const schemas = makeSchemas(limits);
    const waits = new LockWaitRegistry(limits.maxPendingLockWaits);
    const watchSockets = new WatchSockets(server, limits, metrics, logger);
    let closing = false;
    const app = new Koa();
    app.silent = true;
    app.on('error', (err) => logger.debug({ err }, 'koa error'));
    // Outermost: every failure becomes `{"error": {...}}` with the status from errors.ts.
    app.use(async (ctx, next) => {
        const started = performance.now();
        try {
            if (closing)
                throw new CodedError('SHUTTING_DOWN', 'this member is shutting down; retry on another member');
            await next();
            if (ctx.status === 405 || ctx.status === 501) {
                const allow = ctx.response.get('Allow');
                setError(ctx, new CodedError('METHOD_NOT_ALLOWED', `method ${ctx.method} is not allowed on ${ctx.path}`, { details: { allow } }));
            }
            else if (ctx.status === 404 && ctx.body == null) {
                setError(ctx, new CodedError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`));
            }
        }
        catch (err) {
            const e = toCodedError(err);
            if (e.code === 'INTERNAL')
                logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
            setError(ctx, e);
        }
        finally {
            const route = ctx._matchedRoute ?? 'unmatched';
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
    app.use(router.routes());
    app.use(router.allowedMethods());
    return {
        app,
        limits,
        attachWebSockets(httpServer) {
            watchSockets.attach(httpServer);
        },
        async close() {
            closing = true;
            waits.abortAll();
            await watchSockets.close();
        },
    };
}
function setError(ctx, err) {
    const status = httpStatusFor(err.code);
    ctx.body = errorBody(err);
    ctx.status = status;
    if (err.retryAfterSeconds !== undefined && (status === 503 || status === 429)) {
        ctx.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    }
}
//# sourceMappingURL=create-api.js.map