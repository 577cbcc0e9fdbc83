// A member's own snapshot is paced (src/node/snapshots.ts): it encodes and copies for a slice of a
// few milliseconds, then rests through the member's clock before the next slice, and the bytes it
// ends with are exactly those of the state as it was cut, however the state moves meanwhile.
// Snapshots runs here over a minimal member context and a clock that moves 1 ms each time it is
// read, so a slice's length is counted in reads of the clock, not hoped for in wall time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberContext } from '../../src/node/member-context.js';
import { snapshotEnvelopeHeader, type MemberRecord } from '../../src/node/members.js';
import { Snapshots } from '../../src/node/snapshots.js';
import { StateMachine, snapshotChunks } from '../../src/state/index.js';

/** now() moves 1 ms per read; after() is recorded for the test to fire. */
class ReadTickingClock {
  t = 0;
  rests: { ms: number; fn: () => void }[] = [];
  now(): number {
    return this.t++;
  }
  after(ms: number, fn: () => void): { cancel(): void } {
    this.rests.push({ ms, fn });
    return { cancel: () => {} };
  }
  defer(fn: () => void): void {
    setImmediate(fn);
  }
}

const MEMBERS: MemberRecord[] = [{ id: 1, name: 'm1', peerUrl: 'http://127.0.0.1:1', clientUrl: 'http://127.0.0.1:2' }];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function setup(keys: number) {
  const sm = new StateMachine();
  for (let i = 0; i < keys; i++) sm.apply({ op: 'put', key: `k/${String(i).padStart(6, '0')}`, value: 'v'.repeat(40) });
  const clock = new ReadTickingClock();
  const compacted: { index: number; data: Uint8Array }[] = [];
  let loopAgain = 0;
  const failures: unknown[] = [];
  const m = {
    o: {
      clock,
      snapshotThreshold: 10,
      metrics: undefined,
      logger: { info() {}, warn() {}, error() {} },
      log: { saveSnapshot: async () => true },
    },
    applied: keys,
    snapshotIndex: 0,
    stopped: false,
    sm,
    directory: { all: () => MEMBERS },
    loop: { again: () => loopAgain++ },
    raft: { compact: (index: number, data: Uint8Array) => compacted.push({ index, data }) },
    memLog: { snapshot: () => ({}) },
    fail: (err: unknown) => failures.push(err),
  };
  const snaps = new Snapshots(m as unknown as MemberContext);
  return { sm, clock, snaps, m, compacted, failures, loopAgain: () => loopAgain };
}

describe('snapshot pacing (Snapshots over a minimal member, a clock read in ticks)', () => {
  test('encodes a slice at a time, resting 16 ms between slices, and ends with the bytes of the cut', async () => {
    const s = setup(40_000); // 20 pieces of 2,000 keys
    const expected = (() => {
      const cut = s.sm.cut();
      const bytes = concat([snapshotEnvelopeHeader(MEMBERS), ...snapshotChunks(cut, 2_000)]);
      cut.kvs.release();
      return bytes;
    })();
    await s.snaps.maybeSnapshot();
    assert.equal(s.snaps.encodedAndWaiting(), false, 'a large state is not encoded in one go');
    let slices = 1;
    // The state moves on while the snapshot rests: the bytes must stay those of the cut.
    let i = 0;
    while (!s.snaps.encodedAndWaiting()) {
      assert.equal(s.clock.rests.length, 1, 'exactly one rest is scheduled between slices');
      const rest = s.clock.rests.shift()!;
      assert.equal(rest.ms, 16);
      s.sm.apply({ op: 'put', key: `k/${String(i++).padStart(6, '0')}`, value: 'changed' });
      s.sm.apply({ op: 'delete', key: `k/${String(i++).padStart(6, '0')}` });
      const before = s.clock.t;
      rest.fn();
      // A slice reads the clock a few times (once per piece) before it yields: 4 ms of budget.
      assert.ok(s.clock.t - before <= 6, `a slice read the clock ${s.clock.t - before} times`);
      slices++;
      assert.ok(slices < 100, 'the snapshot finished');
    }
    assert.ok(slices >= 5, `encoded in ${slices} slices`);
    assert.equal(s.loopAgain(), 1, 'the loop is woken once, when the bytes are ready');
    assert.deepEqual(s.failures, []);
    // The next loop turn compacts the log with exactly the cut's bytes.
    await s.snaps.maybeSnapshot();
    assert.equal(s.compacted.length, 1);
    assert.equal(s.compacted[0]!.index, 40_000);
    assert.equal(Buffer.compare(Buffer.from(s.compacted[0]!.data), Buffer.from(expected)), 0);
  });

  test('a member that stops while resting drops the snapshot', async () => {
    const s = setup(20_000);
    await s.snaps.maybeSnapshot();
    assert.equal(s.clock.rests.length, 1);
    s.m.stopped = true;
    s.clock.rests.shift()!.fn();
    assert.equal(s.clock.rests.length, 0, 'no further slice is scheduled');
    assert.equal(s.snaps.encodedAndWaiting(), false);
    assert.equal(s.loopAgain(), 0);
  });
});
