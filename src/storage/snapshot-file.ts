// The backup file `raftlockctl snapshot save` writes and `snapshot restore` reads: the state
// machine's own snapshot bytes (StateMachine.snapshot(): keys with their revisions, leases, locks,
// watch history) in checksummed frames, so that a flipped bit or a cut download is found and named
// before anything is restored from it.
//
// Layout (integers big-endian):
//   magic     "raftlock snapshot\n" (18 bytes)
//   frames    [u8 kind][u32 payload length][u32 crc32c(payload)][payload]
//     'H'     once, first: the header, JSON (SnapshotFileHeader)
//     'D'     data chunks of at most SNAPSHOT_FILE_CHUNK_BYTES, in order; together `dataBytes`
//     'E'     once, last: [u32 chunk count][u64 data bytes as 2 x u32][32-byte sha256 of the data]
// Nothing may follow the end frame. The header's size lets a reader show progress and refuse a
// file whose chunks do not add up; the end frame proves the file was not cut between chunks.

import { createHash, type Hash } from 'node:crypto';
import { crc32c } from '../codec/index.js';

export const SNAPSHOT_FILE_MAGIC = Buffer.from('raftlock snapshot\n', 'latin1');
export const SNAPSHOT_FILE_FORMAT = 'raftlock-snapshot';
export const SNAPSHOT_FILE_VERSION = 1;
/** Data chunk size written (readers accept any size up to MAX_FRAME_BYTES). */
export const SNAPSHOT_FILE_CHUNK_BYTES = 1 << 20;
/** Largest frame payload a reader accepts: anything bigger is a corrupt length. */
const MAX_FRAME_BYTES = 16 << 20;
const MAX_HEADER_BYTES = 64 << 10;
const FRAME_HEAD_BYTES = 9;
const END_PAYLOAD_BYTES = 4 + 8 + 32;
const KIND_HEADER = 0x48; // 'H'
const KIND_DATA = 0x44; // 'D'
const KIND_END = 0x45; // 'E'

export interface SnapshotFileHeader {
  format: typeof SNAPSHOT_FILE_FORMAT;
  version: number;
  /** Key-space revision of the state in the file. */
  revision: number;
  compactRevision: number;
  /** Raft index the state was applied up to on the member that made it. */
  raftIndex: number;
  /** Size of the state bytes (sum of the data chunks). */
  dataBytes: number;
  /** Keys in the state, the reserved key of each held lock included. */
  keys: number;
  leases: number;
  locks: number;
  /** The member that made it (informational). */
  member: { name: string; id: string };
  /** ISO time the member cut the state (informational; restore ignores it). */
  createdAt: string;
}

export type SnapshotFileProblem = 'NOT_A_SNAPSHOT' | 'UNSUPPORTED_VERSION' | 'CORRUPT' | 'TRUNCATED';

/** A file refused: `problem` says which kind, the message says where (byte offset) and what. */
export class SnapshotFileError extends Error {
  constructor(
    readonly problem: SnapshotFileProblem,
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'SnapshotFileError';
  }
}

function frame(kind: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEAD_BYTES + payload.length);
  out[0] = kind;
  out.writeUInt32BE(payload.length, 1);
  out.writeUInt32BE(crc32c(payload), 5);
  out.set(payload, FRAME_HEAD_BYTES);
  return out;
}

/**
 * Writes a snapshot file: `head()` first, then `data()` for every piece of the state bytes in
 * order (re-cut into chunks here), then `end()`. Each call returns the bytes to write next.
 */
export class SnapshotFileWriter {
  private readonly sha: Hash = createHash('sha256');
  private written = 0;
  private chunks = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly header: SnapshotFileHeader) {}

  head(): Buffer {
    return Buffer.concat([SNAPSHOT_FILE_MAGIC, frame(KIND_HEADER, Buffer.from(JSON.stringify(this.header), 'utf8'))]);
  }

  /** Frames for whole chunks of the bytes given so far (possibly none). */
  data(piece: Uint8Array): Buffer[] {
    this.pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    this.pendingBytes += piece.length;
    const out: Buffer[] = [];
    while (this.pendingBytes >= SNAPSHOT_FILE_CHUNK_BYTES) out.push(this.chunk(SNAPSHOT_FILE_CHUNK_BYTES));
    return out;
  }

  /** The last chunk and the end frame. Throws if the data did not add up to the header's size. */
  end(): Buffer[] {
    const out: Buffer[] = [];
    if (this.pendingBytes > 0) out.push(this.chunk(this.pendingBytes));
    if (this.written !== this.header.dataBytes) throw new Error(`snapshot data is ${this.written} bytes, the header says ${this.header.dataBytes}`);
    const p = Buffer.allocUnsafe(END_PAYLOAD_BYTES);
    p.writeUInt32BE(this.chunks, 0);
    p.writeUInt32BE(Math.floor(this.written / 0x1_0000_0000), 4);
    p.writeUInt32BE(this.written >>> 0, 8);
    this.sha.digest().copy(p, 12);
    out.push(frame(KIND_END, p));
    return out;
  }

  private chunk(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const body = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    this.sha.update(body);
    this.written += body.length;
    this.chunks++;
    return frame(KIND_DATA, body);
  }
}

