// The three roles' rules, one at a time: the acceptor's promise and accept rules (and the
// mutation that breaks them), the proposer's choice of value from the promises, and the learner
// handing values to the state machine in slot order.

import { InvariantError } from '../../src/invariant/index.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Acceptor, compareBallots, Learner, nextBallot, Quorum, valueFromPromises, ZERO_BALLOT } from '../../src/paxos/index.js';

const b = (round: number, node: number) => ({ round, node });

test('acceptor: promises only ballots at or above its promise, reporting each change once', () => {
  const a = new Acceptor(undefined, false);
  assert.equal(a.prepare(b(2, 1)), true);
  assert.deepEqual(a.takeChanges(), { promised: b(2, 1), accepted: [] });
  assert.equal(a.prepare(b(1, 3)), false, 'a lower ballot is refused');
  assert.equal(a.prepare(b(2, 1)), true, 'the same ballot again (a duplicate prepare) is promised again');
  assert.deepEqual(a.takeChanges(), { promised: undefined, accepted: [] }, 'nothing new to persist');
  assert.equal(a.prepare(b(2, 2)), true, 'the proposer id breaks a tie of rounds');
});

test('acceptor: accepts at or above its promise (raising it), never below', () => {
  const a = new Acceptor(undefined, false);
  a.prepare(b(3, 1));
  assert.equal(a.accept(b(2, 9), 1, 'x'), false, 'P1a: below the promise');
  assert.equal(a.accepted(1), undefined);
  assert.equal(a.accept(b(3, 1), 1, 'x'), true);
  assert.equal(a.accept(b(4, 2), 2, 'y'), true, 'a higher ballot is accepted and promised');
  assert.deepEqual(a.promised, b(4, 2));
  assert.equal(a.accept(b(3, 1), 3, 'z'), false, 'now below the raised promise');
  const ch = a.takeChanges();
  assert.deepEqual(ch.promised, b(4, 2));
  assert.deepEqual(ch.accepted.map((e) => [e.slot, e.value]), [[1, 'x'], [2, 'y']]);
  assert.deepEqual(a.acceptedFrom(2, false).map((e) => e.slot), [2]);
  assert.deepEqual(a.acceptedFrom(1, true).map((e) => e.slot), [1]);
});

test('acceptor: restored state is kept; the accept-below-promise mutation breaks P1a', () => {
  const restored = { promised: b(5, 2), accepted: [{ slot: 1, ballot: b(4, 1), value: 'v' }], chosen: [] };
  const a = new Acceptor(restored, false);
  assert.equal(a.prepare(b(4, 3)), false, 'a promise made before the crash still binds');
  assert.equal(a.accepted(1)?.value, 'v');
  const broken = new Acceptor(restored, true);
  assert.equal(broken.accept(b(1, 1), 1, 'w'), true);
  assert.equal(broken.accepted(1)?.value, 'w');
});

test('proposer: phase 2 must carry the value of the highest-numbered proposal reported', () => {
  const reports = [
    [{ slot: 1, ballot: b(1, 1), value: 'old' }],
    [{ slot: 1, ballot: b(3, 2), value: 'newer' }, { slot: 2, ballot: b(2, 2), value: 'two' }],
    [],
  ];
  assert.deepEqual(valueFromPromises(reports, 1), { value: 'newer' });
  assert.deepEqual(valueFromPromises(reports, 2), { value: 'two' });
  assert.equal(valueFromPromises(reports, 3), undefined, 'free: no acceptor in the majority accepted anything there');
  assert.deepEqual(valueFromPromises([[{ slot: 4, ballot: b(1, 1), value: null }]], 4), { value: null }, 'a no-op is a value too');
  const q = new Quorum(5);
  q.add(1);
  q.add(1);
  q.add(2);
  assert.equal(q.reached, false);
  q.add(3);
  assert.equal(q.reached, true);
  assert.ok(compareBallots(nextBallot(b(7, 3), 1), b(7, 3)) > 0);
  assert.ok(compareBallots(ZERO_BALLOT, b(0, 1)) < 0);
});

test('learner: values learned out of order are applied in slot order, without gaps', () => {
  const l = new Learner(undefined);
  assert.equal(l.learn(2, 'b'), true);
  assert.deepEqual(l.takeCommitted(), [], 'slot 1 is still unknown');
  assert.equal(l.firstUnchosen, 1);
  l.learn(1, null);
  assert.deepEqual(l.takeCommitted(), [{ slot: 1, value: null }, { slot: 2, value: 'b' }]);
  assert.equal(l.learn(2, 'b'), false, 'learning it again is no news');
  assert.throws(() => l.learn(2, 'other'), InvariantError);
  assert.deepEqual(l.takeLearned().map((e) => e.slot), [2, 1]);
  const restarted = new Learner([{ slot: 1, value: 'a' }, { slot: 3, value: 'c' }]);
  assert.equal(restarted.firstUnchosen, 2);
  assert.deepEqual(restarted.takeCommitted(), [], 'what was persisted was already applied');
  assert.deepEqual(restarted.chosenFrom(1, 10).map((e) => e.slot), [1, 3]);
});
