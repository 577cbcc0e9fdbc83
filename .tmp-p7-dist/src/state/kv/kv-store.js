// The key space: a map from key to its current KeyValue plus a sorted index of keys for prefix
// ranges (SortedKeys: binary search over sorted chunks). KeyValue records are immutable and
// frozen: every change makes a new record, so a record handed to a reader or kept in the watch
// history never changes under it.
//
// The store knows nothing of revisions' bookkeeping: the caller passes the revision a change
// happens at. It knows nothing of leases either (the caller keeps lease attachments).
import { invariant } from '../errors.js';
import { prefixEnd } from './key-order.js';
import { SortedKeys } from './sorted-keys.js';
export function makeKeyValue(key, value, createRevision, modRevision, version, lease) {
    return Object.freeze({ key, value, createRevision, modRevision, version, lease });
}
export class KvStore {
    byKey = new Map();
    /** All keys, sorted by compareKeys. Invariant: same members as byKey. */
    sorted = new SortedKeys();
    get size() {
        return this.byKey.size;
    }
    get(key) {
        return this.byKey.get(key);
    }
    /** Keys starting with `prefix`, in key order; `limit` <= 0 means no limit. */
    range(prefix, limit) {
        const [start, end] = this.bounds(prefix);
        const count = this.sorted.countBetween(start, end);
        const keys = this.sorted.collect(start, end, limit > 0 ? limit : -1);
        return { kvs: keys.map((k) => this.byKey.get(k)), more: keys.length < count, count };
    }
    /** The keys starting with `prefix`, in key order (a copy). */
    keysWithPrefix(prefix) {
        const [start, end] = this.bounds(prefix);
        return this.sorted.collect(start, end, -1);
    }
    bounds(prefix) {
        const stop = prefixEnd(prefix);
        return [this.sorted.seek(prefix), stop === undefined ? this.sorted.end() : this.sorted.seek(stop)];
    }
    /** Write `key` at `revision`; returns the new record and the previous one, if any. */
    put(key, value, lease, revision) {
        const prev = this.byKey.get(key);
        let kv;
        if (prev) {
            invariant(revision >= prev.modRevision, `put of ${JSON.stringify(key)} at revision ${revision} before its modRevision ${prev.modRevision}`);
            kv = makeKeyValue(key, value, prev.createRevision, revision, prev.version + 1, lease);
        }
        else {
            kv = makeKeyValue(key, value, revision, revision, 1, lease);
            invariant(this.sorted.insert(key), `sorted index already had new key ${JSON.stringify(key)}`);
        }
        this.byKey.set(key, kv);
        return prev ? { kv, prevKv: prev } : { kv };
    }
    /** Remove `key`; returns the removed record or undefined when it did not exist. */
    delete(key) {
        const prev = this.byKey.get(key);
        if (!prev)
            return undefined;
        this.byKey.delete(key);
        invariant(this.sorted.delete(key), `sorted index lost key ${JSON.stringify(key)}`);
        return prev;
    }
    /** Every record in key order (for snapshots). */
    *entries() {
        for (const key of this.sorted)
            yield this.byKey.get(key);
    }
    /** Load a record while restoring a snapshot; records must arrive in strictly increasing key order. */
    load(kv) {
        this.sorted.append(kv.key);
        this.byKey.set(kv.key, Object.isFrozen(kv) ? kv : Object.freeze({ ...kv }));
    }
}
//# sourceMappingURL=kv-store.js.map