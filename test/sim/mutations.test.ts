// The checks bite: with each of the core's RaftMutations switched on, the simulator must fail
// within the seeds `npm test` soaks (stopping at the first failing seed), and the check that
// fires must be one that the re-introduced bug actually breaks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, MUTATIONS, runSeed, type MutationName } from '../../cmd/lib/sim/run.js';
import { SOAK_FIRST_SEED, SOAK_SEEDS, SOAK_STEPS } from '../../cmd/lib/sim/soak-config.js';
import type { CheckName } from '../../cmd/lib/sim/violation.js';

const SAFETY: CheckName[] = ['election-safety', 'log-matching', 'leader-completeness', 'state-machine-safety', 'commit-monotonic'];

const EXPECTED: Record<MutationName, CheckName[]> = {
  // Stale logs win elections: a committed entry goes missing from a later leader.
  a: SAFETY,
  // Figure 8: an old-term entry "committed" by count is overwritten.
  b: [...SAFETY, 'commit-rule'],
  // Followers drop acknowledged entries: a committed entry is lost.
  c: [...SAFETY, 'ack-durability'],
  // A deposed leader answers reads from its stale state.
  d: ['linearizable-read'],
};

for (const m of Object.keys(MUTATIONS) as MutationName[]) {
  test(`mutation (${m}) ${MUTATIONS[m].flag} is caught by the simulator`, (t) => {
    let caught: ReturnType<typeof runSeed> | undefined;
    let tried = 0;
    for (let i = 0; i < SOAK_SEEDS && caught === undefined; i++) {
      const r = runSeed({ seed: SOAK_FIRST_SEED + i, steps: SOAK_STEPS, mutation: m });
      tried++;
      if (!r.ok) caught = r;
    }
    assert.ok(caught !== undefined, `mutation ${m} survived ${tried} seeds`);
    const f = caught.failure!;
    t.diagnostic(`mutation ${m}: caught by seed ${caught.seed} after ${tried} seed(s); check ${f.check}: ${f.message}`);
    assert.ok(EXPECTED[m].includes(f.check), `mutation ${m} tripped ${f.check}, expected one of ${EXPECTED[m].join(', ')}\n${describeFailure(caught, SOAK_STEPS)}`);
  });
}
