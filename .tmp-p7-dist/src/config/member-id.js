// Member ids: a stable number derived from the member name and the cluster token.
//
// FNV-1a (64-bit) over the UTF-8 bytes of `<clusterToken>/<name>`, truncated to its low 52 bits.
// The result is a positive integer below 2^52, so it is exact as a JavaScript number and safe in
// JSON; 0 is reserved for "no member/no leader" and is mapped to 1. The same name in two clusters
// with different tokens gets different ids, so a stray member of another cluster is recognisable.
const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;
const MASK52 = (1n << 52n) - 1n;
export function fnv1a64(bytes) {
    let h = FNV64_OFFSET;
    for (const b of bytes) {
        h ^= BigInt(b);
        h = (h * FNV64_PRIME) & MASK64;
    }
    return h;
}
const encoder = new TextEncoder();
/** A stable member id in [1, 2^52) for `name` in the cluster identified by `clusterToken`. */
export function memberIdFor(name, clusterToken) {
    if (name.length === 0)
        throw new Error('memberIdFor: name must not be empty');
    const h = fnv1a64(encoder.encode(`${clusterToken}/${name}`)) & MASK52;
    const id = Number(h);
    return id === 0 ? 1 : id;
}
//# sourceMappingURL=member-id.js.map