// A small randomized run per seed over the in-test network: message loss, duplication and
// reordering, partitions, restarts, compaction, membership changes, transfers and reads. Checks
// Election Safety (one leader per term), State Machine Safety (the harness) and that the core's
// own invariants never fire; then heals everything and checks that the cluster makes progress.
// (The full deterministic simulator lives in cmd/lib/sim; this is the core's own smoke screen.)

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConfChangeType, SplitMix32, StateRole } from '../../src/raft/index.js';
import { Cluster, enc } from './harness.js';

function runSeed(seed: number, steps: number, opts: { preVote: boolean; checkQuorum: boolean }): void {
  const rng = new SplitMix32(seed);
  const pick = <T>(xs: T[]): T => xs[rng.intn(xs.length)]!;
  const c = new Cluster([1, 2, 3], { ...opts, maxInflightMsgs: 4, maxSizePerMsg: 256 }, seed);
  const leaderOfTerm = new Map<number, number>();
  let proposals = 0;
  c.addMember(4);
  const ids = [1, 2, 3, 4];

  const checkElectionSafety = (): void => {
    for (const id of ids) {
      const st = c.node(id).status();
      if (st.role !== StateRole.Leader) continue;
      const prev = leaderOfTerm.get(st.term);
      if (prev !== undefined && prev !== id) assert.fail(`seed ${seed}: two leaders in term ${st.term}: ${prev} and ${id}`);
      leaderOfTerm.set(st.term, id);
    }
  };

  for (let step = 0; step < steps; step++) {
    const r = rng.intn(100);
    if (r < 30) {
      c.node(pick(ids)).tick();
    } else if (r < 65) {
      // Deliver, drop or duplicate a random queued message (reordering for free).
      c.processAll();
      if (c.queue.length > 0) {
        const k = rng.intn(c.queue.length);
        const m = c.queue[k]!;
        const fate = rng.intn(10);
        if (fate !== 0) c.queue.splice(k, 1); // 10%: duplicate (stays queued)
        if (fate !== 1 && !c.down.has(m.to) && !c.down.has(m.from)) c.deliverMessage(m);
        else c.lose(m); // 10%: lost
      }
    } else if (r < 75) {
      const leaders = c.leaders();
      if (leaders.length > 0) {
        const l = pick(leaders);
        c.node(l).propose(enc(`s${seed}-p${proposals++}`));
      }
    } else if (r < 78) {
      const id = pick(ids);
      if (c.down.has(id)) c.heal(id);
      else if (c.down.size < 1) c.isolate(id);
    } else if (r < 80) {
      c.processAll();
      c.restart(pick(ids));
    } else if (r < 83) {
      const id = pick(ids);
      c.processReady(id);
      const st = c.node(id).status();
      if (st.applied > st.firstIndex + 3) c.node(id).compact(st.applied, enc(JSON.stringify(c.state(id))));
    } else if (r < 85) {
      const leaders = c.leaders();
      if (leaders.length > 0) {
        const l = leaders[0]!;
        const cs = c.node(l).status().confState;
        // Cycle member 4 through learner -> voter -> learner -> removed -> learner ...
        const cc = (type: ConfChangeType) => c.node(l).proposeConfChange({ type, nodeId: 4, context: new Uint8Array() });
        if (cs.learners.includes(4)) cc(rng.intn(2) === 0 ? ConfChangeType.AddVoter : ConfChangeType.RemoveNode);
        else cc(ConfChangeType.AddLearner);
      }
    } else if (r < 87) {
      const leaders = c.leaders();
      if (leaders.length > 0) c.node(leaders[0]!).transferLeadership(pick([1, 2, 3]));
    } else if (r < 90) {
      c.node(pick(ids)).readIndex(enc(`s${seed}-r${step}`));
    } else {
      c.processAll();
    }
    c.processAll();
    checkElectionSafety();
    assert.deepEqual(c.violations, [], `seed ${seed} step ${step}`);
  }

  // Liveness on a healed network: a leader emerges and a new proposal commits everywhere.
  c.heal();
  let leader: number | undefined;
  for (let i = 0; i < 400 && leader === undefined; i++) {
    c.tickAll(1);
    const ls = c.leaders();
    if (ls.length === 1) leader = ls[0];
  }
  assert.ok(leader !== undefined, `seed ${seed}: no leader after healing`);
  let res = c.node(leader).propose(enc('final'));
  for (let i = 0; i < 50 && !res.ok; i++) {
    c.tickAll(1);
    const ls = c.leaders();
    if (ls.length === 1) res = c.node(ls[0]!).propose(enc('final'));
  }
  assert.ok(res.ok, `seed ${seed}: final proposal refused`);
  c.tickAll(30);
  checkElectionSafety();
  assert.deepEqual(c.violations, []);
  const voters = c.node(c.leaders()[0] ?? leader).status().confState.voters;
  if (process.env.FUZZ_DEBUG === String(seed)) for (const id of ids) console.log(id, JSON.stringify(c.node(id).status(), (k, v) => (v instanceof Map ? [...v] : v)), c.state(id).slice(-2));
  for (const id of voters) assert.equal(c.state(id).at(-1), 'final', `seed ${seed}: member ${id} did not apply the final entry`);
}

export { runSeed };
test('fuzz: Election Safety and State Machine Safety under loss, duplication, reordering, restarts, compaction and membership changes', () => {
  for (let seed = 1; seed <= 40; seed++) runSeed(seed, 1500, { preVote: seed % 2 === 0, checkQuorum: seed % 3 === 0 });
});
