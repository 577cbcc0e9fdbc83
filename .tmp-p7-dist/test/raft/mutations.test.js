// One small scenario per RaftMutations switch: with the switch on, the harness's State Machine
// Safety check (or a linearizability check) reports a violation; with it off, the same scenario
// is clean. This proves the checks can catch each classic bug.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType, StateRole } from '../../src/raft/index.js';
import { cluster, enc } from './harness.js';
function deliverAll(c, msgs) {
    for (const m of msgs)
        c.deliverMessage(m);
}
function campaignUntilLeader(c, id) {
    for (let i = 0; i < 5; i++) {
        c.node(id).campaign();
        c.stabilize();
        if (c.node(id).status().role === StateRole.Leader)
            return;
    }
    throw new Error(`member ${id} could not win an election`);
}
/** (a) §5.4.1: 3 voters. 'x' is committed on {1,2} and applied by 1 only; then 1 is cut off and
 *  3 (which lacks 'x') campaigns. Only a vote that ignores the log check lets 3 win. */
function staleCandidateScenario(mutations) {
    const c = cluster(3, { mutations });
    c.elect(1);
    c.tickAll(1);
    c.isolate(3);
    c.propose(1, 'x');
    deliverAll(c, c.take((m) => m.from === 1 && m.to === 2));
    deliverAll(c, c.take((m) => m.from === 2 && m.to === 1));
    c.processReady(1);
    assert.deepEqual(c.state(1), ['x'], 'x is committed and applied on the leader');
    c.isolate(1); // 2 never hears that x committed
    c.queue = [];
    c.heal(3);
    c.node(3).campaign();
    c.stabilize();
    for (let i = 0; i < 300 && c.leaders().length === 0; i++)
        c.tickAll(1);
    assert.equal(c.leaders().length, 1);
    c.tickAll(2); // the leader's commit index reaches everyone
    return c;
}
test('mutation (a) voteWithoutLogCheck: §5.4.1 — a stale candidate wins and a committed entry is lost', () => {
    const bad = staleCandidateScenario({ voteWithoutLogCheck: true });
    assert.ok(bad.violations.length > 0, 'the safety check must report the lost entry');
    const good = staleCandidateScenario({});
    assert.deepEqual(good.violations, []);
    assert.deepEqual(good.state(2), ['x'], 'the committed entry survives');
    assert.deepEqual(good.state(3), ['x']);
});
/** (b) Figure 8 with five members (indexes shifted by the 5 bootstrap entries and the first
 *  leader's empty entry at 6). */
