// A lease the client keeps alive: a keepalive every third of the TTL (retried on failure while
// the lease can still be alive), and a signal that fires the moment the lease must be presumed
// lost. "Presumed" errs on the early side: the TTL is counted from when the last successful
// keepalive was SENT, so the server (which counts from when it received it) always expires the
// lease later than we give up on it (docs/api.md, the lease rule).
//
// Keepalives go over the client's one WebSocket (session-socket.ts), shared by all its leases
// and watches. When that socket is down (being reopened after a loss) or its keepalive fails for
// any reason but LEASE_NOT_FOUND, the same round falls back to POST /v1/leases/{id}/keepalive,
// which fails over across members: a lease that can still be saved is not lost to a socket drop.

import { LeaseLostError, RaftlockError } from './errors.js';
import type { HttpTransport } from './http-transport.js';
import { TRANSIENT_CODES, encodeKey, sleep } from './http-transport.js';
import type { SessionSocket } from './session-socket.js';

export interface KeptLeaseOptions {
  /** Keepalive period, ms (default: a third of the TTL). */
  keepaliveIntervalMs?: number;
  /** Injected for tests. */
  now?: () => number;
}

export class KeptLease {
  readonly id: string;
  /** Granted TTL, seconds. */
  readonly ttl: number;
  /** Fires when the lease is lost (its reason is a LeaseLostError). Not fired by stop()/revoke(). */
  readonly signal: AbortSignal;
  /** Resolves with the loss, if the lease is ever lost. */
  readonly lost: Promise<LeaseLostError>;

  private readonly lostCtl = new AbortController();
  private readonly stopCtl = new AbortController();
  private resolveLost!: (e: LeaseLostError) => void;
  private expiresAt: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private loop: Promise<void> = Promise.resolve();
  private readonly releaseSocket: () => void;
  private overSocket = 0;
  private overHttp = 0;

  /** `grantSentAt` is when the grant request was sent (the TTL is counted from there). Without
   *  `socket`, every keepalive is an HTTP request. */
  constructor(
    private readonly transport: HttpTransport,
    grant: { id: string; ttl: number },
    grantSentAt: number,
    opts: KeptLeaseOptions = {},
    private readonly socket?: SessionSocket,
  ) {
    if (!(grant.ttl > 0)) throw new Error(`invariant: a granted lease has a positive TTL (got ${grant.ttl})`);
    this.id = grant.id;
    this.ttl = grant.ttl;
    this.signal = this.lostCtl.signal;
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.now = opts.now ?? Date.now;
    this.intervalMs = Math.max(50, opts.keepaliveIntervalMs ?? Math.floor((grant.ttl * 1000) / 3));
    this.expiresAt = grantSentAt + grant.ttl * 1000;
    this.releaseSocket = socket?.holdForLease() ?? (() => undefined);
    this.armExpiry();
    this.loop = this.run();
  }

  get isLost(): boolean {
    return this.lostCtl.signal.aborted;
  }

  get stopped(): boolean {
    return this.stopCtl.signal.aborted;
  }

  /** Keepalives acknowledged so far, by the way they went. */
  get keepalives(): { socket: number; http: number } {
    return { socket: this.overSocket, http: this.overHttp };
  }

  /** Milliseconds until the lease must be presumed expired. */
  get remainingMs(): number {
    return Math.max(0, this.expiresAt - this.now());
  }

