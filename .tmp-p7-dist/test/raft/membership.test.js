// Membership changes one server at a time (§6 of the paper / §4 of the dissertation), learners.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfChangeType, MessageType, StateRole } from '../../src/raft/index.js';
import { cluster } from './harness.js';
const cc = (type, nodeId) => ({ type, nodeId, context: new Uint8Array(0) });
test('§6 a new member joins with an empty log, learns the membership by replication and becomes a voter', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'before');
    c.stabilize();
    c.addMember(4); // empty MemoryLog, empty membership
    const r = c.node(1).proposeConfChange(cc(ConfChangeType.AddVoter, 4));
    assert.ok(r.ok);
    c.stabilize();
    c.tickAll(2);
    assert.deepEqual(c.node(1).status().confState.voters, [1, 2, 3, 4]);
    assert.deepEqual(c.node(4).status().confState.voters, [1, 2, 3, 4], 'the joiner learned every change, the bootstrap ones included');
    assert.deepEqual(c.state(4), ['before']);
    // Quorum is now 3 of 4.
    c.isolate(2);
    c.isolate(3);
    c.propose(1, 'two-of-four');
    c.stabilize();
    assert.deepEqual(c.state(1), ['before'], '2 of 4 voters is not a quorum');
    assert.deepEqual(c.violations, []);
});
test('§6 removing a member shrinks the quorum; the removed member never campaigns', () => {
    const c = cluster(3);
    c.elect(1);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 3)).ok);
    c.stabilize();
    c.tickAll(1);
    assert.deepEqual(c.node(1).status().confState.voters, [1, 2]);
    assert.deepEqual(c.node(3).status().confState.voters, [1, 2]);
    c.isolate(3);
    for (let i = 0; i < 50; i++)
        c.node(3).tick();
    assert.equal(c.node(3).status().role, StateRole.Follower, 'a removed member does not campaign');
    c.propose(1, 'x');
    c.stabilize();
    assert.deepEqual(c.state(1), ['x']);
});
test('§6 a removed leader steps down once the removal is applied, and the rest elect a new leader', () => {
    const c = cluster(3);
    c.elect(1);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.RemoveNode, 1)).ok);
    c.stabilize();
    assert.notEqual(c.node(1).status().role, StateRole.Leader);
    for (let i = 0; i < 50 && c.leaders().length === 0; i++)
        c.tickAll(1);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 1);
    assert.deepEqual(c.node(leaders[0]).status().confState.voters, [2, 3]);
    c.propose(leaders[0], 'y');
    c.stabilize();
    assert.deepEqual(c.state(leaders[0]), ['y']);
});
test('§6 one change at a time: a second change is refused while the first is unapplied', () => {
    const c = cluster(3);
    c.elect(1);
    c.addMember(4);
    c.addMember(5);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok);
    const r = c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 5));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'CONF_CHANGE_PENDING');
    c.stabilize();
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 5)).ok, 'accepted once the first is applied');
});
test('§6 (raft-dev 2015 fix) a new leader refuses a conf change until it has committed an entry of its term', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(2);
    c.isolate(3);
    c.restart(1);
    c.processReady(1); // re-apply the committed membership first (no campaign before that)
    c.heal();
    // Deliver the votes but hold back AppendEntries so the new term's entry stays uncommitted.
    c.filter = (m) => m.type !== MessageType.App;
    c.node(1).campaign();
    c.stabilize();
    assert.equal(c.node(1).status().role, StateRole.Leader);
    const r = c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 9));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'CONF_CHANGE_PENDING');
    assert.match(!r.ok ? r.message : '', /not committed an entry of term/);
    c.filter = undefined;
    c.tickAll(1);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 9)).ok);
});
test('§6 invalid changes are refused with INVALID_CONF_CHANGE', () => {
    const c = cluster(3);
    c.elect(1);
    for (const bad of [cc(ConfChangeType.AddVoter, 2), cc(ConfChangeType.RemoveNode, 7), cc(ConfChangeType.AddVoter, 0)]) {
        const r = c.node(1).proposeConfChange(bad);
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.code, 'INVALID_CONF_CHANGE');
    }
    const f = c.node(2).proposeConfChange(cc(ConfChangeType.AddLearner, 7));
    assert.equal(!f.ok && f.code, 'NOT_LEADER');
    assert.equal(!f.ok && f.leader, 1);
});
test('learners are replicated to, but neither vote, count for commitment, nor campaign', () => {
    const c = cluster(3);
    c.elect(1);
    c.addMember(4);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok);
    c.stabilize();
    c.propose(1, 'a');
    c.stabilize();
    c.tickAll(1);
    assert.deepEqual(c.state(4), ['a'], 'replicated to the learner');
    assert.deepEqual(c.node(1).status().confState, { voters: [1, 2, 3], learners: [4] });
    // Commitment: leader + learner is not a quorum of the voters {1,2,3}.
    c.isolate(2);
    c.isolate(3);
    c.propose(1, 'b');
    c.stabilize();
    assert.deepEqual(c.state(1), ['a']);
    // The learner never campaigns.
    c.isolate(1);
    for (let i = 0; i < 60; i++)
        c.node(4).tick();
    assert.equal(c.node(4).status().role, StateRole.Follower);
});
test('a learner is promoted with AddVoter and then counts toward the quorum', () => {
    const c = cluster(3);
    c.elect(1);
    c.addMember(4);
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddLearner, 4)).ok);
    c.stabilize();
    assert.ok(c.node(1).proposeConfChange(cc(ConfChangeType.AddVoter, 4)).ok);
    c.stabilize();
    c.tickAll(1);
    assert.deepEqual(c.node(4).status().confState, { voters: [1, 2, 3, 4], learners: [] });
    c.isolate(3);
    c.propose(1, 'with-4');
    c.stabilize();
    assert.deepEqual(c.state(1), ['with-4'], '{1,2,4} is a quorum of four');
});
//# sourceMappingURL=membership.test.js.map