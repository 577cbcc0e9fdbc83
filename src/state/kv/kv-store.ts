// The key space: a map from key to its current KeyValue plus a sorted index of keys for prefix
// ranges (SortedKeys: binary search over sorted chunks). KeyValue records are immutable and
// frozen: every change makes a new record, so a record handed to a reader or kept in the watch
// history never changes under it.
//
// The store knows nothing of revisions' bookkeeping: the caller passes the revision a change
// happens at. It knows nothing of leases either (the caller keeps lease attachments).

import type { KeyValue } from '../commands.js';
import { invariant } from '../../invariant/index.js';
import { compareKeys, prefixEnd } from './key-order.js';
import { SortedKeys } from './sorted-keys.js';

export interface RangeResult {
  kvs: KeyValue[];
  /** True when keys of the range follow the returned ones (`limit` cut the list short). */
  more: boolean;
  /** Keys matching the prefix (all of them: before `start` too, not just the returned ones). */
  count: number;
  /** When `more`: the first key not returned; the next page starts there. */
  next?: string;
}

export interface RangeOptions {
  /** Start at this key (inclusive) instead of at the prefix's first key. */
  start?: string;
  /**
   * Read an older state: for every key of the prefix changed since, its record then (undefined:
   * it did not exist then). History.changedSince builds it.
   */
  asOf?: ReadonlyMap<string, KeyValue | undefined>;
}

export function makeKeyValue(
  key: string,
  value: string,
  createRevision: number,
  modRevision: number,
  version: number,
  lease: string,
): KeyValue {
  return Object.freeze({ key, value, createRevision, modRevision, version, lease });
}

/**
 * The key space as it was when cut() was called, read while the store goes on changing: the
 * keys, in order, in chunks shared copy-on-write with the store, and each key's record then.
 */
export interface KvCut {
  readonly size: number;
  readonly keyChunks: readonly (readonly string[])[];
  /** The records `keys` (a chunk of keyChunks) had at the cut. */
  records(keys: readonly string[]): KeyValue[];
  /** Stop keeping records for this cut (it cannot be read afterwards). */
  release(): void;
}

interface ActiveCut {
  /** The record at the cut of every key changed since: the first change records it. */
  readonly before: Map<string, KeyValue>;
  released: boolean;
}

