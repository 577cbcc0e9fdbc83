import type { Server as HttpServer } from 'node:http';
import Koa from 'koa';
import { type ApiMetrics } from './api-metrics.js';
import { type ApiLimits } from './limits.js';
import { type ApiLogger } from './logger.js';
import type { ServerFacade } from './server-facade.js';
export interface CreateApiOptions {
    server: ServerFacade;
    limits?: Partial<ApiLimits>;
    metrics?: ApiMetrics;
    logger?: ApiLogger;
    /** Serves GET /metrics (owned by src/metrics). */
    metricsHandler?: (ctx: Koa.Context) => Promise<void>;
}
export interface Api {
    app: Koa;
    /** Route WebSocket upgrades for /v1/watch on `httpServer` to the watch server. */
    attachWebSockets(httpServer: HttpServer): void;
    /** Close watch sockets, abort waiting lock requests (503 SHUTTING_DOWN), refuse new ones. */
    close(): Promise<void>;
    readonly limits: Readonly<ApiLimits>;
}
export declare function createApi(opts: CreateApiOptions): Api;
