import type { Server as HttpServer } from 'node:http';
import type { ApiMetrics } from './api-metrics.js';
import type { ApiLimits } from './limits.js';
import type { ApiLogger } from './logger.js';
import type { ServerFacade } from './server-facade.js';
export declare const WATCH_PATH = "/v1/watch";
export declare class WatchSockets {
    private readonly server;
    private readonly limits;
    private readonly metrics;
    private readonly logger;
    private readonly wss;
    private readonly sockets;
    private closed;
    private readonly schema;
    constructor(server: ServerFacade, limits: Readonly<ApiLimits>, metrics: ApiMetrics | undefined, logger: ApiLogger);
    /** Take WebSocket upgrades for /v1/watch on `httpServer`; refuse every other upgrade path. */
    attach(httpServer: HttpServer): void;
    private onUpgrade;
    get socketCount(): number;
    /** Close every watch socket (1001, shutting down) and stop taking new ones. */
    close(): Promise<void>;
}
