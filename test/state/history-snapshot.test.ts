import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine, concatBytes, snapshotChunks } from '../../src/state/index.js';
import type { Command, TxnOp } from '../../src/state/commands.js';
import { SnapshotReader } from '../../src/state/snapshot-reader.js';
import { err, ok, prng } from './helpers.js';

describe('history and compaction', () => {
  it('returns events by revision for exact keys and prefixes, in chunks of whole revisions', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'put', key: 'a/1', value: 'x' }, 'put'); // 1
    ok(sm, { op: 'put', key: 'b', value: 'x' }, 'put'); // 2
    ok(sm, { op: 'txn', compare: [], success: [{ put: { key: 'a/2', value: '' } }, { put: { key: 'a/3', value: '' } }], failure: [] }, 'txn'); // 3
    ok(sm, { op: 'delete', key: 'a/1' }, 'delete'); // 4
    const all = sm.eventsSince(1, 'a/', true, 100);
    assert.equal(all.compacted, false);
    if (all.compacted) return;
    assert.deepEqual(all.batches.map((b) => [b.revision, b.events.map((e) => `${e.type}:${e.kv.key}`)]), [
      [1, ['put:a/1']],
      [3, ['put:a/2', 'put:a/3']],
      [4, ['delete:a/1']],
    ]);
    assert.equal(all.nextRevision, 5);
    assert.equal(all.more, false);
    const exact = sm.eventsSince(2, 'b', false, 100);
    assert.ok(!exact.compacted && exact.batches.length === 1 && exact.batches[0]!.revision === 2);
    // maxEvents 1 stops after the first matching revision but never splits one.
    const c1 = sm.eventsSince(2, 'a/', true, 1);
    assert.ok(!c1.compacted);
    if (c1.compacted) return;
    assert.deepEqual(c1.batches.map((b) => [b.revision, b.events.length]), [[3, 2]]);
    assert.equal(c1.nextRevision, 4);
    assert.equal(c1.more, true);
    // A future start returns nothing and points at the start.
    const future = sm.eventsSince(9, '', true, 10);
    assert.ok(!future.compacted && future.batches.length === 0 && future.nextRevision === 9);
  });

  it('compacts on request, refusing future and older revisions', () => {
    const sm = new StateMachine();
    for (let i = 0; i < 5; i++) ok(sm, { op: 'put', key: 'k', value: String(i) }, 'put');
    err(sm, { op: 'compact', revision: 6 }, 'FUTURE_REVISION');
    const c = ok(sm, { op: 'compact', revision: 3 }, 'compact');
    assert.equal(c.compactRevision, 3);
    assert.equal(c.revision, 5);
    assert.equal(sm.compactRevision(), 3);
    err(sm, { op: 'compact', revision: 2 }, 'COMPACTED');
    err(sm, { op: 'compact', revision: 3 }, 'COMPACTED');
    assert.deepEqual(sm.eventsSince(3, 'k', false, 10), { compacted: true, compactRevision: 3 });
    const rest = sm.eventsSince(4, 'k', false, 10);
    assert.ok(!rest.compacted);
    if (rest.compacted) return;
    assert.deepEqual(rest.batches.map((b) => b.revision), [4, 5]);
    assert.equal(sm.eventsSince(0, 'k', false, 10).compacted, true);
  });

  it('auto-compacts to the last historyRevisions revisions', () => {
    const sm = new StateMachine({ historyRevisions: 3 });
    for (let i = 0; i < 10; i++) ok(sm, { op: 'put', key: `k${i}`, value: '' }, 'put');
    assert.equal(sm.compactRevision(), 7);
    const r = sm.eventsSince(8, '', true, 100);
    assert.ok(!r.compacted);
    if (r.compacted) return;
    assert.deepEqual(r.batches.map((b) => b.revision), [8, 9, 10]);
    assert.equal(sm.eventsSince(7, '', true, 100).compacted, true);
  });
});

