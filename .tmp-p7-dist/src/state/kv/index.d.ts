export { KvStore, makeKeyValue, type RangeResult } from './kv-store.js';
export { History, keyMatches, type EventBatch, type EventsSinceResult } from './history.js';
export { compareKeys, prefixEnd, lowerBound, prefixBounds } from './key-order.js';
