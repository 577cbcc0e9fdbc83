// The key space: a map from key to its current KeyValue plus a sorted index of keys for prefix
// ranges (SortedKeys: binary search over sorted chunks). KeyValue records are immutable and
// frozen: every change makes a new record, so a record handed to a reader or kept in the watch
// history never changes under it.
//
// The store knows nothing of revisions' bookkeeping: the caller passes the revision a change
// happens at. It knows nothing of leases either (the caller keeps lease attachments).

import type { KeyValue } from '../commands.js';
import { invariant } from '../errors.js';
import { prefixEnd } from './key-order.js';
import { SortedKeys } from './sorted-keys.js';

export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  count: number;
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

export class KvStore {
  private readonly byKey = new Map<string, KeyValue>();
  /** All keys, sorted by compareKeys. Invariant: same members as byKey. */
  private readonly sorted = new SortedKeys();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): KeyValue | undefined {
    return this.byKey.get(key);
  }

  /** Keys starting with `prefix`, in key order; `limit` <= 0 means no limit. */
  range(prefix: string, limit: number): RangeResult {
    const [start, end] = this.bounds(prefix);
    const count = this.sorted.countBetween(start, end);
    const keys = this.sorted.collect(start, end, limit > 0 ? limit : -1);
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
      invariant(revision >= prev.modRevision, `put of ${JSON.stringify(key)} at revision ${revision} before its modRevision ${prev.modRevision}`);
      kv = makeKeyValue(key, value, prev.createRevision, revision, prev.version + 1, lease);
    } else {
      kv = makeKeyValue(key, value, revision, revision, 1, lease);
      invariant(this.sorted.insert(key), `sorted index already had new key ${JSON.stringify(key)}`);
    }
    this.byKey.set(key, kv);
    return prev ? { kv, prevKv: prev } : { kv };
  }

  /** Remove `key`; returns the removed record or undefined when it did not exist. */
  delete(key: string): KeyValue | undefined {
    const prev = this.byKey.get(key);
    if (!prev) return undefined;
    this.byKey.delete(key);
    invariant(this.sorted.delete(key), `sorted index lost key ${JSON.stringify(key)}`);
    return prev;
  }

  /** Every record in key order (for snapshots). */
  *entries(): IterableIterator<KeyValue> {
    for (const key of this.sorted) yield this.byKey.get(key)!;
  }

  /** Every record in key order, as one new array: the records are frozen, so the array is a
   *  consistent picture of the key space however the store changes afterwards. */
  records(): KeyValue[] {
    const keys = this.sorted.toArray();
    const out = new Array<KeyValue>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.byKey.get(keys[i]!)!;
    return out;
  }

  /** Load a record while restoring a snapshot; records must arrive in strictly increasing key order. */
  load(kv: KeyValue): void {
    this.sorted.append(kv.key);
    this.byKey.set(kv.key, Object.isFrozen(kv) ? kv : Object.freeze({ ...kv }));
  }
}
