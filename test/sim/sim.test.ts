// The simulator soak that `npm test` runs: 1,000+ seeds over every fault mix and cluster sizes
// 1, 3, 5 and 7, each seed a safety phase (every step checked) then a liveness phase. A failing
// seed fails the test with the seed, the check that fired and the last events.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, runSeed } from '../../cmd/lib/sim/run.js';
import { SOAK_FIRST_SEED, SOAK_SEEDS, SOAK_STEPS } from '../../cmd/lib/sim/soak-config.js';
import { Stats } from '../../cmd/lib/sim/stats.js';
import { MIX_NAMES } from '../../cmd/lib/sim/workload.js';

const SIZES = [1, 3, 5, 7];

test(`simulator: ${SOAK_SEEDS} seeds x ${SOAK_STEPS} steps, all fault mixes, sizes ${SIZES.join('/')}`, (t) => {
  const total = new Stats();
  const bySize = new Map<number, number>();
  const byMix = new Map<string, number>();
  let ticks = 0;
  const t0 = performance.now();
  for (let i = 0; i < SOAK_SEEDS; i++) {
    const seed = SOAK_FIRST_SEED + i;
    // Sizes and mixes rotate so that every combination is covered; the seed drives the rest.
    const nodes = SIZES[i % SIZES.length] as number;
    const mix = MIX_NAMES[Math.floor(i / SIZES.length) % MIX_NAMES.length] as string;
    const r = runSeed({ seed, steps: SOAK_STEPS, nodes, mix });
    if (!r.ok) assert.fail(describeFailure(r, SOAK_STEPS));
    ticks += r.ticks;
    total.addAll(r.stats);
    bySize.set(nodes, (bySize.get(nodes) ?? 0) + 1);
    byMix.set(mix, (byMix.get(mix) ?? 0) + 1);
  }
  const secs = (performance.now() - t0) / 1000;
  t.diagnostic(`${SOAK_SEEDS} seeds, ${ticks} ticks in ${secs.toFixed(1)}s (${(SOAK_SEEDS / secs).toFixed(1)} seeds/s)`);
  t.diagnostic(total.rows().map(([k, v]) => `${k}=${v}`).join(' '));

  // The soak must actually have exercised what it claims to.
  for (const n of SIZES) assert.ok((bySize.get(n) ?? 0) > 0, `cluster size ${n} not run`);
  for (const m of MIX_NAMES) assert.ok((byMix.get(m) ?? 0) > 0, `fault mix ${m} not run`);
  for (const name of [
    'drops',
    'dups',
    'reorders',
    'partitionsSymmetric',
    'partitionsOneWay',
    'partitionsIsolateLeader',
    'crashes',
    'crashesMidReady',
    'restarts',
    'clockStalls',
    'writesAcked',
    'readsServed',
    'confAddLearner',
    'confPromote',
    'confRemove',
    'confReadd',
    'transfers',
    'snapshotsSent',
    'snapshotsApplied',
    'compactions',
  ] as const) {
    assert.ok(total.get(name) > 0, `the soak never exercised ${name}`);
  }
});

test('simulator: a seed replays exactly', () => {
  const a = runSeed({ seed: 4242, steps: 150 });
  const b = runSeed({ seed: 4242, steps: 150 });
  assert.equal(a.ok, true, describeFailure(a, 150));
  assert.deepEqual([...b.stats.rows()], [...a.stats.rows()]);
  assert.equal(b.ticks, a.ticks);
  // Naming the values the seed drew (as the replay line does) is the same run.
  const c = runSeed({ seed: 4242, steps: 150, nodes: a.nodes, mix: a.mix });
  assert.deepEqual([...c.stats.rows()], [...a.stats.rows()]);
  // And a different seed is a different run.
  const d = runSeed({ seed: 4243, steps: 150, nodes: a.nodes, mix: a.mix });
  assert.notDeepEqual([...d.stats.rows()], [...a.stats.rows()]);
});
