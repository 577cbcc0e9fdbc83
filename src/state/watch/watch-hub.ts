// The per-member fan-out of applied changes to watchers. Not replicated state: each member has
// its own hub, fed by its driver after every apply.
//
// Delivery contract: a watcher sees every matching event at revisions >= its start revision,
// once, in revision order, one onEvents call per revision. A watcher that starts in the past
// first catches up from the state machine's history in chunks (one chunk per turn of the event
// loop, so a long replay never blocks it), then joins the live stream with no gap and no
// duplicate:
//
//   `published` is the last revision handed to publish(). A catching-up watcher reads history
//   only up to `published` and turns live in the same synchronous step in which its cursor
//   passes `published`; a live watcher is, by definition, current up to `published`. publish()
//   skips watchers still catching up (they will read that revision from history). So every
//   revision reaches a watcher exactly once, either from history or live.
//
// Matching: exact-key watchers are indexed by key (one map lookup per event); prefix watchers
// are grouped by prefix and the distinct prefixes are scanned.

import type { WatchEvent } from '../commands.js';
import { invariant } from '../../invariant/index.js';
import { StateError } from '../errors.js';
import type { EventsSinceResult } from '../kv/history.js';

/** What the hub needs from the state machine (StateMachine satisfies it). */
export interface WatchSource {
  revision(): number;
  compactRevision(): number;
  eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number): EventsSinceResult;
}

export interface WatchRequest {
  key: string;
  prefix: boolean;
  /** First revision to deliver (inclusive); 0 = from the next published revision on. */
  startRevision: number;
  prevKv: boolean;
  /** `events` is read-only: the same array may go to every watcher of a revision. */
  onEvents(events: readonly WatchEvent[], revision: number): void;
  /** Called once when the hub ends the watch: 'compacted' (with the compaction point),
   *  'callback-error' (onEvents threw), or the reason given to close(). Not called on cancel(). */
  onCanceled(reason: string, compactRevision?: number): void;
}

export interface WatchHandle {
  cancel(): void;
}

export interface WatchHubOptions {
  /** Most watchers at once (default 10,000); beyond it watch() throws TOO_MANY_WATCHERS. */
  maxWatchers?: number;
  /** Events read from history per catch-up step (default 1,000). */
  catchUpChunkEvents?: number;
  /** Runs a catch-up step after the work queued now (default setImmediate; the member passes
   *  its injected clock's defer, so the simulator decides when). */
  defer?(fn: () => void): void;
  /** Told about exceptions thrown by watcher callbacks (the watcher is ended either way). */
  onCallbackError?(err: unknown): void;
}

interface Watcher {
  readonly key: string;
  readonly prefix: boolean;
  readonly prevKv: boolean;
  /** Revisions below this are never delivered. */
  readonly startRevision: number;
  readonly req: WatchRequest;
  /** True while replaying history; `cursor` is then the next revision to read. */
  catchingUp: boolean;
  cursor: number;
  /** A catch-up step is scheduled (see WatchHubOptions.defer). */
  stepScheduled: boolean;
  ended: boolean;
}

export const DEFAULT_MAX_WATCHERS = 10_000;
export const DEFAULT_CATCH_UP_CHUNK_EVENTS = 1_000;

function stripPrevKv(events: readonly WatchEvent[]): readonly WatchEvent[] {
  return events.some((e) => e.prevKv) ? events.map((e) => (e.prevKv ? { type: e.type, kv: e.kv } : e)) : events;
}

export class WatchHub {
  private source: WatchSource;
  private readonly maxWatchers: number;
  private readonly defer: (fn: () => void) => void;
  private readonly chunkEvents: number;
  private readonly onCallbackError: ((err: unknown) => void) | undefined;
  /** Every open watcher (insertion order; not replicated, so any order is fine). */
  private readonly all = new Set<Watcher>();
  private readonly exact = new Map<string, Set<Watcher>>();
  private readonly prefixes = new Map<string, Set<Watcher>>();
  /** The last revision handed to publish() (or the source's revision at construction/resync). */
  private published: number;
  private closed = false;

