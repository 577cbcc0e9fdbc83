// What every etcd service handler shares: the Server facade, the limits, the response header,
// and the wrappers that turn async handlers into grpc-js callbacks with etcd's errors.

import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { ApiLogger } from '../api/logger.js';
import type { ServerFacade } from '../api/server-facade.js';
import { toServiceError } from './errors.js';

export interface EtcdLimits {
  /** Largest key or range end, in bytes. */
  maxKeyBytes: number;
  /** Largest value, in bytes. */
  maxValueBytes: number;
  /** Largest gRPC message a client may send, in bytes. */
  maxRequestBytes: number;
  /** Most compares + ops in one Txn. */
  maxTxnOps: number;
  /** Most keys a range may read to sort or filter them (and the most a txn read returns). */
  maxRangeScan: number;
  /** Most watches on one Watch stream. */
  maxWatchesPerStream: number;
  /** A Watch stream with more unsent bytes than this has its watches canceled (slow reader). */
  maxWatchBufferedBytes: number;
  /** How often a watch created with progress_notify gets a progress response (etcd: 10 min). */
  progressNotifyMs: number;
  /** Shortest lease TTL granted, in seconds (etcd: 1.5 election timeouts). */
  minLeaseTtlSeconds: number;
  /** Most Lock, Campaign and Observe calls waiting at once on this member. */
  maxWaits: number;
  /** Most keep-alive requests queued on one LeaseKeepAlive stream. */
  maxKeepAlivesQueued: number;
}

export const DEFAULT_ETCD_LIMITS: Readonly<EtcdLimits> = Object.freeze({
  maxKeyBytes: 4 * 1024,
  maxValueBytes: 1024 * 1024,
  maxRequestBytes: 1.5 * 1024 * 1024 + 64 * 1024,
  maxTxnOps: 128,
  maxRangeScan: 10_000,
  maxWatchesPerStream: 1_000,
  maxWatchBufferedBytes: 8 * 1024 * 1024,
  progressNotifyMs: 10 * 60 * 1000,
  minLeaseTtlSeconds: 2,
  maxWaits: 10_000,
  maxKeepAlivesQueued: 1_000,
});

export interface PbHeader {
  cluster_id: string;
  member_id: string;
  revision: number;
  raft_term: number;
}

export interface EtcdContext {
  /** The guarded facade (api/auth.ts): under a principal, writes go through the log as that
   *  user and reads are checked where they read. */
  readonly server: ServerFacade;
  readonly limits: Readonly<EtcdLimits>;
  readonly logger: ApiLogger;
  /** The API version Status reports. */
  readonly version: string;
  /** The response header; `revision` defaults to this member's applied revision. */
  header(revision?: number): PbHeader;
  /** Ends with the server: aborts every waiting Lock/Campaign/Observe and stream. */
  readonly closing: AbortSignal;
}

export function makeContext(opts: {
  server: ServerFacade;
  /** The member's own facade, for the response header (no permission is needed to see it). */
  raw?: ServerFacade;
  clusterId: string;
  limits: Readonly<EtcdLimits>;
  logger: ApiLogger;
  version: string;
  closing: AbortSignal;
}): EtcdContext {
  const { server } = opts;
  const raw = opts.raw ?? server;
  let memberId: string | undefined;
  return {
    server,
    limits: opts.limits,
    logger: opts.logger,
    version: opts.version,
    closing: opts.closing,
    header(revision?: number): PbHeader {
      const info = raw.cluster();
      memberId ??= info.member.id;
      return { cluster_id: opts.clusterId, member_id: memberId, revision: revision ?? raw.state().revision(), raft_term: info.term };
    },
  };
}

/** A grpc-js unary handler from an async function; thrown errors become etcd's statuses. */
export function unary<Req, Res>(fn: (req: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>): void => {
    fn(call.request, call).then(
      (res) => cb(null, res),
      (err: unknown) => cb(toServiceError(err)),
    );
  };
}

/** Bounded count of calls that wait (Lock, Campaign, Observe) on this member. */
export class WaitCounter {
  private n = 0;
  constructor(private readonly max: number) {}
  enter(): () => void {
    if (this.n >= this.max) throw Object.assign(new Error('too many waiting calls'), { code: 'TOO_MANY_REQUESTS' });
    this.n++;
    let left = false;
    return () => {
      if (!left) {
        left = true;
        this.n--;
      }
    };
  }
}
