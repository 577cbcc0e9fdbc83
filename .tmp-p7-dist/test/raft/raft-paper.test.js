// Figure 2 and §5.1–§5.4 of the Raft paper, each test tagged with the section it checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLog, MessageType, NONE, RawNode, SplitMix32, StateRole } from '../../src/raft/index.js';
import { cluster, enc } from './harness.js';
function msg(p) {
    return { logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...p };
}
test('§5.1 a member that sees a higher term adopts it and becomes a follower', () => {
    const c = cluster(3);
    const leader = c.elect(1);
    const term = leader.status().term;
    leader.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: term + 5, index: 0 }));
    const st = leader.status();
    assert.equal(st.term, term + 5);
    assert.equal(st.role, StateRole.Follower);
    assert.equal(st.vote, NONE);
});
test('§5.1 a request with a stale term is rejected (no vote, no append)', () => {
    const c = cluster(3);
    c.elect(1);
    const f = c.node(2);
    const term = f.status().term;
    const last = f.status().lastIndex;
    f.step(msg({ type: MessageType.App, from: 3, to: 2, term: term - 1, index: last, logTerm: 1, entries: [{ term: term - 1, index: last + 1, type: 0, data: enc('x') }] }));
    f.step(msg({ type: MessageType.Vote, from: 3, to: 2, term: term - 1, index: 100, logTerm: 100 }));
    assert.equal(f.status().lastIndex, last, 'a stale AppendEntries must not append');
    const rd = f.ready();
    assert.ok(!rd.messages.some((m) => m.type === MessageType.VoteResp && !m.reject), 'no vote granted to a stale term');
    f.advance(rd);
});
test('§5.2 a follower with no leader campaigns after its randomised election timeout', () => {
    for (let seed = 1; seed <= 20; seed++) {
        const storage = MemoryLog.bootstrapped([1, 2, 3]);
        const n = new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, rng: new SplitMix32(seed) });
        n.advance(n.ready()); // apply the bootstrap membership
        let ticks = 0;
        while (n.status().role === StateRole.Follower) {
            n.tick();
            ticks++;
            assert.ok(ticks < 20, 'timeout must be < 2 * electionTicks');
        }
        assert.ok(ticks >= 10, `timeout ${ticks} must be >= electionTicks`);
        assert.equal(n.status().role, StateRole.Candidate);
        assert.equal(n.status().term, 2);
        assert.equal(n.status().vote, 1, 'a candidate votes for itself');
        const rd = n.ready();
        const votes = rd.messages.filter((m) => m.type === MessageType.Vote);
        assert.deepEqual(votes.map((m) => m.to).sort(), [2, 3]);
        assert.ok(rd.mustSync && rd.hardState?.vote === 1, 'the self-vote is persisted before the requests go out');
        n.advance(rd);
    }
});
test('§5.2 randomised timeouts spread over [electionTicks, 2*electionTicks)', () => {
    const seen = new Set();
    for (let seed = 1; seed <= 200; seed++) {
        const n = new RawNode({ id: 1, electionTicks: 5, heartbeatTicks: 1, storage: MemoryLog.bootstrapped([1, 2, 3]), rng: new SplitMix32(seed) });
        n.advance(n.ready());
        let t = 0;
        while (n.status().role === StateRole.Follower) {
            n.tick();
            t++;
        }
        seen.add(t);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [5, 6, 7, 8, 9]);
});
test('§5.2 a candidate that wins a majority becomes leader and asserts itself at once', () => {
    const c = cluster(5);
    c.elect(3);
    const st = c.node(3).status();
    assert.equal(st.role, StateRole.Leader);
    for (const id of [1, 2, 4, 5]) {
        assert.equal(c.node(id).status().lead, 3);
        assert.equal(c.node(id).status().term, st.term);
    }
    assert.deepEqual(c.leaders(), [3]);
});
test('§5.2 each member grants at most one vote per term', () => {
    const c = cluster(3);
    const f = c.node(3);
    const t = f.status().term + 1;
    const last = f.status().lastIndex;
    f.step(msg({ type: MessageType.Vote, from: 1, to: 3, term: t, index: last, logTerm: 1 }));
    f.step(msg({ type: MessageType.Vote, from: 2, to: 3, term: t, index: last, logTerm: 1 }));
    f.step(msg({ type: MessageType.Vote, from: 1, to: 3, term: t, index: last, logTerm: 1 }));
    const rd = f.ready();
    const resp = rd.messages.filter((m) => m.type === MessageType.VoteResp).map((m) => [m.to, m.reject]);
    assert.deepEqual(resp, [
        [1, false],
        [2, true],
        [1, false],
    ]);
    assert.equal(rd.hardState?.vote, 1);
    f.advance(rd);
});
test('§5.2 a candidate steps down when it hears from a leader of its term', () => {
    const c = cluster(3);
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(2);
    c.node(2).campaign(); // term+1, votes lost
    c.processReady(2);
    c.heal(2);
    c.queue = [];
    assert.equal(c.node(2).status().role, StateRole.Candidate);
    const t2 = c.node(2).status().term;
    assert.equal(t2, term + 1);
    c.node(2).step(msg({ type: MessageType.App, from: 3, to: 2, term: t2, index: 0, logTerm: 0, commit: 0 }));
    assert.equal(c.node(2).status().role, StateRole.Follower);
    assert.equal(c.node(2).status().lead, 3);
});
test('§5.2 a split vote ends: a new election eventually produces exactly one leader', () => {
    for (let seed = 1; seed <= 10; seed++) {
        const c = cluster(5, {}, seed);
        let ticks = 0;
        while (c.leaders().length === 0) {
            c.tickAll(1);
            ticks++;
            assert.ok(ticks < 200, `no leader after ${ticks} ticks (seed ${seed})`);
        }
        assert.equal(c.leaders().length, 1);
        assert.deepEqual(c.violations, []);
    }
});
test('§5.3 the leader replicates entries, commits them on a majority, and all members apply them in order', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'a');
    c.propose(1, 'b');
    c.stabilize();
    c.propose(1, 'c');
    c.stabilize();
    c.tickAll(2); // heartbeats carry the final commit index
    for (const id of [1, 2, 3])
        assert.deepEqual(c.state(id), ['a', 'b', 'c'], `member ${id}`);
    assert.deepEqual(c.violations, []);
});
test('§5.3 an entry is committed once a majority stores it, with a minority down', () => {
    const c = cluster(5);
    c.elect(1);
    c.isolate(4);
    c.isolate(5);
    c.propose(1, 'x');
    c.stabilize();
    assert.deepEqual(c.state(1), ['x']);
    c.isolate(3);
    c.propose(1, 'y');
    c.stabilize();
    assert.deepEqual(c.state(1), ['x'], 'two of five is not a majority');
    c.heal(3);
    c.tickAll(1);
    assert.deepEqual(c.state(1), ['x', 'y']);
});
test('§5.3 AppendEntries consistency check: a follower rejects a mismatching prevLog, and the leader backs off quickly', () => {
    const c = cluster(3);
    c.elect(1);
    // Member 3 misses 50 entries, then gets a conflicting tail of its own term from a dead leader.
    c.isolate(3);
    for (let i = 0; i < 50; i++)
        c.propose(1, `e${i}`);
    c.stabilize();
    c.heal(3);
    c.delivered = 0;
    c.tickAll(3);
    assert.deepEqual(c.state(3), c.state(1));
    assert.equal(c.state(3).length, 50);
    assert.ok(c.delivered < 40, `catch-up took ${c.delivered} messages; batching and back-off should need few`);
});
test('§5.3 conflicting follower entries are overwritten with the leader\'s (fast back-off over whole terms)', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'base');
    c.stabilize();
    // Leader 1 appends entries no one else gets, then is deposed.
    c.isolate(1);
    for (let i = 0; i < 20; i++)
        c.node(1).propose(enc(`lost${i}`));
    c.processReady(1);
    c.queue = [];
    c.elect(2);
    for (let i = 0; i < 5; i++)
        c.propose(2, `new${i}`);
    c.stabilize();
    c.heal(1);
    c.delivered = 0;
    c.tickAll(3);
    assert.equal(c.node(1).status().lastIndex, c.node(2).status().lastIndex);
    assert.deepEqual(c.state(1), ['base', 'new0', 'new1', 'new2', 'new3', 'new4']);
    assert.deepEqual(c.violations, []);
    assert.ok(c.delivered < 30, `took ${c.delivered} messages`);
});
test('§5.4.1 a voter refuses a candidate whose log is less up-to-date', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    c.propose(1, 'x');
    c.stabilize();
    c.heal(3);
    c.queue = [];
    // 3 lacks 'x'; 2 has it. 3 campaigns: 2 must refuse; 1 (leader) refuses too.
    c.node(3).campaign();
    c.processReady(3);
    c.filter = (m) => m.from !== 1 && m.to !== 1;
    c.stabilize();
    assert.notEqual(c.node(3).status().role, StateRole.Leader);
    const t = c.node(3).status().term;
    assert.equal(c.node(2).status().term, t);
    assert.notEqual(c.node(2).status().vote, 3);
});
test('§5.4.1 among voters, the candidate with the longer log of the same last term wins', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    c.propose(1, 'x');
    c.stabilize();
    c.isolate(1);
    c.heal(3);
    c.elect(2); // 2 has x, 3 does not: 3 grants
    c.stabilize();
    c.tickAll(2);
    assert.deepEqual(c.state(2), ['x']);
    assert.deepEqual(c.state(3), ['x']);
});
test('§5.4.2 a leader commits an entry of a previous term only by committing one of its own term', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(2);
    c.isolate(3);
    c.node(1).propose(enc('old'));
    c.processReady(1);
    c.queue = [];
    c.heal(2);
    c.heal(3);
    // 1 restarts and becomes leader again in a new term: its 'old' entry reaches a majority only
    // together with its new empty entry, and both commit together.
    c.restart(1);
    const commitBefore = c.node(1).status().commit;
    c.elect(1);
    const st = c.node(1).status();
    assert.equal(st.commit, st.lastIndex, 'the new term\'s empty entry commits, carrying the old one');
    assert.equal(st.commit, commitBefore + 2);
    assert.deepEqual(c.state(1), ['old']);
});
test('Figure 2: a restarted member keeps term, vote and log, and rejoins without violations', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'a');
    c.stabilize();
    const before = c.node(2).status();
    c.restart(2);
    const after = c.node(2).status();
    assert.equal(after.term, before.term);
    assert.equal(after.vote, before.vote);
    assert.equal(after.lastIndex, before.lastIndex);
    c.stabilize();
    c.propose(1, 'b');
    c.stabilize();
    c.tickAll(2);
    assert.deepEqual(c.state(2), ['a', 'b']);
    assert.deepEqual(c.violations, []);
});
test('Figure 2: a leader restart loses nothing that was committed', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'a');
    c.stabilize();
    c.restart(1);
    c.tickAll(40);
    assert.equal(c.leaders().length, 1);
    const l = c.leaders()[0];
    c.propose(l, 'b');
    c.stabilize();
    c.tickAll(2);
    for (const id of [1, 2, 3])
        assert.deepEqual(c.state(id), ['a', 'b']);
    assert.deepEqual(c.violations, []);
});
//# sourceMappingURL=raft-paper.test.js.map