function figure8Scenario(mutations) {
    const c = cluster(5, { mutations, maxSizePerMsg: 1 });
    c.elect(1); // term 2, empty entry 6 committed everywhere
    c.tickAll(1);
    // (a) S1 appends X at 7 (term 2) and replicates it to S2 only.
    c.propose(1, 'X');
    deliverAll(c, c.take((m) => m.from === 1 && m.to === 2 && m.type === MessageType.App));
    c.isolate(1);
    c.queue = [];
    // (b) S5 wins term 3 with S3, S4 and appends its own entry at 7, replicated to no one.
    c.filter = (m) => !(m.from === 5 && m.type === MessageType.App);
    c.node(5).campaign();
    c.stabilize();
    assert.equal(c.node(5).status().role, StateRole.Leader);
    assert.equal(c.node(5).status().lastIndex, 7);
    c.isolate(5);
    c.filter = undefined;
    // (c) S1 comes back and wins term 4 with S2, S3; it gets X (term 2) onto S3 but its own
    // term-4 entry (index 8) only onto S2: X is on a majority, entry 8 is not.
    c.restart(1);
    c.heal(1);
    c.isolate(4);
    let sentTo3 = 0;
    let s3Acked7 = false;
    c.filter = (m) => {
        if (m.from === 3 && m.to === 1 && m.type === MessageType.AppResp && !m.reject && m.index === 7)
            s3Acked7 = true;
        if (m.from === 1 && m.to === 3) {
            // S3 gets the probe (which it rejects) and then X; everything after is lost, so S3 never
            // learns entry 8 nor that anything beyond 6 committed.
            if (s3Acked7)
                return false;
            if (m.type === MessageType.App && m.entries.some((e) => e.index === 8))
                return ++sentTo3 === 1;
        }
        return true;
    };
    campaignUntilLeader(c, 1);
    c.tickAll(1);
    assert.equal(c.node(3).status().lastIndex, 7, 'S3 holds X but not entry 8');
    // (d) S1 crashes; S5 (last term 3) wins with S3, S4 and overwrites index 7 with its entry.
    c.isolate(1);
    c.isolate(2);
    c.heal(4);
    c.restart(5);
    c.heal(5);
    c.filter = undefined;
    c.queue = [];
    campaignUntilLeader(c, 5);
    c.tickAll(2);
    return c;
}
test('mutation (b) commitPreviousTermByCount: Figure 8 — an entry of an old term "committed" by counting is overwritten', () => {
    const bad = figure8Scenario({ commitPreviousTermByCount: true });
    assert.deepEqual(bad.state(1), ['X'], 'with the bug S1 applied X');
    assert.ok(bad.violations.length > 0, 'the safety check must report index 7');
    const good = figure8Scenario({});
    assert.deepEqual(good.state(1), [], 'S1 must not commit X by counting replicas of an old-term entry');
    assert.deepEqual(good.violations, []);
});
/** (c) A duplicated (stale) AppendEntries reaches a follower after newer entries did. */
function duplicateAppendScenario(mutations) {
    const c = cluster(3, { mutations });
    c.elect(1);
    c.tickAll(1);
    c.isolate(3);
    c.propose(1, 'a');
    c.propose(1, 'b');
    const first = c.take((m) => m.from === 1 && m.to === 2 && m.type === MessageType.App);
    c.propose(1, 'c');
    c.propose(1, 'd');
    const second = c.take((m) => m.from === 1 && m.to === 2 && m.type === MessageType.App);
    assert.equal(first.length, 1);
    assert.equal(first[0].entries.length, 2, 'two proposals batched into one AppendEntries');
    deliverAll(c, first);
    deliverAll(c, second);
    deliverAll(c, c.take((m) => m.from === 2 && m.to === 1));
    c.processReady(1);
    assert.deepEqual(c.state(1), ['a', 'b', 'c', 'd'], 'all four are committed by {1, 2}');
    deliverAll(c, first); // the network duplicates the first message
    c.processReady(2);
    c.isolate(1);
    c.queue = [];
    c.heal(3);
    campaignUntilLeader(c, 2);
    c.tickAll(2);
    return c;
}
test('mutation (c) truncateOnHeartbeat: Figure 2 rule 3 — a follower drops committed entries on a stale append', () => {
    const bad = duplicateAppendScenario({ truncateOnHeartbeat: true });
    assert.ok(bad.violations.length > 0, 'the safety check must report the lost entries');
    assert.deepEqual(bad.state(2), ['a', 'b'], 'c and d were lost');
    const good = duplicateAppendScenario({});
    assert.deepEqual(good.violations, []);
    assert.deepEqual(good.state(2), ['a', 'b', 'c', 'd']);
    assert.deepEqual(good.state(3), ['a', 'b', 'c', 'd']);
});
/** (d) A deposed leader is asked for a read after a newer leader committed a write. */
function staleReadScenario(mutations) {
    const c = cluster(3, { mutations });
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    c.isolate(1); // 1 still believes it leads
    c.elect(2);
    c.propose(2, 'y');
    c.stabilize();
    const writeIndex = c.node(2).status().commit; // 'y' is committed before the read starts
    c.heal(1);
    const ok = c.node(1).readIndex(enc('read-1'));
    assert.ok(ok);
    c.stabilize();
    const rs = c.member(1).readStates;
    return { answered: rs.length > 0, stale: rs.some((r) => r.index < writeIndex) };
}
test('mutation (d) readIndexWithoutQuorum: §6.4 — a deposed leader answers a stale read', () => {
    const bad = staleReadScenario({ readIndexWithoutQuorum: true });
    assert.ok(bad.stale, 'the linearizability check must see a read point older than a completed write');
    const good = staleReadScenario({});
    assert.equal(good.stale, false);
    assert.equal(good.answered, false, 'without a quorum of acks the deposed leader never answers');
});
//# sourceMappingURL=mutations.test.js.map