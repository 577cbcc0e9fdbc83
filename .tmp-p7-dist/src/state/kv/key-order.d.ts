export declare function compareKeys(a: string, b: string): number;
/**
 * The smallest string that sorts after every string starting with `prefix`, or undefined when no
 * such string exists (empty prefix, or a prefix of only U+FFFF code units).
 */
export declare function prefixEnd(prefix: string): string | undefined;
/** Index of the first element of sorted `arr` that is >= `key`. */
export declare function lowerBound(arr: readonly string[], key: string): number;
/** Half-open index range [start, end) of the keys of sorted `arr` that start with `prefix`. */
export declare function prefixBounds(arr: readonly string[], prefix: string): [number, number];
