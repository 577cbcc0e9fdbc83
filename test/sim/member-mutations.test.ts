// Each member mutation (a bug re-introduced through the test hooks a member is built with) is
// caught within the first seeds by the check it breaks, and its report carries the seed, the
// last events and a replay command that fails the same way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEMBER_MUTATIONS, MEMBER_MUTATION_NAMES } from '../../cmd/lib/sim/member/mutations.js';
import { describeMemberFailure, runMemberSeed, type MemberSeedResult } from '../../cmd/lib/sim/member/run.js';

/** Every mutation must be caught within these seeds. */
const SEEDS = 300;

for (const m of MEMBER_MUTATION_NAMES) {
  test(`member mutation ${m} is caught by ${MEMBER_MUTATIONS[m].caughtBy}, and its replay fails the same way`, async (t) => {
    let caught: MemberSeedResult | undefined;
    let tried = 0;
    for (let seed = 1; seed <= SEEDS && caught === undefined; seed++) {
      const r = await runMemberSeed({ seed, mutation: m });
      tried++;
      if (!r.ok) caught = r;
    }
    assert.ok(caught !== undefined, `mutation ${m} survived ${tried} seeds`);
    const f = caught.failure!;
    t.diagnostic(`mutation ${m}: caught by seed ${caught.seed} (${tried} seed(s) tried); ${f.message.split('\n')[0]}`);
    const report = describeMemberFailure(caught);
    assert.equal(f.check, MEMBER_MUTATIONS[m].caughtBy, report);
    assert.match(report, new RegExp(`replay: npm run sim -- --seed ${caught.seed} --mutation ${m}$`, 'm'));
    assert.match(report, /last events/);
    const again = await runMemberSeed({ seed: caught.seed, mutation: m });
    assert.deepEqual(again.failure, f);
  });
}

test('without a mutation, the seeds that caught them pass', async () => {
  for (const seed of [1, 5, 14, 18]) {
    const r = await runMemberSeed({ seed });
    assert.ok(r.ok, describeMemberFailure(r));
  }
});
