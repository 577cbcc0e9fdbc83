// Forwarded writes travel to the leader in binary batches (src/node/forward-batch.ts) with the
// outcome rules of a single forwarded write: a batch never sent is retryable (PEER_UNREACHABLE),
// one sent and not answered has an unknown outcome (TIMEOUT), and a write the leader appended
// gets the result of the entry this member applies at its index, or PROPOSAL_LOST when another
// leader's entry took that index. Checked on the codec, on the batcher against a scripted
// transport, and on real in-process members whose leader dies with a batch in flight.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CodedError } from '../../src/api/errors.js';
import {
  ProposeBatcher,
  decodeBatchAnswers,
  decodeProposeBatch,
  encodeBatchAnswers,
  encodeProposeBatch,
  type BatchAnswer,
} from '../../src/node/forward-batch.js';
import { MessageType } from '../../src/raft/types.js';
import type { CommandResult } from '../../src/state/commands.js';
import { isolate, startCluster, type TestCluster } from './harness.js';

const enc = new TextEncoder();
const put = (key: string, value: string) => ({ op: 'put' as const, key, value });

type Outcome = { done: false } | { done: true; ok: true; value: CommandResult } | { done: true; ok: false; error: CodedError };

function track(p: Promise<CommandResult>): { get(): Outcome } {
  let o: Outcome = { done: false };
  p.then(
    (value) => (o = { done: true, ok: true, value }),
    (error: CodedError) => (o = { done: true, ok: false, error }),
  );
  return { get: () => o };
}

describe('forwarded write batches: codec', () => {
  test('requests and answers round-trip', () => {
    const items = [
      { cmd: enc.encode('{"op":"put","key":"a","value":"1"}'), timeoutMs: 1500 },
      { cmd: new Uint8Array(70_000).fill(0x7b), timeoutMs: 1 },
    ];
    const back = decodeProposeBatch(encodeProposeBatch(items));
    assert.equal(back.length, 2);
    assert.deepEqual([...back[0]!.cmd], [...items[0]!.cmd]);
    assert.equal(back[1]!.cmd.length, 70_000);
    assert.deepEqual(back.map((x) => x.timeoutMs), [1500, 1]);
    const answers: BatchAnswer[] = [
      { ok: true, index: 2 ** 40, term: 7 },
      { ok: false, code: 'NO_LEADER', message: 'not the leader (é)' },
    ];
    assert.deepEqual(decodeBatchAnswers(encodeBatchAnswers(answers), 2), answers);
  });

  test('malformed input is refused, never misread', () => {
    const good = encodeProposeBatch([{ cmd: enc.encode('{}'), timeoutMs: 5 }]);
    assert.throws(() => decodeProposeBatch(good.subarray(0, good.length - 1)), /truncated/);
    assert.throws(() => decodeProposeBatch(enc.encode('{"kind":"propose"}')), /not a propose batch/);
    assert.throws(() => decodeProposeBatch(Uint8Array.of(1, 0)), /1\.\.256 commands/);
    assert.throws(() => decodeProposeBatch(Uint8Array.of(...good, 0)), /trailing/);
    const two = encodeBatchAnswers([{ ok: true, index: 1, term: 1 }, { ok: true, index: 2, term: 1 }]);
    assert.throws(() => decodeBatchAnswers(two, 3), /2 answers for 3 commands/);
  });
});

