import type Router from '@koa/router';
import type Koa from 'koa';
import type { RouteDeps } from './http-context.js';
export declare function registerClusterRoutes(router: Router, deps: RouteDeps, metricsHandler?: (ctx: Koa.Context) => Promise<void>): void;
