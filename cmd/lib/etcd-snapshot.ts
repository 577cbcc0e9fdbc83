// The bytes the etcd API's Maintenance.Snapshot streams (wired by raftlockd): the member's backup
// as a raftlock snapshot file (what `raftlockctl snapshot save` writes and `raftlockctl snapshot
// restore` reads), sized for etcdctl. It lives in cmd/ because it frames a storage format, which
// the etcd module (an API beside api/) does not import.
//
// etcdctl 3.4's `snapshot save` refuses a download whose size is not 32 bytes past a multiple
// of 512 (etcd sends its bbolt file, made of whole pages, followed by the file's sha256). A
// raftlock file already ends in a sha256 (of its data, in the end record); its header carries
// an `etcdPadding` field of spaces so that the whole file has the size etcdctl looks for. The
// reader ignores the field: the file restores and verifies as any other.

import type { SnapshotStream } from '../../src/etcd/index.js';
import { SnapshotFileWriter, type SnapshotFileHeader } from '../../src/storage/snapshot-file.js';

/** What the member's backup gives (src/node/snapshot-export.ts). */
export interface SnapshotSource {
  header: SnapshotFileHeader;
  fileBytes: number;
  /** The file's frames in order, the header (with the file signature) first. */
  frames(): Iterable<Uint8Array>;
}

const SECTOR = 512;
const SHA256_BYTES = 32;

/** `snap` with its header padded so the file is 32 bytes past a multiple of 512. */
export function paddedForEtcdctl(snap: SnapshotSource): SnapshotSource & SnapshotStream {
  const plainHead = new SnapshotFileWriter(snap.header).head();
  const emptyPad = new SnapshotFileWriter({ ...snap.header, etcdPadding: '' } as SnapshotFileHeader).head().length;
  const rest = snap.fileBytes - plainHead.length;
  const n = (((SHA256_BYTES - ((emptyPad + rest) % SECTOR)) % SECTOR) + SECTOR) % SECTOR;
  const head = new SnapshotFileWriter({ ...snap.header, etcdPadding: ' '.repeat(n) } as SnapshotFileHeader).head();
  return {
    header: snap.header,
    revision: snap.header.revision,
    fileBytes: head.length + rest,
    *frames() {
      let first = true;
      for (const f of snap.frames()) {
        if (first) {
          first = false;
          if (!Buffer.from(f.buffer, f.byteOffset, f.byteLength).equals(plainHead)) throw new Error('invariant: a snapshot export does not start with its header frame');
          yield head;
        } else {
          yield f;
        }
      }
    },
  };
}