export class KvStore {
  private readonly byKey = new Map<string, KeyValue>();
  /** All keys, sorted by compareKeys. Invariant: same members as byKey. */
  private readonly sorted = new SortedKeys();
  /** Cuts not yet released (usually none or one). */
  private active: ActiveCut[] = [];

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): KeyValue | undefined {
    return this.byKey.get(key);
  }

  /** Keys starting with `prefix`, from `opts.start` on, in key order; `limit` <= 0 means no
   *  limit. With `opts.asOf`, the keys and records of that older state. */
  range(prefix: string, limit: number, opts: RangeOptions = {}): RangeResult {
    const [lo, hi] = this.bounds(prefix);
    const from = opts.start !== undefined && opts.start > prefix ? this.sorted.seek(opts.start) : lo;
    const asOf = opts.asOf;
    if (asOf === undefined || asOf.size === 0) {
      const keys = this.sorted.collect(from, hi, limit > 0 ? limit + 1 : -1);
      return this.page(keys.map((k) => this.byKey.get(k)!), limit, this.sorted.countBetween(lo, hi));
    }
    // The older state differs from today's only in the keys of `asOf`: merge today's keys (each
    // changed one dropped) with the changed keys' older records. Fetching limit + asOf.size + 1
    // of today's keys leaves limit + 1 after the drops whenever the range goes on further.
    const firstKey = opts.start !== undefined && opts.start > prefix ? opts.start : prefix;
    let count = this.sorted.countBetween(lo, hi);
    const older: KeyValue[] = [];
    for (const [key, kv] of asOf) {
      if (this.byKey.has(key)) count--;
      if (kv !== undefined) {
        count++;
        if (key >= firstKey) older.push(kv);
      }
    }
    older.sort((a, b) => compareKeys(a.key, b.key));
    const today = this.sorted.collect(from, hi, limit > 0 ? limit + asOf.size + 1 : -1);
    const want = limit > 0 ? limit + 1 : Number.POSITIVE_INFINITY;
    const merged: KeyValue[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < want && (i < today.length || j < older.length)) {
      const t = today[i];
      if (t !== undefined && asOf.has(t)) {
        i++;
        continue;
      }
      if (t !== undefined && (j >= older.length || t < older[j]!.key)) {
        merged.push(this.byKey.get(t)!);
        i++;
      } else {
        merged.push(older[j++]!);
      }
    }
    return this.page(merged, limit, count);
  }

  /** `kvs` holds up to limit + 1 records: the page and, when it goes on, the next one. */
  private page(kvs: KeyValue[], limit: number, count: number): RangeResult {
    if (limit > 0 && kvs.length > limit) {
      const next = kvs[limit]!.key;
      kvs.length = limit;
      return { kvs, more: true, count, next };
    }
    return { kvs, more: false, count };
  }

  /** Keys in [start, end) in key order (`end` undefined: every key from `start` on); `limit` <= 0
   *  means no limit. */
  between(start: string, end: string | undefined, limit: number): RangeResult {
    const from = this.sorted.seek(start);
    const to = end === undefined ? this.sorted.end() : this.sorted.seek(end < start ? start : end);
    const count = this.sorted.countBetween(from, to);
    const keys = this.sorted.collect(from, to, limit > 0 ? limit : -1);
    return { kvs: keys.map((k) => this.byKey.get(k)!), more: keys.length < count, count };
  }

  /** The keys starting with `prefix`, in key order (a copy). */
  keysWithPrefix(prefix: string): string[] {
    const [start, end] = this.bounds(prefix);
    return this.sorted.collect(start, end, -1);
  }

  private bounds(prefix: string) {
    const stop = prefixEnd(prefix);
    return [this.sorted.seek(prefix), stop === undefined ? this.sorted.end() : this.sorted.seek(stop)] as const;
  }

  /** Write `key` at `revision`; returns the new record and the previous one, if any. */
  put(key: string, value: string, lease: string, revision: number): { kv: KeyValue; prevKv?: KeyValue } {
    const prev = this.byKey.get(key);
    let kv: KeyValue;
    if (prev) {
      invariant(revision >= prev.modRevision, () => `put of ${JSON.stringify(key)} at revision ${revision} before its modRevision ${prev.modRevision}`);
      kv = makeKeyValue(key, value, prev.createRevision, revision, prev.version + 1, lease);
    } else {
      kv = makeKeyValue(key, value, revision, revision, 1, lease);
      invariant(this.sorted.insert(key), () => `sorted index already had new key ${JSON.stringify(key)}`);
    }
    if (prev && this.active.length > 0) this.keepForCuts(key, prev);
    this.byKey.set(key, kv);
    return prev ? { kv, prevKv: prev } : { kv };
  }

  /** Remove `key`; returns the removed record or undefined when it did not exist. */
  delete(key: string): KeyValue | undefined {
    const prev = this.byKey.get(key);
    if (!prev) return undefined;
    if (this.active.length > 0) this.keepForCuts(key, prev);
    this.byKey.delete(key);
    invariant(this.sorted.delete(key), () => `sorted index lost key ${JSON.stringify(key)}`);
    return prev;
  }

  /**
   * A consistent picture of the key space, taken in O(key chunks) rather than O(keys): records
   * are frozen, so only the keys changed while the cut is read need their old record kept.
   */
  cut(): KvCut {
    const active: ActiveCut = { before: new Map(), released: false };
    this.active.push(active);
    const byKey = this.byKey;
    return {
      size: byKey.size,
      keyChunks: this.sorted.share(),
      records(keys: readonly string[]): KeyValue[] {
        invariant(!active.released, 'read of a released key-space cut');
        const before = active.before;
        const out = new Array<KeyValue>(keys.length);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          const kv = (before.size > 0 ? before.get(key) : undefined) ?? byKey.get(key);
          if (kv === undefined) invariant(false, () => `key ${JSON.stringify(key)} of the cut has no record`);
          out[i] = kv;
        }
        return out;
      },
      release: () => {
        active.released = true;
        active.before.clear();
        this.active = this.active.filter((a) => a !== active);
      },
    };
  }

  private keepForCuts(key: string, prev: KeyValue): void {
    for (const { before } of this.active) if (!before.has(key)) before.set(key, prev);
  }

  /** Load a record while restoring a snapshot; records must arrive in strictly increasing key order. */
  load(kv: KeyValue): void {
    this.sorted.append(kv.key);
    this.byKey.set(kv.key, Object.isFrozen(kv) ? kv : Object.freeze({ ...kv }));
  }
}
