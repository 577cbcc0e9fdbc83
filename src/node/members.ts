// The member directory: who is in the cluster and where to reach them. Built from the
// ConfChange entries the log carries (their `context` is a MemberRecord as JSON) and from
// snapshots; the founding members also come from the initial-cluster config.

export interface MemberRecord {
  id: number;
  name: string;
  peerUrl: string;
  clientUrl: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeMemberContext(m: MemberRecord): Uint8Array {
  return textEncoder.encode(JSON.stringify({ id: m.id, name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl }));
}

export function decodeMemberContext(bytes: Uint8Array): MemberRecord | undefined {
  if (bytes.length === 0) return undefined;
  try {
    const v = JSON.parse(textDecoder.decode(bytes)) as Partial<MemberRecord>;
    if (typeof v.id === 'number' && typeof v.name === 'string' && typeof v.peerUrl === 'string' && typeof v.clientUrl === 'string') {
      return { id: v.id, name: v.name, peerUrl: v.peerUrl, clientUrl: v.clientUrl };
    }
  } catch {
    // fall through: an unreadable context is treated as absent
  }
  return undefined;
}

export class MemberDirectory {
  private readonly byId = new Map<number, MemberRecord>();

  upsert(m: MemberRecord): void {
    this.byId.set(m.id, { ...m });
  }

  remove(id: number): void {
    this.byId.delete(id);
  }

  get(id: number): MemberRecord | undefined {
    return this.byId.get(id);
  }

  all(): MemberRecord[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  toJSON(): MemberRecord[] {
    return this.all();
  }

  replaceAll(list: MemberRecord[]): void {
    this.byId.clear();
    for (const m of list) this.upsert(m);
  }
}

/**
 * Snapshot data as stored in the Raft snapshot: the member directory and the state machine's
 * own snapshot bytes. Layout: u32 BE length of the directory JSON, the JSON, then the state bytes.
 * This is the envelope up to the state bytes (the caller appends them).
 */
export function snapshotEnvelopeHeader(members: MemberRecord[]): Uint8Array {
  const dir = textEncoder.encode(JSON.stringify(members));
  const out = new Uint8Array(4 + dir.length);
  new DataView(out.buffer).setUint32(0, dir.length);
  out.set(dir, 4);
  return out;
}

export function decodeSnapshotEnvelope(data: Uint8Array): { members: MemberRecord[]; state: Uint8Array } {
  if (data.length < 4) throw new Error(`snapshot envelope too short (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = view.getUint32(0);
  if (4 + n > data.length) throw new Error(`snapshot envelope directory length ${n} exceeds ${data.length - 4} bytes`);
  const members = JSON.parse(textDecoder.decode(data.subarray(4, 4 + n))) as MemberRecord[];
  return { members, state: data.subarray(4 + n) };
}
