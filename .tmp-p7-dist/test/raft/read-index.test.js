// ReadIndex (§6.4 of the Raft dissertation).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLog, MessageType, RawNode, SplitMix32, StateRole } from '../../src/raft/index.js';
import { cluster, dec, enc } from './harness.js';
test('§6.4 ReadIndex on the leader: answered with the commit index after a heartbeat quorum', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    const commit = c.node(1).status().commit;
    assert.ok(c.node(1).readIndex(enc('r1')));
    c.processReady(1);
    assert.deepEqual(c.member(1).readStates, [], 'not before the quorum confirms leadership');
    const hbs = c.queue.filter((m) => m.type === MessageType.Heartbeat);
    assert.equal(hbs.length, 2);
    assert.ok(hbs.every((m) => m.context && dec(m.context) === 'r1'), 'the heartbeat carries the request context');
    c.stabilize();
    const rs = c.member(1).readStates;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].index, commit);
    assert.equal(dec(rs[0].requestCtx), 'r1');
});
test('§6.4 ReadIndex needs a quorum: one ack of five is not enough, two are', () => {
    const c = cluster(5);
    c.elect(1);
    c.isolate(3);
    c.isolate(4);
    c.isolate(5);
    c.node(1).readIndex(enc('r'));
    c.stabilize();
    assert.equal(c.member(1).readStates.length, 0);
    c.heal(3);
    c.node(1).readIndex(enc('r2')); // a later request's round confirms the earlier one too
    c.stabilize();
    assert.deepEqual(c.member(1).readStates.map((r) => dec(r.requestCtx)), ['r', 'r2']);
});
test('§6.4 ReadIndex from a follower is forwarded to the leader and answered with ReadIndexResp', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    assert.ok(c.node(3).readIndex(enc('f1')));
    c.processReady(3);
    assert.ok(c.queue.some((m) => m.type === MessageType.ReadIndex && m.to === 1));
    c.stabilize();
    const rs = c.member(3).readStates;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].index, c.node(1).status().commit);
    assert.equal(dec(rs[0].requestCtx), 'f1');
});
test('§6.4 ReadIndex without a known leader is refused', () => {
    const c = cluster(3);
    assert.equal(c.node(2).readIndex(enc('x')), false);
});
test('§6.4 a new leader answers reads only after committing an entry of its term', () => {
    const c = cluster(3);
    c.elect(1);
    c.filter = (m) => m.type !== MessageType.App; // the empty entry cannot replicate
    c.stabilize();
    c.node(2).campaign();
    c.stabilize();
    assert.equal(c.node(2).status().role, StateRole.Leader);
    const st = c.node(2).status();
    assert.ok(st.commit < st.lastIndex, 'its empty entry is not committed yet');
    assert.ok(c.node(2).readIndex(enc('early')), 'queued, not refused');
    c.stabilize();
    assert.equal(c.member(2).readStates.length, 0, 'must not answer before committing in its term');
    c.filter = undefined;
    c.tickAll(2);
    const rs = c.member(2).readStates;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].index, c.node(2).status().lastIndex, 'the read index includes the new-term entry');
});
test('§6.4 a single-voter cluster answers a read at once', () => {
    const storage = MemoryLog.bootstrapped([1]);
    const n = new RawNode({ id: 1, electionTicks: 10, heartbeatTicks: 1, storage, rng: new SplitMix32(1) });
    n.advance(n.ready());
    n.campaign();
    assert.equal(n.status().role, StateRole.Leader);
    n.advance(n.ready());
    assert.ok(n.readIndex(enc('solo')));
    const rd = n.ready();
    assert.equal(rd.readStates.length, 1);
    assert.equal(rd.readStates[0].index, n.status().commit);
    assert.equal(rd.messages.length, 0);
    n.advance(rd);
});
test('§6.4 the pending-read queue is bounded', () => {
    const c = cluster(3, { maxPendingReadIndex: 2 });
    c.elect(1);
    c.isolate(2);
    c.isolate(3);
    assert.ok(c.node(1).readIndex(enc('1')));
    assert.ok(c.node(1).readIndex(enc('2')));
    assert.equal(c.node(1).readIndex(enc('3')), false);
});
//# sourceMappingURL=read-index.test.js.map