  /** Stop keeping the lease alive (it then expires on the server after its TTL). */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    clearTimeout(this.expiryTimer);
    await this.loop;
    this.releaseSocket();
  }

  /** Stop keeping it alive and revoke it (its keys are deleted, its locks released). */
  async revoke(): Promise<void> {
    await this.stop();
    try {
      await this.transport.request({ method: 'DELETE', path: `/v1/leases/${encodeKey(this.id)}`, retry: 'write' });
    } catch (e) {
      if (e instanceof RaftlockError && e.code === 'LEASE_NOT_FOUND') return;
      throw e;
    }
  }

  private markLost(message: string, cause?: unknown): void {
    if (this.isLost || this.stopped) return;
    clearTimeout(this.expiryTimer);
    const err = new LeaseLostError(this.id, message, { cause });
    this.lostCtl.abort(err);
    this.stopCtl.abort();
    this.releaseSocket();
    this.resolveLost(err);
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const ms = Math.max(0, this.expiresAt - this.now());
    this.expiryTimer = setTimeout(() => {
      if (this.now() >= this.expiresAt) this.markLost(`lease ${this.id} could not be renewed within its TTL of ${this.ttl} s`);
      else this.armExpiry();
    }, ms);
  }

  private async run(): Promise<void> {
    let delay = this.nextDelay();
    while (!this.stopped) {
      try {
        await sleep(delay, this.stopCtl.signal);
      } catch {
        return; // stopped
      }
      const outcome = await this.renewOnce();
      if (outcome === 'done') return;
      // Transient: try again soon while the lease can still be alive.
      delay = outcome === 'renewed' ? this.nextDelay() : Math.max(50, Math.min(500, Math.floor(this.intervalMs / 4)));
    }
  }

  /** The keepalive period, or sooner when less than two periods of the lease are left (a grant
   *  or a renewal whose answer was slow). */
  private nextDelay(): number {
    return Math.max(0, Math.min(this.intervalMs, Math.floor((this.expiresAt - this.now()) / 2)));
  }

  /** One keepalive round: over the socket if it is (or soon is) open, else or on its failure
   *  over HTTP. 'done' when the lease is lost or stopped. */
  private async renewOnce(): Promise<'renewed' | 'retry' | 'done'> {
    if (this.expiresAt - this.now() <= 0) return this.expired();
    const socket = this.socket;
    if (socket !== undefined) {
      if (!socket.isOpen) {
        // Being reopened after a loss: wait a little for it before going over HTTP.
        await socket.whenOpen(Math.min(1_000, Math.floor((this.expiresAt - this.now()) / 4)), this.stopCtl.signal);
        if (this.stopped) return 'done';
      }
      if (socket.isOpen) {
        const sentAt = this.now();
        const budget = this.expiresAt - sentAt;
        if (budget <= 0) return this.expired();
        try {
          const ttl = await socket.keepalive(this.id, Math.max(50, Math.min(this.intervalMs, budget)), this.stopCtl.signal);
          if (this.stopped) return 'done';
          this.overSocket++;
          return this.renewed(sentAt, ttl);
        } catch (e) {
          if (this.stopped) return 'done';
          if (e instanceof RaftlockError && e.code === 'LEASE_NOT_FOUND') {
            this.markLost(`lease ${this.id} is gone (expired or revoked)`, e);
            return 'done';
          }
          // A member-side refusal (NO_LEADER, ...): another member may do better for everyone.
          if (e instanceof RaftlockError && TRANSIENT_CODES.has(e.code) && e.code !== 'REQUEST_TIMEOUT' && e.code !== 'CONNECTION_LOST') {
            socket.moveElsewhere(`keepalive refused: ${e.code}`);
          }
          // Otherwise (socket lost, timed out, not open): this round goes over HTTP.
        }
      }
    }
    const sentAt = this.now();
    const budget = this.expiresAt - sentAt;
    if (budget <= 0) return this.expired();
    try {
      const r = await this.transport.request<{ ttl: number }>({
        method: 'POST',
        path: `/v1/leases/${encodeKey(this.id)}/keepalive`,
        retry: 'read',
        timeoutMs: Math.max(50, Math.min(this.intervalMs, budget)),
        deadlineMs: budget,
        signal: this.stopCtl.signal,
      });
      if (this.stopped) return 'done';
      this.overHttp++;
      return this.renewed(sentAt, r.ttl);
    } catch (e) {
      if (this.stopped) return 'done';
      if (e instanceof RaftlockError && e.code === 'LEASE_NOT_FOUND') {
        this.markLost(`lease ${this.id} is gone (expired or revoked)`, e);
        return 'done';
      }
      return 'retry';
    }
  }

  /** A keepalive sent at `sentAt` was acknowledged with `ttl` seconds. */
  private renewed(sentAt: number, ttl: unknown): 'renewed' | 'done' {
    if (!(typeof ttl === 'number' && ttl > 0)) {
      this.markLost(`lease ${this.id}: keepalive answered ttl ${String(ttl)}`);
      return 'done';
    }
    this.expiresAt = Math.max(this.expiresAt, sentAt + ttl * 1000);
    this.armExpiry();
    return 'renewed';
  }

  private expired(): 'done' {
    this.markLost(`lease ${this.id} could not be renewed within its TTL of ${this.ttl} s`);
    return 'done';
  }
}
