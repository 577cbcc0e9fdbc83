// Flow control (probe / replicate / pipelining), batching, proposal refusals and the Ready
// contract (Figure 2 "rules for servers" as seen by the driver).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLog, MessageType, RawNode, SplitMix32, StateRole } from '../../src/raft/index.js';
import { cluster, enc } from './harness.js';
test('§5.3 batching: many proposals before one ready() land in one Ready and one AppendEntries per follower', () => {
    const c = cluster(3);
    c.elect(1);
    for (let i = 0; i < 100; i++)
        c.propose(1, `p${i}`);
    const rd = c.node(1).ready();
    assert.equal(rd.entries.length, 100);
    assert.ok(rd.mustSync);
    const apps = rd.messages.filter((m) => m.type === MessageType.App);
    assert.equal(apps.length, 2);
    assert.ok(apps.every((m) => m.entries.length === 100));
    c.node(1).advance(rd);
});
test('§5.3 maxSizePerMsg splits a long catch-up into several AppendEntries', () => {
    const c = cluster(3, { maxSizePerMsg: 200 });
    c.elect(1);
    for (let i = 0; i < 20; i++)
        c.propose(1, 'x'.repeat(50));
    const rd = c.node(1).ready();
    const to2 = rd.messages.filter((m) => m.type === MessageType.App && m.to === 2);
    assert.ok(to2.length > 1, 'split over several messages (pipelined in replicate state)');
    for (const m of to2) {
        const bytes = m.entries.reduce((s, e) => s + e.data.length + 16, 0);
        assert.ok(bytes <= 200 || m.entries.length === 1);
    }
    assert.equal(to2.reduce((s, m) => s + m.entries.length, 0), 20);
    c.node(1).advance(rd);
});
test('§5.3 pipelining: at most maxInflightMsgs unacknowledged AppendEntries per follower', () => {
    const c = cluster(3, { maxInflightMsgs: 3 });
    c.elect(1);
    c.filter = (m) => !(m.type === MessageType.AppResp); // acks are lost
    for (let round = 0; round < 6; round++) {
        c.propose(1, `r${round}`);
        c.stabilize();
    }
    const pr = c.node(1).status().progress.get(2);
    assert.equal(pr.state, 'replicate');
    assert.equal(pr.inflight, 3);
    c.filter = undefined;
    c.tickAll(3);
    assert.deepEqual(c.state(2), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
});
test('§5.3 probe state: a follower that is behind gets one AppendEntries at a time until it matches', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 5; i++)
        c.propose(1, `v${i}`);
    c.stabilize();
    c.restart(1); // new term: every progress starts in probe
    c.processReady(1);
    c.heal(3);
    c.node(1).campaign();
    c.processReady(1);
    c.stabilize();
    assert.equal(c.node(1).status().role, StateRole.Leader);
    const pr = c.node(1).status().progress.get(3);
    assert.equal(pr.state, 'replicate');
    assert.equal(pr.match, c.node(1).status().lastIndex);
});
test('proposal refusals carry a code: NO_LEADER, NOT_LEADER with the leader id, TOO_MANY_UNCOMMITTED', () => {
    const c = cluster(3, { maxUncommittedEntriesSize: 100 });
    const r0 = c.node(1).propose(enc('x'));
    assert.equal(!r0.ok && r0.code, 'NO_LEADER');
    c.elect(1);
    const r1 = c.node(3).propose(enc('x'));
    assert.equal(!r1.ok && r1.code, 'NOT_LEADER');
    assert.equal(!r1.ok && r1.leader, 1);
    c.isolate(2);
    c.isolate(3);
    assert.ok(c.node(1).propose(new Uint8Array(60)).ok);
    const r2 = c.node(1).propose(new Uint8Array(60));
    assert.equal(!r2.ok && r2.code, 'TOO_MANY_UNCOMMITTED');
    c.heal();
    c.stabilize();
    c.tickAll(1);
    assert.ok(c.node(1).propose(new Uint8Array(60)).ok, 'accepted again once the tail committed');
});
test('propose returns the index and term the entry will be applied at', () => {
    const c = cluster(3);
    c.elect(1);
    const r = c.node(1).propose(enc('here'));
    assert.ok(r.ok);
    c.stabilize();
    const e = c.member(2).readies.flatMap((rd) => rd.committedEntries).find((x) => x.index === r.index);
    assert.ok(e);
    assert.equal(e.term, r.term);
});
test('Ready contract: a vote is persisted (mustSync hardState) in the Ready that sends the VoteResp', () => {
    const storage = MemoryLog.bootstrapped([1, 2, 3]);
    const n = new RawNode({ id: 2, electionTicks: 10, heartbeatTicks: 1, storage, rng: new SplitMix32(3) });
    n.advance(n.ready());
    const m = { type: MessageType.Vote, from: 1, to: 2, term: 5, logTerm: 1, index: 3, entries: [], commit: 0, reject: false, rejectHint: 0 };
    n.step(m);
    const rd = n.ready();
    assert.deepEqual(rd.hardState, { term: 5, vote: 1, commit: 3 });
    assert.equal(rd.mustSync, true);
    assert.equal(rd.messages[0].type, MessageType.VoteResp);
    n.advance(rd);
    assert.deepEqual(storage.hardState(), { term: 5, vote: 1, commit: 3 }, 'advance moved it into the MemoryLog');
});
test('Ready contract: a commit-only change does not require a sync', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    c.tickAll(1); // heartbeat tells followers the new commit
    const commitOnly = c.member(2).readies.filter((r) => r.hardState && r.entries.length === 0 && r.committedEntries.length > 0);
    assert.ok(commitOnly.length > 0);
    assert.ok(commitOnly.every((r) => r.mustSync === false));
});
test('Ready contract: committed entries are always already persisted (earlier Ready or this one)', () => {
    const c = cluster(3);
    c.elect(1);
    for (let i = 0; i < 30; i++) {
        c.propose(1, `e${i}`);
        if (i % 7 === 0)
            c.stabilize();
    }
    c.stabilize();
    c.tickAll(2);
    for (const id of [1, 2, 3]) {
        const persisted = new Set();
        for (let i = 1; i <= 5; i++)
            persisted.add(i); // bootstrap entries were on disk at boot
        for (const rd of c.member(id).readies) {
            for (const e of rd.entries)
                persisted.add(e.index);
            for (const e of rd.committedEntries)
                assert.ok(persisted.has(e.index), `member ${id}: entry ${e.index} handed out for apply before it was persisted`);
        }
    }
});
test('Ready contract: maxCommittedSizePerReady bounds the committed entries handed out at once', () => {
    const c = cluster(3, { maxCommittedSizePerReady: 100 });
    c.elect(1);
    for (let i = 0; i < 10; i++)
        c.propose(1, 'y'.repeat(40));
    c.stabilize();
    c.tickAll(1);
    assert.equal(c.state(2).length, 10);
    for (const rd of c.member(2).readies) {
        const bytes = rd.committedEntries.reduce((s, e) => s + e.data.length + 16, 0);
        assert.ok(bytes <= 100 || rd.committedEntries.length === 1, `a Ready carried ${bytes} bytes of committed entries`);
    }
});
test('Ready contract: ready() twice without advance() fails loudly', () => {
    const c = cluster(1);
    c.node(1).campaign();
    c.node(1).ready();
    assert.throws(() => c.node(1).ready(), /before advance/);
});
test('Ready contract: steps between ready() and advance() are safe (entries replaced meanwhile)', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(1);
    c.node(1).propose(enc('doomed'));
    c.processReady(1);
    c.queue = [];
    c.elect(2);
    c.propose(2, 'winner');
    c.stabilize();
    // 1 takes a Ready with a proposal... then, before advancing, hears from the new leader.
    c.node(1).propose(enc('doomed-2'));
    const rd = c.node(1).ready();
    c.heal(1);
    c.node(2).tick();
    const hb = c.take((m) => m.from === 2 && m.to === 1);
    for (const m of hb)
        c.node(1).step(m);
    c.node(1).advance(rd);
    c.tickAll(3);
    assert.deepEqual(c.state(1), ['winner']);
    assert.equal(c.node(1).status().lastIndex, c.node(2).status().lastIndex);
    assert.deepEqual(c.violations, []);
});
test('Unreachable report moves a replicating follower back to probe', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    assert.equal(c.node(1).status().progress.get(2).state, 'replicate');
    c.node(1).reportUnreachable(2);
    assert.equal(c.node(1).status().progress.get(2).state, 'probe');
});
//# sourceMappingURL=replication.test.js.map