  constructor(source: WatchSource, opts: WatchHubOptions = {}) {
    this.source = source;
    this.maxWatchers = opts.maxWatchers ?? DEFAULT_MAX_WATCHERS;
    this.chunkEvents = opts.catchUpChunkEvents ?? DEFAULT_CATCH_UP_CHUNK_EVENTS;
    if (!Number.isSafeInteger(this.maxWatchers) || this.maxWatchers < 1) throw new RangeError('maxWatchers must be a positive integer');
    if (!Number.isSafeInteger(this.chunkEvents) || this.chunkEvents < 1) throw new RangeError('catchUpChunkEvents must be a positive integer');
    this.onCallbackError = opts.onCallbackError;
    this.defer = opts.defer ?? ((fn) => void setImmediate(fn));
    this.published = source.revision();
  }

  /** Open watchers (for metrics). */
  get size(): number {
    return this.all.size;
  }

  /** Watchers still replaying history (for metrics). */
  catchingUpCount(): number {
    let n = 0;
    for (const w of this.all) if (w.catchingUp) n++;
    return n;
  }

  /** The last revision published to live watchers. */
  publishedRevision(): number {
    return this.published;
  }

  watch(req: WatchRequest): WatchHandle {
    if (this.closed) throw new StateError('SHUTTING_DOWN', 'the watch hub is closed');
    if (this.all.size >= this.maxWatchers) throw new StateError('TOO_MANY_WATCHERS', `at most ${this.maxWatchers} watchers per member`);
    if (!Number.isSafeInteger(req.startRevision) || req.startRevision < 0) {
      throw new StateError('INVALID_COMMAND', `startRevision must be a non-negative integer, got ${req.startRevision}`);
    }
    const startRevision = req.startRevision === 0 ? this.published + 1 : req.startRevision;
    const w: Watcher = {
      key: req.key,
      prefix: req.prefix,
      prevKv: req.prevKv,
      startRevision,
      req,
      catchingUp: startRevision <= this.published,
      cursor: startRevision,
      stepScheduled: false,
      ended: false,
    };
    this.all.add(w);
    const index = w.prefix ? this.prefixes : this.exact;
    let set = index.get(w.key);
    if (!set) {
      set = new Set();
      index.set(w.key, set);
    }
    set.add(w);
    if (w.catchingUp) this.schedule(w);
    return { cancel: () => this.remove(w) };
  }

  /**
   * Hand the events of one applied command to the watchers. Called by the driver after every
   * apply, in apply order; a command that changed nothing (no events) is ignored. Revisions must
   * follow each other; a skipped revision sends every live watcher back to history to fill it.
   */
  publish(revision: number, events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    invariant(revision > this.published, () => `publish of revision ${revision} after ${this.published}`);
    invariant(revision <= this.source.revision(), () => `publish of revision ${revision} ahead of the state (${this.source.revision()})`);
    if (revision > this.published + 1) {
      // The hub missed revisions: let every live watcher read them (and this one) from history.
      const from = this.published + 1;
      this.published = revision;
      for (const w of this.all) {
        if (w.catchingUp) continue;
        w.catchingUp = true;
        w.cursor = Math.max(from, w.startRevision);
        this.schedule(w);
      }
      return;
    }
    this.published = revision;
    if (events.length === 1) {
      this.publishOne(revision, events);
      return;
    }
    const matched = new Map<Watcher, WatchEvent[]>();
    for (const ev of events) {
      this.forEachLive(ev.kv.key, revision, (w) => {
        const list = matched.get(w);
        if (list) list.push(ev);
        else matched.set(w, [ev]);
      });
    }
    for (const [w, evs] of matched) this.deliver(w, revision, evs);
  }

