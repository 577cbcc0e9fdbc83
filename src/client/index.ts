// raftlock client SDK: `import { Client } from 'raftlock'`.

export { Client } from './client.js';
export type { ClientOptions, KvReadOptions, LockContext, LockOptions, RangeAllOptions, RangeOptions, ReadOptions, WithLockOptions } from './client.js';
export { CompactedError, LeaseLostError, RaftlockError, errorCode } from './errors.js';
export type { ClientErrorCode, RaftlockErrorOptions } from './errors.js';
export { HttpTransport, NOT_APPLIED_CODES, TRANSIENT_CODES, encodeKey, isRetryable, normalizeEndpoint, parseRetryAfter } from './http-transport.js';
export type { HttpTransportOptions, RequestOptions, RetryKind } from './http-transport.js';
export { KeptLease } from './lease-keeper.js';
export type { KeptLeaseOptions } from './lease-keeper.js';
export { Watcher } from './watcher.js';
export type { WatchOptions } from './watcher.js';
export type * from './types.js';
