// The raftlock client: KV, transactions, leases with automatic keepalive, locks (and withLock),
// watches, and the cluster/member calls the CLI needs. It speaks only the public REST/WebSocket
// API (docs/api.md); see http-transport.ts for which calls are retried and when.

import type { KeyValue } from '../wire/kv.js';
import { Election } from './election.js';
import { LeaseLostError, RaftlockError } from './errors.js';
import { AuthAdmin } from './auth-admin.js';
import { HttpTransport, encodeKey, isRetryable, type HttpTransportOptions } from './http-transport.js';
import { KeptLease, type KeptLeaseOptions } from './lease-keeper.js';
import { SessionSocket } from './session-socket.js';
import type {
  ClusterStatus,
  CompactResult,
  Consistency,
  DeleteResult,
  EndpointHealth,
  EndpointStatus,
  LeaseGrantResult,
  LeaseRevokeResult,
  LeaseTimeToLive,
  LockGrant,
  LockReleaseResult,
  LockStatus,
  LockSummary,
  MemberAddRequest,
  MemberChangeResult,
  PutResult,
  RangeResult,
  TxnRequest,
  TxnResult,
} from './types.js';
import { Watcher, type WatchOptions } from './watcher.js';

export interface ClientOptions extends HttpTransportOptions {
  /** Extra time on top of a lock's wait before the client gives up on the answer, ms (default 10 s). */
  lockResponseMarginMs?: number;
  /** Ping period of the client's WebSocket (its watches and lease keepalives), used to detect a
   *  dead connection, ms (default 5 s). */
  pingIntervalMs?: number;
  /** Keep leases alive over the client's WebSocket (default true); false: one HTTP request per
   *  keepalive, as for a client that cannot open WebSockets. */
  keepaliveOverSocket?: boolean;
  /** How long the WebSocket stays open once no watch or kept lease uses it, ms (default 5 s). */
  socketIdleMs?: number;
}

export interface ReadOptions {
  consistency?: Consistency;
  signal?: AbortSignal;
}

export interface KvReadOptions extends ReadOptions {
  /** Read the state as of this revision (within the history the members keep): `COMPACTED`
   *  below the compaction point, `FUTURE_REVISION` after the current revision. */
  revision?: number;
}

export interface RangeOptions extends KvReadOptions {
  /** At most this many keys (the server's default and cap: its maxRangeLimit). */
  limit?: number;
  /** Start at this key (inclusive): the `next` of the previous page. */
  start?: string;
}

export interface RangeAllOptions extends KvReadOptions {
  /** Keys per request (default: the server's maxRangeLimit). */
  pageSize?: number;
  /** Start at this key (inclusive) instead of the prefix's first key. */
  start?: string;
}

export interface LockOptions {
  /** An existing lease to hold the lock with. */
  lease?: string;
  /** Or: a TTL in seconds for a new lease made for this lock (kept alive by nobody: you must). */
  ttl?: number;
  /** Wait at most this long for the lock, ms (server default 30 s; 0 = try once). */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface WithLockOptions {
  /** TTL of the lease holding the lock, seconds (default 10). It is kept alive at a third of it. */
  ttl?: number;
  /** Wait at most this long for the lock on each attempt, ms (server default 30 s). */
  waitMs?: number;
  signal?: AbortSignal;
  /** Attempts when acquiring fails transiently (each with a fresh lease; default 3). */
  attempts?: number;
}

/** What `withLock` hands to its function. */
export interface LockContext {
  name: string;
  lease: string;
  /** Pass it to the resources you protect; strictly increasing across grants of this lock. */
  fencingToken: number;
  /** Fires the moment the lease holding the lock is presumed lost. */
  signal: AbortSignal;
}

export class Client {
  readonly transport: HttpTransport;
  /** The one WebSocket this client's watches and lease keepalives share. */
  readonly socket: SessionSocket;
  private readonly keepaliveOverSocket: boolean;
  private readonly lockMarginMs: number;
  private readonly kept = new Set<KeptLease>();
  private readonly watchers = new Set<Watcher>();
  private isClosed = false;

  constructor(opts: ClientOptions) {
    this.transport = new HttpTransport(opts);
    this.socket = new SessionSocket(this.transport, {
      ...(opts.pingIntervalMs === undefined ? {} : { pingIntervalMs: opts.pingIntervalMs }),
      ...(opts.socketIdleMs === undefined ? {} : { idleMs: opts.socketIdleMs }),
    });
    this.keepaliveOverSocket = opts.keepaliveOverSocket ?? true;
    this.lockMarginMs = opts.lockResponseMarginMs ?? 10_000;
  }

