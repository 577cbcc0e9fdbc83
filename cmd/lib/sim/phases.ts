// The two phases every simulated run goes through, whatever the protocol: a safety phase of
// scheduled faults and operations (each step checked by the protocol's checkers as it happens),
// then healing before the protocol's own liveness check. A broken property or invariant ends the
// run as a failure that names the check.

import type { NodeId } from '../../../src/raft/types.js';
import { CALM_NETWORK } from './network.js';
import type { FaultScheduler, FaultTarget } from './scheduler.js';
import { SimViolation, type CheckName } from './violation.js';

/** A protocol's simulated cluster, as the phases drive it. */
export interface SteppedCluster extends FaultTarget {
  time: number;
  deliver(): void;
  tickAll(stalled: ReadonlySet<NodeId>): void;
  /** End-of-step checks. */
  endStep(): void;
  downMembers(): Array<{ id: NodeId; downUntil: number; life: number }>;
}

/** One step: deliver what is due, tick every member whose clock runs, check, advance time. */
export function step(c: SteppedCluster, stalled: ReadonlySet<NodeId>): void {
  c.deliver();
  c.tickAll(stalled);
  c.endStep();
  c.time++;
}

/** `steps` steps of faults and operations, then the scheduler stops injecting them. */
export function safetyPhase(c: SteppedCluster, scheduler: FaultScheduler, steps: number): void {
  for (let i = 0; i < steps; i++) step(c, scheduler.beforeTick());
  scheduler.stop();
}

/** Start of the liveness phase: every link heals, the network calms, crashed members restart. */
export function heal(c: SteppedCluster, note: string): void {
  c.trace.add(c.time, `--- liveness phase: ${note} ---`);
  c.network.healAll();
  c.network.faults = CALM_NETWORK;
  for (const m of c.downMembers()) if (m.life > 0) c.restart(m.id);
}

/** The failure a thrown error stands for: a SimViolation names its check; anything else is a
 *  broken invariant of the core or the simulator. */
export function failureOf(err: unknown, time: number): { check: CheckName; message: string; time: number } {
  if (err instanceof SimViolation) return { check: err.check, message: err.message, time };
  const e = err as Error;
  const where = (e.stack ?? '').split('\n').slice(1, 4).join(' | ').trim();
  return { check: 'core-invariant', message: `${e.name}: ${e.message} [${where}]`, time };
}

/** How a run's phases ended. `cluster` is undefined only when building it failed. */
export interface PhasesOutcome<C> {
  cluster: C | undefined;
  /** The tick the liveness phase began (-1 if it was not reached). */
  healedAt: number;
  /** Ticks the liveness phase needed (0 if it did not finish). */
  livenessTicks: number;
  failure?: { check: CheckName; message: string; time: number };
  /** The last events, oldest first (only on failure). */
  trace?: string;
}

/**
 * Build the cluster, run the safety phase under `scheduler`, then `liveness` (which heals and
 * returns the ticks it needed). The callbacks run in this order, so each may fork the seed's
 * generator in turn and a run replays exactly.
 */
export function runPhases<C extends SteppedCluster>(
  build: () => C,
  scheduler: (c: C) => FaultScheduler,
  steps: number,
  liveness: (c: C) => number,
): PhasesOutcome<C> {
  const out: PhasesOutcome<C> = { cluster: undefined, healedAt: -1, livenessTicks: 0 };
  try {
    const c = build();
    out.cluster = c;
    safetyPhase(c, scheduler(c), steps);
    out.healedAt = c.time;
    out.livenessTicks = liveness(c);
  } catch (err) {
    out.failure = failureOf(err, out.cluster?.time ?? 0);
    out.trace = out.cluster?.trace.format() ?? '';
  }
  return out;
}
