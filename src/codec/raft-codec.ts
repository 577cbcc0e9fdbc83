// Compact binary encoding of the Raft vocabulary (Entry, HardState, ConfState, SnapshotMetadata)
// shared by the durable store (src/storage) and the peer transport (src/transport/codec.ts
// builds the Message codec on top of this one). No JSON on the hot path: integers are unsigned LEB128 varints
// (every id, term and index is a safe integer < 2^53), byte strings are length-prefixed.
//
// Decoding never trusts its input: every read is bounds-checked, counts are checked against the
// bytes that remain, and any violation throws a CodecError naming what was being decoded.

import { EntryType } from '../raft/types.js';
import type { ConfState, Entry, HardState, SnapshotMetadata } from '../raft/types.js';
import { invariant } from '../invariant/index.js';

export class CodecError extends Error {
  readonly code = 'MALFORMED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder('utf-8', { fatal: true });

/** A growable output buffer. `limit` bounds its size (throws CodecError beyond it). */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(
    initialBytes = 256,
    private readonly limit = Number.MAX_SAFE_INTEGER,
  ) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    if (need > this.limit) throw new CodecError(`encoded value exceeds the limit of ${this.limit} bytes`);
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(Math.min(cap, this.limit));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }

  /** Overwrites a u32 (big-endian) already written at `at` (used to patch frame lengths). */
  patchU32(at: number, v: number): void {
    invariant(at + 4 <= this.pos, () => `patchU32 at ${at} is beyond the written length ${this.pos}`);
    this.view.setUint32(at, v >>> 0);
  }

  /** Unsigned LEB128 of a safe non-negative integer. */
  uvarint(v: number): this {
    invariant(Number.isSafeInteger(v) && v >= 0, () => `cannot encode ${v} as an unsigned varint (need a safe integer >= 0)`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): this {
    this.uvarint(b.length);
    return this.raw(b);
  }

  string(s: string): this {
    return this.bytes(TEXT_ENCODER.encode(s));
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** A bounds-checked reader. Byte strings come back as plain Uint8Array views of the input. */
export class ByteReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    /** What is being decoded, for error messages (e.g. "entry 42", "frame MSG"). */
    private readonly what: string,
    start = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(msg: string): never {
    throw new CodecError(`${this.what}: ${msg} (at byte ${this.pos} of ${this.buf.length})`);
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) this.fail(`truncated while reading ${field}: need ${n} byte(s), have ${this.buf.length - this.pos}`);
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u32(field = 'u32'): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  uvarint(field = 'varint'): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, field);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) this.fail(`${field} ${result} is not a safe integer`);
        return result;
      }
      mul *= 0x80;
    }
    return this.fail(`${field} varint is longer than 8 bytes`);
  }

  /** A count of items that each take at least `minItemBytes`: rejects counts the input cannot hold. */
  count(field: string, minItemBytes = 1): number {
    const n = this.uvarint(field);
    if (n * minItemBytes > this.remaining) this.fail(`${field} ${n} cannot fit in the ${this.remaining} remaining byte(s)`);
    return n;
  }

  raw(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return out;
  }

  bytes(field = 'bytes'): Uint8Array {
    const n = this.uvarint(`${field} length`);
    return this.raw(n, field);
  }

  string(field = 'string'): string {
    const b = this.bytes(field);
    try {
      return TEXT_DECODER.decode(b);
    } catch {
      return this.fail(`${field} is not valid UTF-8`);
    }
  }

  /** Asserts the whole input was consumed. */
  end(): void {
    if (this.pos !== this.buf.length) this.fail(`${this.buf.length - this.pos} unexpected trailing byte(s)`);
  }
}

// ---- Entry ----

export function writeEntry(w: ByteWriter, e: Entry): void {
  w.uvarint(e.term).uvarint(e.index).u8(e.type).bytes(e.data);
}

export function readEntry(r: ByteReader): Entry {
  const term = r.uvarint('entry term');
  const index = r.uvarint('entry index');
  const type = r.u8('entry type');
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) r.fail(`unknown entry type ${type}`);
  const data = r.bytes('entry data');
  return { term, index, type, data };
}

/** Upper bound of writeEntry's output, to size buffers without a second pass. */
export function entrySizeBound(e: Entry): number {
  return 8 + 8 + 1 + 8 + e.data.length;
}

export function encodeEntry(e: Entry): Uint8Array {
  const w = new ByteWriter(entrySizeBound(e));
  writeEntry(w, e);
  return w.finish();
}

export function decodeEntry(b: Uint8Array, what = 'entry'): Entry {
  const r = new ByteReader(b, what);
  const e = readEntry(r);
  r.end();
  return e;
}

// ---- HardState ----

export function writeHardState(w: ByteWriter, hs: HardState): void {
  w.uvarint(hs.term).uvarint(hs.vote).uvarint(hs.commit);
}

export function readHardState(r: ByteReader): HardState {
  const term = r.uvarint('hard state term');
  const vote = r.uvarint('hard state vote');
  const commit = r.uvarint('hard state commit');
  return { term, vote, commit };
}

// ---- ConfState / SnapshotMetadata ----

function writeIds(w: ByteWriter, ids: readonly number[]): void {
  w.uvarint(ids.length);
  for (const id of ids) w.uvarint(id);
}

function readIds(r: ByteReader, field: string): number[] {
  const n = r.count(`${field} count`);
  const ids: number[] = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = r.uvarint(field);
  return ids;
}

export function writeConfState(w: ByteWriter, cs: ConfState): void {
  writeIds(w, cs.voters);
  writeIds(w, cs.learners);
}

export function readConfState(r: ByteReader): ConfState {
  const voters = readIds(r, 'voter');
  const learners = readIds(r, 'learner');
  return { voters, learners };
}

export function writeSnapshotMetadata(w: ByteWriter, m: SnapshotMetadata): void {
  w.uvarint(m.index).uvarint(m.term);
  writeConfState(w, m.confState);
}

export function readSnapshotMetadata(r: ByteReader): SnapshotMetadata {
  const index = r.uvarint('snapshot index');
  const term = r.uvarint('snapshot term');
  const confState = readConfState(r);
  return { index, term, confState };
}