  get endpoints(): readonly string[] {
    return this.transport.endpoints;
  }

  /** Users, roles and permissions (root only once auth is on). */
  get auth(): AuthAdmin {
    return new AuthAdmin(this.transport);
  }

  /** Stop keepalives and watches, abort requests in flight. Kept leases are not revoked: they
   *  expire after their TTL. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const w of this.watchers) w.close();
    await Promise.all([...this.kept].map((k) => k.stop()));
    this.socket.close();
    this.transport.close();
  }

  private assertOpen(): void {
    if (this.isClosed) throw new RaftlockError('CLIENT_CLOSED', 'the client is closed');
  }

  // ---------------------------------------------------------------------------------------- KV

  /** The key (as of `opts.revision`, if given), or undefined if it does not exist (then). */
  async get(key: string, opts: KvReadOptions = {}): Promise<KeyValue | undefined> {
    nonEmpty(key, 'key');
    optionalRevision(opts.revision);
    try {
      return await this.transport.request<KeyValue>({
        method: 'GET',
        path: `/v1/kv/${encodeKey(key)}`,
        query: { consistency: opts.consistency, revision: opts.revision },
        retry: 'read',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof RaftlockError && e.code === 'KEY_NOT_FOUND') return undefined;
      throw e;
    }
  }

  async put(key: string, value: string, opts: { lease?: string; prevKv?: boolean; signal?: AbortSignal } = {}): Promise<PutResult> {
    nonEmpty(key, 'key');
    const body: Record<string, unknown> = { value };
    if (opts.lease !== undefined) body.lease = opts.lease;
    if (opts.prevKv) body.prevKv = true;
    return this.transport.request<PutResult>({ method: 'PUT', path: `/v1/kv/${encodeKey(key)}`, body, retry: 'write', signal: opts.signal });
  }

  /** Delete `key` (or, with `prefix`, every key starting with it). */
  async delete(key: string, opts: { prefix?: boolean; prevKv?: boolean; signal?: AbortSignal } = {}): Promise<DeleteResult> {
    nonEmpty(key, 'key');
    return this.transport.request<DeleteResult>({
      method: 'DELETE',
      path: `/v1/kv/${encodeKey(key)}`,
      query: { prefix: opts.prefix ? 'true' : undefined, prevKv: opts.prevKv ? 'true' : undefined },
      retry: 'write',
      signal: opts.signal,
    });
  }

  /** Keys starting with `prefix` ("" = all), in key order: one page, from `opts.start` on, as of
   *  `opts.revision` if given. When `more` is true, `next` starts the next page. */
  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    optionalRevision(opts.revision);
    if (opts.start === '') throw new RaftlockError('INVALID_ARGUMENT', 'start must be a non-empty key');
    return this.transport.request<RangeResult>({
      method: 'GET',
      path: '/v1/kv',
      query: { prefix: prefix === '' ? undefined : prefix, limit: opts.limit, start: opts.start, revision: opts.revision, consistency: opts.consistency },
      retry: 'read',
      signal: opts.signal,
    });
  }

  /**
   * Every page of the keys starting with `prefix`, in key order. The pages after the first read
   * the revision the first one saw, so together they are one consistent state however many
   * writes happen meanwhile (`COMPACTED` if that revision leaves the history the members keep).
   */
  async *rangePages(prefix: string, opts: RangeAllOptions = {}): AsyncGenerator<RangeResult> {
    let revision = opts.revision;
    let start = opts.start;
    for (;;) {
      const page: RangeResult = await this.range(prefix, { limit: opts.pageSize, start, revision, consistency: opts.consistency, signal: opts.signal });
      yield page;
      if (!page.more) return;
      if (typeof page.next !== 'string') throw new RaftlockError('BAD_RESPONSE', 'a range answered more: true without next (a member older than range paging?)');
      revision = page.revision;
      start = page.next;
    }
  }

  /** All keys starting with `prefix` (every page of rangePages), as of one revision. */
  async rangeAll(prefix: string, opts: RangeAllOptions = {}): Promise<{ kvs: KeyValue[]; count: number; revision: number }> {
    const kvs: KeyValue[] = [];
    let last: RangeResult | undefined;
    for await (const page of this.rangePages(prefix, opts)) {
      for (const kv of page.kvs) kvs.push(kv);
      last = page;
    }
    return { kvs, count: last!.count, revision: last!.revision };
  }

