// The watch history: the events of every revision after the compaction point, in revision
// order. Every revision the state machine creates has at least one event (a revision is only
// created by a change), so consecutive entries have consecutive revisions.

import type { KeyValue, WatchEvent } from '../commands.js';
import { invariant } from '../../invariant/index.js';

export interface EventBatch {
  revision: number;
  events: WatchEvent[];
}

export type EventsSinceResult =
  | { compacted: true; compactRevision: number }
  | {
      compacted: false;
      /** Matching events grouped by revision, in revision order (revisions with no match are left out). */
      batches: EventBatch[];
      /** The first revision not yet examined: continue from here. */
      nextRevision: number;
      /** True when history holds revisions >= nextRevision (the call stopped at maxEvents). */
      more: boolean;
    };

export function keyMatches(eventKey: string, key: string, prefix: boolean): boolean {
  return prefix ? eventKey.startsWith(key) : eventKey === key;
}

export class History {
  /** entries[head..] are live; the dead front is dropped in bulk to keep compaction O(1) amortised. */
  private entries: EventBatch[] = [];
  private head = 0;
  private compactRev = 0;

  compactRevision(): number {
    return this.compactRev;
  }

  /** Number of revisions held. */
  get length(): number {
    return this.entries.length - this.head;
  }

  append(revision: number, events: WatchEvent[]): void {
    invariant(events.length > 0, () => `revision ${revision} appended with no events`);
    const last = this.entries.length > this.head ? this.entries[this.entries.length - 1]!.revision : this.compactRev;
    invariant(revision > last && revision > this.compactRev, () => `history append out of order: ${revision} after ${last}`);
    this.entries.push({ revision, events });
  }

  /** Drop every revision <= `revision`. The caller has checked it is not in the future and not
   *  older than the current compaction point. */
  compact(revision: number): void {
    invariant(revision >= this.compactRev, () => `compaction moving backwards: ${revision} < ${this.compactRev}`);
    this.compactRev = revision;
    while (this.head < this.entries.length && this.entries[this.head]!.revision <= revision) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Index into entries of the first live entry with revision >= rev. */
  private seek(rev: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.revision < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Events at revisions >= startRevision for `key` (exact) or keys starting with `key` (prefix),
   * whole revisions at a time, stopping once at least `maxEvents` events were collected.
   * `currentRevision` is the state's revision (history may end before it only if it is empty).
   */
  eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number, currentRevision: number): EventsSinceResult {
    const start = Math.max(1, startRevision);
    if (start <= this.compactRev) return { compacted: true, compactRevision: this.compactRev };
    const budget = Math.max(1, maxEvents);
    const batches: EventBatch[] = [];
    let collected = 0;
    let i = this.seek(start);
    for (; i < this.entries.length && collected < budget; i++) {
      const entry = this.entries[i]!;
      let matched: WatchEvent[] | undefined;
      for (const ev of entry.events) {
        if (!keyMatches(ev.kv.key, key, prefix)) continue;
        matched ??= [];
        matched.push(ev);
      }
      if (matched) {
        batches.push({ revision: entry.revision, events: matched });
        collected += matched.length;
      }
    }
    const more = i < this.entries.length;
    const nextRevision = more ? this.entries[i]!.revision : Math.max(start, currentRevision + 1);
    return { compacted: false, batches, nextRevision, more };
  }

  /**
   * The records as of `revision` of the keys matching (`key`, `prefix`) that changed after it:
   * for each, the state before its first change after `revision` (undefined: it did not exist
   * then). Keys absent from the map are as they are now. The caller checks that `revision` is
   * within history: compactRevision() <= revision <= the current revision. Costs one pass over
   * the events after `revision`.
   */
  changedSince(revision: number, key: string, prefix: boolean): Map<string, KeyValue | undefined> {
    invariant(revision >= this.compactRev, () => `history read at ${revision}, below the compaction point ${this.compactRev}`);
    const out = new Map<string, KeyValue | undefined>();
    for (let i = this.seek(revision + 1); i < this.entries.length; i++) {
      for (const ev of this.entries[i]!.events) {
        const k = ev.kv.key;
        if (!out.has(k) && keyMatches(k, key, prefix)) {
          out.set(k, ev.prevKv);
          if (!prefix) return out;
        }
      }
    }
    return out;
  }

  /** Live entries in revision order (for snapshots). */
  *batches(): IterableIterator<EventBatch> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i]!;
  }

  /** Restore: set the compaction point, then append entries. */
  resetCompactRevision(revision: number): void {
    invariant(this.length === 0, 'resetCompactRevision on a non-empty history');
    this.compactRev = revision;
  }
}
