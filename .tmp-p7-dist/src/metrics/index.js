export { createMetrics, statusClass, LATENCY_BUCKETS_SECONDS, LOCK_WAIT_BUCKETS_SECONDS, SNAPSHOT_BUCKETS_SECONDS, } from './metrics.js';
//# sourceMappingURL=index.js.map