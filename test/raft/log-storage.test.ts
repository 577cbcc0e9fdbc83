// MemoryLog, the conf-change codec and the PRNG.

import { InvariantError } from '../../src/invariant/index.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ConfChangeType,
  EntryType,
  MemoryLog,
  SplitMix32,
  decodeConfChange,
  encodeConfChange,
  type Entry,
} from '../../src/raft/index.js';

const ent = (index: number, term: number, s = ''): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(s) });

test('MemoryLog.bootstrap: one AddVoter per founding voter at 1..n, term 1, commit n', () => {
  const b = MemoryLog.bootstrap([3, 1, 2]);
  assert.deepEqual(b.hardState, { term: 1, vote: 0, commit: 3 });
  assert.deepEqual(
    b.entries.map((e) => [e.index, e.term, e.type, decodeConfChange(e.data).nodeId, decodeConfChange(e.data).type]),
    [
      [1, 1, EntryType.ConfChange, 3, ConfChangeType.AddVoter],
      [2, 1, EntryType.ConfChange, 1, ConfChangeType.AddVoter],
      [3, 1, EntryType.ConfChange, 2, ConfChangeType.AddVoter],
    ],
  );
  assert.deepEqual(MemoryLog.bootstrap([3, 1, 2]), b, 'deterministic: every founder starts identical');
  assert.throws(() => MemoryLog.bootstrap([]), InvariantError);
  assert.throws(() => MemoryLog.bootstrap([1, 1]), /duplicate/);
});

test('MemoryLog.term: undefined for compacted and future indexes, snapshot term at firstIndex-1', () => {
  const log = new MemoryLog();
  assert.equal(log.term(0), 0);
  assert.equal(log.term(1), undefined);
  log.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 3)]);
  assert.equal(log.term(3), 2);
  assert.equal(log.term(5), undefined);
  log.compact({ metadata: { index: 2, term: 1, confState: { voters: [1], learners: [] } }, data: new Uint8Array() });
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.term(2), 1, 'the snapshot index answers with the snapshot term');
  assert.equal(log.term(1), undefined, 'compacted');
  assert.equal(log.lastIndex(), 4);
  assert.throws(() => log.entries(2, 4), /compacted/);
});

test('MemoryLog.append truncates a conflicting suffix; entries() honours maxBytes but returns at least one', () => {
  const log = new MemoryLog();
  log.append([ent(1, 1, 'a'), ent(2, 1, 'b'), ent(3, 1, 'c'), ent(4, 1, 'd')]);
  log.append([ent(3, 2, 'C')]);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.term(3), 2);
  assert.throws(() => log.append([ent(5, 2)]), /gap/);
  assert.equal(log.entries(1, 4, 1).length, 1);
  assert.equal(log.entries(1, 4, 17 * 2).length, 2);
  assert.equal(log.entries(1, 4).length, 3);
});

test('MemoryLog.applySnapshot replaces everything; an older snapshot is refused', () => {
  const log = new MemoryLog();
  log.append([ent(1, 1), ent(2, 1)]);
  const snap = { metadata: { index: 10, term: 4, confState: { voters: [1, 2], learners: [3] } }, data: new Uint8Array([9]) };
  log.applySnapshot(snap);
  assert.equal(log.firstIndex(), 11);
  assert.equal(log.lastIndex(), 10);
  assert.equal(log.term(10), 4);
  log.append([ent(11, 4)]);
  assert.equal(log.lastIndex(), 11);
  assert.throws(() => log.applySnapshot({ ...snap, metadata: { ...snap.metadata, index: 5 } }), /older/);
});

test('conf change codec round-trips and rejects garbage', () => {
  const cc = { type: ConfChangeType.AddLearner, nodeId: 2 ** 40 + 7, context: new TextEncoder().encode('{"name":"n4"}') };
  const back = decodeConfChange(encodeConfChange(cc));
  assert.deepEqual(back, cc);
  assert.throws(() => decodeConfChange(new Uint8Array([1, 2])), InvariantError);
  const bad = encodeConfChange(cc);
  bad[0] = 9;
  assert.throws(() => decodeConfChange(bad), /version/);
});

test('SplitMix32 is deterministic per seed, in range, and roughly uniform', () => {
  const a = new SplitMix32(42);
  const b = new SplitMix32(42);
  const xs = Array.from({ length: 50 }, () => a.intn(1000));
  assert.deepEqual(Array.from({ length: 50 }, () => b.intn(1000)), xs);
  assert.notDeepEqual(Array.from({ length: 50 }, () => new SplitMix32(43).intn(1000)), xs);
  const r = new SplitMix32(7);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[r.intn(10)]!++;
  for (const n of counts) assert.ok(n > 9_000 && n < 11_000, `bucket ${n}`);
  assert.throws(() => r.intn(0), InvariantError);
});

test('RaftLog: a snapshot received while a Ready of entries is being persisted is a valid unstable base', async () => {
  // A follower at stable index 8 hands out entry 9 in a Ready; before that Ready is advanced (the
  // driver steps messages while its write is in flight) the leader's snapshot at 160 arrives.
  const { RaftLog } = await import('../../src/raft/raft-log.js');
  const storage = new MemoryLog();
  storage.append([1, 2, 3, 4, 5, 6, 7, 8].map((i) => ent(i, 1)));
  storage.setHardState({ term: 1, vote: 0, commit: 8 });
  const log = new RaftLog(storage, 8);
  log.append([ent(9, 1)]);
  const handed = log.unstableEntriesToHandOut();
  log.acceptReady(handed, undefined, []);
  const snap = { metadata: { index: 160, term: 2, confState: { voters: [1, 2, 3], learners: [] } }, data: new Uint8Array() };
  log.restore(snap);
  log.append([ent(161, 2), ent(162, 2)]);
  // The entries' Ready is now durable: the stable log is 1..9 while the unstable base is 160.
  log.stableEntries(handed);
  log.checkInvariants();
  assert.equal(log.firstIndex(), 161);
  assert.equal(log.lastIndex(), 162);
  assert.equal(log.term(160), 2);
  // The next Ready hands out the snapshot and the entries after it; once durable, the stable
  // log starts after the snapshot.
  const rdSnap = log.snapshotToHandOut();
  assert.equal(rdSnap, snap);
  const rdEnts = log.unstableEntriesToHandOut();
  assert.deepEqual(rdEnts.map((e) => e.index), [161, 162]);
  log.acceptReady(rdEnts, rdSnap, []);
  log.stableSnapTo(snap);
  log.stableEntries(rdEnts);
  log.checkInvariants();
  assert.equal(storage.firstIndex(), 161);
  assert.equal(storage.lastIndex(), 162);
  assert.equal(log.applied, 160);
});