  async txn(req: TxnRequest, opts: { signal?: AbortSignal } = {}): Promise<TxnResult> {
    const writes = [...(req.success ?? []), ...(req.failure ?? [])].some((op) => !('get' in op));
    return this.transport.request<TxnResult>({
      method: 'POST',
      path: '/v1/txn',
      body: { compare: req.compare ?? [], success: req.success ?? [], failure: req.failure ?? [] },
      // A transaction of gets only changes nothing: safe to retry like a read.
      retry: writes ? 'write' : 'read',
      signal: opts.signal,
    });
  }

  async compact(revision: number, opts: { signal?: AbortSignal } = {}): Promise<CompactResult> {
    if (!Number.isSafeInteger(revision) || revision < 1) throw new RaftlockError('INVALID_ARGUMENT', 'revision must be a positive integer');
    return this.transport.request<CompactResult>({ method: 'POST', path: '/v1/compact', body: { revision }, retry: 'write', signal: opts.signal });
  }

  // ------------------------------------------------------------------------------------ leases

  async leaseGrant(ttl: number, opts: { id?: string; signal?: AbortSignal } = {}): Promise<LeaseGrantResult> {
    wholeSeconds(ttl);
    const body: Record<string, unknown> = { ttl };
    if (opts.id !== undefined) body.id = opts.id;
    return this.transport.request<LeaseGrantResult>({ method: 'POST', path: '/v1/leases', body, retry: 'write', signal: opts.signal });
  }

  /** Renew once; resolves with the renewed TTL in seconds. */
  async leaseKeepAliveOnce(id: string, opts: { signal?: AbortSignal } = {}): Promise<{ ttl: number }> {
    return this.transport.request<{ ttl: number }>({ method: 'POST', path: `/v1/leases/${encodeKey(id)}/keepalive`, retry: 'read', signal: opts.signal });
  }

  async leaseRevoke(id: string, opts: { signal?: AbortSignal } = {}): Promise<LeaseRevokeResult> {
    return this.transport.request<LeaseRevokeResult>({ method: 'DELETE', path: `/v1/leases/${encodeKey(id)}`, retry: 'write', signal: opts.signal });
  }

  async leaseTimeToLive(id: string, opts: ReadOptions = {}): Promise<LeaseTimeToLive> {
    return this.transport.request<LeaseTimeToLive>({
      method: 'GET',
      path: `/v1/leases/${encodeKey(id)}`,
      query: { consistency: opts.consistency },
      retry: 'read',
      signal: opts.signal,
    });
  }

  async leases(opts: ReadOptions = {}): Promise<{ id: string; ttl: number }[]> {
    const r = await this.transport.request<{ leases: { id: string; ttl: number }[] }>({
      method: 'GET',
      path: '/v1/leases',
      query: { consistency: opts.consistency },
      retry: 'read',
      signal: opts.signal,
    });
    return r.leases;
  }

  /** Grant a lease and keep it alive (a keepalive every third of the TTL, over the client's one
   *  WebSocket) until `revoke()` or `stop()`. Its `signal` fires if it is lost. */
  async lease(ttl: number, opts: { id?: string; signal?: AbortSignal } & KeptLeaseOptions = {}): Promise<KeptLease> {
    this.assertOpen();
    const sentAt = Date.now();
    const grant = await this.leaseGrant(ttl, opts);
    const kept = new KeptLease(this.transport, grant, sentAt, opts, this.keepaliveOverSocket ? this.socket : undefined);
    this.kept.add(kept);
    void kept.lost.then(() => this.kept.delete(kept));
    const stop = kept.stop.bind(kept);
    kept.stop = async () => {
      this.kept.delete(kept);
      await stop();
    };
    return kept;
  }

  // ------------------------------------------------------------------------------------- locks

  /** Acquire `name` (blocking up to `waitMs`). Not retried once sent: a lost answer may have
   *  left a waiter queued on the lease, so the safe recovery is to revoke that lease (withLock
   *  does this). */
  async lock(name: string, opts: LockOptions): Promise<LockGrant> {
    nonEmpty(name, 'lock name');
    if ((opts.lease === undefined) === (opts.ttl === undefined)) throw new RaftlockError('INVALID_ARGUMENT', 'give exactly one of lease or ttl');
    const body: Record<string, unknown> = {};
    if (opts.lease !== undefined) body.lease = opts.lease;
    if (opts.ttl !== undefined) body.ttl = wholeSeconds(opts.ttl);
    if (opts.waitMs !== undefined) {
      if (!Number.isSafeInteger(opts.waitMs) || opts.waitMs < 0) throw new RaftlockError('INVALID_ARGUMENT', 'waitMs must be a non-negative integer');
      body.waitMs = opts.waitMs;
    }
    const timeoutMs = (opts.waitMs ?? 30_000) + this.lockMarginMs;
    return this.transport.request<LockGrant>({
      method: 'POST',
      path: `/v1/locks/${encodeKey(name)}`,
      body,
      retry: 'once',
      timeoutMs,
      deadlineMs: timeoutMs,
      signal: opts.signal,
    });
  }

