// A watch as an async iterator of per-revision batches. It survives reconnects and member
// failover: it remembers the last revision it delivered and re-creates the watch elsewhere from
// the next one, so every change arrives exactly once, in order. A compacted start surfaces as a
// CompactedError; other server refusals as RaftlockError.
//
// Flow control: at most `maxBufferedBatches` batches wait for the consumer; past that the socket
// is paused (TCP pushes back, and the server cancels us as a slow reader with a resume revision,
// which we follow).

import { WebSocket, type RawData } from 'ws';
import type { WatchEvent } from '../wire/kv.js';
import { CompactedError, RaftlockError } from './errors.js';
import { TRANSIENT_CODES, type HttpTransport } from './http-transport.js';
import type { WatchBatch } from './types.js';

export interface WatchOptions {
  /** Watch every key starting with `key`. */
  prefix?: boolean;
  /** First revision to deliver (inclusive). Omitted or 0: changes after the watch is created. */
  startRevision?: number;
  /** Ask for the previous value of each changed key. */
  prevKv?: boolean;
  signal?: AbortSignal;
  /** Batches buffered for a slow consumer before the socket is paused (default 1024). */
  maxBufferedBatches?: number;
  /** Give up after this long without managing to (re)create the watch, ms (default 60 s). */
  reconnectTimeoutMs?: number;
  /** Ping period used to detect a dead connection, ms (default 5 s). */
  pingIntervalMs?: number;
}

const WATCH_ID = 1;
const SLOW_READER = /resume from revision (\d+)/;

export class Watcher implements AsyncIterable<WatchBatch> {
  readonly key: string;
  /** Resolves with the store revision when the watch is first created; rejects if it never is. */
  readonly ready: Promise<number>;
  private resolveReady!: (rev: number) => void;
  private rejectReady!: (e: Error) => void;
  private readyDone = false;

