// The Paxos soak that `npm test` runs beside the Raft one: 1,000 seeds over every fault mix,
// cluster sizes 1, 3, 5 and 7 and both modes (Multi-Paxos; single-decree Paxos per slot), each a
// safety phase (every step checked) then a liveness phase with one proposer left.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PaxosMode } from '../../src/paxos/types.js';
import { describePaxosFailure, runPaxosSeed } from '../../cmd/lib/sim/paxos-run.js';
import { SOAK_FIRST_SEED, SOAK_SEEDS, SOAK_STEPS } from '../../cmd/lib/sim/soak-config.js';
import { Stats } from '../../cmd/lib/sim/stats.js';
import { MIX_NAMES } from '../../cmd/lib/sim/workload.js';

const SIZES = [1, 3, 5, 7];
/** Three Multi-Paxos runs for each single-decree one. */
const MODES: PaxosMode[] = ['multi', 'multi', 'basic', 'multi'];

test(`paxos simulator: ${SOAK_SEEDS} seeds x ${SOAK_STEPS} steps, all fault mixes, sizes ${SIZES.join('/')}, both modes`, (t) => {
  const total = new Stats();
  const seen = new Set<string>();
  let ticks = 0;
  const t0 = performance.now();
  for (let i = 0; i < SOAK_SEEDS; i++) {
    const seed = SOAK_FIRST_SEED + i;
    const nodes = SIZES[i % SIZES.length] as number;
    const mix = MIX_NAMES[Math.floor(i / SIZES.length) % MIX_NAMES.length] as string;
    const mode = MODES[Math.floor(i / (SIZES.length * MIX_NAMES.length)) % MODES.length] as PaxosMode;
    const r = runPaxosSeed({ seed, steps: SOAK_STEPS, nodes, mix, mode });
    if (!r.ok) assert.fail(describePaxosFailure(r, SOAK_STEPS));
    ticks += r.ticks;
    total.addAll(r.stats);
    seen.add(`size ${nodes}`);
    seen.add(`mix ${mix}`);
    seen.add(`mode ${mode}`);
  }
  const secs = (performance.now() - t0) / 1000;
  t.diagnostic(`${SOAK_SEEDS} seeds, ${ticks} ticks in ${secs.toFixed(1)}s (${(SOAK_SEEDS / secs).toFixed(1)} seeds/s)`);
  t.diagnostic(total.rows().map(([k, v]) => `${k}=${v}`).join(' '));

  for (const n of SIZES) assert.ok(seen.has(`size ${n}`), `cluster size ${n} not run`);
  for (const m of MIX_NAMES) assert.ok(seen.has(`mix ${m}`), `fault mix ${m} not run`);
  for (const m of ['multi', 'basic']) assert.ok(seen.has(`mode ${m}`), `mode ${m} not run`);
  // The soak must actually have exercised what it claims to: every fault, competing proposers,
  // gaps filled with no-ops, and values chosen and acknowledged.
  for (const name of [
    'drops',
    'dups',
    'reorders',
    'partitionsSymmetric',
    'partitionsOneWay',
    'partitionsIsolateLeader',
    'crashes',
    'crashesMidReady',
    'crashesOnCommit',
    'restarts',
    'clockStalls',
    'competingProposers',
    'elections',
    'phase1Won',
    'preempted',
    'proposerTimeouts',
    'valuesChosen',
    'noopsChosen',
    'writesAcked',
    'writesLost',
  ] as const) {
    assert.ok(total.get(name) > 0, `the paxos soak never exercised ${name}`);
  }
});

test('paxos simulator: a seed replays exactly', () => {
  const a = runPaxosSeed({ seed: 4242, steps: 150 });
  const b = runPaxosSeed({ seed: 4242, steps: 150 });
  assert.equal(a.ok, true, describePaxosFailure(a, 150));
  assert.deepEqual([...b.stats.rows()], [...a.stats.rows()]);
  assert.equal(b.ticks, a.ticks);
  // Naming the values the seed drew (as the replay line does) is the same run.
  const c = runPaxosSeed({ seed: 4242, steps: 150, nodes: a.nodes, mix: a.mix, mode: a.mode });
  assert.deepEqual([...c.stats.rows()], [...a.stats.rows()]);
  const d = runPaxosSeed({ seed: 4243, steps: 150, nodes: a.nodes, mix: a.mix, mode: a.mode });
  assert.notDeepEqual([...d.stats.rows()], [...a.stats.rows()]);
});
