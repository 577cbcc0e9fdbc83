/** A position: chunk index and index inside it (chunk === chunks.length means the end). */
interface Cursor {
    chunk: number;
    at: number;
}
export declare class SortedKeys {
    private chunks;
    private count;
    get size(): number;
    /** Index of the first chunk whose last key is >= key (chunks.length when none). */
    private chunkFor;
    /** The position of the first key >= `key`. */
    seek(key: string): Cursor;
    /** The end position. */
    end(): Cursor;
    /** Keys in [a, b). */
    countBetween(a: Cursor, b: Cursor): number;
    /** Up to `limit` keys from `from` (limit < 0: all) that are before `to`. */
    collect(from: Cursor, to: Cursor, limit: number): string[];
    has(key: string): boolean;
    /** Insert; returns false when already present. */
    insert(key: string): boolean;
    /** Remove; returns false when absent. */
    delete(key: string): boolean;
    /** Append a key that sorts after every present key (bulk loading). */
    append(key: string): void;
    [Symbol.iterator](): IterableIterator<string>;
}
export {};
