import type Router from '@koa/router';
import type { ApiMetrics } from './api-metrics.js';
import { type RouteDeps } from './http-context.js';
import type { ApiLogger } from './logger.js';
import { type Schemas } from './schemas.js';
/** Lock requests now waiting on this member; bounded, and all aborted at shutdown. */
export declare class LockWaitRegistry {
    private readonly max;
    private readonly waits;
    private closed;
    constructor(max: number);
    get size(): number;
    add(abort: (reason: 'shutdown') => void): () => void;
    abortAll(): void;
}
export declare function registerLockRoutes(router: Router, deps: RouteDeps & {
    metrics?: ApiMetrics;
    logger: ApiLogger;
    waits: LockWaitRegistry;
}, schemas: Schemas): void;
