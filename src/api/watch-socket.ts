// WebSocket watch streams at /v1/watch. One socket carries many watches; the ws server runs in
// noServer mode and shares the node:http server cmd/ owns (we only take upgrades for our path).
//
// Per-watch guarantees: `created` is written before any event of that watch (ws keeps write
// order), events arrive in revision order with each revision once, and a slow reader is cut off
// (its watches canceled with a resume revision) instead of buffering without bound or slowing
// the writers that publish events.

import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { z } from 'zod';
import type { WatchEvent } from '../state/commands.js';
import type { ApiMetrics } from './api-metrics.js';
import { CodedError, toCodedError, wsCloseCodeFor, type ErrorCode } from './errors.js';
import type { ApiLimits } from './limits.js';
import type { ApiLogger } from './logger.js';
import { hasBody, parseJsonBytes, parseQuery, percentDecode, utf8Bytes } from './request-text.js';
import { msToTtlSeconds } from './routes-leases.js';
import { LEASE_ID_PATTERN, parseWith } from './schemas.js';
import { writeSocketError } from './socket-answers.js';
import type { ServerFacade, WatchSubscription } from './server-facade.js';
import { bearerToken, principalOf, principalOfToken, requireAccess, runAs, type Principal } from './auth.js';
import { eventJsonText } from './wire.js';
import { WATCH_PATH } from '../wire/watch-messages.js';

export { WATCH_PATH };

const watchIdSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

function clientMessageSchema(limits: Readonly<ApiLimits>) {
  const keyOk = (s: string): boolean => utf8Bytes(s) <= limits.maxKeyBytes;
  return z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('create'),
      key: z.string().refine(keyOk, `must be at most ${limits.maxKeyBytes} UTF-8 bytes`),
      prefix: z.boolean().optional(),
      startRevision: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      prevKv: z.boolean().optional(),
      watchId: watchIdSchema.optional(),
    }),
    z.strictObject({ type: z.literal('cancel'), watchId: watchIdSchema }),
    z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(1024) }),
    z.strictObject({ type: z.literal('keepalive'), lease: z.string().regex(LEASE_ID_PATTERN, 'must be a lease id') }),
  ]);
}

type ClientMessage = z.infer<ReturnType<typeof clientMessageSchema>>;

interface Watch {
  id: number;
  prevKv: boolean;
  /** Highest revision delivered to the client (0 = none yet). */
  lastRevision: number;
  /** The revision the client would resume from if nothing was delivered yet. */
  firstRevision: number;
  /** True once every revision up to the live stream has been delivered: from the start for a
   *  watch starting now or in the future; for a catch-up watch once it delivered a revision at
   *  or past the store revision at its creation. Until then progress cannot vouch for it. */
  live: boolean;
  /** The store revision when the watch was created. */
  createdRevision: number;
  /** Undefined while the create is still waiting on its read barrier. */
  sub?: WatchSubscription;
  done: boolean;
}

export class WatchSockets {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WatchConnection>();
  private closed = false;
  private readonly schema: ReturnType<typeof clientMessageSchema>;

  constructor(
    private readonly server: ServerFacade,
    private readonly limits: Readonly<ApiLimits>,
    private readonly metrics: ApiMetrics | undefined,
    private readonly logger: ApiLogger,
  ) {
    // UTF-8 of text frames is checked by us (strictly, in parseJsonBytes) so a bad frame gets an
    // `error` message and the socket stays open, instead of ws closing it with 1007.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxWsMessageBytes, clientTracking: false, skipUTF8Validation: true });
    // Handshakes ws refuses after our checks (a malformed Sec-WebSocket-Protocol header) are
    // answered in the JSON error shape too.
    this.wss.on('wsClientError', (err: Error, socket: Duplex) => {
      writeSocketError(socket, new CodedError('BAD_REQUEST', `WebSocket handshake refused: ${err.message}`), { parsed: false });
    });
    this.schema = clientMessageSchema(limits);
  }

