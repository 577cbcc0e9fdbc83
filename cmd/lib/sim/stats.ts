// Counters of everything a run exercised (the fault histogram printed by `npm run sim -- --seeds`).

export type StatName =
  | 'msgsSent'
  /** Heartbeats and their answers (Paxos per slot: learn requests), counted in msgsSent too. */
  | 'msgsKeepAlive'
  | 'msgsDelivered'
  | 'drops'
  | 'dropsPartitioned'
  | 'dropsToDownNode'
  | 'dropsOverflow'
  | 'dups'
  | 'reorders'
  | 'partitionsSymmetric'
  | 'partitionsOneWay'
  | 'partitionsIsolateLeader'
  | 'heals'
  | 'crashes'
  | 'crashesMidReady'
  | 'crashesOnCommit'
  | 'restarts'
  | 'clockStalls'
  | 'proposals'
  | 'proposalsRefused'
  | 'writesAcked'
  | 'writesLost'
  | 'reads'
  | 'readsServed'
  | 'confAddLearner'
  | 'confPromote'
  | 'confRemove'
  | 'confReadd'
  | 'confRefused'
  | 'confApplied'
  | 'transfers'
  | 'snapshotsSent'
  | 'snapshotsApplied'
  | 'compactions'
  | 'elections'
  | 'campaigns'
  // Paxos
  | 'competingProposers'
  | 'phase1Started'
  | 'phase1Won'
  | 'preempted'
  | 'proposerTimeouts'
  | 'valuesChosen'
  | 'noopsChosen';

export class Stats {
  readonly counts = new Map<StatName, number>();

  inc(name: StatName, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: StatName): number {
    return this.counts.get(name) ?? 0;
  }

  addAll(other: Stats): void {
    for (const [k, v] of other.counts) this.inc(k, v);
  }

  /** Rows sorted by name, for printing. */
  rows(): Array<[StatName, number]> {
    return [...this.counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }
}
