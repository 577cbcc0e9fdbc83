// The backup file format: what the writer frames the reader gives back byte for byte, however
// the bytes arrive; every kind of damage — a flipped bit anywhere, a cut anywhere, reordered or
// missing chunks, trailing bytes, a foreign file — is refused with the problem and the place.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SNAPSHOT_FILE_CHUNK_BYTES, SnapshotFileError, SnapshotFileReader, SnapshotFileWriter, type SnapshotFileHeader } from '../../src/storage/index.js';
import { StateMachine } from '../../src/state/index.js';
import { exportSnapshot } from '../../src/node/snapshot-export.js';

function header(dataBytes: number): SnapshotFileHeader {
  return { format: 'raftlock-snapshot', version: 1, revision: 7, compactRevision: 0, raftIndex: 12, dataBytes, keys: 3, leases: 0, locks: 0, member: { name: 'm1', id: '1' }, createdAt: '2026-01-01T00:00:00.000Z' };
}

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function write(data: Uint8Array, pieces: number[]): Buffer {
  const w = new SnapshotFileWriter(header(data.length));
  const out: Buffer[] = [w.head()];
  let at = 0;
  for (const n of pieces) {
    out.push(...w.data(data.subarray(at, at + n)));
    at += n;
  }
  out.push(...w.data(data.subarray(at)));
  out.push(...w.end());
  return Buffer.concat(out);
}

function read(file: Uint8Array, step = file.length): ReturnType<SnapshotFileReader['end']> {
  const r = new SnapshotFileReader();
  for (let at = 0; at < file.length; at += step) r.push(file.subarray(at, at + step));
  return r.end();
}

function refused(file: Uint8Array, problem: SnapshotFileError['problem'], message: RegExp): void {
  assert.throws(
    () => read(file),
    (err: unknown) => {
      assert.ok(err instanceof SnapshotFileError, String(err));
      assert.equal(err.problem, problem, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('snapshot file', () => {
  const data = bytes(Math.floor(2.5 * SNAPSHOT_FILE_CHUNK_BYTES));
  const file = write(data, [10, 300_000, 1_500_000]);

  test('round trip: same bytes back, whatever the write pieces and read steps', () => {
    for (const step of [file.length, 65_536, 4_093, 1_000_003]) {
      const got = read(file, step);
      assert.equal(got.header.revision, 7);
      assert.ok(Buffer.from(got.data).equals(Buffer.from(data)), `step ${step}`);
    }
    // Three chunks of at most 1 MiB each.
    assert.equal(file.length, 18 + 9 + Buffer.byteLength(JSON.stringify(header(data.length))) + data.length + 3 * 9 + 9 + 44);
    const empty = write(new Uint8Array(0), []);
    assert.equal(read(empty).data.length, 0);
  });

  test('a flipped byte anywhere is refused (sampled across every frame)', () => {
    for (let at = 0; at < file.length; at += 9_973) {
      const bad = Buffer.from(file);
      bad[at] = bad[at]! ^ 0x10;
      assert.throws(() => read(bad, 65_536), SnapshotFileError, `flip at ${at} accepted`);
    }
    const inChunk1 = Buffer.from(file);
    const at = file.length - 44 - 9 - SNAPSHOT_FILE_CHUNK_BYTES / 4;
    inChunk1[at] = inChunk1[at]! ^ 1;
    refused(inChunk1, 'CORRUPT', /data chunk 2 at byte \d+: checksum mismatch/);
  });

  test('a cut anywhere is refused as TRUNCATED', () => {
    for (const keep of [0, 5, 18, 30, 400, SNAPSHOT_FILE_CHUNK_BYTES, file.length - 53, file.length - 1]) {
      refused(file.subarray(0, keep), 'TRUNCATED', /cut/);
    }
    refused(file.subarray(0, file.length - 53), 'TRUNCATED', /after 3 data chunk\(s\) holding \d+ of \d+ data bytes, with no end record/);
  });

  test('missing, reordered or extra frames and foreign files are refused', () => {
    const frames = splitFrames(file);
    const [magicAndHead, c0, c1, c2, end] = [frames[0]!, frames[1]!, frames[2]!, frames[3]!, frames[4]!];
    refused(Buffer.concat([magicAndHead, c0, c2, end]), 'TRUNCATED', /chunks are missing/);
    refused(Buffer.concat([magicAndHead, c1, c0, c2, end]), 'CORRUPT', /sha256/);
    refused(Buffer.concat([file, Buffer.from('x')]), 'CORRUPT', /unexpected byte/);
    refused(Buffer.concat([magicAndHead, c0, c1, c2, c2, end]), 'CORRUPT', /goes past/);
    refused(Buffer.from('PK\x03\x04 a zip file'), 'NOT_A_SNAPSHOT', /signature/);
    const v2 = write(data.subarray(0, 10), []);
    const w = new SnapshotFileWriter({ ...header(0), version: 2 });
    refused(Buffer.concat([w.head(), ...w.end()]), 'UNSUPPORTED_VERSION', /version 2/);
    assert.ok(read(v2).data.length === 10);
  });

  test('exportSnapshot frames exactly the state machine snapshot and announces the exact size', async () => {
    const sm = new StateMachine();
    sm.apply({ op: 'put', key: 'a', value: 'x'.repeat(3000) });
    for (let i = 0; i < 3000; i++) sm.apply({ op: 'put', key: `k/${i}`, value: 'v'.repeat(600) });
    const exp = await exportSnapshot({ cut: sm.cut(), appliedIndex: 42, member: { name: 'm1', id: '1' }, clock: { now: () => performance.now(), defer: setImmediate } }, new Date(0));
    const out = Buffer.concat([...exp.frames()]);
    assert.equal(out.length, exp.fileBytes);
    const got = read(out, 100_000);
    assert.equal(got.header.raftIndex, 42);
    assert.equal(got.header.revision, sm.revision());
    assert.equal(got.header.keys, 3001);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(sm.snapshot())), 'the same bytes a Raft snapshot carries');
    assert.ok(got.data.length > 2 * SNAPSHOT_FILE_CHUNK_BYTES);
  });
});

/** [magic+header, data chunks..., end] as raw byte ranges. */
function splitFrames(file: Buffer): Buffer[] {
  let at = 18;
  const out: Buffer[] = [];
  let start = 0;
  while (at < file.length) {
    const len = file.readUInt32BE(at + 1);
    const next = at + 9 + len;
    if (file[at] !== 0x48) {
      out.push(file.subarray(start, at));
      start = at;
    }
    at = next;
  }
  out.push(file.subarray(start));
  return out;
}
