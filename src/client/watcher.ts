// A watch as an async iterator of per-revision batches. It survives reconnects and member
// failover: it remembers the last revision it delivered and re-creates the watch elsewhere from
// the next one, so every change arrives exactly once, in order. A compacted start surfaces as a
// CompactedError; other server refusals as RaftlockError.
//
// Every watch of a client rides the client's one WebSocket (session-socket.ts), with a watchId
// of its own for each create. When that socket breaks, the watch is created again on the next
// one, from the revision after the last it delivered.
//
// Flow control: at most `maxBufferedBatches` batches wait for the consumer. Past that the watch
// cancels itself on the server (pausing the shared socket would also hold up the other watches
// and the lease keepalives), and re-creates itself from the next undelivered revision once the
// consumer has read half of them.

import type { WatchEvent } from '../wire/kv.js';
import { SLOW_READER_REASON } from '../wire/watch-messages.js';
import { CompactedError, RaftlockError } from './errors.js';
import { TRANSIENT_CODES } from './http-transport.js';
import type { SessionSocket, SocketWatch } from './session-socket.js';
import type { WatchBatch } from './types.js';

export interface WatchOptions {
  /** Watch every key starting with `key`. */
  prefix?: boolean;
  /** First revision to deliver (inclusive). Omitted or 0: changes after the watch is created. */
  startRevision?: number;
  /** Ask for the previous value of each changed key. */
  prevKv?: boolean;
  signal?: AbortSignal;
  /** Batches buffered for a slow consumer before the watch is suspended (default 1024). */
  maxBufferedBatches?: number;
  /** Give up after this long without managing to (re)create the watch, ms (default 60 s). */
  reconnectTimeoutMs?: number;
}

export class Watcher implements AsyncIterable<WatchBatch>, SocketWatch {
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

