import { ByteReader, ByteWriter } from '../storage/codec.js';
import { MessageType } from '../raft/types.js';
import type { Message } from '../raft/types.js';
export declare const PROTOCOL_VERSION = 1;
export declare const FRAME_HEADER_BYTES = 5;
export declare enum FrameKind {
    Hello = 1,
    HelloAck = 2,
    Error = 3,
    Msg = 4,
    Request = 5,
    Response = 6,
    Ping = 7,
    Pong = 8,
    SnapBegin = 9,
    SnapChunk = 10,
    SnapAck = 11
}
/** Message types that exist only inside one member and must never be put on the wire. */
export declare const LOCAL_MESSAGE_TYPES: ReadonlySet<MessageType>;
export declare class FrameError extends Error {
    readonly code: 'MALFORMED_FRAME' | 'FRAME_TOO_LARGE';
    constructor(code: 'MALFORMED_FRAME' | 'FRAME_TOO_LARGE', message: string, opts?: {
        cause?: unknown;
    });
}
export declare function writeMessage(w: ByteWriter, m: Message, opts?: {
    omitSnapshotData?: boolean;
}): void;
export declare function readMessage(r: ByteReader): Message;
/** Upper bound of writeMessage's output (to size the buffer in one go). */
export declare function messageSizeBound(m: Message): number;
export declare function encodeMessage(m: Message): Uint8Array;
export declare function decodeMessage(b: Uint8Array): Message;
export declare function helloFrame(clusterId: string, from: number, to: number): Uint8Array;
export declare function helloAckFrame(clusterId: string, id: number): Uint8Array;
export declare function errorFrame(code: string, message: string): Uint8Array;
export declare function msgFrame(m: Message, maxFrameBytes: number): Uint8Array;
export declare function requestFrame(id: number, payload: Uint8Array, maxFrameBytes: number): Uint8Array;
export declare function responseOkFrame(id: number, payload: Uint8Array, maxFrameBytes: number): Uint8Array;
export declare function responseErrFrame(id: number, code: string, message: string): Uint8Array;
export declare function pingFrame(nonce: number): Uint8Array;
export declare function pongFrame(nonce: number): Uint8Array;
/** Starts a snapshot transfer: the message with its snapshot data left out, plus size and crc. */
export declare function snapBeginFrame(id: number, m: Message, totalBytes: number, crc: number, maxFrameBytes: number): Uint8Array;
export declare function snapChunkFrame(id: number, offset: number, chunk: Uint8Array, maxFrameBytes: number): Uint8Array;
export declare function snapAckFrame(id: number, ok: boolean): Uint8Array;
export type Frame = {
    kind: FrameKind.Hello;
    version: number;
    clusterId: string;
    from: number;
    to: number;
} | {
    kind: FrameKind.HelloAck;
    version: number;
    clusterId: string;
    id: number;
} | {
    kind: FrameKind.Error;
    code: string;
    message: string;
} | {
    kind: FrameKind.Msg;
    message: Message;
} | {
    kind: FrameKind.Request;
    id: number;
    payload: Uint8Array;
} | {
    kind: FrameKind.Response;
    id: number;
    ok: true;
    payload: Uint8Array;
} | {
    kind: FrameKind.Response;
    id: number;
    ok: false;
    code: string;
    message: string;
} | {
    kind: FrameKind.Ping;
    nonce: number;
} | {
    kind: FrameKind.Pong;
    nonce: number;
} | {
    kind: FrameKind.SnapBegin;
    id: number;
    totalBytes: number;
    crc: number;
    message: Message;
} | {
    kind: FrameKind.SnapChunk;
    id: number;
    offset: number;
    chunk: Uint8Array;
} | {
    kind: FrameKind.SnapAck;
    id: number;
    ok: boolean;
};
/** Parses one frame body (kind + payload, without the length). Throws FrameError. */
export declare function parseFrame(kind: number, payload: Uint8Array): Frame;
/**
 * Splits a byte stream into frames. Each frame body is copied once into its own buffer (sized
 * from the header), so large frames arriving in many TCP reads cost one copy, and the decoded
 * values may keep views into it safely. Throws FrameError on a bad header; after that the
 * connection must be closed (the stream cannot be resynchronised).
 */
export declare class FrameDecoder {
    private readonly maxFrameBytes;
    private header;
    private headerFill;
    private body;
    private bodyFill;
    private kind;
    constructor(maxFrameBytes: number);
    /** True when no partial frame is buffered. */
    get idle(): boolean;
    push(chunk: Uint8Array, onFrame: (kind: number, payload: Uint8Array) => void): void;
}
