// npm test soaks MEMBER_SOAK_SEEDS seeds of the member simulation: real Members (driver and
// state machine) under seeded disk, network and clock faults, with KV, lease, lock and watch
// clients, every check on. And a seed replays exactly.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeMemberFailure, runMemberSeed } from '../../cmd/lib/sim/member/run.js';

const MEMBER_SOAK_FIRST_SEED = 1;
const MEMBER_SOAK_SEEDS = 1000;
/** Simulated ms of client work and faults per seed: shorter than the CLI's 2,500 to keep the
 *  soak near a minute on a shared machine (the mutation tests use the full length). */
const MEMBER_SOAK_SAFETY_MS = 1500;

// The soak runs in a child process through the CLI: the test runner's async tracking would
// otherwise cost more than the members' own work (every promise is tracked), and the CLI is what
// a developer runs. Its output is checked, not only its exit code.
test(`member simulation: ${MEMBER_SOAK_SEEDS} seeds pass every check (npm run sim -- --seeds ${MEMBER_SOAK_SEEDS} --safety-ms ${MEMBER_SOAK_SAFETY_MS})`, (t) => {
  const sim = fileURLToPath(new URL('../../cmd/sim.js', import.meta.url));
  const r = spawnSync(process.execPath, [sim, '--seed', String(MEMBER_SOAK_FIRST_SEED), '--seeds', String(MEMBER_SOAK_SEEDS), '--safety-ms', String(MEMBER_SOAK_SAFETY_MS)], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const summary = new RegExp(`^${MEMBER_SOAK_SEEDS} member seeds \\(${MEMBER_SOAK_FIRST_SEED}\\.\\.${MEMBER_SOAK_FIRST_SEED + MEMBER_SOAK_SEEDS - 1}\\) ok in [0-9.]+s: ([0-9.]+) seeds/s`, 'm').exec(r.stdout);
  assert.ok(summary, r.stdout);
  t.diagnostic(summary[0]);
  // The seeds really exercised what the checks are about.
  const counted = new Map([...r.stdout.matchAll(/^ {2}(.+?) +(\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  for (const what of ['checked kv ops', 'checked lock holds', 'checked watch batches', 'lock granted after wait', 'keepalive ok', 'txn ok', 'fault crash', 'fault partition', 'learner added']) {
    assert.ok((counted.get(what) ?? 0) > 0, `nothing of "${what}" happened in ${MEMBER_SOAK_SEEDS} seeds:\n${r.stdout}`);
  }
});

test('member simulation: a seed replays exactly', async () => {
  const a = await runMemberSeed({ seed: 77 });
  const b = await runMemberSeed({ seed: 77 });
  assert.ok(a.ok, describeMemberFailure(a));
  assert.equal(b.events, a.events);
  assert.equal(b.simMs, a.simMs);
  assert.deepEqual([...b.counts], [...a.counts]);
});