  /** The watchId of the create in flight or in force on the socket; undefined when none. */
  private watchId: number | undefined;
  private created = false;
  /** Canceled by us because the consumer fell behind; re-created once it catches up. */
  private suspended = false;
  /** Next revision to ask for on (re)create; 0 = "now". */
  private nextStart: number;
  private lastDelivered = 0;
  private reconnects = 0;
  private everCreated = false;
  private failingSince: number | undefined;
  private backoffMs = 50;
  private retryTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private unauthenticatedRetries = 0;
  private readonly maxBuffered: number;
  private readonly reconnectTimeoutMs: number;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly session: SessionSocket,
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
    this.startFailing();
    session.addWatch(this);
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
    return this.created ? this.session.connectedTo : undefined;
  }

  /** Stop watching. Buffered batches are dropped; the iterator ends. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.leaveSocket();
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
        if (this.suspended && this.queue.length <= this.maxBuffered / 2) {
          this.suspended = false;
          this.startFailing();
          this.create();
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
    this.leaveSocket();
    if (!this.readyDone) {
      this.readyDone = true;
      this.rejectReady(err);
    }
    this.ended = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.wake?.();
  }

  // ------------------------------------------------------------ life on the shared socket

  socketOpened(): void {
    if (this.ended || this.suspended) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.create();
  }

  socketLost(): void {
    this.watchId = undefined;
    this.created = false;
    if (this.ended || this.suspended) return;
    this.startFailing();
  }

  /** Send a create for the next undelivered revision on the open socket (if it is open; else
   *  socketOpened does it). */
  private create(): void {
    if (this.ended || this.suspended || this.watchId !== undefined || !this.session.isOpen) return;
    const watchId = this.session.newWatchId(this);
    const create: { type: 'create'; key: string; watchId: number; prefix?: boolean; prevKv?: boolean; startRevision?: number } = { type: 'create', key: this.key, watchId };
    if (this.opts.prefix) create.prefix = true;
    if (this.opts.prevKv) create.prevKv = true;
    if (this.nextStart > 0) create.startRevision = this.nextStart;
    if (!this.session.send(create)) {
      this.session.dropWatchId(watchId);
      return;
    }
    this.watchId = watchId;
    this.created = false;
    if (this.everCreated) this.reconnects++;
  }

  /** Forget the current create (canceled by either side, or refused). */
  private dropCreate(): void {
    if (this.watchId !== undefined) this.session.dropWatchId(this.watchId);
    this.watchId = undefined;
    this.created = false;
  }

  /** Cancel on the server (if the watch is there) and stop riding the socket. */
  private leaveSocket(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.giveUpTimer);
    if (this.watchId !== undefined) this.session.send({ type: 'cancel', watchId: this.watchId });
    this.dropCreate();
    this.session.removeWatch(this);
  }

  /** The watch is not created (yet, or any more): give up if that lasts reconnectTimeoutMs. */
  private startFailing(): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = setTimeout(() => {
      if (!this.created && !this.suspended) this.fail(new RaftlockError('UNAVAILABLE', `watch on "${this.key}": no member accepted it for ${this.reconnectTimeoutMs} ms`));
    }, this.reconnectTimeoutMs);
  }

  /** A transient refusal: create again after a backoff, and let the socket try another member. */
  private retryLater(why: string): void {
    this.dropCreate();
    this.startFailing();
    this.session.moveElsewhere(why);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 1_000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.create();
    }, delay);
  }

  /** Consumer too slow: cancel on the server, keep what is buffered, resume from nextStart. */
  private suspend(): void {
    if (this.watchId !== undefined) this.session.send({ type: 'cancel', watchId: this.watchId });
    this.dropCreate();
    this.suspended = true;
    clearTimeout(this.giveUpTimer);
    this.failingSince = undefined;
  }

  onMessage(msg: Record<string, unknown>): void {
    try {
      this.handle(msg);
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private handle(msg: Record<string, unknown>): void {
    if (this.ended) return;
    switch (msg.type) {
      case 'created': {
        if (msg.watchId !== this.watchId) return;
        const rev = num(msg.revision);
        this.created = true;
        this.everCreated = true;
        this.failingSince = undefined;
        clearTimeout(this.giveUpTimer);
        this.backoffMs = 50;
        this.unauthenticatedRetries = 0;
        // "From now": resume after the revision the watch started at.
        if (this.nextStart === 0) this.nextStart = rev + 1;
        if (!this.readyDone) {
          this.readyDone = true;
          this.resolveReady(rev);
        }
        return;
      }
      case 'events': {
        if (msg.watchId !== this.watchId) return;
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
        if (this.queue.length >= this.maxBuffered) this.suspend();
        this.wake?.();
        return;
      }
      case 'progress': {
        // Every event up to `revision` was delivered on this socket: nothing to replay below it.
        if (this.created) this.nextStart = Math.max(this.nextStart, num(msg.revision) + 1);
        return;
      }
      case 'canceled': {
        if (msg.watchId !== this.watchId) return;
        const reason = typeof msg.reason === 'string' ? msg.reason : 'canceled';
        if (typeof msg.compactRevision === 'number') {
          this.fail(new CompactedError(msg.compactRevision, `watch on "${this.key}" from revision ${this.nextStart}: history is compacted up to ${msg.compactRevision}`, { endpoint: this.session.connectedTo }));
          return;
        }
        const slow = SLOW_READER_REASON.exec(reason);
        if (slow) {
          const resume = Number(slow[1]);
          // The server may resume below nextStart (a progress message already vouched for the
          // revisions in between); above it, it would skip revisions this watch never got.
          if (resume > this.nextStart && this.nextStart !== 0) {
            this.fail(new Error(`invariant: server says resume at ${resume}, client expects ${this.nextStart}`));
            return;
          }
          // The socket read too slowly for the server: create it again at once, on the same one.
          this.dropCreate();
          this.startFailing();
          this.create();
          return;
        }
        // A server-side hiccup: create it again (on another member if this one keeps refusing).
        this.retryLater(`watch canceled: ${reason}`);
        return;
      }
      case 'error': {
        if (msg.watchId !== this.watchId) return;
        const code = typeof msg.code === 'string' ? msg.code : 'INTERNAL';
        const message = typeof msg.message === 'string' ? msg.message : code;
        // TOO_MANY_WATCHERS as a message is the member's per-socket limit (maxWatchesPerSocket):
        // this client has more watches than one socket may carry, which no retry changes.
        if (TRANSIENT_CODES.has(code) && code !== 'TOO_MANY_WATCHERS') {
          this.retryLater(`watch refused: ${code}`);
          return;
        }
        if (code === 'UNAUTHENTICATED' && this.unauthenticatedRetries++ === 0) {
          // The socket's token ended: it authenticates again (session-socket.ts), then we retry.
          this.dropCreate();
          void this.session.reauthenticate().then(() => this.create());
          return;
        }
        this.fail(new RaftlockError(code, `watch on "${this.key}": ${message}`, { endpoint: this.session.connectedTo }));
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
