// Cluster view and health probes.

import type Router from '@koa/router';
import type Koa from 'koa';
import { CodedError } from './errors.js';
import { answer, type RouteDeps } from './http-context.js';
import { parseQuery } from './request-text.js';

export function registerClusterRoutes(router: Router, deps: RouteDeps, metricsHandler?: (ctx: Koa.Context) => Promise<void>): void {
  const { server } = deps;

  router.get('/v1/cluster', async (ctx) => {
    parseQuery(ctx.querystring, []);
    answer(ctx, server.cluster());
  });

  router.get('/livez', async (ctx) => {
    parseQuery(ctx.querystring, []);
    answer(ctx, { status: 'ok' });
  });

  router.get('/readyz', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const r = server.readiness();
    if (!r.ready) throw new CodedError('NOT_READY', `not ready: ${r.reason}`, { details: { reason: r.reason } });
    answer(ctx, { status: 'ok', reason: r.reason });
  });

  if (metricsHandler) {
    router.get('/metrics', async (ctx) => {
      parseQuery(ctx.querystring, []);
      await metricsHandler(ctx);
    });
  }
}
