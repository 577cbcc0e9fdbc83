// raftlock client SDK: `import { Client } from '@raftlock/client'` (or from 'raftlock', the
// server package, which carries the same SDK).

export { Client } from './client.js';
export type { ClientOptions, KvReadOptions, LockContext, LockOptions, RangeAllOptions, RangeOptions, ReadOptions, WithLockOptions } from './client.js';
export { CompactedError, LeaseLostError, RaftlockError, errorCode } from './errors.js';
export type { ClientErrorCode, RaftlockErrorOptions } from './errors.js';
export { HttpTransport, NOT_APPLIED_CODES, TRANSIENT_CODES, encodeKey, isRetryable, normalizeEndpoint, parseRetryAfter } from './http-transport.js';
export type { HttpTransportOptions, RequestOptions, RetryKind } from './http-transport.js';
export type { ClientAuth, ClientTls } from './credentials.js';
export { AuthAdmin } from './auth-admin.js';
export type { Access, AuthRole, AuthStatus, AuthUser } from './auth-admin.js';
export { KeptLease } from './lease-keeper.js';
export type { KeptLeaseOptions } from './lease-keeper.js';
export { Watcher } from './watcher.js';
export { SessionSocket } from './session-socket.js';
export type { SessionSocketOptions } from './session-socket.js';
export { ELECTION_PREFIX, Election } from './election.js';
export type { CampaignOptions, ElectionErrorCode, ElectionLeader, Leadership } from './election.js';
export type { WatchOptions } from './watcher.js';
export type * from './types.js';
export { ERROR_CODES, isErrorCode } from '../wire/errors.js';
