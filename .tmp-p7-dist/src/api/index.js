// api/: the REST routes and WebSocket watch streams over a ServerFacade.
export { createApi } from './create-api.js';
export { DEFAULT_API_LIMITS, resolveApiLimits } from './limits.js';
export { statusClassOf } from './api-metrics.js';
export { WATCH_PATH } from './watch-socket.js';
export { RESERVED_PREFIX, LEASE_ID_PATTERN, MAX_LEASE_TTL_SECONDS } from './schemas.js';
export * from './errors.js';
//# sourceMappingURL=index.js.map