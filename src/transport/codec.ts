// The peer wire format. Every frame is
//     [u32be length][u8 kind][payload]
// where `length` counts the kind byte and the payload (so it is >= 1) and is bounded by the
// receiver's maxFrameBytes. Raft messages travel as compact binary (varints, raw entry bytes; see
// src/codec/ for the Entry/ConfState encoding the store shares); there is no JSON on the wire.
//
// A connection is opened by the dialer with HELLO; the acceptor answers HELLO_ACK (or ERROR and
// closes). After that the dialer sends MSG / REQUEST / PING / SNAP_BEGIN / SNAP_CHUNK, and the
// acceptor answers RESPONSE / PONG / SNAP_ACK on the same connection.

import {
  ByteReader,
  ByteWriter,
  CodecError,
  readEntry,
  readSnapshotMetadata,
  writeEntry,
  writeSnapshotMetadata,
  entrySizeBound,
} from '../codec/index.js';
import { MessageType } from '../raft/types.js';
import type { Message } from '../raft/types.js';
import { invariant } from '../invariant/index.js';

export const PROTOCOL_VERSION = 1;
export const FRAME_HEADER_BYTES = 5;

export enum FrameKind {
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
  SnapAck = 11,
}

const MAX_KIND = FrameKind.SnapAck;

/** Message types that exist only inside one member and must never be put on the wire. */
export const LOCAL_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.SnapStatus,
  MessageType.Unreachable,
]);

export class FrameError extends Error {
  readonly code: 'MALFORMED_FRAME' | 'FRAME_TOO_LARGE';
  constructor(code: 'MALFORMED_FRAME' | 'FRAME_TOO_LARGE', message: string, opts?: { cause?: unknown }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FrameError';
    this.code = code;
  }
}

// ---- Message ----

const F_REJECT = 1;
const F_SNAPSHOT = 2;
const F_CONTEXT = 4;

