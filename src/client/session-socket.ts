// The client's one WebSocket to /v1/watch: every watch of the client and the keepalives of every
// lease it keeps go over it (docs/api.md, "Watch streams"), instead of one socket per watch and
// one HTTP request per keepalive.
//
// It is opened when the first watch or kept lease needs it and closed `idleMs` after the last is
// gone (Client.close() closes it at once).
// When it breaks (member killed, network cut, no pong), it is opened again on the next endpoint
// with a backoff; the watches re-create themselves on the new socket from the revision after the
// last they delivered, and the keepalives in flight fail at once so their leases can try again
// (over the new socket, or over HTTP meanwhile). See lease-keeper.ts for the lease rule.
//
// Keepalive answers carry no request id, only the lease, and a member may answer two keepalives
// of one lease out of order (both may be forwarded to the leader). So at most one keepalive per
// lease is in flight on a socket, and one that gets no answer in time condemns the socket: a
// late answer can never be credited to a keepalive sent after it.

import { WebSocket, type RawData } from 'ws';
import { SLOW_READER_REASON, WATCH_PATH, type WatchClientMessage } from '../wire/watch-messages.js';
import { RaftlockError } from './errors.js';
import type { HttpTransport } from './http-transport.js';

export interface SessionSocketOptions {
  /** Ping period used to detect a dead connection, ms (default 5 s). */
  pingIntervalMs?: number;
  /** WebSocket handshake timeout, ms (default 5 s). */
  handshakeTimeoutMs?: number;
  /** How long the socket stays open once no watch or kept lease uses it, ms (default 5 s), so
   *  that back-to-back withLock calls share one socket. */
  idleMs?: number;
}

/** A watch riding the socket. */
export interface SocketWatch {
  /** A socket is open (the first one, or a new one after a loss): create the watch on it. */
  socketOpened(): void;
  /** The socket the watch was created on is gone. */
  socketLost(): void;
  /** A message with this watch's current watchId, or a `progress` message. */
  onMessage(msg: Record<string, unknown>): void;
}

interface PendingKeepalive {
  resolve: (ttl: number) => void;
  reject: (e: RaftlockError) => void;
  timer: NodeJS.Timeout;
  /** The caller stopped waiting (its lease was stopped); the entry stays until the answer or
   *  the timeout so that no later keepalive of the lease is sent on this socket meanwhile. */
  abandoned: boolean;
}

export { SLOW_READER_REASON };

export class SessionSocket {
  private ws: WebSocket | undefined;
  private isOpenNow = false;
  private closed = false;
  private endpoint: string | undefined;
  private readonly watches = new Set<SocketWatch>();
  private readonly byId = new Map<number, SocketWatch>();
  private nextWatchId = 1;
  private readonly pending = new Map<string, PendingKeepalive>();
  private leaseHolds = 0;
  private readonly openWaiters = new Set<() => void>();
  private connecting = false;
  private backoffMs = 50;
  private openedAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private alive = true;
  private reauthInFlight: Promise<void> | undefined;
  private renewBeforeConnect = false;
  private readonly pingIntervalMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly idleMs: number;
  /** How many sockets this client has opened so far (the first plus every reconnect). */
  opens = 0;

  constructor(
    private readonly transport: HttpTransport,
    opts: SessionSocketOptions = {},
  ) {
    this.pingIntervalMs = opts.pingIntervalMs ?? 5_000;
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 5_000;
    this.idleMs = opts.idleMs ?? 5_000;
  }

  get isOpen(): boolean {
    return this.isOpenNow;
  }

  /** The endpoint of the open socket (undefined while there is none). */
  get connectedTo(): string | undefined {
    return this.isOpenNow ? this.endpoint : undefined;
  }

  /** Watches riding the socket and leases keeping it (for tests and diagnostics). */
  get users(): { watches: number; leases: number } {
    return { watches: this.watches.size, leases: this.leaseHolds };
  }

  // -------------------------------------------------------------------------------- its users

  addWatch(w: SocketWatch): void {
    if (this.closed) return;
    this.watches.add(w);
    if (this.isOpenNow) w.socketOpened();
    else this.ensureConnecting();
  }

  removeWatch(w: SocketWatch): void {
    if (!this.watches.delete(w)) return;
    for (const [id, x] of this.byId) if (x === w) this.byId.delete(id);
    this.closeIfIdle();
  }

