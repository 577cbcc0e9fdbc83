// Log compaction and InstallSnapshot (§7 of the paper).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType } from '../../src/raft/index.js';
import { cluster, enc } from './harness.js';
function compactAll(c, id) {
    const st = c.node(id).status();
    c.node(id).compact(st.applied, enc(JSON.stringify(c.state(id))));
    return st.applied;
}
test('§7 compact drops applied entries and records a snapshot with the membership at that index', () => {
    const c = cluster(3);
    c.elect(1);
    for (let i = 0; i < 5; i++)
        c.propose(1, `v${i}`);
    c.stabilize();
    const idx = compactAll(c, 1);
    const snap = c.member(1).storage.snapshot();
    assert.equal(snap.metadata.index, idx);
    assert.deepEqual(snap.metadata.confState, { voters: [1, 2, 3], learners: [] });
    assert.equal(c.node(1).status().firstIndex, idx + 1);
    assert.throws(() => c.node(1).compact(c.node(1).status().applied + 1, enc('x')), /only applied entries/);
});
test('§7 a follower whose next entry is compacted receives the snapshot and catches up', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 10; i++)
        c.propose(1, `v${i}`);
    c.stabilize();
    compactAll(c, 1);
    c.heal(3);
    c.tickAll(1);
    const snaps = c.member(1).readies.flatMap((r) => r.messages).filter((m) => m.type === MessageType.Snap);
    assert.ok(snaps.length >= 1, 'a snapshot was sent');
    const pr = c.node(1).status().progress.get(3);
    assert.equal(pr.state, 'replicate', 'the follower acknowledged the snapshot');
    assert.ok(pr.match >= c.member(1).storage.snapshot().metadata.index);
    c.node(1).reportSnapshot(3, true); // late report: harmless
    c.propose(1, 'after');
    c.stabilize();
    c.tickAll(2);
    assert.deepEqual(c.state(3), c.state(1));
    assert.equal(c.state(3).length, 11);
    assert.equal(c.node(3).status().firstIndex, c.member(1).storage.snapshot().metadata.index + 1);
    assert.deepEqual(c.violations, []);
});
test('§7 a failed snapshot send is retried after reportSnapshot(to, false)', () => {
    const c = cluster(3);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 4; i++)
        c.propose(1, `v${i}`);
    c.stabilize();
    compactAll(c, 1);
    c.heal(3);
    // Heartbeat -> response -> append rejected -> the leader finds 3 needs a snapshot.
    c.node(1).tick();
    let inFlight = [];
    for (let i = 0; i < 10 && inFlight.length === 0; i++) {
        inFlight = c.take((m) => m.type === MessageType.Snap); // the transport is still sending it
        c.deliverQueued();
    }
    assert.equal(inFlight.length, 1);
    assert.equal(c.node(1).status().progress.get(3).state, 'snapshot');
    c.tickAll(3);
    assert.equal(c.node(1).status().progress.get(3).state, 'snapshot', 'nothing else is sent while waiting');
    assert.equal(c.take((m) => m.type === MessageType.Snap || (m.type === MessageType.App && m.to === 3)).length, 0);
    c.node(1).reportSnapshot(3, false); // the send failed
    assert.equal(c.node(1).status().progress.get(3).state, 'probe');
    c.tickAll(3); // the next heartbeat response triggers a new attempt, which succeeds
    assert.deepEqual(c.state(3), ['v0', 'v1', 'v2', 'v3']);
});
test('§7 a restarted member restores from its snapshot plus the entries after it', () => {
    const c = cluster(3);
    c.elect(1);
    for (let i = 0; i < 3; i++)
        c.propose(1, `a${i}`);
    c.stabilize();
    c.tickAll(1);
    compactAll(c, 2);
    c.propose(1, 'b');
    c.stabilize();
    c.tickAll(1);
    c.restart(2);
    c.stabilize();
    assert.deepEqual(c.state(2), ['a0', 'a1', 'a2', 'b']);
    assert.deepEqual(c.violations, []);
});
test('§7 a snapshot older than the follower\'s commit index is not installed', () => {
    const c = cluster(3);
    c.elect(1);
    c.propose(1, 'x');
    c.stabilize();
    c.tickAll(1);
    const snap = c.member(1).storage.snapshot(); // index 0: nothing compacted
    const before = c.node(2).status();
    c.node(2).step({
        type: MessageType.Snap, from: 1, to: 2, term: before.term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0,
        snapshot: { metadata: { index: 2, term: 1, confState: { voters: [1, 2, 3], learners: [] } }, data: enc('[]') },
    });
    assert.equal(c.node(2).status().lastIndex, before.lastIndex);
    assert.equal(c.node(2).status().firstIndex, 1, 'nothing was replaced');
    assert.equal(snap.metadata.index, 0);
});
//# sourceMappingURL=snapshot.test.js.map