  async unlock(name: string, by: { fencingToken: number } | { lease: string }, opts: { signal?: AbortSignal } = {}): Promise<LockReleaseResult> {
    nonEmpty(name, 'lock name');
    const query = 'fencingToken' in by ? { fencingToken: by.fencingToken } : { lease: by.lease };
    return this.transport.request<LockReleaseResult>({ method: 'DELETE', path: `/v1/locks/${encodeKey(name)}`, query, retry: 'write', signal: opts.signal });
  }

  /** Holder and waiters of `name`, or undefined when it is neither held nor awaited. */
  async lockStatus(name: string, opts: ReadOptions = {}): Promise<LockStatus | undefined> {
    nonEmpty(name, 'lock name');
    try {
      return await this.transport.request<LockStatus>({
        method: 'GET',
        path: `/v1/locks/${encodeKey(name)}`,
        query: { consistency: opts.consistency },
        retry: 'read',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof RaftlockError && e.code === 'LOCK_NOT_FOUND') return undefined;
      throw e;
    }
  }

  async locks(opts: ReadOptions = {}): Promise<LockSummary[]> {
    const r = await this.transport.request<{ locks: LockSummary[] }>({ method: 'GET', path: '/v1/locks', query: { consistency: opts.consistency }, retry: 'read', signal: opts.signal });
    return r.locks;
  }

  /**
   * Run `fn` holding lock `name`: grant a lease (kept alive), acquire, call `fn` with the fencing
   * token and a signal that fires the moment the lease is lost, and release (by revoking the
   * lease) in `finally`. If the lease was lost before `fn` settled, withLock throws
   * LeaseLostError even if `fn` returned: mutual exclusion was not guaranteed throughout.
   */
  async withLock<T>(name: string, fn: (ctx: LockContext) => Promise<T> | T, opts: WithLockOptions = {}): Promise<T> {
    this.assertOpen();
    nonEmpty(name, 'lock name');
    const ttl = wholeSeconds(opts.ttl ?? 10);
    const attempts = Math.max(1, opts.attempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      const lease = await this.lease(ttl, { signal: opts.signal });
      let grant: LockGrant | undefined;
      try {
        grant = await this.lock(name, { lease: lease.id, waitMs: opts.waitMs, signal: opts.signal });
      } catch (e) {
        // Revoking the lease withdraws any waiter the failed attempt may have left queued.
        await this.releaseLease(lease);
        if (e instanceof RaftlockError && (isRetryable(e, 'read') || e.code === 'LEASE_NOT_FOUND') && attempt < attempts && !opts.signal?.aborted) continue;
        throw e;
      }
      try {
        if (lease.isLost) throw lease.signal.reason as LeaseLostError;
        const result = await fn({ name, lease: lease.id, fencingToken: grant.fencingToken, signal: lease.signal });
        if (lease.isLost) throw lease.signal.reason as LeaseLostError;
        return result;
      } finally {
        await this.releaseLease(lease);
      }
    }
  }

  /** Stop the keepalive and revoke; if revoking fails the lease simply expires after its TTL. */
  private async releaseLease(lease: KeptLease): Promise<void> {
    try {
      await lease.revoke();
    } catch {
      // The lease is no longer kept alive: the server expires it (and releases its locks).
    }
  }

  // ---------------------------------------------------------------------------------- election

  /** Leader election `name` (etcd's v3election on raftlock's locks): see election.ts. */
  election(name: string): Election {
    this.assertOpen();
    return new Election(this, name);
  }

  // ----------------------------------------------------------------------------------- watches

  /** Watch `key` (or a prefix). Iterate the result: `for await (const { revision, events } of w)`. */
  watch(key: string, opts: WatchOptions = {}): Watcher {
    this.assertOpen();
    const w = new Watcher(this.socket, key, opts);
    this.watchers.add(w);
    const close = w.close.bind(w);
    w.close = () => {
      this.watchers.delete(w);
      close();
    };
    return w;
  }

  // ----------------------------------------------------------------------------------- cluster

  /** The cluster as one member (the preferred one, or `endpoint`) sees it. */
  async cluster(opts: { endpoint?: string; signal?: AbortSignal } = {}): Promise<ClusterStatus> {
    return this.transport.request<ClusterStatus>({ method: 'GET', path: '/v1/cluster', retry: 'read', endpoint: opts.endpoint, signal: opts.signal });
  }

  async memberList(): Promise<ClusterStatus['members']> {
    return (await this.cluster()).members;
  }

  /** Add a voter (or, with `learner`, a non-voting learner); then start it with --join. */
  async memberAdd(req: MemberAddRequest): Promise<MemberChangeResult> {
    return unsupportedIf404(this.transport.request<MemberChangeResult>({ method: 'POST', path: '/v1/members', body: req, retry: 'write' }), 'member add');
  }

  /** Promote a learner (by id or name) to a voter. */
  async memberPromote(idOrName: string): Promise<MemberChangeResult> {
    nonEmpty(idOrName, 'member id');
    return unsupportedIf404(
      this.transport.request<MemberChangeResult>({ method: 'POST', path: `/v1/members/${encodeURIComponent(idOrName)}/promote`, retry: 'write' }),
      'member promote',
    );
  }

  /** Remove a member (by id or name). */
  async memberRemove(idOrName: string): Promise<MemberChangeResult> {
    nonEmpty(idOrName, 'member id');
    return unsupportedIf404(this.transport.request<MemberChangeResult>({ method: 'DELETE', path: `/v1/members/${encodeURIComponent(idOrName)}`, retry: 'write' }), 'member remove');
  }

  /** GET /v1/cluster on every endpoint, once each (no retries), with latency. */
  async endpointStatus(opts: { timeoutMs?: number } = {}): Promise<EndpointStatus[]> {
    return Promise.all(
      this.endpoints.map(async (endpoint): Promise<EndpointStatus> => {
        const t0 = performance.now();
        try {
          const status = await this.transport.request<ClusterStatus>({ method: 'GET', path: '/v1/cluster', retry: 'once', endpoint, timeoutMs: opts.timeoutMs ?? 5_000 });
          return { endpoint, ok: true, latencyMs: performance.now() - t0, status };
        } catch (e) {
          const err = e instanceof RaftlockError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String(e) };
          return { endpoint, ok: false, latencyMs: performance.now() - t0, error: err };
        }
      }),
    );
  }

