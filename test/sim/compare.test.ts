// The side-by-side run: a few seeds through Raft, Multi-Paxos and Paxos per slot, all checked,
// with the figures the design document asks about. The assertions are the protocol differences
// the comparison exists to show, not fixed numbers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareProtocols, formatComparison } from '../../cmd/lib/sim/compare.js';

test('compare: Paxos beside Raft on the same seeds and faults', (t) => {
  const opts = { firstSeed: 1, seeds: 16, steps: 150 };
  const res = compareProtocols(opts);
  const { raft, 'multi-paxos': multi, 'basic-paxos': basic } = res.figures;
  for (const line of formatComparison(res).split('\n')) t.diagnostic(line);
  for (const f of [raft, multi, basic]) {
    assert.equal(f.seeds, opts.seeds);
    assert.ok(f.decided > 0 && f.messages > 0);
    assert.ok(f.won > 0 && f.attempts >= f.won);
  }
  // On an idle cluster: a leader (Raft's, or Multi-Paxos's skipping phase 1) decides a value in
  // one round trip; single-decree Paxos needs two (prepare/promise, accept/accepted).
  const rt = (f: typeof raft) => f.quiet.roundTrips / f.quiet.decided;
  assert.ok(raft.quiet.decided > 0 && multi.quiet.decided > 0 && basic.quiet.decided > 0);
  assert.ok(rt(raft) < 1.5 && rt(multi) < 1.5, `idle round trips: raft ${rt(raft)}, multi-paxos ${rt(multi)}`);
  assert.ok(rt(basic) >= 2, `idle round trips: paxos per slot ${rt(basic)}`);
  // Under faults, a stable leader decides a value in about one round trip; single-decree Paxos needs two per
  // attempt and has no leader to order its proposers, so its values wait in line.
  assert.ok(multi.roundTrips / multi.decided < basic.roundTrips / basic.decided);
  assert.ok(multi.decided > basic.decided);
  // Proposers without a leader duel: some phase-1 rounds are refused by a higher ballot.
  assert.ok(basic.preempted > 0);
  assert.ok(basic.attempts > multi.attempts);
  // The same options give the same figures.
  const again = compareProtocols(opts);
  assert.deepEqual(again.figures.raft.latencyTicks, raft.latencyTicks);
  assert.deepEqual(again.figures['multi-paxos'].failoverTicks, multi.failoverTicks);
});
