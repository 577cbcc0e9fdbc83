// Key order: keys sort by UTF-16 code unit order, which is JavaScript's `<` on strings.
// (It equals Unicode code point order and UTF-8 byte order except that characters
// U+E000..U+FFFF sort after supplementary characters U+10000..; we document the JS order and
// use it everywhere: range results, snapshots, lease key lists.)
export function compareKeys(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/**
 * The smallest string that sorts after every string starting with `prefix`, or undefined when no
 * such string exists (empty prefix, or a prefix of only U+FFFF code units).
 */
export function prefixEnd(prefix) {
    let i = prefix.length - 1;
    while (i >= 0 && prefix.charCodeAt(i) === 0xffff)
        i--;
    if (i < 0)
        return undefined;
    return prefix.slice(0, i) + String.fromCharCode(prefix.charCodeAt(i) + 1);
}
/** Index of the first element of sorted `arr` that is >= `key`. */
export function lowerBound(arr, key) {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (arr[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
/** Half-open index range [start, end) of the keys of sorted `arr` that start with `prefix`. */
export function prefixBounds(arr, prefix) {
    const start = lowerBound(arr, prefix);
    const end = prefixEnd(prefix);
    return [start, end === undefined ? arr.length : lowerBound(arr, end)];
}
//# sourceMappingURL=key-order.js.map