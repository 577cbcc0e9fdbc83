// Shared helpers for state/ tests.
import assert from 'node:assert/strict';
import type { Command, CommandResult } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/index.js';

/** Apply and assert the result has op `op`; returns the narrowed result. */
export function ok<Op extends CommandResult['op']>(sm: StateMachine, cmd: Command, op: Op): Extract<CommandResult, { op: Op }> {
  const { result } = sm.apply(cmd);
  assert.equal(result.op, op, `expected ${op}, got ${JSON.stringify(result)}`);
  return result as Extract<CommandResult, { op: Op }>;
}

export function err(sm: StateMachine, cmd: Command, code: string): Extract<CommandResult, { op: 'error' }> {
  const { result, events } = sm.apply(cmd);
  assert.equal(result.op, 'error', `expected error ${code}, got ${JSON.stringify(result)}`);
  assert.equal((result as { code: string }).code, code);
  assert.deepEqual(events, []);
  return result as Extract<CommandResult, { op: 'error' }>;
}

/** mulberry32: a small seeded PRNG for reproducible random command sequences. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh state machine with a 10 s lease granted for each id. */
export function withLeases(...ids: string[]): StateMachine {
  const sm = new StateMachine();
  for (const id of ids) ok(sm, { op: 'leaseGrant', id, ttlMs: 10_000 }, 'leaseGrant');
  return sm;
}
