// The proposer's rules. Phase 2 may only propose, in each slot, the value of the highest-numbered
// proposal that a majority of promises reports (Lamport's P2c); only when none of them accepted
// anything there is the proposer free to choose (its own value, or a no-op to fill a gap).

import { compareBallots } from './ballot.js';
import type { AcceptedEntry, NodeId, Slot, Value } from './types.js';

/** The value phase 2 must propose in `slot`, or undefined when the promises leave it free. */
export function valueFromPromises(reports: Iterable<readonly AcceptedEntry[]>, slot: Slot): { value: Value } | undefined {
  let best: AcceptedEntry | undefined;
  for (const accepted of reports) {
    for (const e of accepted) {
      if (e.slot !== slot) continue;
      if (best === undefined || compareBallots(e.ballot, best.ballot) > 0) best = e;
    }
  }
  return best === undefined ? undefined : { value: best.value };
}

/** Votes of distinct members towards a majority of `size`. */
export class Quorum {
  private readonly votes = new Set<NodeId>();

  constructor(private readonly size: number) {}

  add(id: NodeId): void {
    this.votes.add(id);
  }

  has(id: NodeId): boolean {
    return this.votes.has(id);
  }

  get count(): number {
    return this.votes.size;
  }

  get reached(): boolean {
    return this.votes.size >= Math.floor(this.size / 2) + 1;
  }
}