/** A random but valid-ish command (some are refused, which must also be deterministic). */
function randomCommand(rand: () => number, step: number): Command {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const keys = ['a', 'a/1', 'a/2', 'b', 'b/x', 'c', 'é', '🔑', 'z/z'];
  const leases = ['L1', 'L2', 'L3', 'L4'];
  const names = ['m1', 'm2', 'm3'];
  const lease = (): string | undefined => (rand() < 0.3 ? pick(leases) : undefined);
  const op = (): TxnOp => {
    const r = rand();
    if (r < 0.5) return { put: { key: pick(keys), value: String(Math.floor(rand() * 5)), lease: lease() } };
    if (r < 0.75) return { delete: { key: pick(keys), prefix: rand() < 0.5, prevKv: true } };
    return { get: { key: pick(keys), prefix: rand() < 0.5 } };
  };
  const r = rand();
  if (r < 0.25) return { op: 'put', key: pick(keys), value: `v${step}`, lease: lease(), prevKv: rand() < 0.5 };
  if (r < 0.35) return { op: 'delete', key: pick(keys), prefix: rand() < 0.3 };
  if (r < 0.45)
    return {
      op: 'txn',
      compare: [{ key: pick(keys), target: pick(['version', 'modRevision', 'createRevision'] as const), op: pick(['=', '!=', '<', '>'] as const), value: Math.floor(rand() * 6) }],
      success: [op(), op()],
      failure: [op()],
    };
  if (r < 0.52) return { op: 'leaseGrant', id: pick(leases), ttlMs: 1000 };
  if (r < 0.58) return { op: 'leaseRevoke', id: pick(leases), reason: rand() < 0.5 ? 'revoke' : 'expire' };
  if (r < 0.75) return { op: 'lockAcquire', name: pick(names), lease: pick(leases), waiterId: `w${Math.floor(rand() * 20)}` };
  if (r < 0.8) return { op: 'lockCancel', name: pick(names), waiterId: `w${Math.floor(rand() * 20)}` };
  if (r < 0.92) return rand() < 0.5 ? { op: 'lockRelease', name: pick(names), lease: pick(leases) } : { op: 'lockRelease', name: pick(names), fencingToken: Math.floor(rand() * step) + 1 };
  if (r < 0.96) return { op: 'compact', revision: Math.floor(rand() * step) };
  return { op: 'noop' };
}

