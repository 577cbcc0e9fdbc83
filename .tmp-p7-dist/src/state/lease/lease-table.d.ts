export interface LeaseRecord {
    readonly id: string;
    readonly ttlMs: number;
    /** Keys (not reserved lock keys) whose `lease` is this id. */
    readonly keys: Set<string>;
}
export declare class LeaseTable {
    private readonly byId;
    get size(): number;
    get(id: string): LeaseRecord | undefined;
    has(id: string): boolean;
    grant(id: string, ttlMs: number): LeaseRecord;
    /** Remove the lease; returns its record (the caller deletes its keys and releases its locks). */
    remove(id: string): LeaseRecord;
    attachKey(id: string, key: string): void;
    detachKey(id: string, key: string): void;
    /** All leases sorted by id (a deterministic order independent of grant history). */
    list(): LeaseRecord[];
}
