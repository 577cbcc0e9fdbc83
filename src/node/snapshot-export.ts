// A backup of a live member: its applied state, cut consistently in one turn of the event loop
// (StateMachine.cut), encoded with the state machine's own snapshot encoding (snapshotChunks, the
// bytes a Raft snapshot carries) a few milliseconds per turn so the member keeps serving, then
// framed as a snapshot file (storage/snapshot-file.ts). Encoding comes first so the header can
// give the exact size (and the HTTP answer a Content-Length) before the first byte is sent.

import { snapshotChunks, type SnapshotCut } from '../state/index.js';
import type { Clock } from './ports.js';
import { SNAPSHOT_FILE_CHUNK_BYTES, SNAPSHOT_FILE_FORMAT, SNAPSHOT_FILE_VERSION, SnapshotFileWriter, type SnapshotFileHeader } from '../storage/snapshot-file.js';

const KEYS_PER_PIECE = 2_000;
const SLICE_MS = 4;
/** Frame overhead: kind, length, checksum. */
const FRAME_HEAD_BYTES = 9;
const END_FRAME_BYTES = FRAME_HEAD_BYTES + 44;

export interface SnapshotExport {
  header: SnapshotFileHeader;
  /** Exact size of the file `frames` yields. */
  fileBytes: number;
  frames(): Generator<Buffer>;
}

export interface ExportSource {
  cut: SnapshotCut;
  appliedIndex: number;
  member: { name: string; id: string };
  /** Measures the slices and yields between them. */
  clock: Pick<Clock, 'now' | 'defer'>;
}

/** Encodes the cut (yielding to the event loop between slices; `signal` stops it) and releases it. */
export async function exportSnapshot(src: ExportSource, createdAt: Date, signal?: AbortSignal): Promise<SnapshotExport> {
  const { cut } = src;
  const parts: Uint8Array[] = [];
  let dataBytes = 0;
  try {
    const pieces = snapshotChunks(cut, KEYS_PER_PIECE);
    let until = src.clock.now() + SLICE_MS;
    for (const p of pieces) {
      parts.push(p);
      dataBytes += p.length;
      if (src.clock.now() >= until) {
        await new Promise<void>((r) => src.clock.defer(r));
        signal?.throwIfAborted();
        until = src.clock.now() + SLICE_MS;
      }
    }
  } finally {
    cut.kvs.release();
  }
  const header: SnapshotFileHeader = {
    format: SNAPSHOT_FILE_FORMAT,
    version: SNAPSHOT_FILE_VERSION,
    revision: cut.revision,
    compactRevision: cut.compactRevision,
    raftIndex: src.appliedIndex,
    dataBytes,
    keys: cut.kvs.size,
    leases: cut.leases.length,
    locks: cut.locks.length,
    member: src.member,
    createdAt: createdAt.toISOString(),
  };
  const writer = new SnapshotFileWriter(header);
  const head = writer.head();
  const chunks = Math.ceil(dataBytes / SNAPSHOT_FILE_CHUNK_BYTES);
  const fileBytes = head.length + dataBytes + chunks * FRAME_HEAD_BYTES + END_FRAME_BYTES;
  return {
    header,
    fileBytes,
    *frames() {
      yield head;
      for (let i = 0; i < parts.length; i++) {
        yield* writer.data(parts[i]!);
        parts[i] = EMPTY; // let the piece go once framed
      }
      yield* writer.end();
    },
  };
}

const EMPTY = new Uint8Array(0);