  /** A kept lease wants the socket open for its keepalives; call the result when it is done. */
  holdForLease(): () => void {
    if (this.closed) return () => undefined;
    this.leaseHolds++;
    this.ensureConnecting();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leaseHolds--;
      this.closeIfIdle();
    };
  }

  /** A fresh watchId on this socket for `w` (each create gets its own, so late messages of an
   *  earlier create of the same watch are never mistaken for the new one's). */
  newWatchId(w: SocketWatch): number {
    const id = this.nextWatchId++;
    this.byId.set(id, w);
    return id;
  }

  /** Stop routing messages of `id` (the watch canceled it or ended). */
  dropWatchId(id: number): void {
    this.byId.delete(id);
  }

  /** Send on the open socket; false when there is none. */
  send(msg: WatchClientMessage): boolean {
    const ws = this.ws;
    if (!this.isOpenNow || !ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /** Resolves true once a socket is open, false after `ms` (or when closed/aborted). */
  whenOpen(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isOpenNow) return Promise.resolve(true);
    if (this.closed || signal?.aborted || ms <= 0) return Promise.resolve(false);
    this.ensureConnecting();
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(timer);
        this.openWaiters.delete(onOpen);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onOpen = (): void => done(this.isOpenNow);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.openWaiters.add(onOpen);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * One keepalive of `lease` over the open socket; resolves with the renewed TTL (seconds).
   * Rejects with the server's code (LEASE_NOT_FOUND, NO_LEADER, ...), with UNAVAILABLE when no
   * socket is open or one is already in flight for this lease, with CONNECTION_LOST when the
   * socket breaks first, and with REQUEST_TIMEOUT after `timeoutMs` (the socket is then dropped).
   */
  keepalive(lease: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (this.closed) return Promise.reject(new RaftlockError('CLIENT_CLOSED', 'the client is closed'));
    if (this.pending.has(lease)) return Promise.reject(new RaftlockError('UNAVAILABLE', `a keepalive of lease ${lease} is already in flight on the socket`));
    const ws = this.ws;
    const endpoint = this.endpoint;
    if (!this.send({ type: 'keepalive', lease })) return Promise.reject(new RaftlockError('UNAVAILABLE', 'the client socket is not open'));
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        const p = this.pending.get(lease);
        if (p?.timer !== timer || p.abandoned) return;
        p.abandoned = true;
        reject(new RaftlockError('ABORTED', `keepalive of lease ${lease} aborted`));
      };
      const timer = setTimeout(() => {
        const p = this.pending.get(lease);
        if (p?.timer !== timer) return;
        this.pending.delete(lease);
        signal?.removeEventListener('abort', onAbort);
        if (p.abandoned) return;
        reject(new RaftlockError('REQUEST_TIMEOUT', `keepalive of lease ${lease} over the socket to ${endpoint}: no answer within ${timeoutMs} ms`, { endpoint }));
        // An answer may still come: this socket can no longer tell whose it is.
        if (ws === this.ws) this.lose(`keepalive of lease ${lease} unanswered`);
      }, Math.max(1, timeoutMs));
      this.pending.set(lease, {
        resolve: (ttl) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ttl);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        timer,
        abandoned: false,
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Renew the token (a member refused it) and authenticate the open socket with it. Concurrent
   *  callers share one renewal. */
  reauthenticate(): Promise<void> {
    this.reauthInFlight ??= (async () => {
      try {
        const ws = this.ws;
        const token = await this.transport.renewToken();
        if (token !== undefined && ws === this.ws) this.send({ type: 'auth', token });
      } catch {
        // The watch or keepalive that needed it fails or retries on its own.
      } finally {
        this.reauthInFlight = undefined;
      }
    })();
    return this.reauthInFlight;
  }

  /** A watch or keepalive got a transient refusal from this member (NO_LEADER, ...): move to the
   *  next endpoint, unless the socket is younger than a second (so a cluster-wide hiccup such
   *  as an election does not make every socket hop around). */
  moveElsewhere(why: string): void {
    if (this.isOpenNow && Date.now() - this.openedAt >= 1_000) this.lose(why);
  }

  /** Close for good (the client is closing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.teardown('client closed', 'CLIENT_CLOSED');
    for (const f of [...this.openWaiters]) f();
  }

  // ------------------------------------------------------------------------------ the socket

  private get wanted(): boolean {
    return !this.closed && (this.watches.size > 0 || this.leaseHolds > 0);
  }

  private closeIfIdle(): void {
    if (this.wanted) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (!this.ws || this.closed) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.wanted) this.teardown('no watch or lease left', 'CONNECTION_LOST');
    }, this.idleMs);
  }

  private ensureConnecting(): void {
    if (this.wanted) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (!this.wanted || this.ws || this.connecting || this.retryTimer) return;
    this.connecting = true;
    // TLS options and a current token (renewed if it is near its end, or at once if the last
    // upgrade was refused 401) for this socket.
    const renew = this.renewBeforeConnect;
    this.renewBeforeConnect = false;
    (renew ? this.transport.renewToken().then(() => this.transport.socketOptions()) : this.transport.socketOptions()).then(
      (o) => {
        this.connecting = false;
        this.open(o);
      },
      () => {
        this.connecting = false;
        this.scheduleReconnect();
      },
    );
  }

  private open(socketOptions: Awaited<ReturnType<HttpTransport['socketOptions']>>): void {
    if (!this.wanted || this.ws) return;
    const endpoint = this.transport.preferred;
    this.endpoint = endpoint;
    this.alive = true;
    const url = endpoint.replace(/^http/, 'ws') + WATCH_PATH;
    const ws = new WebSocket(url, { handshakeTimeout: this.handshakeTimeoutMs, perMessageDeflate: false, ...socketOptions });
    this.ws = ws;
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.isOpenNow = true;
      this.openedAt = Date.now();
      this.opens++;
      this.pingTimer = setInterval(() => {
        if (!this.alive) {
          this.lose('no pong');
          return;
        }
        this.alive = false;
        ws.ping();
      }, this.pingIntervalMs);
      for (const f of [...this.openWaiters]) f();
      for (const w of [...this.watches]) if (ws === this.ws) w.socketOpened();
    });
    ws.on('unexpected-response', (_req, res) => {
      // The upgrade was refused (the member's JSON error): a 401 means our token is no good.
      if (res.statusCode === 401) this.renewBeforeConnect = true;
      res.resume();
      ws.terminate(); // 'close' follows: reopen elsewhere
    });
    ws.on('pong', () => (this.alive = true));
    ws.on('message', (data: RawData) => {
      if (ws !== this.ws) return;
      this.alive = true;
      this.onMessage(data);
    });
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => {
      if (ws === this.ws) this.lose('socket closed');
    });
  }

  /** The socket broke or is condemned: fail what was in flight on it, and open another. */
  private lose(why: string): void {
    const from = this.endpoint;
    const longLived = this.isOpenNow && Date.now() - this.openedAt > 1_000;
    this.teardown(why, 'CONNECTION_LOST');
    if (!this.wanted) return;
    this.transport.rotate(from);
    if (longLived) this.backoffMs = 50;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 1_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureConnecting();
    }, delay);
  }

  private teardown(why: string, code: 'CONNECTION_LOST' | 'CLIENT_CLOSED'): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    const ws = this.ws;
    const wasOpen = this.isOpenNow;
    const endpoint = this.endpoint;
    this.ws = undefined;
    this.isOpenNow = false;
    this.byId.clear();
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, why.slice(0, 100));
      else ws.terminate();
    }
    const pending = [...this.pending.entries()];
    this.pending.clear();
    for (const [lease, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new RaftlockError(code, `keepalive of lease ${lease}: the socket to ${endpoint} was lost (${why})`, { endpoint }));
    }
    if (wasOpen) for (const w of [...this.watches]) w.socketLost();
  }

  private onMessage(data: RawData): void {
    let msg: Record<string, unknown>;
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      // A member that sends garbage is not one to rely on: try another.
      this.lose('the server sent a message that is not a JSON object');
      return;
    }
    switch (msg.type) {
      case 'keepalive': {
        if (typeof msg.lease !== 'string') return;
        const p = this.pending.get(msg.lease);
        if (!p) return;
        this.pending.delete(msg.lease);
        clearTimeout(p.timer);
        if (typeof msg.ttl === 'number') p.resolve(msg.ttl);
        else p.reject(new RaftlockError('BAD_RESPONSE', `keepalive answer without a ttl: ${JSON.stringify(msg).slice(0, 200)}`, { endpoint: this.endpoint }));
        return;
      }
      case 'error': {
        const code = typeof msg.code === 'string' ? msg.code : 'INTERNAL';
        if (code === 'UNAUTHENTICATED') void this.reauthenticate();
        if (typeof msg.lease === 'string') {
          const p = this.pending.get(msg.lease);
          if (!p) return;
          this.pending.delete(msg.lease);
          clearTimeout(p.timer);
          const { type: _t, code: _c, message, lease: _l, ...details } = msg;
          p.reject(new RaftlockError(code, typeof message === 'string' ? message : code, { endpoint: this.endpoint, details }));
          return;
        }
        if (typeof msg.watchId === 'number') this.byId.get(msg.watchId)?.onMessage(msg);
        return;
      }
      case 'progress':
        for (const w of new Set(this.byId.values())) w.onMessage(msg);
        return;
      case 'created':
      case 'events':
      case 'canceled':
        if (typeof msg.watchId === 'number') this.byId.get(msg.watchId)?.onMessage(msg);
        return;
      default:
        return; // 'authenticated' and future message types
    }
  }
}
