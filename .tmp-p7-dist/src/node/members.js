// The member directory: who is in the cluster and where to reach them. Built from the
// ConfChange entries the log carries (their `context` is a MemberRecord as JSON) and from
// snapshots; the founding members also come from the initial-cluster config.
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
export function encodeMemberContext(m) {
    return textEncoder.encode(JSON.stringify({ id: m.id, name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl }));
}
export function decodeMemberContext(bytes) {
    if (bytes.length === 0)
        return undefined;
    try {
        const v = JSON.parse(textDecoder.decode(bytes));
        if (typeof v.id === 'number' && typeof v.name === 'string' && typeof v.peerUrl === 'string' && typeof v.clientUrl === 'string') {
            return { id: v.id, name: v.name, peerUrl: v.peerUrl, clientUrl: v.clientUrl };
        }
    }
    catch {
        // fall through: an unreadable context is treated as absent
    }
    return undefined;
}
export class MemberDirectory {
    byId = new Map();
    upsert(m) {
        this.byId.set(m.id, { ...m });
    }
    remove(id) {
        this.byId.delete(id);
    }
    get(id) {
        return this.byId.get(id);
    }
    all() {
        return [...this.byId.values()].sort((a, b) => a.id - b.id);
    }
    toJSON() {
        return this.all();
    }
    replaceAll(list) {
        this.byId.clear();
        for (const m of list)
            this.upsert(m);
    }
}
/**
 * Snapshot data as stored in the Raft snapshot: the member directory and the state machine's
 * own snapshot bytes. Layout: u32 BE length of the directory JSON, the JSON, then the state bytes.
 */
export function encodeSnapshotEnvelope(members, state) {
    const dir = textEncoder.encode(JSON.stringify(members));
    const out = new Uint8Array(4 + dir.length + state.length);
    new DataView(out.buffer).setUint32(0, dir.length);
    out.set(dir, 4);
    out.set(state, 4 + dir.length);
    return out;
}
export function decodeSnapshotEnvelope(data) {
    if (data.length < 4)
        throw new Error(`snapshot envelope too short (${data.length} bytes)`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const n = view.getUint32(0);
    if (4 + n > data.length)
        throw new Error(`snapshot envelope directory length ${n} exceeds ${data.length - 4} bytes`);
    const members = JSON.parse(textDecoder.decode(data.subarray(4, 4 + n)));
    return { members, state: data.subarray(4 + n) };
}
//# sourceMappingURL=members.js.map