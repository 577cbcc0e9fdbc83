// Election extensions: pre-vote (§9.6 of the dissertation), check-quorum and the leader lease
// (§6.2 / etcd), and leadership transfer (§3.10).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType, StateRole } from '../../src/raft/index.js';
import { cluster } from './harness.js';
test('§9.6 pre-vote: a partitioned member does not inflate its term, and its return does not disrupt the leader', () => {
    const c = cluster(3, { preVote: true });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
        c.node(3).tick();
        c.processReady(3);
    }
    c.queue = [];
    assert.equal(c.node(3).status().term, term, 'pre-candidates do not bump their term');
    assert.equal(c.node(3).status().role, StateRole.PreCandidate);
    c.heal(3);
    c.tickAll(5);
    assert.equal(c.node(1).status().role, StateRole.Leader, 'the leader keeps its office');
    assert.equal(c.node(1).status().term, term);
    assert.equal(c.node(3).status().lead, 1);
});
test('§9.6 without pre-vote the same partition deposes the leader (contrast)', () => {
    const c = cluster(3, { preVote: false });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 100; i++) {
        c.node(3).tick();
        c.processReady(3);
    }
    c.queue = [];
    assert.ok(c.node(3).status().term > term + 2);
    c.heal(3);
    c.tickAll(20); // 3's next vote request carries its inflated term
    assert.ok(c.node(1).status().term > term, 'the higher term reaches the leader');
});
test('§9.6 pre-vote: voters that heard from a leader within the election timeout refuse pre-votes', () => {
    const c = cluster(3, { preVote: true });
    c.elect(1);
    c.tickAll(1);
    c.node(3).campaign(); // 3 thinks it should lead; 2 still hears from 1
    c.processReady(3);
    const pre = c.queue.filter((m) => m.type === MessageType.PreVote);
    assert.equal(pre.length, 2);
    c.stabilize();
    assert.notEqual(c.node(3).status().role, StateRole.Leader);
    assert.equal(c.node(1).status().role, StateRole.Leader);
});
test('§9.6 pre-vote: after the leader dies a pre-candidate wins the poll and then the real election', () => {
    const c = cluster(3, { preVote: true });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(1);
    for (let i = 0; i < 100 && c.leaders().length === 0; i++)
        c.tickAll(1);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 1);
    assert.equal(c.node(leaders[0]).status().term, term + 1, 'exactly one real term bump');
});
test('§6.2 check-quorum: a leader that cannot reach a majority steps down after an election timeout', () => {
    const c = cluster(3, { checkQuorum: true });
    c.elect(1);
    c.cut(1, 2);
    c.cut(1, 3);
    for (let i = 0; i < 25; i++)
        c.tickAll(1);
    assert.equal(c.node(1).status().role === StateRole.Leader && c.node(1).status().term === c.node(2).status().term, false);
    assert.notEqual(c.node(1).status().role, StateRole.Leader, 'the cut-off leader stepped down');
    assert.equal(c.node(1).readIndex(new Uint8Array([1])), false, 'and serves no reads');
});
test('§6.2 check-quorum: a leader hearing from a majority keeps leading', () => {
    const c = cluster(3, { checkQuorum: true });
    c.elect(1);
    c.isolate(3);
    c.tickAll(50);
    assert.equal(c.node(1).status().role, StateRole.Leader);
});
test('§6.2 leader lease: with check-quorum, followers ignore a vote request while their leader is alive', () => {
    const c = cluster(3, { checkQuorum: true });
    c.elect(1);
    const term = c.node(1).status().term;
    c.tickAll(1);
    c.node(3).campaign(); // a disruptive member (e.g. one that just missed heartbeats)
    c.processReady(3);
    c.filter = (m) => m.from !== 1; // leader silent for this exchange
    c.stabilize();
    c.filter = undefined;
    assert.equal(c.node(2).status().term, term, 'member 2 ignored the higher-term request');
    assert.equal(c.node(2).status().vote, 1);
    assert.notEqual(c.node(3).status().role, StateRole.Leader);
});
test('§3.10 leadership transfer: the target catches up, receives TimeoutNow and wins at once', () => {
    const c = cluster(3, { preVote: true, checkQuorum: true });
    c.elect(1);
    c.isolate(3);
    c.propose(1, 'a');
    c.stabilize();
    c.heal(3);
    const term = c.node(1).status().term;
    c.node(1).transferLeadership(3);
    assert.equal(c.node(1).status().leadTransferee, 3);
    const r = c.node(1).propose(new Uint8Array([1]));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'TRANSFER_IN_PROGRESS');
    c.stabilize();
    assert.equal(c.node(3).status().role, StateRole.Leader, 'the lease and pre-vote are bypassed for a transfer');
    assert.equal(c.node(3).status().term, term + 1);
    assert.equal(c.node(1).status().role, StateRole.Follower);
    c.propose(3, 'b');
    c.stabilize();
    c.tickAll(1);
    for (const id of [1, 2, 3])
        assert.deepEqual(c.state(id), ['a', 'b']);
});
test('§3.10 leadership transfer: a follower forwards the request to the leader', () => {
    const c = cluster(3);
    c.elect(1);
    c.node(2).transferLeadership(2);
    c.stabilize();
    assert.equal(c.node(2).status().role, StateRole.Leader);
});
test('§3.10 leadership transfer: aborted after an election timeout if the target does not take over', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    c.node(1).transferLeadership(3);
    c.stabilize();
    assert.equal(c.node(1).status().leadTransferee, 3);
    c.tickAll(10);
    assert.equal(c.node(1).status().role, StateRole.Leader);
    assert.equal(c.node(1).status().leadTransferee, 0, 'transfer abandoned');
    const r = c.node(1).propose(new Uint8Array([1]));
    assert.ok(r.ok, 'proposals accepted again');
});
test('§3.10 leadership transfer: to a learner or to an unknown member is ignored', () => {
    const c = cluster(3);
    c.elect(1);
    c.node(1).transferLeadership(9);
    assert.equal(c.node(1).status().leadTransferee, 0);
});
//# sourceMappingURL=elections.test.js.map