describe('snapshots and determinism', () => {
  it('restores to an equal machine: same bytes, same behaviour afterwards', () => {
    const rand = prng(7);
    const a = new StateMachine({ historyRevisions: 50 });
    for (let i = 0; i < 400; i++) a.apply(randomCommand(rand, i));
    const bytes = a.snapshot();
    const b = StateMachine.restore(bytes, { historyRevisions: 50 });
    assert.deepEqual(b.snapshot(), bytes);
    assert.equal(b.revision(), a.revision());
    assert.deepEqual(b.locks(), a.locks());
    assert.deepEqual(b.leases(), a.leases());
    // In-place restore of a fresh machine gives the same too.
    const c = new StateMachine({ historyRevisions: 50 });
    c.restore(bytes);
    assert.deepEqual(c.snapshot(), bytes);
    for (let i = 400; i < 800; i++) {
      const cmd = randomCommand(rand, i);
      const ra = a.apply(cmd);
      const rb = b.apply(cmd);
      assert.deepEqual(rb, ra, `diverged at step ${i} on ${JSON.stringify(cmd)}`);
    }
    assert.deepEqual(b.snapshot(), a.snapshot());
    assert.deepEqual(b.eventsSince(b.compactRevision() + 1, '', true, 1e6), a.eventsSince(a.compactRevision() + 1, '', true, 1e6));
  });

  it('a snapshot read in pieces (SnapshotReader) restores to exactly what one parse restores, however the bytes are cut', () => {
    const rand = prng(23);
    const a = new StateMachine({ historyRevisions: 60 });
    for (let i = 0; i < 500; i++) a.apply(randomCommand(rand, i));
    // Keys and values that look like the document's own structure, escapes and multi-byte text.
    const tricky = ['"kvs":[', 'x]},{"history":[', 'back\\slash\\', 'quo"te', '{[,]}', 'é🔑\u2028', 'kvs', 'history'];
    for (const [i, k] of tricky.entries()) a.apply({ op: 'put', key: `t/${k}`, value: `${k}${'"\\'.repeat(i)}` });
    const whole = a.snapshot();
    const enc = new TextEncoder();
    for (const pieceBytes of [1, 7, 64, 1000, whole.length]) {
      const r = new SnapshotReader();
      for (let at = 0; at < whole.length; at += pieceBytes) r.push(whole.subarray(at, at + pieceBytes));
      const b = StateMachine.restoreDoc(r.finish(), { historyRevisions: 60 });
      assert.deepEqual(b.snapshot(), whole, `pieces of ${pieceBytes} bytes`);
    }
    // Pieces as the encoder cuts them, too.
    const r = new SnapshotReader();
    for (const p of snapshotChunks(a.cut(), 3)) r.push(p);
    assert.deepEqual(StateMachine.restoreDoc(r.finish(), { historyRevisions: 60 }).snapshot(), whole);
    // Defects are refused, not misread.
    const bad = (bytes: Uint8Array) => {
      const x = new SnapshotReader();
      x.push(bytes);
      return x.finish();
    };
    assert.throws(() => bad(whole.subarray(0, whole.length - 3)), /truncated|JSON/);
    assert.throws(() => bad(enc.encode('{"kvs":[[1,2]]]}')), /unbalanced|JSON/);
    assert.throws(() => bad(Uint8Array.of(0x7b, 0xff, 0x7d)), /invalid|decode|UTF/i);
    assert.throws(() => StateMachine.restoreDoc(bad(enc.encode('{"format":"raftlock-state","version":1,"revision":1,"compactRevision":0,"kvs":[[1]]}'))), /invalid state snapshot/);
  });

  it('a cut encodes, a few keys at a time, to exactly the one-shot JSON document, whatever happens after the cut', () => {
    const rand = prng(11);
    const a = new StateMachine({ historyRevisions: 50 });
    for (let i = 0; i < 600; i++) a.apply(randomCommand(rand, i));
    const whole = a.snapshot();
    // The bytes are the plain JSON.stringify of the document (same field order).
    const doc = JSON.parse(new TextDecoder().decode(whole)) as { kvs: unknown[] };
    assert.deepEqual(whole, new TextEncoder().encode(JSON.stringify(doc)));
    assert.ok(doc.kvs.length > 7, `enough keys to need several pieces (${doc.kvs.length})`);

    const cut = a.cut();
    // The machine moves on while the cut is encoded: new keys, overwrites, deletes, locks.
    for (let i = 600; i < 900; i++) a.apply(randomCommand(rand, i));
    assert.notDeepEqual(a.snapshot(), whole);
    for (const perChunk of [1, 3, 7, 1_000_000]) {
      const parts = [...snapshotChunks(cut, perChunk)];
      if (perChunk >= 1_000_000) assert.equal(parts.length, 1, 'one piece when everything fits');
      else assert.ok(parts.length >= Math.ceil(doc.kvs.length / perChunk), `at least one piece per ${perChunk} keys (got ${parts.length})`);
      assert.deepEqual(concatBytes(parts), whole, `${perChunk} keys per piece`);
    }
    cut.kvs.release();
    assert.throws(() => [...snapshotChunks(cut, 5)], /released key-space cut/);
    const empty = new StateMachine();
    assert.deepEqual(concatBytes([...snapshotChunks(empty.cut(), 5)]), empty.snapshot());
    assert.throws(() => snapshotChunks(cut, 0).next(), /keysPerChunk must be at least 1/);
  });

  it('big values cut the encoding into pieces of about 1 MiB, however many keys a piece may hold', () => {
    const a = new StateMachine({ historyRevisions: 4 });
    const big = 'b'.repeat(300_000);
    for (let i = 0; i < 12; i++) a.apply({ op: 'put', key: `big/${i}`, value: big });
    const parts = [...snapshotChunks(a.cut(), 1_000_000)];
    assert.deepEqual(concatBytes(parts), a.snapshot());
    // 3.6 MB of keys plus 1.2 MB of history (4 revisions kept): at least four pieces (a piece
    // is cut once it reaches 1 MiB), none far above 1 MiB.
    assert.ok(parts.length >= 4, `pieces: ${parts.length}`);
    for (const p of parts) assert.ok(p.length < (1 << 20) + 2 * big.length, `a piece of ${p.length} bytes`);
  });

  it('refuses corrupt snapshots loudly', () => {
    const sm = new StateMachine();
    ok(sm, { op: 'leaseGrant', id: 'L', ttlMs: 100 }, 'leaseGrant');
    ok(sm, { op: 'lockAcquire', name: 'm', lease: 'L', waiterId: 'w' }, 'lockAcquire');
    const doc = JSON.parse(new TextDecoder().decode(sm.snapshot()));
    assert.throws(() => StateMachine.restore(new TextEncoder().encode('nope')), /invalid state snapshot/);
    const noLease = { ...doc, leases: [] };
    assert.throws(() => StateMachine.restore(new TextEncoder().encode(JSON.stringify(noLease))), /missing lease/);
    const noHistory = { ...doc, history: [] };
    assert.throws(() => StateMachine.restore(new TextEncoder().encode(JSON.stringify(noHistory))), /history/);
    // A failed in-place restore leaves the machine untouched.
    const before = sm.snapshot();
    assert.throws(() => sm.restore(new TextEncoder().encode(JSON.stringify(noLease))));
    assert.deepEqual(sm.snapshot(), before);
  });

  for (const seed of [1, 42, 20240601]) {
    it(`two machines fed the same random sequence agree byte for byte (seed ${seed})`, () => {
      const rand = prng(seed);
      const cmds: Command[] = [];
      for (let i = 0; i < 1500; i++) cmds.push(randomCommand(rand, i));
      const a = new StateMachine({ historyRevisions: 100 });
      const b = new StateMachine({ historyRevisions: 100 });
      const kinds = new Set<string>();
      for (const cmd of cmds) {
        const ra = a.apply(cmd);
        // Commands as they would arrive over the log: re-parsed JSON, not the same object.
        const rb = b.apply(JSON.parse(JSON.stringify(cmd)) as Command);
        assert.deepEqual(rb, ra);
        kinds.add(ra.result.op === 'error' ? `error:${ra.result.code}` : ra.result.op);
      }
      assert.deepEqual(b.snapshot(), a.snapshot(), `seed ${seed}`);
      assert.ok(a.revision() > 100, 'the sequence made changes');
      // The sequence exercised grants, handoffs and refusals, so the comparison means something.
      for (const k of ['put', 'txn', 'lockAcquire', 'lockRelease', 'leaseRevoke', 'error:NOT_HOLDER']) assert.ok(kinds.has(k), `seed ${seed} never produced ${k}`);
    });
  }
});
