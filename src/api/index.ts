// api/: the REST routes and WebSocket watch streams over a ServerFacade.

export { createApi, type Api, type CreateApiOptions } from './create-api.js';
export { createHttpServer, resolveHttpServerOptions, DEFAULT_HTTP_SERVER_OPTIONS, type HttpServerOptions } from './http-server.js';
export { DEFAULT_API_LIMITS, resolveApiLimits, type ApiLimits } from './limits.js';
export { statusClassOf, type ApiMetrics, type LockWaitOutcome, type StatusClass } from './api-metrics.js';
export type { ApiLogger } from './logger.js';
export { type RequestCountMetrics } from './request-count.js';
export { WATCH_PATH } from './watch-socket.js';
export { SNAPSHOT_CONTENT_TYPE, type MaintenancePort } from './routes-maintenance.js';
export { RESERVED_PREFIX, LEASE_ID_PATTERN, MAX_LEASE_TTL_SECONDS } from './schemas.js';
export * from './errors.js';
export type * from './server-facade.js';
export { OPERATOR_PATHS, operatorOnly } from './operator-listener.js';
