// A broken safety or liveness property found by the simulator. `check` names the property so
// tests and the CLI can report which check fired.

export type CheckName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'commit-monotonic'
  | 'ack-durability'
  | 'commit-rule'
  | 'linearizable-read'
  // Paxos (see paxos-checkers.ts)
  | 'learner-agreement'
  | 'chosen-value'
  | 'acceptor-promise'
  | 'liveness'
  | 'core-invariant';

export class SimViolation extends Error {
  constructor(
    readonly check: CheckName,
    detail: string,
  ) {
    super(`${check}: ${detail}`);
    this.name = 'SimViolation';
  }
}