  /** Take WebSocket upgrades for /v1/watch on `httpServer`; refuse every other upgrade path. */
  attach(httpServer: HttpServer): void {
    httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.logger.debug({ err }, 'upgrade socket error'));
    let refusal: { err: CodedError; headers?: Record<string, string> } | undefined;
    try {
      refusal = this.checkUpgrade(req);
    } catch (err) {
      refusal = { err: toCodedError(err) };
    }
    if (refusal) return writeSocketError(socket, refusal.err, { parsed: false, ...(refusal.headers ? { headers: refusal.headers } : {}) });
    // With auth on, a socket is authenticated by a bearer token or a client certificate on the
    // upgrade, or else by a first {"type":"auth","token"} message (for clients that cannot set
    // headers); a bad token on the upgrade is refused there.
    let principal: Principal | undefined;
    let token: string | undefined;
    const auth = this.server.state().auth();
    if (auth.enabled()) {
      try {
        token = bearerToken(req);
        principal = principalOf(auth, req, token, Date.now());
      } catch {
        // A bad token or header is refused now; no credentials at all may come in a first message.
        if (req.headers.authorization !== undefined) return writeSocketError(socket, new CodedError('UNAUTHENTICATED', 'the token on the upgrade is not valid'), { parsed: false });
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closed) {
        ws.close(wsCloseCodeFor('SHUTTING_DOWN'), 'shutting down');
        return;
      }
      const conn = new WatchConnection(ws, socket, this.server, this.limits, this.metrics, this.logger, this.schema, () => {
        this.sockets.delete(conn);
        this.metrics?.watchStreams?.(-1);
      });
      conn.principal = principal;
      conn.token = token;
      this.sockets.add(conn);
      this.metrics?.watchStreams?.(1);
    });
  }

  /** Why an upgrade request is refused (in the API's JSON error shape), or undefined to take it.
   *  The handshake headers are checked here, not by ws, so every refusal is a JSON answer. */
  private checkUpgrade(req: IncomingMessage): { err: CodedError; headers?: Record<string, string> } | undefined {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = percentDecode(q < 0 ? url : url.slice(0, q), 'path');
    if (path !== WATCH_PATH) return { err: new CodedError('NOT_FOUND', `WebSocket upgrades are taken only at ${WATCH_PATH}, not ${path}`) };
    parseQuery(q < 0 ? '' : url.slice(q + 1), []);
    if (req.method !== 'GET') {
      return { err: new CodedError('METHOD_NOT_ALLOWED', `a WebSocket upgrade must be a GET, not ${req.method}`, { details: { allow: 'GET' } }), headers: { Allow: 'GET' } };
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return { err: new CodedError('BAD_REQUEST', `only WebSocket upgrades are taken (Upgrade: websocket), not "${req.headers.upgrade ?? ''}"`) };
    }
    if (!/^[+/0-9A-Za-z]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) {
      return { err: new CodedError('BAD_REQUEST', 'missing or invalid Sec-WebSocket-Key header') };
    }
    const version = req.headers['sec-websocket-version'];
    if (version !== '13' && version !== '8') {
      return { err: new CodedError('BAD_REQUEST', 'missing or unsupported Sec-WebSocket-Version (13 and 8 are taken)'), headers: { 'Sec-WebSocket-Version': '13, 8' } };
    }
    if (hasBody(req)) return { err: new CodedError('BODY_NOT_ALLOWED', 'a WebSocket upgrade takes no request body') };
    if (this.closed) return { err: new CodedError('SHUTTING_DOWN', 'this member is shutting down; retry on another member') };
    if (this.sockets.size >= this.limits.maxWatchSockets) {
      return { err: new CodedError('TOO_MANY_WATCHERS', `at most ${this.limits.maxWatchSockets} watch sockets per member`) };
    }
    return undefined;
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  /** Close every watch socket (1001, shutting down) and stop taking new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sockets];
    await Promise.all(all.map((c) => c.shutdown()));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** The events' JSON texts, comma-joined, remembered per array: the hub gives every watch of a
 *  revision the same (read-only) array, so a fan-out to many watches builds the text once. */
const eventsTextCache = [new WeakMap<readonly WatchEvent[], string>(), new WeakMap<readonly WatchEvent[], string>()];

function eventsJsonText(events: readonly WatchEvent[], withPrevKv: boolean): string {
  const cache = eventsTextCache[withPrevKv ? 1 : 0]!;
  let text = cache.get(events);
  if (text === undefined) {
    text = events.map((e) => eventJsonText(e, withPrevKv)).join(',');
    cache.set(events, text);
  }
  return text;
}

class WatchConnection {
  private readonly watches = new Map<number, Watch>();
  private nextWatchId = 1;
  private lastSendAt = performance.now();
  private readonly progressTimer: NodeJS.Timeout;
  private closed = false;
  private readonly closedPromise: Promise<void>;
  /** The socket is corked until the end of the current job (see deliver). */
  private corked = false;
  /** Who this socket acts for while auth is on (undefined until it authenticates). */
  principal: Principal | undefined;
  /** The token it authenticated with (re-checked at every create), if any. */
  token: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    /** The connection under `ws`, corked while one applied batch fans out (see deliver). */
    private readonly socket: Pick<Duplex, 'cork' | 'uncork'>,
    private readonly server: ServerFacade,
    private readonly limits: Readonly<ApiLimits>,
    private readonly metrics: ApiMetrics | undefined,
    private readonly logger: ApiLogger,
    private readonly schema: ReturnType<typeof clientMessageSchema>,
    private readonly onClosed: () => void,
  ) {
    this.closedPromise = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => this.teardown());
    ws.on('error', (err) => this.logger.debug({ err }, 'watch socket error'));
    const tick = Math.max(10, Math.floor(limits.progressIntervalMs / 2));
    this.progressTimer = setInterval(() => this.maybeSendProgress(), tick);
    this.progressTimer.unref();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.progressTimer);
    for (const w of this.watches.values()) this.endWatch(w);
    this.watches.clear();
    this.onClosed();
  }

  async shutdown(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(wsCloseCodeFor('SHUTTING_DOWN'), 'shutting down');
      const force = setTimeout(() => this.ws.terminate(), 2000);
      force.unref();
      await this.closedPromise;
      clearTimeout(force);
    }
    this.teardown();
  }

  private sendText(text: string): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
    this.lastSendAt = performance.now();
  }

  private send(msg: Record<string, unknown>): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(msg));
    this.lastSendAt = performance.now();
  }

  private sendError(code: ErrorCode, message: string, extra?: Record<string, unknown>): void {
    this.send({ type: 'error', code, message, ...(extra ?? {}) });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    let msg: ClientMessage;
    try {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      msg = parseWith(this.schema, parseJsonBytes(bytes, isBinary ? 'binary message' : 'message'), 'message');
    } catch (err) {
      const e = toCodedError(err);
      this.sendError(e.code, e.message);
      return;
    }
    if (msg.type === 'auth') return this.authenticate(msg.token);
    if (msg.type === 'cancel') return this.cancel(msg.watchId);
    let p: Principal | undefined;
    try {
      p = this.checkedPrincipal();
    } catch (err) {
      const e = toCodedError(err);
      return this.sendError(e.code, e.message, msg.type === 'keepalive' ? { lease: msg.lease } : watchIdField(msg.watchId));
    }
    const run = (fn: () => Promise<void>): void => void (p === undefined ? fn() : runAs(p, fn));
    if (msg.type === 'create') run(() => this.create(msg));
    else run(() => this.keepalive(msg.lease));
  }

  /** While auth is on: the socket's principal, its token still valid; throws UNAUTHENTICATED. */
  private checkedPrincipal(): Principal | undefined {
    const auth = this.server.state().auth();
    if (!auth.enabled()) return undefined;
    if (this.principal === undefined) {
      throw new CodedError('UNAUTHENTICATED', 'auth is enabled: send {"type":"auth","token"} first, or a bearer token on the upgrade');
    }
    if (this.token !== undefined) this.principal = principalOfToken(auth, this.token, Date.now());
    else if (auth.user(this.principal.user)?.generation !== this.principal.generation) {
      throw new CodedError('UNAUTHENTICATED', 'the certificate\'s user was deleted or changed; reconnect');
    }
    return this.principal;
  }

  private authenticate(token: string): void {
    try {
      this.principal = principalOfToken(this.server.state().auth(), token, Date.now());
      this.token = token;
      this.send({ type: 'authenticated', user: this.principal.user });
    } catch (err) {
      const e = toCodedError(err);
      this.sendError(e.code, e.message);
    }
  }

  private async create(msg: Extract<ClientMessage, { type: 'create' }>): Promise<void> {
    const prefix = msg.prefix === true;
    if (msg.key === '' && !prefix) return this.sendError('INVALID_ARGUMENT', 'message.key must not be empty unless prefix is true');
    try {
      requireAccess(this.server.state().auth(), this.principal, [{ key: msg.key, prefix, access: 'read' }]);
    } catch (err) {
      const e = toCodedError(err);
      return this.sendError(e.code, e.message, watchIdField(msg.watchId));
    }
    if (this.watches.size >= this.limits.maxWatchesPerSocket) {
      return this.sendError('TOO_MANY_WATCHERS', `at most ${this.limits.maxWatchesPerSocket} watches per socket`, watchIdField(msg.watchId));
    }
    let id: number;
    if (msg.watchId !== undefined) {
      if (this.watches.has(msg.watchId)) return this.sendError('INVALID_ARGUMENT', `watchId ${msg.watchId} is already in use on this socket`, { watchId: msg.watchId });
      id = msg.watchId;
    } else {
      while (this.watches.has(this.nextWatchId)) this.nextWatchId++;
      id = this.nextWatchId++;
    }
    const watch: Watch = { id, prevKv: msg.prevKv === true, lastRevision: 0, firstRevision: 0, live: false, createdRevision: 0, done: false };
    this.watches.set(id, watch);
    this.metrics?.watches?.(1);

    let startRevision = msg.startRevision ?? 0;
    if (startRevision === 0) {
      // "From now" must mean now on the cluster, not "now on this possibly lagging member":
      // wait on a linearizable read barrier, then start right after the applied revision.
      try {
        await this.server.readBarrier();
      } catch (err) {
        const e = toCodedError(err);
        if (!watch.done) {
          this.forget(watch);
          this.sendError(e.code, `watch not created: ${e.message}`, { watchId: id });
        }
        return;
      }
      if (watch.done || this.closed) return; // canceled or socket closed while waiting
    }
    const current = this.server.state().revision();
    if (startRevision === 0) startRevision = current + 1;
    watch.firstRevision = startRevision;
    watch.createdRevision = current;
    watch.live = startRevision > current;
    // Written before subscribing, so it precedes any event, even ones delivered synchronously
    // by the subscription (catch-up from history).
    this.send({ type: 'created', watchId: id, revision: current });
    try {
      const sub = this.server.watch({
        key: msg.key,
        prefix,
        startRevision,
        prevKv: watch.prevKv,
        onEvents: (events, revision) => this.deliver(watch, events, revision),
        onCanceled: (reason, compactRevision) => this.serverCanceled(watch, reason, compactRevision),
      });
      if (watch.done) sub.cancel();
      else watch.sub = sub;
    } catch (err) {
      const e = toCodedError(err);
      if (watch.done) return;
      if (e.code === 'COMPACTED') {
        this.serverCanceled(watch, e.message, this.server.state().compactRevision());
      } else {
        this.forget(watch);
        this.send({ type: 'canceled', watchId: id, reason: `${e.code}: ${e.message}` });
      }
    }
  }

  private deliver(watch: Watch, events: readonly WatchEvent[], revision: number): void {
    if (watch.done || this.closed) return;
    if (revision <= watch.lastRevision) {
      // The hub promised revision order, each once. Fail loudly, but only this watch.
      this.logger.error({ watchId: watch.id, revision, lastRevision: watch.lastRevision }, 'invariant: watch events out of order');
      this.forget(watch);
      this.send({ type: 'canceled', watchId: watch.id, reason: `internal: events out of order (revision ${revision} after ${watch.lastRevision})` });
      return;
    }
    if (this.ws.bufferedAmount > this.limits.maxWatchBufferedBytes) {
      this.cancelSlowReader();
      return;
    }
    watch.lastRevision = revision;
    if (revision >= watch.createdRevision) watch.live = true;
    // The hub delivers a whole applied batch synchronously, one message per watch and revision:
    // the socket is corked for the rest of this job, so a socket with many watches (or a batch
    // with many revisions) costs one write, not one per message. Corked bytes count in
    // bufferedAmount, as they would once the kernel's socket buffer is full.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      queueMicrotask(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    // Same text as JSON.stringify({type, watchId, revision, events}), built from per-change
    // texts shared by every watcher of that change.
    this.sendText(`{"type":"events","watchId":${watch.id},"revision":${revision},"events":[${eventsJsonText(events, watch.prevKv)}]}`);
    this.metrics?.eventsSent?.(events.length);
    if (this.ws.bufferedAmount > this.limits.maxWatchBufferedBytes) this.cancelSlowReader();
  }

  /** The socket reads slower than we write: end all its watches, telling each where to resume. */
  private cancelSlowReader(): void {
    if (this.watches.size === 0) return;
    this.metrics?.slowWatcherCanceled?.();
    this.logger.warn({ bufferedAmount: this.ws.bufferedAmount, watches: this.watches.size }, 'slow watch reader: canceling its watches');
    for (const w of [...this.watches.values()]) {
      const resume = w.lastRevision > 0 ? w.lastRevision + 1 : w.firstRevision;
      this.forget(w);
      this.send({ type: 'canceled', watchId: w.id, reason: `slow reader: resume from revision ${resume}` });
    }
  }

  private serverCanceled(watch: Watch, reason: string, compactRevision?: number): void {
    if (watch.done) return;
    this.forget(watch);
    const msg: Record<string, unknown> = { type: 'canceled', watchId: watch.id, reason };
    if (compactRevision !== undefined) msg.compactRevision = compactRevision;
    this.send(msg);
  }

  private cancel(watchId: number): void {
    const w = this.watches.get(watchId);
    if (!w) return this.sendError('INVALID_ARGUMENT', `no watch ${watchId} on this socket`, { watchId });
    this.forget(w);
    this.send({ type: 'canceled', watchId, reason: 'canceled by client' });
  }

  private forget(w: Watch): void {
    this.endWatch(w);
    this.watches.delete(w.id);
  }

  private endWatch(w: Watch): void {
    if (w.done) return;
    w.done = true;
    w.sub?.cancel();
    this.metrics?.watches?.(-1);
  }

  private async keepalive(lease: string): Promise<void> {
    try {
      const r = await this.server.leaseKeepalive(lease);
      this.send({ type: 'keepalive', lease, ttl: msToTtlSeconds(r.ttlMs) });
    } catch (err) {
      const e = toCodedError(err);
      this.sendError(e.code, e.message, { lease });
    }
  }

  private maybeSendProgress(): void {
    if (this.closed || this.watches.size === 0) return;
    if (performance.now() - this.lastSendAt < this.limits.progressIntervalMs) return;
    if (this.ws.bufferedAmount > this.limits.maxWatchBufferedBytes) return this.cancelSlowReader();
    // "Every event up to `revision` was delivered" must hold for every watch on the socket. A
    // live watch is current up to the revision the member has handed to watchers (the fan-out can
    // trail the apply by a moment); a watch still replaying history only up to what it got.
    const current = this.server.publishedRevision?.() ?? this.server.state().revision();
    let revision = current;
    for (const w of this.watches.values()) {
      if (w.firstRevision === 0) continue; // still waiting on its read barrier: not created yet
      if (!w.live) revision = Math.min(revision, Math.max(w.lastRevision, w.firstRevision - 1));
    }
    this.send({ type: 'progress', revision });
  }
}

function watchIdField(watchId: number | undefined): Record<string, unknown> | undefined {
  return watchId === undefined ? undefined : { watchId };
}