describe('forwarded write batches: the batcher', () => {
  /** A transport whose requests the test answers or fails by hand. */
  function scripted() {
    const sent: { to: number; payload: Uint8Array; resolve(b: Uint8Array): void; reject(e: unknown): void }[] = [];
    const t = {
      now: () => 0,
      defer: (fn: () => void) => void setImmediate(fn),
      request: (to: number, payload: Uint8Array) => new Promise<Uint8Array>((resolve, reject) => sent.push({ to, payload, resolve, reject })),
    };
    return { sent, batcher: new ProposeBatcher(t) };
  }
  const turn = () => new Promise<void>((r) => setImmediate(r));

  test('writes of one turn leave as one batch; each gets its own answer', async () => {
    const { sent, batcher } = scripted();
    const ps = [0, 1, 2].map((i) => batcher.submit(2, enc.encode(`{"i":${i}}`), 1000));
    await turn();
    assert.equal(sent.length, 1);
    assert.equal(decodeProposeBatch(sent[0]!.payload).length, 3);
    sent[0]!.resolve(encodeBatchAnswers([{ ok: true, index: 5, term: 2 }, { ok: false, code: 'TOO_MANY_REQUESTS', message: 'x' }, { ok: true, index: 6, term: 2 }]));
    const got = await Promise.all(ps);
    assert.deepEqual(got.map((a) => (a.ok ? a.index : a.code)), [5, 'TOO_MANY_REQUESTS', 6]);
  });

  test('at most four batches in flight; what queues meanwhile leaves together', async () => {
    const { sent, batcher } = scripted();
    const all: Promise<BatchAnswer>[] = [];
    for (let b = 0; b < 4; b++) {
      all.push(batcher.submit(2, enc.encode('{}'), 1000));
      await turn();
    }
    assert.equal(sent.length, 4);
    for (let i = 0; i < 10; i++) all.push(batcher.submit(2, enc.encode('{}'), 1000));
    await turn();
    assert.equal(sent.length, 4, 'a fifth batch waits for an answer');
    sent[0]!.resolve(encodeBatchAnswers([{ ok: true, index: 1, term: 1 }]));
    await turn();
    assert.equal(sent.length, 5);
    assert.equal(decodeProposeBatch(sent[4]!.payload).length, 10);
    for (const s of sent.slice(1, 4)) s.resolve(encodeBatchAnswers([{ ok: true, index: 1, term: 1 }]));
    sent[4]!.resolve(encodeBatchAnswers(Array.from({ length: 10 }, (_, i) => ({ ok: true, index: 10 + i, term: 1 }))));
    assert.equal((await Promise.all(all)).filter((a) => a.ok).length, 14);
  });

  test('a batch never sent is retryable; one sent and unanswered is outcome unknown', async () => {
    const { sent, batcher } = scripted();
    const unsent = [batcher.submit(2, enc.encode('{}'), 1000), batcher.submit(2, enc.encode('{}'), 1000)];
    await turn();
    sent[0]!.reject(Object.assign(new Error('connect refused'), { code: 'PEER_UNREACHABLE', outcomeUnknown: false }));
    for (const a of await Promise.all(unsent)) assert.deepEqual([a.ok, !a.ok && a.code], [false, 'PEER_UNREACHABLE']);

    const lost = [batcher.submit(3, enc.encode('{}'), 1000), batcher.submit(3, enc.encode('{}'), 1000)];
    await turn();
    sent[1]!.reject(Object.assign(new Error('connection closed'), { code: 'PEER_UNREACHABLE', outcomeUnknown: true }));
    for (const a of await Promise.all(lost)) assert.deepEqual([a.ok, !a.ok && a.code], [false, 'TIMEOUT']);

    const late = [batcher.submit(3, enc.encode('{}'), 1000)];
    await turn();
    sent[2]!.reject(Object.assign(new Error('no response'), { code: 'TIMEOUT', outcomeUnknown: true }));
    assert.equal(((await late[0]!) as { code: string }).code, 'TIMEOUT');

    const garbled = batcher.submit(3, enc.encode('{}'), 1000);
    await turn();
    sent[3]!.resolve(Uint8Array.of(2, 5)); // five answers promised, none there
    assert.equal(((await garbled) as { code: string }).code, 'TIMEOUT');
  });
});

