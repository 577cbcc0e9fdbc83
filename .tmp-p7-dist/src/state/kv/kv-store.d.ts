import type { KeyValue } from '../commands.js';
export interface RangeResult {
    kvs: KeyValue[];
    more: boolean;
    count: number;
}
export declare function makeKeyValue(key: string, value: string, createRevision: number, modRevision: number, version: number, lease: string): KeyValue;
export declare class KvStore {
    private readonly byKey;
    /** All keys, sorted by compareKeys. Invariant: same members as byKey. */
    private readonly sorted;
    get size(): number;
    get(key: string): KeyValue | undefined;
    /** Keys starting with `prefix`, in key order; `limit` <= 0 means no limit. */
    range(prefix: string, limit: number): RangeResult;
    /** The keys starting with `prefix`, in key order (a copy). */
    keysWithPrefix(prefix: string): string[];
    private bounds;
    /** Write `key` at `revision`; returns the new record and the previous one, if any. */
    put(key: string, value: string, lease: string, revision: number): {
        kv: KeyValue;
        prevKv?: KeyValue;
    };
    /** Remove `key`; returns the removed record or undefined when it did not exist. */
    delete(key: string): KeyValue | undefined;
    /** Every record in key order (for snapshots). */
    entries(): IterableIterator<KeyValue>;
    /** Load a record while restoring a snapshot; records must arrive in strictly increasing key order. */
    load(kv: KeyValue): void;
}