  /**
   * The state was replaced (snapshot install) or the source object changed: every watcher
   * re-reads history from where it stands, so nothing between its last delivery and the new
   * state's revision is lost (or it ends with 'compacted').
   */
  resync(source: WatchSource = this.source): void {
    this.source = source;
    const from = this.published + 1;
    this.published = source.revision();
    for (const w of this.all) {
      if (!w.catchingUp) {
        w.catchingUp = true;
        w.cursor = Math.max(from, w.startRevision);
      }
      this.schedule(w);
    }
  }

  /** End every watcher with `reason` and refuse new ones. */
  close(reason = 'shutdown'): void {
    this.closed = true;
    for (const w of [...this.all]) this.end(w, reason);
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * publish() of a revision with one event (a put, a single-key delete): each watcher matches at
   * most once (it has one key or one prefix), so every match gets the same array, and the one
   * without prevKv, built once.
   */
  private publishOne(revision: number, events: readonly WatchEvent[]): void {
    // Matched first, delivered after, as publish() does: callbacks may cancel watches.
    const matched: Watcher[] = [];
    this.forEachLive(events[0]!.kv.key, revision, (w) => matched.push(w));
    let stripped: readonly WatchEvent[] | undefined;
    for (const w of matched) {
      if (!w.prevKv && stripped === undefined) stripped = stripPrevKv(events);
      this.deliver(w, revision, w.prevKv ? events : stripped!, true);
    }
  }

  /** Every live watcher (not catching up, started at or before `revision`) whose key or prefix
   *  matches `key`. */
  private forEachLive(key: string, revision: number, visit: (w: Watcher) => void): void {
    const exact = this.exact.get(key);
    if (exact) for (const w of exact) if (!w.catchingUp && revision >= w.startRevision) visit(w);
    for (const [p, set] of this.prefixes) {
      if (key.startsWith(p)) for (const w of set) if (!w.catchingUp && revision >= w.startRevision) visit(w);
    }
  }

  private schedule(w: Watcher): void {
    if (w.stepScheduled || w.ended) return;
    w.stepScheduled = true;
    this.defer(() => this.catchUpStep(w));
  }

  /** One chunk of history for `w`; turns it live once it has read everything published. */
  private catchUpStep(w: Watcher): void {
    w.stepScheduled = false;
    if (w.ended || !w.catchingUp) return;
    const res = this.source.eventsSince(w.cursor, w.key, w.prefix, this.chunkEvents);
    if (res.compacted) {
      this.end(w, 'compacted', res.compactRevision);
      return;
    }
    for (const b of res.batches) {
      if (b.revision > this.published) break;
      invariant(b.revision >= w.cursor, () => `history replayed revision ${b.revision} before cursor ${w.cursor}`);
      if (!this.deliver(w, b.revision, b.events)) return;
    }
    w.cursor = Math.min(res.nextRevision, this.published + 1);
    if (w.cursor > this.published) w.catchingUp = false;
    else this.schedule(w);
  }

  /** Returns false when the watcher ended (its callback threw or it canceled itself). */
  private deliver(w: Watcher, revision: number, events: readonly WatchEvent[], stripped = false): boolean {
    if (w.ended) return false;
    try {
      w.req.onEvents(w.prevKv || stripped ? events : stripPrevKv(events), revision);
    } catch (err) {
      this.onCallbackError?.(err);
      this.end(w, 'callback-error');
      return false;
    }
    return !w.ended;
  }

  private end(w: Watcher, reason: string, compactRevision?: number): void {
    if (w.ended) return;
    this.remove(w);
    try {
      if (compactRevision === undefined) w.req.onCanceled(reason);
      else w.req.onCanceled(reason, compactRevision);
    } catch (err) {
      this.onCallbackError?.(err);
    }
  }

  private remove(w: Watcher): void {
    if (w.ended) return;
    w.ended = true;
    w.stepScheduled = false; // a step already scheduled finds the watcher ended
    this.all.delete(w);
    const index = w.prefix ? this.prefixes : this.exact;
    const set = index.get(w.key);
    invariant(set && set.delete(w), 'watcher missing from its index');
    if (set.size === 0) index.delete(w.key);
  }
}
