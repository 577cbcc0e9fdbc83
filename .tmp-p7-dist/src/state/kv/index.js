export { KvStore, makeKeyValue } from './kv-store.js';
export { History, keyMatches } from './history.js';
export { compareKeys, prefixEnd, lowerBound, prefixBounds } from './key-order.js';
//# sourceMappingURL=index.js.map