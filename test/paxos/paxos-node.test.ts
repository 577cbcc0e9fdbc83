// PaxosNode driven by hand: Multi-Paxos elects a leader that then skips phase 1, a new leader
// re-proposes what the promises report and fills gaps with no-ops, single-decree proposers duel
// and still agree, and every Ready persists a promise before the message that tells of it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareBallots, type PaxosDurableState } from '../../src/paxos/index.js';
import { TestNet } from './harness.js';

const b = (round: number, node: number) => ({ round, node });

test('multi: one leader emerges; then each value costs phase 2 only, in slot order', () => {
  const net = new TestNet([1, 2, 3], 'multi');
  net.run(() => net.leaders().length === 1);
  const leader = net.leaders()[0]!;
  const prepares = net.sent.filter((m) => m.type === 'prepare').length;
  assert.ok(prepares >= 2);
  for (const v of ['a', 'b', 'c', 'd']) {
    const r = net.node(leader).propose(v);
    assert.equal(r.ok, true);
    net.drain(leader);
    net.deliverAll();
  }
  assert.equal(net.sent.filter((m) => m.type === 'prepare').length, prepares, 'a stable leader sends no more prepares');
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  assert.deepEqual(net.node(follower).propose('x'), { ok: false, code: 'NOT_LEADER', leader });
  net.run(() => [1, 2, 3].every((id) => net.values(id).length === 4), 20);
  for (const id of [1, 2, 3]) assert.deepEqual(net.values(id), ['a', 'b', 'c', 'd'], `learner ${id}`);
});

test('multi: a new leader re-proposes the reported values and fills the gap with a no-op', () => {
  // Before n1 (the old leader, ballot 1.1) died: n2 accepted slots 1 and 3, n3 only slot 1; slot 2
  // reached nobody. Nothing is known chosen.
  const restored: Record<number, PaxosDurableState> = {
    2: { promised: b(1, 1), accepted: [{ slot: 1, ballot: b(1, 1), value: 'a' }, { slot: 3, ballot: b(1, 1), value: 'c' }], chosen: [] },
    3: { promised: b(1, 1), accepted: [{ slot: 1, ballot: b(1, 1), value: 'a' }], chosen: [] },
  };
  const net = new TestNet([1, 2, 3], 'multi', {}, restored);
  net.crash(1);
  net.run(() => net.leaders().length === 1 && net.values(2).length === 3 && net.values(3).length === 3);
  for (const id of [2, 3]) assert.deepEqual(net.values(id), ['a', null, 'c'], `learner ${id}`);
});

test('multi: the ignore-promised-value mutation overwrites a value a majority accepted', () => {
  const restored: Record<number, PaxosDurableState> = {
    2: { promised: b(1, 1), accepted: [{ slot: 1, ballot: b(1, 1), value: 'a' }], chosen: [] },
    3: { promised: b(1, 1), accepted: [{ slot: 1, ballot: b(1, 1), value: 'a' }], chosen: [] },
  };
  const net = new TestNet([1, 2, 3], 'multi', { mutations: { ignorePromisedValue: true } }, restored);
  net.crash(1);
  net.run(() => net.values(2).length === 1);
  // 'a' was chosen (two of three accepted it under ballot 1.1); the mutant leader proposes a no-op.
  assert.deepEqual(net.values(2), [null]);
});

test('basic: two proposers duel for the same slot, and everyone still agrees on each slot', () => {
  const net = new TestNet([1, 2, 3], 'basic');
  assert.equal(net.node(1).propose('from-1').ok, true);
  assert.equal(net.node(2).propose('from-2').ok, true);
  net.drain(1);
  net.drain(2);
  net.run(() => [1, 2, 3].every((id) => net.values(id).length === 2), 500);
  const order = net.values(1);
  assert.deepEqual([...order].sort(), ['from-1', 'from-2']);
  for (const id of [2, 3]) assert.deepEqual(net.values(id), order, `learner ${id}`);
  const c1 = net.node(1).counters;
  const c2 = net.node(2).counters;
  assert.ok(c1.phase1Started + c2.phase1Started >= 2);
  assert.ok(c1.preempted + c2.preempted >= 1, 'the later ballot refused the earlier proposer at least once');
});

test('every Ready persists a promise or acceptance before the message that reports it', () => {
  const net = new TestNet([1, 2, 3], 'multi');
  net.run(() => net.leaders().length === 1);
  const leader = net.leaders()[0]!;
  net.node(leader).propose('v');
  net.drain(leader);
  net.deliverAll();
  let promises = 0;
  let accepts = 0;
  for (const [id, readies] of net.readies) {
    let persisted = { round: 0, node: 0 };
    for (const rd of readies) {
      if (rd.promised !== undefined) persisted = rd.promised;
      for (const m of rd.messages) {
        if (m.type === 'promise' && m.ok) {
          promises++;
          assert.ok(compareBallots(persisted, m.ballot) >= 0, `n${id} promised ${m.ballot.round}.${m.ballot.node} before persisting it`);
        }
        if (m.type === 'accepted' && m.ok) {
          accepts++;
          for (const s of m.slots) assert.ok(rd.accepted.some((e) => e.slot === s), `slot ${s} reported accepted without being persisted in that Ready`);
        }
      }
    }
  }
  assert.ok(promises > 0 && accepts > 0);
});

test('a restarted acceptor keeps its promise: a lower prepare is refused', () => {
  const net = new TestNet([1, 2, 3], 'multi', {}, { 2: { promised: b(9, 3), accepted: [], chosen: [] } });
  net.queue.push({ type: 'prepare', from: 1, to: 2, ballot: b(5, 1), fromSlot: 1, single: false });
  net.deliverAll();
  const reply = net.sent.find((m) => m.type === 'promise' && m.from === 2);
  assert.ok(reply !== undefined && reply.type === 'promise');
  assert.equal(reply.ok, false);
  assert.deepEqual(reply.promised, b(9, 3));
});
