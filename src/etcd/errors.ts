// gRPC status codes and messages of the etcd API. etcd clients recognise errors by their exact
// message (Go's rpctypes, the etcd3 npm client), so the messages for conditions clients test
// for are etcd's own; raftlock's CodedErrors are translated here and nowhere else.

import { status, type ServiceError } from '@grpc/grpc-js';
import { CodedError, type ErrorCode, toCodedError } from '../api/errors.js';

export type GrpcCode = keyof typeof status;

export class EtcdError extends Error {
  constructor(
    readonly grpcCode: GrpcCode,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

/** etcd's messages for the conditions clients branch on. */
export const ETCD_ERRORS = {
  emptyKey: new EtcdError('INVALID_ARGUMENT', 'etcdserver: key is not provided'),
  keyNotFound: new EtcdError('INVALID_ARGUMENT', 'etcdserver: key not found'),
  valueProvided: new EtcdError('INVALID_ARGUMENT', 'etcdserver: value is provided'),
  leaseProvided: new EtcdError('INVALID_ARGUMENT', 'etcdserver: lease is provided'),
  tooManyOps: new EtcdError('INVALID_ARGUMENT', 'etcdserver: too many operations in txn request'),
  requestTooLarge: new EtcdError('INVALID_ARGUMENT', 'etcdserver: request is too large'),
  compacted: new EtcdError('OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted'),
  futureRev: new EtcdError('OUT_OF_RANGE', 'etcdserver: mvcc: required revision is a future revision'),
  leaseNotFound: new EtcdError('NOT_FOUND', 'etcdserver: requested lease not found'),
  leaseExists: new EtcdError('FAILED_PRECONDITION', 'etcdserver: lease already exists'),
  leaseTtlTooLarge: new EtcdError('OUT_OF_RANGE', 'etcdserver: too large lease TTL'),
  memberNotFound: new EtcdError('NOT_FOUND', 'etcdserver: member not found'),
  memberNotLearner: new EtcdError('FAILED_PRECONDITION', 'etcdserver: can only promote a learner member'),
  noLeader: new EtcdError('UNAVAILABLE', 'etcdserver: no leader'),
  leaderChanged: new EtcdError('UNAVAILABLE', 'etcdserver: leader changed'),
  timeout: new EtcdError('UNAVAILABLE', 'etcdserver: request timed out'),
  stopped: new EtcdError('UNAVAILABLE', 'etcdserver: server stopped'),
  unhealthy: new EtcdError('UNAVAILABLE', 'etcdserver: unhealthy cluster'),
  tooManyRequests: new EtcdError('RESOURCE_EXHAUSTED', 'etcdserver: too many requests'),
  electionNotLeader: new EtcdError('UNKNOWN', 'election: not leader'),
  electionNoLeader: new EtcdError('UNKNOWN', 'election: no leader'),
  // auth (etcd's rpctypes; clients match these messages: clientv3 authenticates again on
  // "invalid auth token", and ignores "authentication is not enabled" when given a user)
  userEmpty: new EtcdError('INVALID_ARGUMENT', 'etcdserver: user name is empty'),
  roleEmpty: new EtcdError('INVALID_ARGUMENT', 'etcdserver: role name is empty'),
  authFailed: new EtcdError('INVALID_ARGUMENT', 'etcdserver: authentication failed, invalid user ID or password'),
  invalidAuthToken: new EtcdError('UNAUTHENTICATED', 'etcdserver: invalid auth token'),
  permissionDenied: new EtcdError('PERMISSION_DENIED', 'etcdserver: permission denied'),
  authNotEnabled: new EtcdError('FAILED_PRECONDITION', 'etcdserver: authentication is not enabled'),
  userExists: new EtcdError('FAILED_PRECONDITION', 'etcdserver: user name already exists'),
  userNotFound: new EtcdError('FAILED_PRECONDITION', 'etcdserver: user name not found'),
  roleExists: new EtcdError('FAILED_PRECONDITION', 'etcdserver: role name already exists'),
  roleNotFound: new EtcdError('FAILED_PRECONDITION', 'etcdserver: role name not found'),
  roleNotGranted: new EtcdError('FAILED_PRECONDITION', 'etcdserver: role is not granted to the user'),
  permissionNotGranted: new EtcdError('FAILED_PRECONDITION', 'etcdserver: permission is not granted to the role'),
  rootUserNotExist: new EtcdError('FAILED_PRECONDITION', 'etcdserver: root user does not exist'),
  invalidAuthMgmt: new EtcdError('INVALID_ARGUMENT', 'etcdserver: invalid auth management'),
  // membership
  memberExists: new EtcdError('FAILED_PRECONDITION', 'etcdserver: member ID already exist'),
  peerUrlExists: new EtcdError('FAILED_PRECONDITION', 'etcdserver: Peer URLs already exists'),
} as const;

const FROM_CODE: Partial<Record<ErrorCode, EtcdError>> = {
  COMPACTED: ETCD_ERRORS.compacted,
  FUTURE_REVISION: ETCD_ERRORS.futureRev,
  LEASE_NOT_FOUND: ETCD_ERRORS.leaseNotFound,
  LEASE_EXISTS: ETCD_ERRORS.leaseExists,
  NO_LEADER: ETCD_ERRORS.noLeader,
  NO_QUORUM: ETCD_ERRORS.noLeader,
  PROPOSAL_LOST: ETCD_ERRORS.leaderChanged,
  TRANSFER_IN_PROGRESS: ETCD_ERRORS.leaderChanged,
  TIMEOUT: ETCD_ERRORS.timeout,
  PEER_UNREACHABLE: ETCD_ERRORS.timeout,
  SHUTTING_DOWN: ETCD_ERRORS.stopped,
  NOT_READY: ETCD_ERRORS.unhealthy,
  TOO_MANY_REQUESTS: ETCD_ERRORS.tooManyRequests,
  TOO_MANY_UNCOMMITTED: ETCD_ERRORS.tooManyRequests,
  TOO_MANY_WATCHERS: ETCD_ERRORS.tooManyRequests,
  PAYLOAD_TOO_LARGE: ETCD_ERRORS.requestTooLarge,
  UNAUTHENTICATED: ETCD_ERRORS.invalidAuthToken,
  AUTH_FAILED: ETCD_ERRORS.authFailed,
  PERMISSION_DENIED: ETCD_ERRORS.permissionDenied,
  USER_EXISTS: ETCD_ERRORS.userExists,
  USER_NOT_FOUND: ETCD_ERRORS.userNotFound,
  ROLE_EXISTS: ETCD_ERRORS.roleExists,
  ROLE_NOT_FOUND: ETCD_ERRORS.roleNotFound,
  PERMISSION_NOT_FOUND: ETCD_ERRORS.permissionNotGranted,
  NO_ROOT_USER: ETCD_ERRORS.invalidAuthMgmt,
};

/** The gRPC code for raftlock codes without an etcd counterpart. */
function grpcCodeOf(c: CodedError): GrpcCode {
  switch (c.code) {
    case 'KEY_NOT_FOUND':
    case 'LOCK_NOT_FOUND':
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'LOCK_HELD':
    case 'NOT_HOLDER':
    case 'CONF_CHANGE_PENDING':
    case 'INVALID_CONF_CHANGE':
      return 'FAILED_PRECONDITION';
    case 'INTERNAL':
      return 'INTERNAL';
    default:
      return 'INVALID_ARGUMENT';
  }
}

/** Any thrown value as an etcd error (unknown errors become INTERNAL without their internals). */
export function toEtcdError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const c = toCodedError(err);
  const known = FROM_CODE[c.code];
  if (known) return known;
  if (c.code === 'INTERNAL') return new EtcdError('INTERNAL', 'etcdserver: internal error');
  return new EtcdError(grpcCodeOf(c), `etcdserver: ${c.message}`);
}

/** The error grpc-js sends as the call's status. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = toEtcdError(err);
  return { code: status[e.grpcCode], details: e.message, message: e.message };
}