  /** GET /readyz on every endpoint, once each. */
  async endpointHealth(opts: { timeoutMs?: number } = {}): Promise<EndpointHealth[]> {
    return Promise.all(
      this.endpoints.map(async (endpoint): Promise<EndpointHealth> => {
        const t0 = performance.now();
        try {
          const r = await this.transport.request<{ status: string; reason?: string }>({ method: 'GET', path: '/readyz', retry: 'once', endpoint, timeoutMs: opts.timeoutMs ?? 5_000 });
          return { endpoint, healthy: r.status === 'ok', latencyMs: performance.now() - t0, reason: r.reason ?? r.status };
        } catch (e) {
          const reason = e instanceof RaftlockError ? `${e.code}: ${e.message}` : String(e);
          return { endpoint, healthy: false, latencyMs: performance.now() - t0, reason };
        }
      }),
    );
  }
}

async function unsupportedIf404<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    // A missing route (an older member) is NOT_FOUND "no route for ..."; a missing member is
    // NOT_FOUND too, with another message.
    if (e instanceof RaftlockError && e.code === 'NOT_FOUND' && /^no route/i.test(e.message)) {
      throw new RaftlockError('UNSUPPORTED', `${what}: the server has no such route (${e.message}); this member does not support membership changes over the API`, {
        status: e.status,
        endpoint: e.endpoint,
        cause: e,
      });
    }
    throw e;
  }
}

function nonEmpty(s: string, what: string): void {
  if (typeof s !== 'string' || s === '') throw new RaftlockError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
}

function optionalRevision(revision: number | undefined): void {
  if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 1)) {
    throw new RaftlockError('INVALID_ARGUMENT', `revision must be a positive integer (got ${revision})`);
  }
}

function wholeSeconds(ttl: number): number {
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new RaftlockError('INVALID_ARGUMENT', `ttl must be a whole number of seconds >= 1 (got ${ttl})`);
  return ttl;
}
