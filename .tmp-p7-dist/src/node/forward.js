// Requests a follower forwards to the leader over the peer transport's RPC channel, and their
// answers. JSON is fine here: these are client requests, not per-entry replication traffic.
const enc = new TextEncoder();
const dec = new TextDecoder();
export function encodeForward(x) {
    return enc.encode(JSON.stringify(x));
}
export function decodeForwardRequest(bytes) {
    const v = JSON.parse(dec.decode(bytes));
    if (!v || typeof v !== 'object' || !['propose', 'keepalive', 'leaseRemaining', 'confChange'].includes(v.kind)) {
        throw new Error('malformed forward request');
    }
    return v;
}
export function decodeForwardResponse(bytes) {
    const v = JSON.parse(dec.decode(bytes));
    if (!v || typeof v !== 'object' || typeof v.ok !== 'boolean')
        throw new Error('malformed forward response');
    return v;
}
//# sourceMappingURL=forward.js.map