// raftlock client SDK: `import { Client } from 'raftlock'`.
export { Client } from './client.js';
export { CompactedError, LeaseLostError, RaftlockError, errorCode } from './errors.js';
export { HttpTransport, NOT_APPLIED_CODES, TRANSIENT_CODES, encodeKey, isRetryable, normalizeEndpoint, parseRetryAfter } from './http-transport.js';
export { KeptLease } from './lease-keeper.js';
export { Watcher } from './watcher.js';
//# sourceMappingURL=index.js.map