// Cluster view and health probes.
import { CodedError } from './errors.js';
import { parseQuery } from './request-text.js';
export function registerClusterRoutes(router, deps, metricsHandler) {
    const { server } = deps;
    router.get('/v1/cluster', async (ctx) => {
        parseQuery(ctx.querystring, []);
        ctx.body = server.cluster();
    });
    router.get('/livez', async (ctx) => {
        ctx.body = { status: 'ok' };
    });
    router.get('/readyz', async (ctx) => {
        const r = server.readiness();
        if (!r.ready)
            throw new CodedError('NOT_READY', `not ready: ${r.reason}`, { details: { reason: r.reason } });
        ctx.body = { status: 'ok', reason: r.reason };
    });
    if (metricsHandler) {
        router.get('/metrics', async (ctx) => {
            await metricsHandler(ctx);
        });
    }
}
//# sourceMappingURL=routes-cluster.js.map