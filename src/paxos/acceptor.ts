// The acceptor: the memory of Paxos. It keeps one promise for all slots (a prepare covers every
// slot from its first one on, and a promise stronger than needed is still safe) and, per slot,
// the highest-numbered proposal it accepted. Its two rules are Lamport's:
//   P1a  it accepts a proposal numbered n unless it has promised a number > n;
//   1b   it promises n only if n is at least every number it promised, reporting what it accepted.
// Every change is handed to the driver (pending*) to be persisted before any reply leaves.

import { compareBallots, maxBallot, ZERO_BALLOT } from './ballot.js';
import type { AcceptedEntry, Ballot, PaxosDurableState, Slot, Value } from './types.js';

export class Acceptor {
  private promisedBallot: Ballot = ZERO_BALLOT;
  private readonly acceptedBySlot = new Map<Slot, AcceptedEntry>();
  /** Not yet handed to the driver: whether the promise rose, and the slots newly accepted. */
  private promiseDirty = false;
  private readonly dirtySlots = new Set<Slot>();

  constructor(
    restored: PaxosDurableState | undefined,
    private readonly acceptBelowPromise: boolean,
  ) {
    if (restored !== undefined) {
      this.promisedBallot = restored.promised;
      for (const e of restored.accepted) this.acceptedBySlot.set(e.slot, { ...e });
    }
  }

  get promised(): Ballot {
    return this.promisedBallot;
  }

  accepted(slot: Slot): AcceptedEntry | undefined {
    return this.acceptedBySlot.get(slot);
  }

  /** Phase 1b. Promises `ballot` when it is not below the current promise. */
  prepare(ballot: Ballot): boolean {
    if (compareBallots(ballot, this.promisedBallot) < 0) return false;
    this.raise(ballot);
    return true;
  }

  /** What this acceptor accepted in slots >= fromSlot (or only in fromSlot). */
  acceptedFrom(fromSlot: Slot, single: boolean): AcceptedEntry[] {
    if (single) {
      const e = this.acceptedBySlot.get(fromSlot);
      return e === undefined ? [] : [{ ...e }];
    }
    const out: AcceptedEntry[] = [];
    for (const e of this.acceptedBySlot.values()) if (e.slot >= fromSlot) out.push({ ...e });
    return out.sort((a, b) => a.slot - b.slot);
  }

  /** Phase 2b. Accepts (ballot, value) in `slot` unless a higher ballot was promised. */
  accept(ballot: Ballot, slot: Slot, value: Value): boolean {
    if (compareBallots(ballot, this.promisedBallot) < 0 && !this.acceptBelowPromise) return false;
    const cur = this.acceptedBySlot.get(slot);
    // A duplicate of what is already accepted changes nothing (and needs no write).
    if (cur !== undefined && compareBallots(cur.ballot, ballot) === 0 && cur.value === value) return true;
    this.raise(ballot);
    this.acceptedBySlot.set(slot, { slot, ballot, value });
    this.dirtySlots.add(slot);
    return true;
  }

  private raise(ballot: Ballot): void {
    const next = maxBallot(this.promisedBallot, ballot);
    if (compareBallots(next, this.promisedBallot) !== 0) {
      this.promisedBallot = next;
      this.promiseDirty = true;
    }
  }

  /** The changes since the last call, for the driver to persist. */
  takeChanges(): { promised: Ballot | undefined; accepted: AcceptedEntry[] } {
    const promised = this.promiseDirty ? this.promisedBallot : undefined;
    const accepted: AcceptedEntry[] = [];
    for (const s of this.dirtySlots) accepted.push({ ...(this.acceptedBySlot.get(s) as AcceptedEntry) });
    this.promiseDirty = false;
    this.dirtySlots.clear();
    return { promised, accepted };
  }

  hasChanges(): boolean {
    return this.promiseDirty || this.dirtySlots.size > 0;
  }
}