  private readonly queue: WatchBatch[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private ended = false;

  private ws: WebSocket | undefined;
  private endpoint: string | undefined;
  private created = false;
  private paused = false;
  /** Next revision to ask for on (re)connect; 0 = "now". */
  private nextStart: number;
  private lastDelivered = 0;
  private reconnects = 0;
  private failingSince: number | undefined;
  private backoffMs = 50;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private alive = true;
  private readonly maxBuffered: number;
  private readonly reconnectTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly transport: HttpTransport,
    key: string,
    private readonly opts: WatchOptions = {},
  ) {
    if (key === '' && !opts.prefix) throw new RaftlockError('INVALID_ARGUMENT', 'a watch key must not be empty unless prefix is true');
    const start = opts.startRevision ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) throw new RaftlockError('INVALID_ARGUMENT', 'startRevision must be a non-negative integer');
    this.key = key;
    this.nextStart = start;
    this.maxBuffered = Math.max(1, opts.maxBufferedBatches ?? 1024);
    this.reconnectTimeoutMs = opts.reconnectTimeoutMs ?? 60_000;
    this.pingIntervalMs = opts.pingIntervalMs ?? 5_000;
    this.ready = new Promise<number>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined); // a consumer that only iterates sees the error there
    if (opts.signal?.aborted) {
      this.close();
      return;
    }
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.connect();
  }

  /** The last revision delivered to the consumer's queue (0 = none yet). */
  get lastRevision(): number {
    return this.lastDelivered;
  }

  /** How many times the watch was re-created after its connection broke. */
  get reconnectCount(): number {
    return this.reconnects;
  }

  /** The endpoint the watch is connected to now (undefined between connections). */
  get connectedTo(): string | undefined {
    return this.created ? this.endpoint : undefined;
  }

  /** Stop watching. Buffered batches are dropped; the iterator ends. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.teardownSocket();
    clearTimeout(this.retryTimer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    if (!this.readyDone) {
      this.readyDone = true;
      this.rejectReady(new RaftlockError('ABORTED', 'the watch was closed before it was created'));
    }
    this.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<WatchBatch>> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        if (this.paused && this.queue.length <= this.maxBuffered / 2) {
          this.paused = false;
          this.ws?.resume();
        }
        return { done: false, value: batch };
      }
      if (this.failure) {
        const f = this.failure;
        this.failure = undefined;
        this.close();
        throw f;
      }
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.teardownSocket();
    clearTimeout(this.retryTimer);
    if (!this.readyDone) {
      this.readyDone = true;
      this.rejectReady(err);
    }
    this.ended = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.wake?.();
  }

  private connect(): void {
    if (this.ended) return;
    this.failingSince ??= Date.now();
    // TLS options and a current token (renewed if it is near its end) for this socket.
    this.transport.socketOptions().then(
      (o) => this.open(o),
      (err: unknown) => {
        if (err instanceof RaftlockError && (err.code === 'CLIENT_CLOSED' || err.code === 'AUTH_FAILED')) return this.fail(err);
        this.reconnect();
      },
    );
  }

  private open(socketOptions: Awaited<ReturnType<HttpTransport['socketOptions']>>): void {
    if (this.ended) return;
    const endpoint = this.transport.preferred;
    this.endpoint = endpoint;
    this.created = false;
    this.alive = true;
    const url = endpoint.replace(/^http/, 'ws') + '/v1/watch';
    const ws = new WebSocket(url, { handshakeTimeout: 5_000, perMessageDeflate: false, ...socketOptions });
    this.ws = ws;
    ws.on('open', () => {
      if (ws !== this.ws) return;
      const create: Record<string, unknown> = { type: 'create', key: this.key, watchId: WATCH_ID };
      if (this.opts.prefix) create.prefix = true;
      if (this.opts.prevKv) create.prevKv = true;
      if (this.nextStart > 0) create.startRevision = this.nextStart;
      ws.send(JSON.stringify(create));
      this.pingTimer = setInterval(() => {
        if (!this.alive) {
          ws.terminate();
          return;
        }
        this.alive = false;
        ws.ping();
      }, this.pingIntervalMs);
    });
    ws.on('pong', () => (this.alive = true));
    ws.on('message', (data: RawData) => {
      if (ws !== this.ws) return;
      this.alive = true;
      try {
        this.onMessage(data);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
    ws.on('error', () => undefined); // 'close' follows; we reconnect there
    ws.on('close', () => {
      if (ws !== this.ws) return;
      this.reconnect();
    });
  }

  private teardownSocket(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    this.created = false;
    this.paused = false;
    if (ws) {
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closed the watch');
      else ws.terminate();
    }
  }

  /** The connection broke (or the server asked us to go): create the watch again elsewhere. */
  private reconnect(opts: { sameEndpoint?: boolean } = {}): void {
    if (this.ended) return;
    const from = this.endpoint;
    this.teardownSocket();
    if (!opts.sameEndpoint) this.transport.rotate(from);
    this.failingSince ??= Date.now();
    if (Date.now() - this.failingSince > this.reconnectTimeoutMs) {
      this.fail(new RaftlockError('UNAVAILABLE', `watch on "${this.key}": no member accepted it for ${this.reconnectTimeoutMs} ms`));
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 1_000);
    this.retryTimer = setTimeout(() => {
      this.reconnects++;
      this.connect();
    }, delay);
  }

  private onMessage(data: RawData): void {
    let msg: Record<string, unknown>;
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.fail(new RaftlockError('BAD_RESPONSE', `watch on "${this.key}": the server sent a message that is not JSON`));
      return;
    }
    switch (msg.type) {
      case 'created': {
        if (msg.watchId !== WATCH_ID) return;
        const rev = num(msg.revision);
        this.created = true;
        this.failingSince = undefined;
        this.backoffMs = 50;
        // "From now": resume after the revision the watch started at.
        if (this.nextStart === 0) this.nextStart = rev + 1;
        if (!this.readyDone) {
          this.readyDone = true;
          this.resolveReady(rev);
        }
        return;
      }
      case 'events': {
        if (msg.watchId !== WATCH_ID) return;
        const revision = num(msg.revision);
        if (revision <= this.lastDelivered) {
          this.fail(new Error(`invariant: watch on "${this.key}" got revision ${revision} after ${this.lastDelivered} (repeat or out of order)`));
          return;
        }
        if (this.nextStart > 0 && revision < this.nextStart) {
          this.fail(new Error(`invariant: watch on "${this.key}" asked to start at ${this.nextStart} but got revision ${revision}`));
          return;
        }
        this.lastDelivered = revision;
        this.nextStart = revision + 1;
        this.queue.push({ revision, events: msg.events as WatchEvent[] });
        if (this.queue.length >= this.maxBuffered && !this.paused && this.ws) {
          this.paused = true;
          this.ws.pause();
        }
        this.wake?.();
        return;
      }
      case 'progress': {
        // Every event up to `revision` was delivered on this socket: nothing to replay below it.
        if (this.created) this.nextStart = Math.max(this.nextStart, num(msg.revision) + 1);
        return;
      }
      case 'canceled': {
        if (msg.watchId !== WATCH_ID) return;
        const reason = typeof msg.reason === 'string' ? msg.reason : 'canceled';
        if (typeof msg.compactRevision === 'number') {
          this.fail(new CompactedError(msg.compactRevision, `watch on "${this.key}" from revision ${this.nextStart}: history is compacted up to ${msg.compactRevision}`, { endpoint: this.endpoint }));
          return;
        }
        const slow = SLOW_READER.exec(reason);
        if (slow) {
          const resume = Number(slow[1]);
          if (resume !== this.nextStart && this.nextStart !== 0) {
            this.fail(new Error(`invariant: server says resume at ${resume}, client expects ${this.nextStart}`));
            return;
          }
          this.reconnect({ sameEndpoint: true });
          return;
        }
        // Shutdown or a server-side hiccup: create it again, elsewhere.
        this.reconnect();
        return;
      }
      case 'error': {
        if (msg.watchId !== undefined && msg.watchId !== WATCH_ID) return;
        const code = typeof msg.code === 'string' ? msg.code : 'INTERNAL';
        const message = typeof msg.message === 'string' ? msg.message : code;
        if (TRANSIENT_CODES.has(code)) {
          this.reconnect();
          return;
        }
        this.fail(new RaftlockError(code, `watch on "${this.key}": ${message}`, { endpoint: this.endpoint }));
        return;
      }
      default:
        return; // keepalive answers and future message types
    }
  }
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RaftlockError('BAD_RESPONSE', `expected an integer revision, got ${JSON.stringify(v)}`);
  return v;
}
