// A simulated Paxos member's stable storage: the acceptor's promise and acceptances, and the
// values its learner learned. Written only when the driver persists a Ready; a crash keeps
// exactly this and loses the PaxosNode and everything it had not handed out.

import { ZERO_BALLOT } from '../../../src/paxos/ballot.js';
import type { AcceptedEntry, Ballot, ChosenEntry, PaxosDurableState, PaxosReady, Slot, Value } from '../../../src/paxos/types.js';

export class PaxosDisk {
  promised: Ballot = ZERO_BALLOT;
  readonly accepted = new Map<Slot, AcceptedEntry>();
  readonly chosen = new Map<Slot, Value>();

  /** One synced write of a Ready's durable parts. */
  persist(rd: PaxosReady): void {
    if (rd.promised !== undefined) this.promised = rd.promised;
    for (const e of rd.accepted) this.accepted.set(e.slot, { ...e });
    for (const e of rd.chosen) this.chosen.set(e.slot, e.value);
  }

  state(): PaxosDurableState {
    const chosen: ChosenEntry[] = [];
    for (const [slot, value] of this.chosen) chosen.push({ slot, value });
    return { promised: this.promised, accepted: [...this.accepted.values()].map((e) => ({ ...e })), chosen };
  }

  /** The contiguous run of learned values from slot 1. */
  chosenPrefix(): ChosenEntry[] {
    const out: ChosenEntry[] = [];
    for (let s = 1; this.chosen.has(s); s++) out.push({ slot: s, value: this.chosen.get(s) as Value });
    return out;
  }
}