describe('forwarded write batches: real members (manual clock)', () => {
  const clusters: TestCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
  });

  test('many writes through a follower: few batches, every result right, read back everywhere', async () => {
    const c = await startCluster(3);
    clusters.push(c);
    const leader = c.leader()!;
    const f = c.members.find((m) => m !== leader)!;
    const fid = f.status().id;
    let requests = 0;
    c.drop = (from, _to, kind) => {
      if (kind === 'request' && from === fid) requests++;
      return false;
    };
    const ps = Array.from({ length: 40 }, (_, i) => track(f.propose(put(`k${i}`, `v${i}`))));
    await c.until('all writes answered', () => ps.every((p) => p.get().done));
    const revs = ps.map((p) => {
      const o = p.get();
      assert.ok(o.done && o.ok, JSON.stringify(o));
      assert.equal(o.value.op, 'put');
      return o.value.revision;
    });
    assert.equal(new Set(revs).size, 40, 'each write has a revision of its own');
    assert.ok(requests <= 4, `40 writes of one turn took ${requests} forwarded requests`);
    // Read-your-writes on the follower: its answer came from its own apply.
    for (let i = 0; i < 40; i++) assert.equal(f.state().get(`k${i}`)?.value, `v${i}`);
    await c.until('every member applied them', () => c.members.every((m) => m.state().get('k39')?.value === 'v39'));
    for (let i = 0; i < 40; i++) assert.equal(leader.state().get(`k${i}`)?.modRevision, revs[i]);
  });

  test('a leader that dies with a batch in flight: no write is reported applied that is not, none lost that is', async () => {
    const c = await startCluster(3);
    clusters.push(c);
    const old = c.leader()!;
    const oid = old.status().id;
    const f = c.members.find((m) => m !== old)!;
    // The old leader gets the batch and appends it, but its answer and its AppendEntries are lost:
    // then it is cut off for good (a dead process), and the others elect a new leader.
    c.drop = (from, to, kind, msg) => (from === oid && kind === 'request') || (from === oid && kind === 'raft' && msg?.type === MessageType.App && msg.entries.length > 0);
    const before = old.status().lastIndex;
    const first = Array.from({ length: 8 }, (_, i) => track(f.propose(put(`a${i}`, 'x'), { timeoutMs: 1_500 })));
    await c.until('the old leader appended the batch', () => old.status().lastIndex >= before + 8, 2_000);
    isolate(c, oid);
    // A second batch, answered by the old leader before it is cut off, is the other case: the
    // follower knows (index, term) and must learn the entries' fate from the new leader's log.
    await c.until('a new leader', () => {
      const l = c.leader();
      return l !== undefined && l !== old && f.status().lead === l.status().id;
    });
    await c.until('every first-batch write settled', () => first.every((p) => p.get().done), 5_000);
    for (const p of first) {
      const o = p.get();
      assert.ok(o.done && !o.ok, `a write whose answer was lost cannot be known applied: ${JSON.stringify(o)}`);
      assert.equal(o.error.code, 'TIMEOUT', o.error.message);
    }
    // The new leader never had those entries: none was applied anywhere that still serves.
    for (const m of c.members.filter((m) => m !== old)) for (let i = 0; i < 8; i++) assert.equal(m.state().get(`a${i}`), undefined);
    // And writes through the same follower work again, batched, to the new leader.
    const again = Array.from({ length: 5 }, (_, i) => track(f.propose(put(`b${i}`, 'y'))));
    await c.until('writes to the new leader answered', () => again.every((p) => p.get().done));
    for (const p of again) assert.ok(p.get().done && (p.get() as { ok: boolean }).ok, JSON.stringify(p.get()));
  });

  test('answered by a leader that is then deposed: PROPOSAL_LOST only for entries the new log replaced', async () => {
    const c = await startCluster(3);
    clusters.push(c);
    const old = c.leader()!;
    const oid = old.status().id;
    const f = c.members.find((m) => m !== old)!;
    // The old leader answers (index, term) but none of its new entries reach anyone.
    c.drop = (from, _to, kind, msg) => from === oid && kind === 'raft' && msg?.type === MessageType.App && msg.entries.length > 0;
    const ps = Array.from({ length: 6 }, (_, i) => track(f.propose(put(`c${i}`, 'z'), { timeoutMs: 1_900 })));
    const before = old.status().lastIndex;
    await c.until('the old leader appended them', () => old.status().lastIndex >= before + 6, 2_000);
    isolate(c, oid);
    await c.until('a new leader', () => {
      const l = c.leader();
      return l !== undefined && l !== old && f.status().lead === l.status().id;
    });
    // The new leader's first entry takes one of those indexes; a write through the follower
    // fills the rest, so every waiting write learns its entry was replaced.
    const fill = Array.from({ length: 6 }, (_, i) => track(f.propose(put(`d${i}`, 'w'))));
    await c.until('everything settled', () => [...ps, ...fill].every((p) => p.get().done), 5_000).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify([...ps, ...fill].map((p) => p.get()))}`);
    });
    for (const p of ps) {
      const o = p.get();
      assert.ok(o.done && !o.ok, JSON.stringify(o));
      assert.ok(o.error.code === 'PROPOSAL_LOST' || o.error.code === 'TIMEOUT', o.error.code);
    }
    assert.ok(ps.some((p) => (p.get() as { error?: CodedError }).error?.code === 'PROPOSAL_LOST'), 'the replaced entries are reported lost');
    for (let i = 0; i < 6; i++) assert.equal(f.state().get(`c${i}`), undefined);
    for (const p of fill) assert.ok((p.get() as { ok?: boolean }).ok, JSON.stringify(p.get()));
  });

  test('linearizable reads on a follower share ReadIndex rounds', async () => {
    const c = await startCluster(3);
    clusters.push(c);
    const leader = c.leader()!;
    const f = c.members.find((m) => m !== leader)!;
    const fid = f.status().id;
    const seen = new WeakSet<object>(); // the harness asks about a message on send and on delivery
    let rounds = 0;
    const before = c.drop;
    c.drop = (from, to, kind, msg) => {
      if (kind === 'raft' && from === fid && msg?.type === MessageType.ReadIndex && !seen.has(msg)) {
        seen.add(msg);
        rounds++;
      }
      return before(from, to, kind, msg);
    };
    let done = 0;
    const reads = Array.from({ length: 50 }, () => f.readBarrier().then(() => void done++));
    await c.until('all reads confirmed', () => done === 50);
    await Promise.all(reads);
    assert.ok(rounds >= 1 && rounds <= 2, `50 reads took ${rounds} ReadIndex rounds`);
  });
});
