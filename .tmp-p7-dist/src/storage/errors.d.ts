export type StorageErrorCode = 
/** A stored record failed its checksum, could not be decoded, or breaks a log invariant. */
'STORAGE_CORRUPT'
/** The underlying database reported an I/O failure; the store refuses further writes. */
 | 'STORAGE_IO'
/** The store is not open (never opened, or closed). */
 | 'STORAGE_CLOSED'
/** Too many writes queued without being awaited (the caller must await each save). */
 | 'STORAGE_BUSY';
export declare class StorageError extends Error {
    readonly code: StorageErrorCode;
    constructor(code: StorageErrorCode, message: string, opts?: {
        cause?: unknown;
    });
}
export declare class StorageCorruptionError extends StorageError {
    readonly code: 'STORAGE_CORRUPT';
    /** Database location (directory) or "memory". */
    readonly path: string;
    /** The record, e.g. "entry 42", "hard state", "snapshot chunk 3". */
    readonly key: string;
    readonly problem: string;
    constructor(path: string, key: string, problem: string, opts?: {
        cause?: unknown;
    });
}
