import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StateMachine, WatchHub, StateError, type WatchRequest } from '../../src/state/index.js';
import type { Command, WatchEvent } from '../../src/state/commands.js';

/** A member in miniature: apply, then publish, as the driver does. */
function member(opts: { historyRevisions?: number; maxWatchers?: number; chunk?: number } = {}) {
  const sm = new StateMachine({ historyRevisions: opts.historyRevisions });
  const hub = new WatchHub(sm, { maxWatchers: opts.maxWatchers, catchUpChunkEvents: opts.chunk });
  const apply = (cmd: Command) => {
    const out = sm.apply(cmd);
    hub.publish(out.result.revision, out.events);
    return out;
  };
  return { sm, hub, apply };
}

interface Recorder {
  req: WatchRequest;
  got: { revision: number; events: readonly WatchEvent[] }[];
  canceled: { reason: string; compactRevision?: number }[];
  /** Resolves once a batch at revision >= r has arrived. */
  reach(r: number): Promise<void>;
  /** Resolves on onCanceled. */
  ended: Promise<void>;
}

function recorder(key: string, prefix: boolean, startRevision: number, prevKv = false): Recorder {
  const got: Recorder['got'] = [];
  const canceled: Recorder['canceled'] = [];
  const waits: { r: number; resolve: () => void }[] = [];
  let endResolve!: () => void;
  const ended = new Promise<void>((res) => (endResolve = res));
  const req: WatchRequest = {
    key,
    prefix,
    startRevision,
    prevKv,
    onEvents(events, revision) {
      got.push({ revision, events });
      for (const w of waits.splice(0)) if (revision >= w.r) w.resolve();
      else waits.push(w);
    },
    onCanceled(reason, compactRevision) {
      canceled.push(compactRevision === undefined ? { reason } : { reason, compactRevision });
      endResolve();
    },
  };
  return {
    req,
    got,
    canceled,
    ended,
    reach: (r) =>
      got.length > 0 && got[got.length - 1]!.revision >= r ? Promise.resolve() : new Promise<void>((resolve) => waits.push({ r, resolve })),
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('WatchHub', () => {
  it('delivers live events to exact and prefix watchers only when they match', () => {
    const { hub, apply } = member();
    const exact = recorder('a', false, 0);
    const pre = recorder('a', true, 0);
    const other = recorder('zzz', true, 0);
    hub.watch(exact.req);
    hub.watch(pre.req);
    hub.watch(other.req);
    apply({ op: 'put', key: 'a', value: '1' });
    apply({ op: 'put', key: 'a/1', value: '1' });
    apply({ op: 'put', key: 'ab', value: '1' });
    apply({ op: 'put', key: 'b', value: '1' });
    apply({ op: 'txn', compare: [], success: [{ put: { key: 'a', value: '2' } }, { put: { key: 'b', value: '2' } }, { delete: { key: 'ab' } }], failure: [] });
    assert.deepEqual(exact.got.map((g) => [g.revision, g.events.map((e) => e.kv.key)]), [[1, ['a']], [5, ['a']]]);
    assert.deepEqual(pre.got.map((g) => [g.revision, g.events.map((e) => `${e.type}:${e.kv.key}`)]), [
      [1, ['put:a']],
      [2, ['put:a/1']],
      [3, ['put:ab']],
      [5, ['put:a', 'delete:ab']],
    ]);
    assert.deepEqual(other.got, []);
    hub.close();
  });

  it('strips prevKv unless asked for it', () => {
    const { hub, apply } = member();
    const plain = recorder('k', false, 0, false);
    const withPrev = recorder('k', false, 0, true);
    hub.watch(plain.req);
    hub.watch(withPrev.req);
    apply({ op: 'put', key: 'k', value: '1' });
    apply({ op: 'put', key: 'k', value: '2' });
    assert.equal(plain.got[1]!.events[0]!.prevKv, undefined);
    assert.equal(withPrev.got[1]!.events[0]!.prevKv?.value, '1');
    hub.close();
  });

  it('catches up from history in chunks, then continues live with no gap and no duplicate', async () => {
    const { sm, hub, apply } = member({ chunk: 3 });
    for (let i = 1; i <= 40; i++) apply({ op: 'put', key: `p/${i % 7}`, value: String(i) });
    apply({ op: 'put', key: 'q', value: '' }); // a non-matching revision in the middle
    const rec = recorder('p/', true, 5);
    hub.watch(rec.req);
    assert.equal(hub.catchingUpCount(), 1);
    // Keep applying while the watcher replays history, one change per event-loop turn.
    let publishedDuringCatchUp = 0;
    for (let i = 41; i <= 80; i++) {
      apply({ op: 'put', key: i % 10 === 0 ? 'q' : `p/${i % 7}`, value: String(i) });
      if (hub.catchingUpCount() === 1) publishedDuringCatchUp++;
      await turn();
    }
    assert.ok(publishedDuringCatchUp > 0, 'the test must publish while the watcher is catching up');
    const expected: number[] = [];
    for (let r = 5; r <= sm.revision(); r++) {
      const h = sm.eventsSince(r, 'p/', true, 1);
      if (!h.compacted && h.batches[0]?.revision === r) expected.push(r);
    }
    await rec.reach(expected[expected.length - 1]!);
    assert.equal(hub.catchingUpCount(), 0);
    assert.deepEqual(rec.got.map((g) => g.revision), expected);
    assert.ok(expected.length > 60);
    // Contents match history exactly.
    for (const g of rec.got) assert.equal(g.events[0]!.kv.modRevision, g.revision);
    hub.close();
  });

  it('joins live at once for a start at the next revision and waits for a future start', () => {
    const { hub, apply } = member();
    apply({ op: 'put', key: 'k', value: '1' });
    const next = recorder('k', false, 2);
    const future = recorder('k', false, 4);
    hub.watch(next.req);
    hub.watch(future.req);
    assert.equal(hub.catchingUpCount(), 0);
    for (let i = 0; i < 4; i++) apply({ op: 'put', key: 'k', value: String(i) });
    assert.deepEqual(next.got.map((g) => g.revision), [2, 3, 4, 5]);
    assert.deepEqual(future.got.map((g) => g.revision), [4, 5]);
    hub.close();
  });

  it('cancels a watch whose start was compacted', async () => {
    const { hub, apply } = member({ historyRevisions: 5 });
    for (let i = 0; i < 20; i++) apply({ op: 'put', key: 'k', value: String(i) });
    const rec = recorder('k', false, 3);
    hub.watch(rec.req);
    await rec.ended;
    assert.deepEqual(rec.canceled, [{ reason: 'compacted', compactRevision: 15 }]);
    assert.deepEqual(rec.got, []);
    assert.equal(hub.size, 0);
  });

  it('stops delivering after cancel, including mid catch-up', async () => {
    const { hub, apply } = member({ chunk: 1 });
    for (let i = 0; i < 10; i++) apply({ op: 'put', key: 'k', value: String(i) });
    const live = recorder('k', false, 0);
    const sub = hub.watch(live.req);
    apply({ op: 'put', key: 'k', value: 'x' });
    sub.cancel();
    sub.cancel();
    apply({ op: 'put', key: 'k', value: 'y' });
    assert.equal(live.got.length, 1);

    const replay = recorder('k', false, 1);
    const s2 = hub.watch(replay.req);
    await replay.reach(2);
    s2.cancel();
    const n = replay.got.length;
    // A watcher that reaches the end proves the catch-up loop has had turns to run.
    const probe = recorder('k', false, 1);
    hub.watch(probe.req);
    await probe.reach(12);
    assert.equal(replay.got.length, n);
    assert.ok(n < 12);
    assert.deepEqual(replay.canceled, []);
    assert.equal(hub.size, 1);
    hub.close('test over');
    assert.deepEqual(probe.canceled, [{ reason: 'test over' }]);
  });

  it('serves 1,000+ watchers, each seeing only its key, and bounds their number', () => {
    const { hub, apply } = member({ maxWatchers: 1_100 });
    const recs: Recorder[] = [];
    for (let i = 0; i < 1_000; i++) {
      const r = recorder(`key/${i}`, false, 0);
      recs.push(r);
      hub.watch(r.req);
    }
    const all = recorder('key/', true, 0);
    hub.watch(all.req);
    assert.equal(hub.size, 1_001);
    apply({
      op: 'txn',
      compare: [],
      success: Array.from({ length: 100 }, (_, i) => ({ put: { key: `key/${i * 10}`, value: 'v' } })),
      failure: [],
    });
    for (let i = 0; i < 1_000; i++) {
      const expected = i % 10 === 0 ? [`key/${i}`] : [];
      assert.deepEqual(recs[i]!.got.flatMap((g) => g.events.map((e) => e.kv.key)), expected, `watcher ${i}`);
    }
    assert.equal(all.got[0]!.events.length, 100);
    for (let i = 0; i < 99; i++) hub.watch(recorder('x', false, 0).req);
    assert.throws(
      () => hub.watch(recorder('x', false, 0).req),
      (e: unknown) => e instanceof StateError && e.code === 'TOO_MANY_WATCHERS',
    );
    hub.close();
    assert.equal(hub.size, 0);
  });

  it('fills a skipped revision from history instead of leaving a gap', async () => {
    const { sm, hub } = member();
    const rec = recorder('', true, 0);
    hub.watch(rec.req);
    const a = sm.apply({ op: 'put', key: 'a', value: '' });
    hub.publish(a.result.revision, a.events);
    sm.apply({ op: 'put', key: 'b', value: '' }); // never published
    const c = sm.apply({ op: 'put', key: 'c', value: '' });
    hub.publish(c.result.revision, c.events);
    await rec.reach(3);
    assert.deepEqual(rec.got.map((g) => [g.revision, g.events[0]!.kv.key]), [[1, 'a'], [2, 'b'], [3, 'c']]);
    assert.throws(() => hub.publish(2, c.events), /invariant/);
    hub.close();
  });

  it('ends a watcher whose callback throws, leaving the others alone', () => {
    const errors: unknown[] = [];
    const sm = new StateMachine();
    const hub = new WatchHub(sm, { onCallbackError: (e) => errors.push(e) });
    const good = recorder('k', false, 0);
    const bad = recorder('k', false, 0);
    bad.req.onEvents = () => {
      throw new Error('boom');
    };
    hub.watch(bad.req);
    hub.watch(good.req);
    const out = sm.apply({ op: 'put', key: 'k', value: '' });
    hub.publish(out.result.revision, out.events);
    assert.equal(good.got.length, 1);
    assert.deepEqual(bad.canceled, [{ reason: 'callback-error' }]);
    assert.equal(errors.length, 1);
    assert.equal(hub.size, 1);
    hub.close();
  });

  it('resyncs watchers after the state is replaced by a snapshot', async () => {
    const leader = new StateMachine();
    const { sm, hub, apply } = member();
    const rec = recorder('k', false, 0);
    hub.watch(rec.req);
    for (let i = 0; i < 3; i++) {
      const cmd: Command = { op: 'put', key: 'k', value: String(i) };
      leader.apply(cmd);
      apply(cmd);
    }
    // This member falls behind; the leader moves on and ships a snapshot.
    for (let i = 3; i < 6; i++) leader.apply({ op: 'put', key: i === 4 ? 'other' : 'k', value: String(i) });
    sm.restore(leader.snapshot());
    hub.resync();
    await rec.reach(6);
    assert.deepEqual(rec.got.map((g) => g.revision), [1, 2, 3, 4, 6]);
    apply({ op: 'put', key: 'k', value: 'live' });
    assert.deepEqual(rec.got.map((g) => g.revision), [1, 2, 3, 4, 6, 7]);
    hub.close();
  });
});
