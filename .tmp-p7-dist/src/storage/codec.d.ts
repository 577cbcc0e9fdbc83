import type { ConfState, Entry, HardState, SnapshotMetadata } from '../raft/types.js';
export declare class CodecError extends Error {
    readonly code: 'MALFORMED';
    constructor(message: string);
}
/** A growable output buffer. `limit` bounds its size (throws CodecError beyond it). */
export declare class ByteWriter {
    private readonly limit;
    private buf;
    private view;
    private pos;
    constructor(initialBytes?: number, limit?: number);
    get length(): number;
    private ensure;
    u8(v: number): this;
    u32(v: number): this;
    /** Overwrites a u32 (big-endian) already written at `at` (used to patch frame lengths). */
    patchU32(at: number, v: number): void;
    /** Unsigned LEB128 of a safe non-negative integer. */
    uvarint(v: number): this;
    /** Raw bytes, no length prefix. */
    raw(b: Uint8Array): this;
    /** Length-prefixed bytes. */
    bytes(b: Uint8Array): this;
    string(s: string): this;
    /** The bytes written so far (a view; the writer must not be used afterwards). */
    finish(): Uint8Array;
}
/** A bounds-checked reader. Byte strings come back as plain Uint8Array views of the input. */
export declare class ByteReader {
    private readonly buf;
    /** What is being decoded, for error messages (e.g. "entry 42", "frame MSG"). */
    private readonly what;
    private pos;
    private readonly view;
    constructor(buf: Uint8Array, 
    /** What is being decoded, for error messages (e.g. "entry 42", "frame MSG"). */
    what: string, start?: number);
    get offset(): number;
    get remaining(): number;
    fail(msg: string): never;
    private need;
    u8(field?: string): number;
    u32(field?: string): number;
    uvarint(field?: string): number;
    /** A count of items that each take at least `minItemBytes`: rejects counts the input cannot hold. */
    count(field: string, minItemBytes?: number): number;
    raw(n: number, field?: string): Uint8Array;
    bytes(field?: string): Uint8Array;
    string(field?: string): string;
    /** Asserts the whole input was consumed. */
    end(): void;
}
export declare function writeEntry(w: ByteWriter, e: Entry): void;
export declare function readEntry(r: ByteReader): Entry;
/** Upper bound of writeEntry's output, to size buffers without a second pass. */
export declare function entrySizeBound(e: Entry): number;
export declare function encodeEntry(e: Entry): Uint8Array;
export declare function decodeEntry(b: Uint8Array, what?: string): Entry;
export declare function writeHardState(w: ByteWriter, hs: HardState): void;
export declare function readHardState(r: ByteReader): HardState;
export declare function writeConfState(w: ByteWriter, cs: ConfState): void;
export declare function readConfState(r: ByteReader): ConfState;
export declare function writeSnapshotMetadata(w: ByteWriter, m: SnapshotMetadata): void;
export declare function readSnapshotMetadata(r: ByteReader): SnapshotMetadata;