export function writeMessage(w: ByteWriter, m: Message, opts: { omitSnapshotData?: boolean } = {}): void {
  let flags = 0;
  if (m.reject) flags |= F_REJECT;
  if (m.snapshot !== undefined) flags |= F_SNAPSHOT;
  if (m.context !== undefined) flags |= F_CONTEXT;
  w.u8(m.type).u8(flags);
  w.uvarint(m.to).uvarint(m.from).uvarint(m.term).uvarint(m.logTerm).uvarint(m.index).uvarint(m.commit).uvarint(m.rejectHint);
  w.uvarint(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  if (m.context !== undefined) w.bytes(m.context);
  if (m.snapshot !== undefined) {
    writeSnapshotMetadata(w, m.snapshot.metadata);
    w.bytes(opts.omitSnapshotData ? new Uint8Array(0) : m.snapshot.data);
  }
}

export function readMessage(r: ByteReader): Message {
  const type = r.u8('message type');
  if (type > MessageType.Unreachable) r.fail(`unknown message type ${type}`);
  const flags = r.u8('message flags');
  if (flags & ~(F_REJECT | F_SNAPSHOT | F_CONTEXT)) r.fail(`unknown message flags 0x${flags.toString(16)}`);
  const m: Message = {
    type: type as MessageType,
    to: r.uvarint('to'),
    from: r.uvarint('from'),
    term: r.uvarint('term'),
    logTerm: r.uvarint('logTerm'),
    index: r.uvarint('index'),
    commit: r.uvarint('commit'),
    rejectHint: r.uvarint('rejectHint'),
    reject: (flags & F_REJECT) !== 0,
    entries: [],
  };
  const n = r.count('entry count', 4);
  for (let i = 0; i < n; i++) m.entries.push(readEntry(r));
  if (flags & F_CONTEXT) m.context = r.bytes('context');
  if (flags & F_SNAPSHOT) {
    const metadata = readSnapshotMetadata(r);
    m.snapshot = { metadata, data: r.bytes('snapshot data') };
  }
  return m;
}

/** Upper bound of writeMessage's output (to size the buffer in one go). */
export function messageSizeBound(m: Message): number {
  let n = 2 + 7 * 8 + 8;
  for (const e of m.entries) n += entrySizeBound(e);
  if (m.context) n += 8 + m.context.length;
  if (m.snapshot) n += 16 + 8 * (2 + m.snapshot.metadata.confState.voters.length + m.snapshot.metadata.confState.learners.length) + 8 + m.snapshot.data.length;
  return n;
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new ByteWriter(messageSizeBound(m));
  writeMessage(w, m);
  return w.finish();
}

export function decodeMessage(b: Uint8Array): Message {
  const r = new ByteReader(b, 'message');
  const m = readMessage(r);
  r.end();
  return m;
}

// ---- frames ----

function startFrame(kind: FrameKind, sizeHint: number, maxFrameBytes: number): ByteWriter {
  const w = new ByteWriter(FRAME_HEADER_BYTES + sizeHint, FRAME_HEADER_BYTES - 1 + maxFrameBytes);
  w.u32(0).u8(kind);
  return w;
}

function endFrame(w: ByteWriter): Uint8Array {
  w.patchU32(0, w.length - 4);
  return w.finish();
}

/** Encodes with a frame-size bound; throws FrameError(FRAME_TOO_LARGE) when it does not fit. */
function build(kind: FrameKind, sizeHint: number, maxFrameBytes: number, body: (w: ByteWriter) => void): Uint8Array {
  try {
    const w = startFrame(kind, Math.min(sizeHint, maxFrameBytes), maxFrameBytes);
    body(w);
    return endFrame(w);
  } catch (err) {
    if (err instanceof CodecError) throw new FrameError('FRAME_TOO_LARGE', `${FrameKind[kind]} frame exceeds ${maxFrameBytes} bytes`, { cause: err });
    throw err;
  }
}

const UNBOUNDED = 0x7fff_ffff;

export function helloFrame(clusterId: string, from: number, to: number): Uint8Array {
  return build(FrameKind.Hello, 64 + clusterId.length * 3, UNBOUNDED, (w) => w.u8(PROTOCOL_VERSION).string(clusterId).uvarint(from).uvarint(to));
}

export function helloAckFrame(clusterId: string, id: number): Uint8Array {
  return build(FrameKind.HelloAck, 64 + clusterId.length * 3, UNBOUNDED, (w) => w.u8(PROTOCOL_VERSION).string(clusterId).uvarint(id));
}

export function errorFrame(code: string, message: string): Uint8Array {
  return build(FrameKind.Error, 64 + message.length * 3, UNBOUNDED, (w) => w.string(code).string(message.slice(0, 1000)));
}

export function msgFrame(m: Message, maxFrameBytes: number): Uint8Array {
  return build(FrameKind.Msg, messageSizeBound(m), maxFrameBytes, (w) => writeMessage(w, m));
}

export function requestFrame(id: number, payload: Uint8Array, maxFrameBytes: number): Uint8Array {
  return build(FrameKind.Request, 16 + payload.length, maxFrameBytes, (w) => w.uvarint(id).raw(payload));
}

export function responseOkFrame(id: number, payload: Uint8Array, maxFrameBytes: number): Uint8Array {
  return build(FrameKind.Response, 16 + payload.length, maxFrameBytes, (w) => w.uvarint(id).u8(0).raw(payload));
}

export function responseErrFrame(id: number, code: string, message: string): Uint8Array {
  return build(FrameKind.Response, 64 + message.length * 3, UNBOUNDED, (w) => w.uvarint(id).u8(1).string(code).string(message.slice(0, 1000)));
}

export function pingFrame(nonce: number): Uint8Array {
  return build(FrameKind.Ping, 8, UNBOUNDED, (w) => w.uvarint(nonce));
}

export function pongFrame(nonce: number): Uint8Array {
  return build(FrameKind.Pong, 8, UNBOUNDED, (w) => w.uvarint(nonce));
}

/** Starts a snapshot transfer: the message with its snapshot data left out, plus size and crc. */
export function snapBeginFrame(id: number, m: Message, totalBytes: number, crc: number, maxFrameBytes: number): Uint8Array {
  invariant(m.snapshot !== undefined, 'snapBeginFrame: message has no snapshot');
  return build(FrameKind.SnapBegin, 64 + messageSizeBound({ ...m, snapshot: { ...m.snapshot, data: new Uint8Array(0) } }), maxFrameBytes, (w) => {
    w.uvarint(id).uvarint(totalBytes).u32(crc);
    writeMessage(w, m, { omitSnapshotData: true });
  });
}

export function snapChunkFrame(id: number, offset: number, chunk: Uint8Array, maxFrameBytes: number): Uint8Array {
  return build(FrameKind.SnapChunk, 24 + chunk.length, maxFrameBytes, (w) => w.uvarint(id).uvarint(offset).raw(chunk));
}

export function snapAckFrame(id: number, ok: boolean): Uint8Array {
  return build(FrameKind.SnapAck, 8, UNBOUNDED, (w) => w.uvarint(id).u8(ok ? 1 : 0));
}

export type Frame =
  | { kind: FrameKind.Hello; version: number; clusterId: string; from: number; to: number }
  | { kind: FrameKind.HelloAck; version: number; clusterId: string; id: number }
  | { kind: FrameKind.Error; code: string; message: string }
  | { kind: FrameKind.Msg; message: Message }
  | { kind: FrameKind.Request; id: number; payload: Uint8Array }
  | { kind: FrameKind.Response; id: number; ok: true; payload: Uint8Array }
  | { kind: FrameKind.Response; id: number; ok: false; code: string; message: string }
  | { kind: FrameKind.Ping; nonce: number }
  | { kind: FrameKind.Pong; nonce: number }
  | { kind: FrameKind.SnapBegin; id: number; totalBytes: number; crc: number; message: Message }
  | { kind: FrameKind.SnapChunk; id: number; offset: number; chunk: Uint8Array }
  | { kind: FrameKind.SnapAck; id: number; ok: boolean };

/** Parses one frame body (kind + payload, without the length). Throws FrameError. */
export function parseFrame(kind: number, payload: Uint8Array): Frame {
  const r = new ByteReader(payload, `${FrameKind[kind] ?? `kind ${kind}`} frame`);
  try {
    let f: Frame;
    switch (kind) {
      case FrameKind.Hello:
        f = { kind, version: r.u8('version'), clusterId: r.string('cluster id'), from: r.uvarint('from'), to: r.uvarint('to') };
        break;
      case FrameKind.HelloAck:
        f = { kind, version: r.u8('version'), clusterId: r.string('cluster id'), id: r.uvarint('id') };
        break;
      case FrameKind.Error:
        f = { kind, code: r.string('code'), message: r.string('message') };
        break;
      case FrameKind.Msg:
        f = { kind, message: readMessage(r) };
        break;
      case FrameKind.Request:
      {
        const id = r.uvarint('request id');
        f = { kind, id, payload: r.raw(r.remaining, 'payload') };
        break;
      }
      case FrameKind.Response: {
        const id = r.uvarint('request id');
        const status = r.u8('status');
        if (status === 0) f = { kind, id, ok: true, payload: r.raw(r.remaining, 'payload') };
        else if (status === 1) f = { kind, id, ok: false, code: r.string('code'), message: r.string('message') };
        else return r.fail(`unknown response status ${status}`);
        break;
      }
      case FrameKind.Ping:
      case FrameKind.Pong:
        f = { kind, nonce: r.uvarint('nonce') };
        break;
      case FrameKind.SnapBegin: {
        const id = r.uvarint('snapshot id');
        const totalBytes = r.uvarint('total bytes');
        const crc = r.u32('crc');
        const message = readMessage(r);
        if (message.snapshot === undefined || message.snapshot.data.length !== 0) r.fail('SnapBegin must carry a snapshot message without data');
        f = { kind, id, totalBytes, crc, message };
        break;
      }
      case FrameKind.SnapChunk: {
        const id = r.uvarint('snapshot id');
        const offset = r.uvarint('offset');
        f = { kind, id, offset, chunk: r.raw(r.remaining, 'chunk') };
        break;
      }
      case FrameKind.SnapAck: {
        const id = r.uvarint('snapshot id');
        const ok = r.u8('ok');
        if (ok > 1) r.fail(`bad ok flag ${ok}`);
        f = { kind, id, ok: ok === 1 };
        break;
      }
      default:
        throw new FrameError('MALFORMED_FRAME', `unknown frame kind ${kind}`);
    }
    r.end();
    return f;
  } catch (err) {
    if (err instanceof CodecError) throw new FrameError('MALFORMED_FRAME', err.message, { cause: err });
    throw err;
  }
}

/**
 * Splits a byte stream into frames. Each frame body is copied once into its own buffer (sized
 * from the header), so large frames arriving in many TCP reads cost one copy, and the decoded
 * values may keep views into it safely. Throws FrameError on a bad header; after that the
 * connection must be closed (the stream cannot be resynchronised).
 */
export class FrameDecoder {
  private header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private kind = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.headerFill === 0 && this.body === null;
  }

  push(chunk: Uint8Array, onFrame: (kind: number, payload: Uint8Array) => void): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.body === null) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - off);
        this.header.set(chunk.subarray(off, off + take), this.headerFill);
        this.headerFill += take;
        off += take;
        if (this.headerFill < FRAME_HEADER_BYTES) return;
        const len = new DataView(this.header.buffer).getUint32(0);
        const kind = this.header[4]!;
        if (len < 1) throw new FrameError('MALFORMED_FRAME', `frame length ${len} is below the minimum of 1`);
        if (len > this.maxFrameBytes) throw new FrameError('FRAME_TOO_LARGE', `frame length ${len} exceeds the limit of ${this.maxFrameBytes} bytes`);
        if (kind < 1 || kind > MAX_KIND) throw new FrameError('MALFORMED_FRAME', `unknown frame kind ${kind}`);
        this.kind = kind;
        this.headerFill = 0;
        this.body = new Uint8Array(len - 1);
        this.bodyFill = 0;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - off);
      this.body.set(chunk.subarray(off, off + take), this.bodyFill);
      this.bodyFill += take;
      off += take;
      if (this.bodyFill === this.body.length) {
        const body = this.body;
        this.body = null;
        onFrame(this.kind, body);
      }
    }
  }
}