/** What a fully verified file held. */
export interface SnapshotFileContents {
  header: SnapshotFileHeader;
  /** The state bytes (StateMachine.restore reads them). */
  data: Uint8Array;
}

/**
 * Reads a snapshot file incrementally: `push()` bytes as they arrive (from disk or the network),
 * then `end()`. Every frame is checked as soon as it is complete; the first defect throws a
 * SnapshotFileError naming it. With `keepData: false` the data is verified but not kept (saving
 * a download to disk needs only the verdict).
 */
export class SnapshotFileReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Pushed bytes not yet joined into `buf`, and how many `buf` needs before parsing can go on. */
  private incoming: Buffer[] = [];
  private incomingBytes = 0;
  private need = 1;
  /** File offset of buf[0]. */
  private base = 0;
  private magicSeen = false;
  private header: SnapshotFileHeader | null = null;
  private ended = false;
  private chunks = 0;
  private dataBytes = 0;
  private readonly sha: Hash = createHash('sha256');
  private readonly parts: Buffer[] = [];

  constructor(
    private readonly opts: { keepData?: boolean; onHeader?: (h: SnapshotFileHeader) => void } = {},
  ) {}

  /** Bytes consumed so far (for progress). */
  get offset(): number {
    return this.base;
  }

  get fileHeader(): SnapshotFileHeader | null {
    return this.header;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.incoming.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.incomingBytes += bytes.length;
    // Bytes are joined only once a whole frame (or the signature) is there: a 1 MiB chunk that
    // arrives in 64 KiB pieces is copied once, not sixteen times.
    if (this.buf.length + this.incomingBytes >= this.need) {
      this.buf = Buffer.concat([this.buf, ...this.incoming]);
      this.incoming = [];
      this.incomingBytes = 0;
      this.parse();
    }
  }

  end(): SnapshotFileContents {
    if (this.incomingBytes > 0) {
      this.buf = Buffer.concat([this.buf, ...this.incoming]);
      this.incoming = [];
      this.incomingBytes = 0;
      this.need = 0;
      this.parse();
    }
    if (!this.magicSeen) throw this.fail('TRUNCATED', `file is cut: ${this.buf.length} byte(s), shorter than the file signature`, 0);
    if (this.header === null) throw this.fail('TRUNCATED', 'file is cut inside its header', this.base);
    if (!this.ended) {
      const where = this.buf.length > 0 ? `inside frame at byte ${this.base} (${this.buf.length} byte(s) of it present)` : `after byte ${this.base}`;
      throw this.fail('TRUNCATED', `file is cut: it ends ${where}, after ${this.chunks} data chunk(s) holding ${this.dataBytes} of ${this.header.dataBytes} data bytes, with no end record`, this.base);
    }
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return { header: this.header, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }

  private fail(problem: SnapshotFileProblem, message: string, offset: number): SnapshotFileError {
    return new SnapshotFileError(problem, message, offset);
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.base += n;
  }

  private parse(): void {
    if (!this.magicSeen) {
      const n = Math.min(this.buf.length, SNAPSHOT_FILE_MAGIC.length);
      if (!this.buf.subarray(0, n).equals(SNAPSHOT_FILE_MAGIC.subarray(0, n))) {
        throw this.fail('NOT_A_SNAPSHOT', 'not a raftlock snapshot file (its first bytes are not the "raftlock snapshot" signature)', 0);
      }
      if (this.buf.length < SNAPSHOT_FILE_MAGIC.length) {
        this.need = SNAPSHOT_FILE_MAGIC.length;
        return;
      }
      this.magicSeen = true;
      this.consume(SNAPSHOT_FILE_MAGIC.length);
    }
    while (this.buf.length > 0) {
      const at = this.base;
      if (this.ended) throw this.fail('CORRUPT', `${this.buf.length} unexpected byte(s) after the end record, from byte ${at}`, at);
      if (this.buf.length < FRAME_HEAD_BYTES) break;
      const kind = this.buf[0]!;
      const len = this.buf.readUInt32BE(1);
      const want = this.buf.readUInt32BE(5);
      const name = kind === KIND_HEADER ? 'header' : kind === KIND_DATA ? `data chunk ${this.chunks}` : kind === KIND_END ? 'end record' : null;
      if (name === null) throw this.fail('CORRUPT', `unknown frame kind 0x${kind.toString(16).padStart(2, '0')} at byte ${at}`, at);
      const limit = kind === KIND_HEADER ? MAX_HEADER_BYTES : kind === KIND_END ? END_PAYLOAD_BYTES : MAX_FRAME_BYTES;
      if (len > limit || (kind === KIND_END && len !== END_PAYLOAD_BYTES)) throw this.fail('CORRUPT', `${name} at byte ${at} claims ${len} bytes, which cannot be right`, at);
      if (this.buf.length < FRAME_HEAD_BYTES + len) {
        this.need = FRAME_HEAD_BYTES + len;
        return;
      }
      const payload = this.buf.subarray(FRAME_HEAD_BYTES, FRAME_HEAD_BYTES + len);
      const got = crc32c(payload);
      if (got !== want) {
        throw this.fail('CORRUPT', `${name} at byte ${at}: checksum mismatch (stored crc32c ${hex(want)}, computed ${hex(got)})`, at);
      }
      if (this.header === null && kind !== KIND_HEADER) throw this.fail('CORRUPT', `${name} at byte ${at} comes before the header`, at);
      if (kind === KIND_HEADER) this.readHeader(payload, at);
      else if (kind === KIND_DATA) this.readData(payload, at);
      else this.readEnd(payload, at);
      this.consume(FRAME_HEAD_BYTES + len);
    }
    this.need = FRAME_HEAD_BYTES;
  }

  private readHeader(payload: Buffer, at: number): void {
    if (this.header !== null) throw this.fail('CORRUPT', `a second header at byte ${at}`, at);
    let h: SnapshotFileHeader;
    try {
      h = JSON.parse(payload.toString('utf8')) as SnapshotFileHeader;
    } catch (err) {
      throw this.fail('CORRUPT', `header at byte ${at} is not JSON: ${(err as Error).message}`, at);
    }
    if (h === null || typeof h !== 'object' || h.format !== SNAPSHOT_FILE_FORMAT) throw this.fail('NOT_A_SNAPSHOT', `header names format ${JSON.stringify((h as { format?: unknown })?.format)}, not ${SNAPSHOT_FILE_FORMAT}`, at);
    if (h.version !== SNAPSHOT_FILE_VERSION) throw this.fail('UNSUPPORTED_VERSION', `file format version ${String(h.version)}; this build reads version ${SNAPSHOT_FILE_VERSION}`, at);
    for (const f of ['revision', 'compactRevision', 'raftIndex', 'dataBytes', 'keys', 'leases', 'locks'] as const) {
      if (!Number.isSafeInteger(h[f]) || h[f] < 0) throw this.fail('CORRUPT', `header field ${f} is ${JSON.stringify(h[f])}, not a count`, at);
    }
    this.header = h;
    this.opts.onHeader?.(h);
  }

  private readData(payload: Buffer, at: number): void {
    const h = this.header!;
    if (this.dataBytes + payload.length > h.dataBytes) {
      throw this.fail('CORRUPT', `data chunk ${this.chunks} at byte ${at} goes past the ${h.dataBytes} data bytes the header announces`, at);
    }
    this.sha.update(payload);
    if (this.opts.keepData !== false) this.parts.push(Buffer.from(payload)); // copy: buf is reused
    this.dataBytes += payload.length;
    this.chunks++;
  }

  private readEnd(payload: Buffer, at: number): void {
    const h = this.header!;
    const chunks = payload.readUInt32BE(0);
    const bytes = payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
    if (chunks !== this.chunks || bytes !== this.dataBytes) {
      throw this.fail('TRUNCATED', `end record at byte ${at} counts ${chunks} chunk(s) / ${bytes} bytes, the file holds ${this.chunks} / ${this.dataBytes}: chunks are missing`, at);
    }
    if (bytes !== h.dataBytes) throw this.fail('CORRUPT', `data is ${bytes} bytes, the header announces ${h.dataBytes}`, at);
    const digest = this.sha.digest();
    if (!digest.equals(payload.subarray(12))) throw this.fail('CORRUPT', `sha256 of the data does not match the end record at byte ${at} (chunks out of order?)`, at);
    this.ended = true;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
