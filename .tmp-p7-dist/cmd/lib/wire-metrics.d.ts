import type { ApiMetrics } from '../../src/api/index.js';
import type { RaftlockMetrics } from '../../src/metrics/index.js';
import type { NodeMetrics } from '../../src/node/ports.js';
export declare function nodeMetricsOf(m: RaftlockMetrics): NodeMetrics;
export declare function apiMetricsOf(m: RaftlockMetrics): ApiMetrics;
