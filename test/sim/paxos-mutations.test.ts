// The Paxos checks bite: with each mutation switched on, the simulator must fail within the
// seeds `npm test` soaks, the check that fires must be one the bug breaks, and the failure report
// must carry the seed, the trace and a replay line that reproduces it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePaxosFailure, PAXOS_MUTATIONS, runPaxosSeed, type PaxosMutationName, type PaxosRunOptions, type PaxosSeedResult } from '../../cmd/lib/sim/paxos-run.js';
import { SOAK_FIRST_SEED, SOAK_SEEDS, SOAK_STEPS } from '../../cmd/lib/sim/soak-config.js';
import type { CheckName } from '../../cmd/lib/sim/violation.js';

const EXPECTED: Record<PaxosMutationName, CheckName[]> = {
  // The acceptor's own rule, seen on its disk and in what it reports.
  'accept-below-promise': ['acceptor-promise'],
  // A new proposer overwrites a chosen value.
  'ignore-promised-value': ['chosen-value', 'learner-agreement'],
};

function firstFailure(base: Omit<PaxosRunOptions, 'seed'>): { r: PaxosSeedResult | undefined; tried: number } {
  for (let i = 0; i < SOAK_SEEDS; i++) {
    const r = runPaxosSeed({ ...base, seed: SOAK_FIRST_SEED + i });
    if (!r.ok) return { r, tried: i + 1 };
  }
  return { r: undefined, tried: SOAK_SEEDS };
}

for (const m of Object.keys(PAXOS_MUTATIONS) as PaxosMutationName[]) {
  test(`paxos mutation ${m} is caught, and its replay fails the same way`, (t) => {
    const { r, tried } = firstFailure({ steps: SOAK_STEPS, mutation: m });
    assert.ok(r !== undefined, `mutation ${m} survived ${tried} seeds`);
    const f = r.failure!;
    t.diagnostic(`${m}: caught by seed ${r.seed} after ${tried} seed(s); ${f.message}`);
    assert.ok(EXPECTED[m].includes(f.check), `mutation ${m} tripped ${f.check}\n${describePaxosFailure(r, SOAK_STEPS)}`);
    const report = describePaxosFailure(r, SOAK_STEPS);
    assert.match(report, new RegExp(`seed=${r.seed}`));
    assert.match(report, /last events:\n(t= *\d+ .*\n)+/);
    const replay = /replay: npm run sim -- (.*)$/m.exec(report)?.[1];
    assert.ok(replay !== undefined && replay.includes(`--mutation ${m}`) && replay.includes(`--paxos-mode ${r.mode}`), report);
    // The replay line names what the seed drew: the same run, the same failure at the same time.
    const again = runPaxosSeed({ seed: r.seed, steps: SOAK_STEPS, nodes: r.nodes, mix: r.mix, mode: r.mode, mutation: m });
    assert.deepEqual(again.failure, f);
    assert.equal(again.trace, r.trace);
  });
}

test('paxos mutation accept-below-promise breaks the chosen value even with the acceptor checks off', (t) => {
  const { r, tried } = firstFailure({ steps: SOAK_STEPS, mutation: 'accept-below-promise', directChecks: false });
  assert.ok(r !== undefined, `survived ${tried} seeds without the direct checks`);
  t.diagnostic(`caught by seed ${r.seed} after ${tried} seed(s); ${r.failure!.message}`);
  assert.ok(['chosen-value', 'learner-agreement', 'acceptor-promise'].includes(r.failure!.check), describePaxosFailure(r, SOAK_STEPS));
  assert.notEqual(r.failure!.message.includes('after promising'), true, 'the direct check fired although it was off');
});
