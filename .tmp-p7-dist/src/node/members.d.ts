export interface MemberRecord {
    id: number;
    name: string;
    peerUrl: string;
    clientUrl: string;
}
export declare function encodeMemberContext(m: MemberRecord): Uint8Array;
export declare function decodeMemberContext(bytes: Uint8Array): MemberRecord | undefined;
export declare class MemberDirectory {
    private readonly byId;
    upsert(m: MemberRecord): void;
    remove(id: number): void;
    get(id: number): MemberRecord | undefined;
    all(): MemberRecord[];
    toJSON(): MemberRecord[];
    replaceAll(list: MemberRecord[]): void;
}
/**
 * Snapshot data as stored in the Raft snapshot: the member directory and the state machine's
 * own snapshot bytes. Layout: u32 BE length of the directory JSON, the JSON, then the state bytes.
 */
export declare function encodeSnapshotEnvelope(members: MemberRecord[], state: Uint8Array): Uint8Array;
export declare function decodeSnapshotEnvelope(data: Uint8Array): {
    members: MemberRecord[];
    state: Uint8Array;
};
